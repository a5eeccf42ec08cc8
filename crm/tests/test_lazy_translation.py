"""No text is translated at import time: a ``gettext`` call outside a function body (a module
constant, a class attribute, a default argument) runs once, in whatever language is active when
the module is imported, and then shows that language to everyone (issue 10: English pages
showed "客户“…”已创建。" because ``success_message`` was a class attribute built with ``gettext``).
Text needed before a request exists uses ``gettext_lazy``."""

import ast

from django.conf import settings

# Translation functions that translate on the spot (their lazy twins are fine anywhere).
EAGER = {"gettext", "ngettext", "pgettext", "npgettext", "ugettext", "ungettext"}
NOT_SOURCE = {".git", ".venv", "node_modules", "staticfiles", "test-artifacts", "__pycache__", "locale", "bench"}


def project_modules():
    for path in sorted(settings.BASE_DIR.rglob("*.py")):
        parts = set(path.relative_to(settings.BASE_DIR).parts)
        if parts & NOT_SOURCE or "tests" in parts or "migrations" in parts:
            continue
        yield path


def eager_names(tree):
    """The names a module binds to an eager translation function (``gettext as _`` included)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in EAGER:
                    names.add(alias.asname or alias.name)
    return names


class ImportTimeCalls(ast.NodeVisitor):
    """Calls of ``names`` that run when the module is imported: everywhere but inside a function's
    (or lambda's) body. Default arguments and decorators of a function run at import time too."""

    def __init__(self, names):
        self.names = names
        self.found = []

    def visit_FunctionDef(self, node):
        for child in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if child is not None:
                self.visit(child)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        for child in [*node.args.defaults, *node.args.kw_defaults]:
            if child is not None:
                self.visit(child)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in self.names:
            self.found.append(node.lineno)
        self.generic_visit(node)


def import_time_translations(source):
    tree = ast.parse(source)
    visitor = ImportTimeCalls(eager_names(tree))
    visitor.visit(tree)
    return visitor.found


def test_no_module_translates_text_at_import_time():
    offenders = []
    for path in project_modules():
        for line in import_time_translations(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{line}")
    assert not offenders, f"gettext at import time (use gettext_lazy): {offenders}"


def test_the_scanner_finds_class_attributes_module_constants_and_defaults():
    source = (
        "from django.utils.translation import gettext as _, ngettext\n"
        "TITLE = _('a')\n"
        "class View:\n"
        "    message = _('b')\n"
        "    def ok(self):\n"
        "        return _('c'), ngettext('d', 'e', 2)\n"
        "def later(text=_('f')):\n"
        "    return lambda: _('g')\n"
    )
    assert import_time_translations(source) == [2, 4, 7]


def test_the_scanner_lets_lazy_translation_pass():
    source = "from django.utils.translation import gettext_lazy as _\nclass View:\n    message = _('b')\n"
    assert import_time_translations(source) == []
