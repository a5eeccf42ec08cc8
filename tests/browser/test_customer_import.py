"""The customer import as the supervisor meets it in Chinese (issue 15): sue opens the import from the
customers menu, uploads a small CSV, sees the preview's counts, confirms, watches the progress the
page polls until the import is done, and finds the customers in the list."""

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from tests.browser.conftest import login, submit

CSV = (
    "名称,地区,客户经理,地址,电话,联系人姓名,联系人手机\n"
    "杭州导入测试甲有限公司,北京,ann,北京市朝阳区建国路1号,010-88886666,张三,13812345678\n"
    "杭州导入测试乙有限公司,北京,ann,北京市海淀区中关村2号,13911112222,,\n"
)


@pytest.fixture
def imports_in_the_background(settings, tmp_path):
    # The real runner: a thread of the live server's process checks and writes the file.
    settings.IMPORT_RUNNER = "thread"
    settings.IMPORT_DIR = tmp_path / "imports"


def test_supervisor_imports_a_csv_of_customers(page, imports_in_the_background):
    login(page, "sue", "crm-demo-sue")
    page.goto(f"{page.base_url}/customers/")
    menu = page.locator("nav .dropdown-menu a[href='/customers/import/']")
    expect(menu).to_have_count(1)
    expect(menu).to_contain_text("导入客户")

    page.goto(f"{page.base_url}/customers/import/")
    expect(page.locator("h1")).to_contain_text("导入客户")
    page.set_input_files(
        "#id_file", files=[{"name": "客户.csv", "mimeType": "text/csv", "buffer": CSV.encode("utf-8-sig")}]
    )
    submit(page, "[data-testid=import-check]")

    # The preview: two customers to create, nothing rejected, nothing written yet.
    status = page.locator("[data-testid=import-status]")
    expect(status).to_have_attribute("data-status", "previewed")
    expect(page.locator("[data-testid=count-create]")).to_have_text("2")
    expect(page.locator("[data-testid=count-rejected]")).to_have_text("0")
    expect(page.locator("[data-testid=import-state]")).to_have_text("已检查")
    assert not Customer.objects.filter(name__startswith="杭州导入测试").exists()

    submit(page, "[data-testid=import-confirm]")
    # The page polls its status until the rows are written.
    expect(status).to_have_attribute("data-status", "done")
    expect(page.locator("[data-testid=import-state]")).to_have_text("已导入")
    expect(page.locator("[data-testid=count-create]")).to_have_text("2")

    submit(page, "[data-testid=import-to-list]")
    page.fill("input[name=q]", "杭州导入测试")
    page.keyboard.press("Enter")
    results = page.locator("[data-testid=customer-results]")
    expect(results).to_contain_text("杭州导入测试甲有限公司")
    expect(results).to_contain_text("杭州导入测试乙有限公司")
    assert Customer.objects.get(name="杭州导入测试甲有限公司").contacts.get().name == "张三"
