"""Playwright on Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, so Django's async-safety check must
be relaxed for these tests alone (DJANGO_ALLOW_ASYNC_UNSAFE), for as long as the browser lives.

Every step waits for the state it asserts (STYLE §10): after a click the browser may still show
the old page, so assertions go through ``expect(...)``, which retries until the page agrees or the
timeout passes (test_style.py keeps it so). The timeouts are generous because a slow or busy
machine should wait, not fail; a real failure still fails, only later.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Milliseconds. expect() retries an assertion this long; an action (click, fill) waits this long
# for its element; a navigation (goto, a form's answer) this long for the page to load.
EXPECT_TIMEOUT = 15_000
ACTION_TIMEOUT = 20_000
NAVIGATION_TIMEOUT = 30_000
LAUNCH_TIMEOUT = 60_000

expect.set_options(timeout=EXPECT_TIMEOUT)


def pytest_collection_modifyitems(items):
    # Only tests that drive the browser; test_style.py in this folder reads source files.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=LAUNCH_TIMEOUT)
            yield chromium
            chromium.close()


@pytest.fixture
def demo(transactional_db):
    """The demo data of `seed_demo`, created by the real command."""
    call_command("seed_demo", customers=12, stdout=io.StringIO())


@pytest.fixture
def page(browser, live_server, demo):
    # A Chinese browser: the CRM answers in Chinese until the user picks another language.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(ACTION_TIMEOUT)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def submit(page, selector):
    """Click the submit button at ``selector`` and wait until the server's answer has loaded.

    The answer may be the same URL again (a form with errors), so waiting for a new URL would not
    do; the navigation itself is what tells the old page from the new one.
    """
    with page.expect_navigation():
        page.click(selector)


def login(page, username, password):
    """Fill in the login form and wait for the answer: the next page, or the form with errors.
    A user with an authenticator app (two-factor sign-in) is asked for a code after the right
    password: type the one their app would show, as the test knows the app's key (the demo's,
    crm.demo.DEMO_TWO_FACTOR_KEY)."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit(page, "button[type=submit]")
    user = get_user_model().objects.filter(username=username).first()
    if user and user.check_password(password) and TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        type_app_code(page, username)


def type_app_code(page, username):
    """On the sign-in code page: type the current code of ``username``'s authenticator app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from crm.testing.two_factor import app_code

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    page.fill("input[name=code]", app_code(device))
    submit(page, "[data-testid=two-factor-submit]")


# The two widths every page is looked at: a desktop window and a 390 px phone (plain viewports:
# Chromium's mobile emulation would zoom out of a page that is too wide instead of letting it
# scroll, and the screens test looks for exactly that scrolling).
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# The browser's language (Accept-Language) for each of the CRM's languages.
BROWSER_LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


@pytest.fixture
def language():
    """The language the browser asks for; a test parametrises it with "zh-hans" or "en"."""
    return "zh-hans"


def open_page(browser, live_server, *, language, viewport):
    """A page in a new browser context speaking ``language`` at ``viewport``; close its context."""
    context = browser.new_context(locale=BROWSER_LOCALES[language], viewport=viewport)
    context.set_default_timeout(ACTION_TIMEOUT)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
    page = context.new_page()
    page.base_url = live_server.url
    return page


@pytest.fixture
def desktop(browser, live_server, demo, language):
    """A desktop-sized page (1280 px) on the demo data, in ``language``."""
    page = open_page(browser, live_server, language=language, viewport=DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, live_server, demo, language):
    """A phone-sized page (390 px) on the demo data, in ``language``."""
    page = open_page(browser, live_server, language=language, viewport=PHONE)
    yield page
    page.context.close()
