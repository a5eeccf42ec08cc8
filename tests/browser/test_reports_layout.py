"""The analyses' tables show every column on a 1280 px desktop in both languages: none is cut off
at the right of its wrapper (English headers are wider: the table goes under its chart below
1400 px)."""

import pytest
from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from tests.browser.conftest import login

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}
ANALYSES = [
    "/reports/contribution/?year=all",
    "/reports/composition/?dimension=satisfaction",
    "/reports/services/",
    "/reports/losses/?year=all",
]
# Wrappers whose table is wider than they are (it would scroll inside them, its last columns cut).
CUT_TABLES = """() => [...document.querySelectorAll(".table-responsive")]
    .filter((wrapper) => wrapper.scrollWidth > wrapper.clientWidth + 1).length"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_column_of_an_analysis_shows_on_a_desktop(desktop, language):
    login(desktop, "sue", PASSWORDS["sue"])
    desktop.wait_for_url(desktop.base_url + "/")
    for path in ANALYSES:
        desktop.goto(desktop.base_url + path)
        expect(desktop.locator("h1")).to_be_visible()
        assert desktop.evaluate(CUT_TABLES) == 0, path
