import pytest

from crm.demo import DEMO_USERS
from tests.browser.conftest import login, screenshot

# What each demo role's main menu must and must not show (Chinese labels).
AUDIT = "审计日志"


@pytest.mark.parametrize(
    ("username", "password", "full_name", "roles", "superuser"), DEMO_USERS, ids=[u[0] for u in DEMO_USERS]
)
def test_each_demo_role_logs_in_through_the_form_and_sees_its_dashboard(
    page, username, password, full_name, roles, superuser
):
    page.goto(f"{page.base_url}/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "登录客户关系管理系统"

    login(page, username, password)

    page.wait_for_selector("[data-testid=dashboard]")
    assert page.url == f"{page.base_url}/"
    assert f"欢迎，{full_name}" in page.locator("h1").inner_text()
    menu = page.locator("[data-testid=main-menu]").inner_text()
    assert "工作台" in menu
    assert (AUDIT in menu) == (username in {"admin", "sam"})
    assert ("系统管理" in menu) == (username in {"admin", "sam"})
    screenshot(page, f"dashboard-{username}")


def test_login_page_and_dashboard_switch_to_english(page):
    page.goto(f"{page.base_url}/accounts/login/")
    page.select_option("#language-select", "en")
    page.wait_for_selector("text=Log in to the CRM")
    login(page, "ann", "crm-demo-ann")
    page.wait_for_selector("[data-testid=dashboard]")
    assert "Welcome, 安宁" in page.locator("h1").inner_text()
    assert "Account manager" in page.locator("[data-testid=dashboard-roles]").inner_text()
    screenshot(page, "dashboard-ann-en")

    page.select_option("#language-select", "zh-hans")
    page.wait_for_selector("text=欢迎，安宁")


def test_wrong_password_shows_a_clear_message_and_stays_on_login(page):
    login(page, "ann", "not-the-password")
    assert "/accounts/login/" in page.url
    assert "请输入一个正确的" in page.locator("[data-testid=form-errors]").inner_text()


def test_logout_returns_to_the_login_page(page):
    login(page, "sue", "crm-demo-sue")
    page.wait_for_selector("[data-testid=dashboard]")
    page.click("[data-testid=user-menu]")
    page.click("text=退出登录")
    page.wait_for_url("**/accounts/login/")
    page.goto(f"{page.base_url}/")
    assert "/accounts/login/" in page.url
