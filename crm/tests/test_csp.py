"""The content security policy (issue 15): its headers, the markup it forbids, its violation reports.

The policy (crm/settings.py) allows scripts and styles from our own files only, so an inline
<script>, a <style> element, a style="" attribute or an on...="" handler would be blocked in the
browser: the page would silently lose its behaviour or its look. These tests fail on any of them,
in the template and Python sources and in every page as it is rendered.
"""

import json
import logging
import re
import tokenize
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from crm.csp import MAX_REPORT_BYTES
from crm.testing.matrix import all_url_names
from crm.testing.world import copy_world, shared_world
from crm.tests.test_fuzz import build_world, url_kwargs

ROOT = Path(settings.BASE_DIR)
PROJECT_APPS = ("crm", "customers", "opportunities", "services", "reports", "sales")

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "report-uri": "/csp-report/",
}


def policy(response):
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


# ---------------------------------------------------------------------------------------------
# Headers


@pytest.mark.parametrize("signed_in", [False, True], ids=["login page", "dashboard"])
def test_every_security_header_is_on_a_page(client, admin, signed_in):
    if signed_in:
        client.force_login(admin)
    response = client.get(reverse("dashboard" if signed_in else "login"))
    assert response.status_code == 200
    assert policy(response) == EXPECTED_POLICY
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=()"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_an_htmx_fragment_and_a_redirect_carry_the_policy_too(client, supervisor_sue):
    assert "frame-ancestors 'none'" in client.get(reverse("dashboard"))["Content-Security-Policy"]  # 302
    client.force_login(supervisor_sue)
    fragment = client.get(reverse("reports:dashboard_figures"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert policy(fragment) == EXPECTED_POLICY


# ---------------------------------------------------------------------------------------------
# Markup the policy would block


class InlineFinder(HTMLParser):
    """Collects what the policy blocks: a <script> without src (JSON data blocks aside, which are
    never run), a <style> element, a style attribute and an on... event handler attribute."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        if "style" in names:
            self.found.append("style=")
        if any(re.fullmatch(r"on[a-z]+", name) for name in names):
            self.found.append("on...=")


def inline_in_html(html):
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


# In a template's source: what a tag would carry once rendered. Template comments are dropped
# first (they may mention a <style> as this module's docstring does).
TEMPLATE_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|<!--.*?-->", re.S)
SOURCE_PATTERNS = {
    "<script> without src": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "<style>": re.compile(r"<style\b", re.I),
    "style=": re.compile(r"<[a-z][^<>]*\sstyle\s*=", re.I),
    "on...=": re.compile(r"<[a-z][^<>]*\son[a-z]+\s*=", re.I),
}


def inline_in_source(text):
    return [name for name, pattern in SOURCE_PATTERNS.items() if pattern.search(text)]


def template_files():
    folders = [ROOT / "templates"] + [ROOT / app / "templates" for app in PROJECT_APPS]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


def python_strings(path):
    """The string literals of a Python file (what format_html and mark_safe are given)."""
    with path.open("rb") as source:
        return [token.string for token in tokenize.tokenize(source.readline) if token.type == tokenize.STRING]


def python_files():
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
                yield path


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<script>alert(1)</script>", ["<script> without src"]),
        ('<script type="module">import "x";</script>', ["<script> without src"]),
        ("<style>p { color: red }</style>", ["<style>"]),
        ('<div class="x" style="width: 1px">', ["style="]),
        ('<button type="button" onclick="go()">', ["on...="]),
        ('<body onload="go()">', ["on...="]),
        ('<script src="/static/js/app.js"></script>', []),
        ('<script id="c" type="application/json">{"a": 1}</script>', []),
        ('<div class="text-muted">the style="" attribute is forbidden</div>', []),
    ],
)
def test_the_checks_find_each_kind_of_inline_code_and_only_that(markup, expected):
    # The same markup through both checks: the source scan and the rendered-page parser.
    assert inline_in_source(markup) == expected
    assert inline_in_html(markup) == expected


def test_no_template_holds_inline_script_or_style():
    files = template_files()
    assert len(files) > 50  # every template of the project was read
    offenders = {}
    for path in files:
        found = inline_in_source(TEMPLATE_COMMENT.sub("", path.read_text(encoding="utf-8")))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert not offenders, f"inline code the content security policy blocks (move it to static/): {offenders}"


def test_no_python_code_builds_inline_script_or_style():
    offenders = {}
    for path in python_files():
        found = sorted({name for string in python_strings(path) for name in inline_in_source(string)})
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert not offenders, (
        f"inline code the content security policy blocks (use a class or data- attribute): {offenders}"
    )


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    yield from shared_world(build_world, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


@pytest.mark.parametrize("persona", ["superuser_sam", "manager_ann"])
def test_no_page_renders_inline_script_or_style(client, world, persona):
    # Every page of the project as it is rendered: templates of the libraries (django-tables2,
    # django-filter's widgets) and attributes built in Python included. The admin is Django's own.
    client.force_login(world[persona])
    rendered = 0
    offenders = {}
    for url_name in sorted(all_url_names()):
        response = client.get(reverse(url_name, kwargs=url_kwargs(world, url_name)))
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        rendered += 1
        found = inline_in_html(response.content.decode())
        if found:
            offenders[url_name] = found
    assert rendered > 30
    assert not offenders, offenders


# ---------------------------------------------------------------------------------------------
# Violation reports

REPORT = {
    "csp-report": {
        "document-uri": "http://crm.example/customers/",
        "referrer": "",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "original-policy": "default-src 'self'",
        "blocked-uri": "inline",
        "status-code": 200,
    }
}


@pytest.fixture
def csrf_client():
    # The browser posts reports without a CSRF token: the view must take them all the same.
    return Client(enforce_csrf_checks=True)


def post_report(client, body, content_type="application/csp-report"):
    return client.post(reverse("csp_report"), body, content_type=content_type)


def test_a_violation_report_is_logged_with_its_directive_and_blocked_uri(csrf_client, caplog, db):
    with caplog.at_level(logging.WARNING, logger="crm.csp"):
        response = post_report(csrf_client, json.dumps(REPORT))
    assert response.status_code == 204
    assert [(record.name, record.levelname, record.getMessage()) for record in caplog.records] == [
        (
            "crm.csp",
            "WARNING",
            "Content-Security-Policy violation: 'style-src-attr' blocked 'inline' on 'http://crm.example/customers/'",
        )
    ]


def test_a_reporting_api_report_is_logged_too(csrf_client, caplog, db):
    body = [
        {
            "type": "csp-violation",
            "body": {
                "effectiveDirective": "script-src-elem",
                "blockedURL": "https://evil.example/x.js",
                "documentURL": "http://crm.example/",
            },
        }
    ]
    with caplog.at_level(logging.WARNING, logger="crm.csp"):
        response = post_report(csrf_client, json.dumps(body), "application/reports+json")
    assert response.status_code == 204
    assert [record.getMessage() for record in caplog.records] == [
        "Content-Security-Policy violation: 'script-src-elem' blocked 'https://evil.example/x.js' on 'http://crm.example/'"
    ]


def test_a_report_with_a_line_break_is_logged_as_one_line_and_cut_short(csrf_client, caplog, db):
    report = {"csp-report": {"effective-directive": "img-src\nFAKE ENTRY", "blocked-uri": "x" * 5000}}
    with caplog.at_level(logging.WARNING, logger="crm.csp"):
        assert post_report(csrf_client, json.dumps(report)).status_code == 204
    (message,) = [record.getMessage() for record in caplog.records]
    assert "\n" not in message
    assert "'img-src\\nFAKE ENTRY'" in message
    assert "x" * 300 in message and "x" * 301 not in message


def test_a_report_page_refuses_get(client, db):
    assert client.get(reverse("csp_report")).status_code == 405


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"\xff\xfe", b"[]", b"[1, 2]", b'{"csp-report": "x"}', b"{}", b"null", b'"text"'],
    ids=[
        "empty",
        "not json",
        "not utf-8",
        "empty list",
        "list of numbers",
        "report not an object",
        "empty object",
        "null",
        "a string",
    ],
)
def test_a_body_that_is_not_a_report_gets_400_and_is_not_logged(csrf_client, caplog, db, body):
    with caplog.at_level(logging.WARNING, logger="crm.csp"):
        assert post_report(csrf_client, body).status_code == 400
    assert not [record for record in caplog.records if record.name == "crm.csp"]


def test_a_body_over_the_limit_gets_413_and_is_not_logged(csrf_client, caplog, db):
    at_limit = json.dumps({"csp-report": {"effective-directive": "img-src", "blocked-uri": ""}})
    at_limit = at_limit.replace('""', '"' + "y" * (MAX_REPORT_BYTES - len(at_limit)) + '"')
    assert len(at_limit.encode()) == MAX_REPORT_BYTES
    over_limit = at_limit.replace("y", "yy", 1)
    with caplog.at_level(logging.WARNING, logger="crm.csp"):
        assert post_report(csrf_client, over_limit).status_code == 413
        assert not [record for record in caplog.records if record.name == "crm.csp"]
        assert post_report(csrf_client, at_limit).status_code == 204
    assert len([record for record in caplog.records if record.name == "crm.csp"]) == 1


def test_the_settings_parse_as_django_csp_4_expects(settings):
    # 4.x reads CONTENT_SECURITY_POLICY; the old CSP_* settings would be silently ignored.
    assert not [name for name in dir(settings) if name.startswith("CSP_")]
    assert set(settings.CONTENT_SECURITY_POLICY) == {"DIRECTIVES"}


def test_a_string_of_python_is_read_as_tokens(tmp_path):
    path = tmp_path / "sample.py"
    path.write_text('# <style> in a comment is not markup\nHTML = "<div style=\\"x\\">"\n', encoding="utf-8")
    assert [inline_in_source(string) for string in python_strings(path)] == [["style="]]
