"""The main menu fits a 1280 px desktop window for every role in both languages: the page never
scrolls sideways and the user menu at the right stays in sight (an administrator's English menu
once pushed it out of the window)."""

import pytest
from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from tests.browser.conftest import login

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}
PAGE_SCROLLS = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("username", ["admin", "sue", "ann", "vic", "sam"])
def test_the_menu_fits_a_desktop_window(desktop, language, username):
    login(desktop, username, PASSWORDS[username])
    desktop.wait_for_url(desktop.base_url + "/")
    user_menu = desktop.locator("[data-testid=user-menu]")
    expect(user_menu).to_be_visible()
    assert desktop.evaluate(PAGE_SCROLLS) is False
    box = user_menu.bounding_box()
    assert box["x"] + box["width"] <= desktop.viewport_size["width"]
    # One line of menu entries: no entry wraps its label under its icon.
    assert desktop.locator("nav.navbar").bounding_box()["height"] < 70
