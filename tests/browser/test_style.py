"""The browser tests wait for what they assert (STYLE §10); this guard reads their source.

A Playwright read such as ``locator.count()`` or ``page.url`` answers at once with whatever the
browser shows at that instant, and right after a click that may still be the old page. Its
``expect(...)`` counterpart retries until the page agrees or the timeout passes. So the browser
test modules read the page only inside an ``expect(...)`` statement; anything else fails here
with its file and line. A read inside an expectation's arguments is allowed because that is where
a database count belongs (``expect(rows).to_have_count(lines.count())``); elsewhere take ``len()``
of the rows. The guard can't tell a QuerySet from a Locator by reading, and doesn't pretend to.

Plain pytest: no browser, no database.
"""

import ast
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Reads that answer at once -> what waits for the same state instead.
INSTANT_READS = {
    "count": "expect(locator).to_have_count(n)",
    "is_visible": "expect(locator).to_be_visible()",
    "is_hidden": "expect(locator).to_be_hidden()",
    "is_checked": "expect(locator).to_be_checked()",
    "is_enabled": "expect(locator).to_be_enabled()",
    "is_disabled": "expect(locator).to_be_disabled()",
    "is_editable": "expect(locator).to_be_editable()",
    "inner_text": "expect(locator).to_have_text(...) or .to_contain_text(...)",
    "inner_html": "expect(locator).to_contain_text(...)",
    "text_content": "expect(locator).to_have_text(...) or .to_contain_text(...)",
    "all_inner_texts": "expect(locator).to_have_text([...])",
    "all_text_contents": "expect(locator).to_have_text([...])",
    "input_value": "expect(locator).to_have_value(...)",
    "get_attribute": "expect(locator).to_have_attribute(...)",
    "wait_for_timeout": "an expect(...) of the state being waited for",
}
URL_READ = "expect(page).to_have_url(...) or page.wait_for_url(...)"


def _is_expectation(node):
    """Whether ``node`` is a call chained on ``expect(...)``, e.g. ``expect(x).to_have_count(1)``."""
    while isinstance(node, ast.Call):
        function = node.func
        if isinstance(function, ast.Name) and function.id == "expect":
            return True
        if not isinstance(function, ast.Attribute):
            return False
        node = function.value
    return False


def instant_reads(source, filename="<source>"):
    """Every read of the page outside an ``expect(...)`` in ``source``: (line, what, use instead)."""
    tree = ast.parse(source, filename)
    inside_expect = set()
    for node in ast.walk(tree):
        if _is_expectation(node):
            inside_expect.update(id(child) for child in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in inside_expect:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in INSTANT_READS:
            found.append((node.lineno, f".{node.func.attr}()", INSTANT_READS[node.func.attr]))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "url"
            and isinstance(node.value, ast.Name)
            and node.value.id == "page"
        ):
            found.append((node.lineno, "page.url", URL_READ))
    return sorted(found)


def test_the_guard_flags_instant_reads_and_lets_expectations_through():
    source = "\n".join(
        [
            "def test_example(page, lines):",
            "    page.click('button[type=submit]')",
            "    assert page.locator('.invalid-feedback').count() >= 1",
            "    assert '/login/' in page.url",
            "    name = page.locator('h1').inner_text()",
            "    if page.locator('#menu').is_visible():",
            "        page.wait_for_timeout(500)",
            "    expect(page.locator('.invalid-feedback')).not_to_have_count(0)",
            "    expect(page.locator('tr')).to_have_count(lines.count())",
            "    expect(page).to_have_url(page.base_url + '/')",
        ]
    )
    assert [(line, what) for line, what, _ in instant_reads(source)] == [
        (3, ".count()"),
        (4, "page.url"),
        (5, ".inner_text()"),
        (6, ".is_visible()"),
        (7, ".wait_for_timeout()"),
    ]


def test_browser_test_modules_read_the_page_only_through_expect():
    modules = sorted(HERE.glob("*.py"))
    # Guard against a guard that checks nothing (a moved folder, a renamed glob).
    assert {"conftest.py", "test_customers.py", "test_login.py", "test_sales.py"} <= {p.name for p in modules}
    problems = [
        f"{path.relative_to(HERE.parents[1])}:{line}: {what} reads the page without waiting; use {instead}"
        for path in modules
        for line, what, instead in instant_reads(path.read_text(encoding="utf-8"), str(path))
    ]
    assert problems == [], "\n".join(problems)
