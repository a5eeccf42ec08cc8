"""The services menu and the assignment queue as a supervisor meets them, on a desktop and on a
390 px phone, in both languages: the Services dropdown lists her pages with their counts (one htmx
request after the page), she assigns a new request inline (htmx re-draws the row, the count drops),
and without JavaScript the menu entry is a link and the assignment a form that comes back with a
message."""

import pytest
from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from services.models import ServiceRequest, Status
from tests.browser.conftest import ACTION_TIMEOUT, BROWSER_LOCALES, NAVIGATION_TIMEOUT, login

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}
WORDS = {
    "zh-hans": {"assign": "服务分配", "archive": "服务归档", "assigned": "已分配给", "done": "已分配给"},
    "en": {
        "assign": "Assign requests",
        "archive": "Service archive",
        "assigned": "Assigned to",
        "done": "was assigned to",
    },
}


def waiting():
    """The new requests, those waiting longest first (the assignment queue's order)."""
    return list(
        ServiceRequest.objects.filter(status=Status.NEW).order_by("created_at", "id").values_list("pk", flat=True)
    )


# The Services dropdown's list (the Customers entry is a dropdown too).
SERVICES_SUBMENU = ".dropdown:has(> a.dropdown-toggle[href='/services/']) > [data-testid=submenu]"


def open_services_menu(page, width):
    if width < 992:  # Bootstrap's navbar-expand-lg: the menu is collapsed behind its toggler
        page.locator(".navbar-toggler").click()
    page.locator("a.dropdown-toggle[href='/services/']").click()
    expect(page.locator(SERVICES_SUBMENU)).to_be_visible()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_a_supervisor_assigns_from_the_menus_queue_inline(browser, live_server, demo, language, width):
    context = browser.new_context(locale=BROWSER_LOCALES[language], viewport={"width": width, "height": 844})
    context.set_default_timeout(ACTION_TIMEOUT)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
    page = context.new_page()
    page.base_url = live_server.url
    words = WORDS[language]
    try:
        login(page, "sue", PASSWORDS["sue"])
        queue = waiting()
        before = len(queue)
        assert before >= 2
        open_services_menu(page, width)
        menu = page.locator(SERVICES_SUBMENU)
        expect(menu).to_contain_text(words["archive"])
        expect(page.locator("[data-testid=menu-count-assign]")).to_have_text(str(before))
        menu.get_by_text(words["assign"]).click()
        expect(page).to_have_url(f"{live_server.url}/services/assign/")
        assert page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth") is False

        pk = queue[0]
        form = page.locator(f"form[data-testid=assign-form-{pk}]")
        form.locator("select").select_option(index=1)
        form.locator("button").click()
        expect(page.locator(f"[data-testid=assigned-{pk}]")).to_contain_text(words["assigned"])
        # The menu asked for its counts again.
        expect(page.locator("[data-testid=menu-count-assign]")).to_have_text(str(before - 1))
        assert ServiceRequest.objects.get(pk=pk).status == Status.ASSIGNED
    finally:
        context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_without_javascript_the_menu_is_a_link_and_the_assignment_a_form(browser, live_server, demo, language):
    context = browser.new_context(
        locale=BROWSER_LOCALES[language], viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    context.set_default_timeout(ACTION_TIMEOUT)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
    page = context.new_page()
    page.base_url = live_server.url
    try:
        # Without JavaScript the language switch shows its own submit button: press the login form's.
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "sue")
        page.fill("input[name=password]", PASSWORDS["sue"])
        with page.expect_navigation():
            page.locator("form:has(input[name=password]) button[type=submit]").click()
        with page.expect_navigation():
            page.locator("a.dropdown-toggle[href='/services/']").click()
        expect(page).to_have_url(f"{live_server.url}/services/")
        with page.expect_navigation():
            page.locator("[data-testid=service-queues] a[href='/services/assign/']").click()
        pk = waiting()[0]
        form = page.locator(f"form[data-testid=assign-form-{pk}]")
        form.locator("select").select_option(index=1)
        with page.expect_navigation():
            form.locator("button").click()
        expect(page).to_have_url(f"{live_server.url}/services/assign/")
        expect(page.locator("[data-testid=messages]")).to_contain_text(WORDS[language]["done"])
        expect(page.locator(f"form[data-testid=assign-form-{pk}]")).to_have_count(0)
        assert ServiceRequest.objects.get(pk=pk).status == Status.ASSIGNED
        # No counts without JavaScript: the badges stay empty.
        expect(page.locator("#menu-count-assign")).to_have_text("")
    finally:
        context.close()
