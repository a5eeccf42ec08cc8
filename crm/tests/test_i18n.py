"""The Chinese catalogue (SPEC: the UI ships in 简体中文 and English) is complete, compiled and used."""

import re
import shutil
import subprocess
import sys

import polib
import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")

# Not copied when regenerating the catalogue: nothing in them is ours to translate.
NOT_SOURCE = (
    ".git",
    ".venv",
    "node_modules",
    "staticfiles",
    "backups",
    "test-artifacts",
    "*.sqlite3",
    "__pycache__",
    ".env",
)


@pytest.fixture(scope="module")
def po():
    assert PO_PATH.exists(), f"{PO_PATH} is missing"
    return polib.pofile(str(PO_PATH))


def live_entries(catalogue):
    return [entry for entry in catalogue if not entry.obsolete]


def key(entry):
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def translation_of(entry):
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
    return entry.msgstr


def test_catalogue_is_not_empty(po):
    assert len(live_entries(po)) > 20


def test_every_entry_is_translated(po):
    untranslated = [entry.msgid for entry in live_entries(po) if not entry.translated()]
    assert not untranslated


def test_every_plural_form_is_translated(po):
    nplurals = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
    for entry in live_entries(po):
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == nplurals, entry.msgid
            assert all(form.strip() for form in entry.msgstr_plural.values()), entry.msgid


def test_no_entry_is_fuzzy(po):
    assert not [entry.msgid for entry in po.fuzzy_entries()]


def test_translations_keep_the_placeholders_of_the_original(po):
    for entry in live_entries(po):
        wanted = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid))
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= wanted, entry.msgid
            if not entry.msgid_plural:
                assert set(PLACEHOLDER.findall(form)) == wanted, entry.msgid


def test_compiled_catalogue_exists_and_matches_the_source(po):
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages"
    mo = polib.mofile(str(MO_PATH))
    compiled = {key(entry): translation_of(entry) for entry in mo}
    source = {key(entry): translation_of(entry) for entry in live_entries(po) if entry.translated()}
    assert compiled == source


def test_catalogue_covers_every_string_in_the_code(tmp_path, po):
    """makemessages on a copy of the project finds no string the catalogue lacks."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed")
    copy = tmp_path / "project"
    shutil.copytree(settings.BASE_DIR, copy, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    result = subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    regenerated = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in live_entries(regenerated) if not entry.translated() or entry.fuzzy]
    assert not missing, f"strings without a Chinese translation: {missing}"


def test_login_page_is_chinese_by_default(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert re.search(r"<button[^>]*>\s*登录\s*</button>", html)
    assert "Log in" not in html


def test_login_page_is_english_for_an_english_browser(client, db):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert re.search(r"<button[^>]*>\s*Log in\s*</button>", html)
    assert "登录" not in html


def test_login_page_follows_the_language_cookie(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert re.search(r"<button[^>]*>\s*Log in\s*</button>", html)


def test_a_customers_code_and_a_sign_in_code_are_different_words_in_chinese(client, manager_ann):
    # "Code" is the customer's 编号 on the lists and the one-time 验证码 at sign-in (seen: the
    # customer list headed its codes 验证码).
    from crm.two_factor_forms import SecondStepForm
    from customers.tests.factories import make_customer

    make_customer(manager_ann, name="安诚贸易有限公司")
    client.force_login(manager_ann)
    html = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    head = html[html.index("<thead") : html.index("</thead>")]
    assert "编号" in head
    assert "验证码" not in html
    with translation.override("zh-hans"):
        assert str(SecondStepForm().fields["code"].label) == "验证码"
