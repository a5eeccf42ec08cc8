"""Two-factor sign-in in the browser (crm.two_factor): the demo administrator, reset by a superuser,
sets up an authenticator app from the page (the test reads the key shown for typing and computes
the app's code), signs out and in again with password and code; the demo superuser signs in with a
recovery code."""

import io
import re
from base64 import b32decode

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticToken
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, submit, type_app_code
from tests.browser.test_screens import check

PASSWORDS = {"admin": "crm-demo-admin", "sam": "crm-demo-sam"}
ON_VERIFY = re.compile(r"/accounts/two-factor/verify/")


def app_code_for(secret_text):
    """What an authenticator app shows now for the key typed in as ``secret_text``."""
    key = b32decode(secret_text.replace(" ", ""))
    return f"{hotp(key, TOTP(key).t()):06d}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_administrator_sets_up_the_app_signs_out_and_signs_in_with_a_code(desktop, language):
    call_command("reset_two_factor", "admin", "--by", "sam", stdout=io.StringIO())
    page = desktop
    login(page, "admin", PASSWORDS["admin"])
    expect(page.locator("[data-testid=two-factor-enrol]")).to_be_visible()
    expect(page.locator("[data-testid=main-menu]")).to_have_count(0)
    expect(page.locator("[data-testid=two-factor-qr]")).to_be_visible()
    # The QR code is an image from our own origin that the browser drew (the CSP allows it).
    page.wait_for_function("() => document.querySelector('[data-testid=two-factor-qr]').naturalWidth > 100")
    # Any other page sends the user back to the step.
    page.goto(f"{page.base_url}/customers/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2Fcustomers%2F$"))
    shown = page.locator("[data-testid=two-factor-secret]")
    expect(shown).to_have_text(re.compile(r"^\s*([A-Z2-7]{4} ){7}[A-Z2-7]{4}\s*$"))
    secret = shown.evaluate("element => element.textContent").strip()  # as the user reads it off
    page.fill("input[name=code]", app_code_for(secret))
    submit(page, "[data-testid=two-factor-submit]")

    codes = page.locator("[data-testid=recovery-codes] li")
    expect(codes).to_have_count(10)
    screenshot(page, f"two-factor-recovery-codes-{language}")
    with page.expect_navigation():
        page.locator("main a.btn-primary").click()
    expect(page).to_have_url(f"{page.base_url}/customers/")

    page.click("[data-testid=user-menu]")
    with page.expect_navigation():
        page.click("form[action='/accounts/logout/'] button")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORDS["admin"])
    submit(page, "button[type=submit]")
    expect(page).to_have_url(ON_VERIFY)
    expect(page.locator("[data-testid=two-factor-verify]")).to_be_visible()
    screenshot(page, f"two-factor-verify-{language}")
    type_app_code(page, "admin")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()


def test_superuser_signs_in_with_a_recovery_code_once(page):
    code = StaticToken.objects.filter(device__user__username="sam").values_list("token", flat=True).first()
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", PASSWORDS["sam"])
    submit(page, "button[type=submit]")
    expect(page).to_have_url(ON_VERIFY)
    page.fill("input[name=code]", "12")
    submit(page, "[data-testid=two-factor-submit]")
    expect(page.locator(".invalid-feedback")).to_contain_text("6 位数字")
    page.fill("input[name=code]", code.upper())
    submit(page, "[data-testid=two-factor-submit]")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    assert not StaticToken.objects.filter(token=code, device__user__username="sam").exists()

    page.click("[data-testid=user-menu]")
    with page.expect_navigation():
        page.click("form[action='/accounts/logout/'] button")
    login(page, "sam", PASSWORDS["sam"])  # the helper types the app's code
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()


def test_a_viewer_signs_in_without_a_code(page):
    login(page, "vic", "crm-demo-vic")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_two_factor_pages_fit_a_phone(phone, language):
    page = phone
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", PASSWORDS["sam"])
    submit(page, "button[type=submit]")
    expect(page.locator("[data-testid=two-factor-verify]")).to_be_visible()
    check(page, "two-factor-verify", language)
    type_app_code(page, "sam")
    page.goto(f"{page.base_url}/accounts/two-factor/")
    expect(page.locator("[data-testid=two-factor-on]")).to_be_visible()
    check(page, "two-factor-status", language)

    page.context.clear_cookies()
    login(page, "ann", "crm-demo-ann")
    page.goto(f"{page.base_url}/accounts/two-factor/")
    expect(page.locator("[data-testid=two-factor-qr]")).to_be_visible()
    check(page, "two-factor-enrol", language)
