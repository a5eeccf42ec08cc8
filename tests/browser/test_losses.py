"""A customer's loss as its account manager walks it, in Chinese (issue 13, SPEC §4): 安宁 sees the
demo's warning for one of her customers on the dashboard (流失预警), opens the record from the
card and postpones the loss with a measure (暂缓流失); later, on the customer's 360° page, the loss
panel shows the record and its measure, and she confirms the loss with a reason (确认流失) from
the panel's form. The page comes back with the customer marked lost (流失), the record among the
past ones, and the customer list shows the customer as lost; the dashboard no longer counts it."""

import re

from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from customers.models import Customer, LossRecord
from tests.browser.conftest import login, screenshot, submit

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}
MEASURE = "安排销售总监上门拜访，提供下季度九折优惠。"
REASON = "客户已改用竞争对手的产品，并停止采购。"
RECORD_PAGE = re.compile(r"/customers/losses/\d+/$")


def test_an_account_manager_postpones_then_confirms_a_loss_and_the_customer_shows_as_lost(page):
    record = (
        LossRecord.objects.filter(customer__account_manager__username="ann", status=LossRecord.Status.WARNING)
        .select_related("customer")
        .order_by("customer__code")
        .first()
    )
    assert record is not None, "the demo leaves ann a loss warning"
    customer = record.customer
    login(page, "ann", PASSWORDS["ann"])
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()

    # The dashboard's card: her open warnings, this customer's among them, as a warning.
    card = page.locator("[data-testid=losses-card]")
    expect(card).to_contain_text("我的流失预警")
    expect(card.locator("[data-testid=count-loss-open]")).to_have_text(
        str(LossRecord.objects.filter(customer__account_manager__username="ann", status__in=LossRecord.OPEN).count())
    )
    row = card.locator("[data-testid=open-loss]", has_text=customer.name)
    expect(row).to_contain_text("预警")
    screenshot(page, "losses-dashboard-zh-hans")
    row.locator("[data-testid=open-loss-link]").click()
    expect(page).to_have_url(RECORD_PAGE)
    expect(page.locator("[data-testid=loss-title]")).to_contain_text(customer.name)
    expect(page.locator("[data-testid=loss-status]")).to_contain_text("预警")

    # Postpone with a measure: the record says 暂缓流失 and lists the measure with her name.
    page.fill("[data-testid=loss-postpone-form] textarea[name=measure]", MEASURE)
    submit(page, "[data-testid=loss-postpone]")
    expect(page).to_have_url(RECORD_PAGE)
    expect(page.locator("[data-testid=messages]")).to_be_visible()
    expect(page.locator("[data-testid=loss-status]")).to_contain_text("暂缓流失")
    measure = page.locator("[data-testid=loss-measure]", has_text=MEASURE)
    expect(measure).to_contain_text("安宁")

    # Later, on the customer's page: the panel shows the postponed record and its measure.
    page.goto(f"{page.base_url}{customer.get_absolute_url()}")
    panel = page.locator("[data-testid=loss-panel]")
    expect(panel.locator("[data-testid=open-loss-record]")).to_contain_text("暂缓流失")
    expect(panel.locator("[data-testid=loss-measure]", has_text=MEASURE)).to_contain_text("安宁")
    expect(page.locator("[data-testid=lost-badge]")).to_have_count(0)
    screenshot(page, "losses-customer-panel-zh-hans")

    # Confirm with a reason from the panel (the form asks first: this is final); back on the page.
    page.fill("[data-testid=loss-panel] [data-testid=loss-confirm-form] textarea[name=reason]", REASON)
    asked = []

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    submit(page, "[data-testid=loss-panel] [data-testid=loss-confirm]")
    expect(page).to_have_url(re.compile(re.escape(customer.get_absolute_url()) + "$"))
    expect(page.locator("[data-testid=messages]")).to_be_visible()
    expect(page.locator("[data-testid=lost-badge]")).to_have_text("流失")
    expect(panel.locator("[data-testid=open-loss-record]")).to_have_count(0)
    past = panel.locator("[data-testid=past-loss-record]").first
    expect(past).to_contain_text("已流失")
    expect(past).to_contain_text(REASON)
    expect(past).to_contain_text("安宁")
    expect(panel.locator("[data-testid=loss-forms]")).to_have_count(0)
    assert len(asked) == 1, asked
    screenshot(page, "losses-customer-lost-zh-hans")

    # The customer list marks the customer lost.
    page.goto(f"{page.base_url}/customers/?q={customer.code}")
    listed = page.locator("[data-testid=customer-table] tbody tr", has_text=customer.code)
    expect(listed).to_have_count(1)
    expect(listed.locator("[data-testid=lost-badge]")).to_have_text("流失")
    screenshot(page, "losses-customer-list-zh-hans")

    # The dashboard no longer lists it among her open warnings.
    page.goto(f"{page.base_url}/")
    expect(card.locator("[data-testid=open-loss]", has_text=customer.name)).to_have_count(0)

    stored = LossRecord.objects.get(pk=record.pk)
    assert (stored.status, stored.reason, stored.confirmed_by.username) == ("confirmed", REASON, "ann")
    assert [m.text for m in stored.measures.all()] == [MEASURE]
    assert Customer.objects.get(pk=customer.pk).status == Customer.Status.LOST
