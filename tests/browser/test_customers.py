import re
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from tests.browser.conftest import login, screenshot, submit

TEXT = {
    "zh-hans": {"new": "新建客户", "save": "保存", "search": "筛选", "deleted": "已移入回收站", "edit": "编辑"},
    "en": {
        "new": "New customer",
        "save": "Save",
        "search": "Filter",
        "deleted": "moved to the recycle bin",
        "edit": "Edit",
    },
}
NAME = "杭州翠微山泉饮品有限公司"
DETAIL_PAGE = re.compile(r"/customers/KH\d{12}/$")


def switch_language(page, language):
    page.goto(f"{page.base_url}/accounts/login/")
    select = page.locator("#language-select")
    expect(select).to_have_value("zh-hans")  # the browser is Chinese (conftest), so is the page
    if language != "zh-hans":
        with page.expect_navigation():
            select.select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(select).to_have_value(language)


def searched_for(value):
    """The URL of a list filtered by the search box holding ``value``."""
    return re.compile(rf"[?&]q={re.escape(quote_plus(value))}(&|$)")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_account_manager_creates_finds_edits_and_deletes_a_customer(page, language):
    text = TEXT[language]
    switch_language(page, language)
    login(page, "ann", "crm-demo-ann")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()

    page.goto(f"{page.base_url}/customers/")
    page.click("[data-testid=new-customer]")
    page.wait_for_url("**/customers/new/")
    page.fill("#id_name", NAME)
    page.select_option("#id_region", "")  # the form must complain about the missing region
    page.fill("#id_address", "杭州市西湖区龙井路 18 号")
    page.fill("#id_phone", "0571-88886666")
    page.fill("#id_postcode", "310013")
    submit(page, "[data-testid=customer-form] button[type=submit]")
    expect(page.locator(".invalid-feedback")).not_to_have_count(0)
    expect(page.locator("#id_region")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_name")).to_have_value(NAME)  # what the user typed is kept
    page.select_option("#id_region", label="浙江" if language == "zh-hans" else "Zhejiang")
    submit(page, "[data-testid=customer-form] button[type=submit]")

    expect(page).to_have_url(DETAIL_PAGE)
    expect(page.locator("[data-testid=customer-name]")).to_have_text(NAME)
    code = Customer.objects.get(name=NAME).code
    expect(page.locator("[data-testid=customer-code]")).to_have_text(code)
    assert code.startswith("KH") and len(code) == 14

    page.click("[data-testid=add-contact]")
    expect(page.locator("[data-testid=contact-form]")).to_be_visible()
    page.fill("#id_name", "曾小燕")
    page.fill("#id_position", "采购经理")
    page.fill("#id_mobile", "13812345678")
    submit(page, "[data-testid=contact-form] button[type=submit]")
    expect(page.locator("[data-testid=contacts-panel]")).to_contain_text("曾小燕")

    page.click("[data-testid=add-activity]")
    expect(page.locator("[data-testid=activity-form]")).to_be_visible()
    page.fill("#id_occurred_at", "2026-11-20T10:30")
    page.fill("#id_title", "上门拜访")
    page.fill("#id_detail", "介绍新品，客户有意向试用。")
    page.fill("#id_next_follow_up", "2026-12-01")
    submit(page, "[data-testid=activity-form] button[type=submit]")
    expect(page.locator("[data-testid=activities-panel]")).to_contain_text("上门拜访")
    screenshot(page, f"customer-detail-{language}")

    page.goto(f"{page.base_url}/customers/")
    page.fill("#id_q", "hzcwsq")
    submit(page, f"[data-testid=filter-form] button:has-text('{text['search']}')")
    expect(page).to_have_url(searched_for("hzcwsq"))
    expect(page.locator("[data-testid=customer-results]")).to_contain_text(NAME)
    page.click(f"text={NAME}")
    page.wait_for_url(f"**/customers/{code}/")

    page.click("[data-testid=edit-customer]")
    page.wait_for_url(f"**/customers/{code}/edit/")
    page.fill("#id_address", "杭州市西湖区龙井路 20 号")
    submit(page, "[data-testid=customer-form] button[type=submit]")
    expect(page.locator("[data-testid=customer-fields]")).to_contain_text("龙井路 20 号")

    page.click("[data-testid=delete-customer]")
    page.wait_for_url(f"**/customers/{code}/delete/")
    submit(page, "[data-testid=confirm-delete]")
    expect(page.locator("[data-testid=messages]")).to_contain_text(text["deleted"])
    page.goto(f"{page.base_url}/customers/{code}/")
    expect(page.locator("[data-testid=error-404]")).to_have_count(1)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_viewer_finds_a_customer_and_sees_no_write_buttons(page, language):
    # A viewer sees every customer; any one will do.
    customer = Customer.objects.order_by("code").first()
    switch_language(page, language)
    login(page, "vic", "crm-demo-vic")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    page.goto(f"{page.base_url}/customers/")
    expect(page.locator("[data-testid=customer-table]")).to_contain_text(customer.name)
    expect(page.locator("[data-testid=new-customer]")).to_have_count(0)
    page.fill("#id_q", customer.name[:4])
    submit(page, "[data-testid=filter-form] button[type=submit]")
    expect(page).to_have_url(searched_for(customer.name[:4]))
    page.click(f"text={customer.name}")
    page.wait_for_url(f"**/customers/{customer.code}/")
    expect(page.locator("[data-testid=customer-name]")).to_have_text(customer.name)
    # The (empty) action bar is there, so finding no buttons in it means something.
    expect(page.locator("[data-testid=customer-actions]")).to_be_attached()
    expect(page.locator("[data-testid=customer-actions] a")).to_have_count(0)
    expect(page.locator("[data-testid=add-contact]")).to_have_count(0)
    expect(page.locator("[data-testid=add-activity]")).to_have_count(0)
    screenshot(page, f"customer-viewer-{language}")
