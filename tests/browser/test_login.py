import re

import pytest
from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from tests.browser.conftest import login, screenshot

# What each demo role's main menu must and must not show (Chinese labels).
AUDIT = "审计日志"
ON_LOGIN_PAGE = re.compile(r"/accounts/login/")


@pytest.mark.parametrize(
    ("username", "password", "full_name", "roles", "superuser"), DEMO_USERS, ids=[u[0] for u in DEMO_USERS]
)
def test_each_demo_role_logs_in_through_the_form_and_sees_its_dashboard(
    page, username, password, full_name, roles, superuser
):
    page.goto(f"{page.base_url}/")
    expect(page).to_have_url(ON_LOGIN_PAGE)
    expect(page.locator("h1")).to_have_text("登录客户关系管理系统")

    login(page, username, password)

    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    expect(page).to_have_url(f"{page.base_url}/")
    expect(page.locator("h1")).to_contain_text(f"欢迎，{full_name}")
    # The menu as the user sees it (inner text): a link hidden from view doesn't count.
    menu = page.locator("[data-testid=main-menu]")
    expect(menu).to_contain_text("工作台", use_inner_text=True)
    for label in (AUDIT, "系统管理"):
        if username in {"admin", "sam"}:
            expect(menu).to_contain_text(label, use_inner_text=True)
        else:
            expect(menu).not_to_contain_text(label, use_inner_text=True)
    screenshot(page, f"dashboard-{username}")


def test_login_page_and_dashboard_switch_to_english(page):
    page.goto(f"{page.base_url}/accounts/login/")
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    expect(page.locator("h1")).to_have_text("Log in to the CRM")
    login(page, "ann", "crm-demo-ann")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Welcome, 安宁")
    expect(page.locator("[data-testid=dashboard-roles]")).to_contain_text("Account manager")
    screenshot(page, "dashboard-ann-en")

    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    expect(page.locator("h1")).to_contain_text("欢迎，安宁")


def test_wrong_password_shows_a_clear_message_and_stays_on_login(page):
    login(page, "ann", "not-the-password")
    expect(page.locator("[data-testid=form-errors]")).to_contain_text("请输入一个正确的")
    expect(page).to_have_url(ON_LOGIN_PAGE)


def test_logout_returns_to_the_login_page(page):
    login(page, "sue", "crm-demo-sue")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    page.click("[data-testid=user-menu]")
    page.click("text=退出登录")
    page.wait_for_url(ON_LOGIN_PAGE)
    page.goto(f"{page.base_url}/")
    expect(page).to_have_url(ON_LOGIN_PAGE)
    expect(page.locator("h1")).to_have_text("登录客户关系管理系统")
