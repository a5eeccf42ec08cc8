import pytest

from tests.browser.conftest import login, screenshot

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


def switch_language(page, language):
    page.goto(f"{page.base_url}/accounts/login/")
    if page.input_value("#language-select") != language:
        with page.expect_navigation():
            page.select_option("#language-select", language)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_account_manager_creates_finds_edits_and_deletes_a_customer(page, language):
    text = TEXT[language]
    switch_language(page, language)
    login(page, "ann", "crm-demo-ann")
    page.wait_for_selector("[data-testid=dashboard]")

    page.goto(f"{page.base_url}/customers/")
    page.click("[data-testid=new-customer]")
    page.fill("#id_name", "杭州翠微山泉饮品有限公司")
    page.select_option("#id_region", "")  # the form must complain about the missing region
    page.fill("#id_address", "杭州市西湖区龙井路 18 号")
    page.fill("#id_phone", "0571-88886666")
    page.fill("#id_postcode", "310013")
    page.click("[data-testid=customer-form] button[type=submit]")
    assert page.locator(".invalid-feedback").count() >= 1
    assert page.input_value("#id_name") == "杭州翠微山泉饮品有限公司"  # what the user typed is kept
    page.select_option("#id_region", label="浙江" if language == "zh-hans" else "Zhejiang")
    page.click("[data-testid=customer-form] button[type=submit]")

    page.wait_for_selector("[data-testid=customer-name]")
    assert page.locator("[data-testid=customer-name]").inner_text() == "杭州翠微山泉饮品有限公司"
    code = page.locator("[data-testid=customer-code]").inner_text()
    assert code.startswith("KH") and len(code) == 14

    page.click("[data-testid=add-contact]")
    page.fill("#id_name", "曾小燕")
    page.fill("#id_position", "采购经理")
    page.fill("#id_mobile", "13812345678")
    page.click("[data-testid=contact-form] button[type=submit]")
    page.wait_for_selector("[data-testid=contacts-panel] >> text=曾小燕")

    page.click("[data-testid=add-activity]")
    page.fill("#id_occurred_at", "2026-11-20T10:30")
    page.fill("#id_title", "上门拜访")
    page.fill("#id_detail", "介绍新品，客户有意向试用。")
    page.fill("#id_next_follow_up", "2026-12-01")
    page.click("[data-testid=activity-form] button[type=submit]")
    page.wait_for_selector("[data-testid=activities-panel] >> text=上门拜访")
    screenshot(page, f"customer-detail-{language}")

    page.goto(f"{page.base_url}/customers/")
    page.fill("#id_q", "hzcwsq")
    page.click(f"[data-testid=filter-form] button:has-text('{text['search']}')")
    results = page.locator("[data-testid=customer-results]").inner_text()
    assert "杭州翠微山泉饮品有限公司" in results
    page.click("text=杭州翠微山泉饮品有限公司")

    page.click("[data-testid=edit-customer]")
    page.fill("#id_address", "杭州市西湖区龙井路 20 号")
    page.click("[data-testid=customer-form] button[type=submit]")
    page.wait_for_selector("[data-testid=customer-fields] >> text=龙井路 20 号")

    page.click("[data-testid=delete-customer]")
    page.click("[data-testid=confirm-delete]")
    assert text["deleted"] in page.locator("[data-testid=messages]").inner_text()
    page.goto(f"{page.base_url}/customers/{code}/")
    assert page.locator("[data-testid=error-404]").count() == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_viewer_finds_a_customer_and_sees_no_write_buttons(page, language):
    switch_language(page, language)
    login(page, "vic", "crm-demo-vic")
    page.wait_for_selector("[data-testid=dashboard]")
    page.goto(f"{page.base_url}/customers/")
    assert page.locator("[data-testid=new-customer]").count() == 0
    first = page.locator("[data-testid=customer-table] tbody tr").first
    name = first.locator("td").nth(1).inner_text()
    page.fill("#id_q", name[:4])
    page.click("[data-testid=filter-form] button[type=submit]")
    page.click(f"text={name}")
    page.wait_for_selector("[data-testid=customer-name]")
    assert page.locator("[data-testid=customer-actions] a").count() == 0
    assert page.locator("[data-testid=add-contact]").count() == 0
    assert page.locator("[data-testid=add-activity]").count() == 0
    screenshot(page, f"customer-viewer-{language}")
