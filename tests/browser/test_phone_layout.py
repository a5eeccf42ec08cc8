"""Tables on a 390 px phone: short values stay on one line (not 普/通/客/户 one character a line,
not "2026-" over "11-23"), the table scrolls inside its wrapper instead of the page, and the list
search shows its whole placeholder (issue 10, "Phones"; the rules are in static/css/app.css)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from customers.actions.losses import confirm_loss
from customers.models import Customer, LossRecord
from sales.models import Order
from tests.browser.conftest import ACTION_TIMEOUT, NAVIGATION_TIMEOUT, login

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}
PHONE = {"width": 390, "height": 844}
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
# A text of at most this many characters is a short value: a code, a date, a level, a status.
SHORT = 10

# The short texts in table cells that the browser broke over more than one line: a text node laid
# out on several lines has one client rectangle per line.
BROKEN_SHORT_VALUES = """(short) => {
    const broken = [];
    for (const cell of document.querySelectorAll("table td, table th")) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent.trim();
            if (!text || text.length > short) continue;
            const range = document.createRange();
            range.selectNodeContents(node);
            const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
            if (lines.size > 1) broken.push(text);
        }
    }
    return broken;
}"""

PAGE_SCROLLS = "() => document.documentElement.scrollWidth > window.innerWidth"

# Whether the search box's placeholder fits inside the box (measured in the box's own font).
PLACEHOLDER_FITS = """() => {
    const input = document.querySelector("input[type=search]");
    const style = getComputedStyle(input);
    const context = document.createElement("canvas").getContext("2d");
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return context.measureText(input.placeholder).width <= room;
}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_phone_tables_keep_short_values_on_one_line_and_scroll_in_their_wrapper(browser, live_server, demo, language):
    context = browser.new_context(locale=LOCALES[language], viewport=PHONE)
    context.set_default_timeout(ACTION_TIMEOUT)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT)
    page = context.new_page()
    page.base_url = live_server.url
    try:
        login(page, "sue", PASSWORDS["sue"])
        page.wait_for_url(live_server.url + "/")
        customer = Customer.objects.filter(orders__isnull=False).first()
        # A confirmed loss, so the loss analysis has a row (a long reason among them).
        record = LossRecord.objects.filter(status__in=LossRecord.OPEN).order_by("id").first()
        confirm_loss(
            actor=get_user_model().objects.get(username="sue"),
            record=record,
            reason="客户改用竞争对手的产品，采购部门已确认今年不再续签合同",
        )
        order = Order.objects.filter(customer=customer).first()
        pages = [
            reverse("customers:list"),
            customer.get_absolute_url(),
            reverse("sales:product_list"),
            reverse("sales:stock_list"),
            reverse("sales:order_list"),
            order.get_absolute_url(),
            # the reports (issue 14): every year of the demo's orders and losses, so tables are full
            reverse("reports:contribution") + "?year=all",
            reverse("reports:composition") + "?dimension=credit",
            reverse("reports:services"),
            reverse("reports:losses") + "?year=all",
            reverse("reports:management"),
        ]
        for path in pages:
            page.goto(live_server.url + path)
            expect(page.locator("table").first).to_be_visible()
            assert page.evaluate(BROKEN_SHORT_VALUES, SHORT) == [], path
            assert page.evaluate(PAGE_SCROLLS) is False, path
        page.goto(live_server.url + reverse("customers:list"))
        expect(page.locator("input[type=search]")).to_be_visible()
        assert page.evaluate(PLACEHOLDER_FITS), "the search box cuts its placeholder"
    finally:
        context.close()
