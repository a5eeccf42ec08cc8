"""The services panel of the customer 360° page and the services dashboard card on a 390 px phone,
in both languages, as an account manager, a supervisor and a viewer: shown, and the page doesn't
scroll sideways with long titles, customer names and every state in them."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from customers.models import Customer
from services import actions
from services.tests.factories import archived, assigned, handled, make_request
from tests.browser.conftest import PHONE, login, open_page, screenshot

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}
LONG_TITLE = "客户反映新装的网络交换机在高峰时段频繁断线并且无法远程管理需要上门排查"
SCROLLS = "() => document.documentElement.scrollWidth > window.innerWidth"


def requests_in_every_state():
    """ann's first customer gets a request in each state, with long titles; one assigned to ann
    and one waiting to be assigned put something in the card's lists."""
    users = get_user_model().objects
    ann, bob, sue = (users.get(username=name) for name in ("ann", "bob", "sue"))
    customer = Customer.objects.filter(account_manager=ann).order_by("code").first()
    make_request(ann, customer, title=LONG_TITLE)
    assigned(sue, customer, ann, supervisor=sue, title=f"{LONG_TITLE}（待处理）")
    assigned(ann, customer, bob, supervisor=sue, title="Printer jams on every second page of the monthly invoice run")
    handled(ann, customer, ann, supervisor=sue, title=f"{LONG_TITLE}（待反馈）")
    archived(ann, customer, ann, supervisor=sue, satisfaction=5, title=f"{LONG_TITLE}（已归档）")
    twice = handled(ann, customer, ann, supervisor=sue, title="两轮处理的投诉")
    actions.give_feedback(actor=sue, service_request=twice, result="不满意", satisfaction=2)
    return customer


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("username", ["ann", "sue", "vic"])
def test_the_panel_and_the_card_fit_a_phone(browser, live_server, demo, language, username):
    customer = requests_in_every_state()
    page = open_page(browser, live_server, language=language, viewport=PHONE)
    try:
        login(page, username, PASSWORDS[username])
        expect(page.locator("[data-testid=services-card]")).to_be_visible()
        screenshot(page, f"services-card-{username}-{language}-390")
        assert not page.evaluate(SCROLLS), f"the dashboard scrolls sideways for {username} ({language})"

        page.goto(f"{page.base_url}{customer.get_absolute_url()}")
        panel = page.locator("[data-testid=services-panel]")
        expect(panel).to_be_visible()
        expect(panel.locator("[data-testid=open-service-requests]")).to_contain_text("Printer jams")
        expect(panel.locator("[data-testid=archived-service-requests]")).to_contain_text("（已归档）")
        expect(panel.locator("[data-testid=add-service-request]")).to_have_count(0 if username == "vic" else 1)
        screenshot(page, f"services-panel-{username}-{language}-390")
        assert not page.evaluate(SCROLLS), f"the customer page scrolls sideways for {username} ({language})"
    finally:
        page.context.close()
