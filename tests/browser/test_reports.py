"""The analyses as their real roles meet them, in Chinese (issue 14, SPEC §5): the supervisor (苏梅)
opens each of the four analyses from the Reports menu and sees its chart drawn by ECharts (an SVG
with shapes), switches the composition to credit as bars, and exports it; an account manager (安宁)
sees only her own customers' figures in the contribution and no export button."""

import re
from decimal import Decimal

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from crm import formats
from crm.demo import DEMO_USERS
from customers.actions.losses import confirm_loss
from customers.models import LossRecord
from reports import selectors
from tests.browser.conftest import login, screenshot, submit

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}
ANALYSES = {
    "contribution": "客户贡献分析",
    "composition": "客户构成分析",
    "services": "客户服务分析",
    "losses": "客户流失分析",
}


def sign_in(page, username):
    login(page, username, PASSWORDS[username])
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()


def open_from_menu(page, label):
    """Open the Reports dropdown of the main menu and follow its entry ``label``."""
    menu = page.locator("[data-testid=main-menu]")
    menu.get_by_role("button", name="统计报表").or_(menu.get_by_role("link", name="统计报表")).first.click()
    with page.expect_navigation():
        menu.locator("[data-testid=submenu]").get_by_role("link", name=label).click()


def expect_chart_drawn(page, chart_id):
    chart = page.locator(f"[data-testid={chart_id}]")
    expect(chart).to_have_attribute("data-drawn", "true")
    expect(chart.locator("svg path").first).to_be_attached()
    expect(chart.locator("svg")).to_contain_text(re.compile(r"\S"))


def test_a_supervisor_opens_each_analysis_in_chinese_and_sees_its_chart(page):
    # The demo raises loss warnings; one of them confirmed, so the loss analysis has a loss.
    record = LossRecord.objects.filter(status__in=LossRecord.OPEN).order_by("id").first()
    assert record is not None, "the demo raises loss warnings"
    confirm_loss(actor=get_user_model().objects.get(username="sue"), record=record, reason="改用竞争对手的产品")
    sign_in(page, "sue")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    card = page.locator("[data-testid=reports-card]")
    expect(card).to_contain_text("数据概览")
    expect_chart_drawn(page, "chart-dashboard-services")

    open_from_menu(page, ANALYSES["contribution"])
    expect(page).to_have_url(re.compile(r"/reports/contribution/$"))
    expect(page.locator("h1")).to_contain_text("客户贡献分析")
    # Every year of the demo's orders.
    page.fill("input[name=year]", "all")
    submit(page, "[data-testid=filter-form] button[type=submit]")
    expect(page.locator("[data-testid=analysis-summary]")).to_contain_text("全部年份")
    expect_chart_drawn(page, "chart-contribution")
    expect(page.locator("[data-testid=contribution-table] tbody tr").first).to_be_visible()
    screenshot(page, "reports-contribution-zh-hans")

    open_from_menu(page, ANALYSES["composition"])
    expect_chart_drawn(page, "chart-composition")
    expect(page.locator("[data-testid=chart-composition] svg")).to_contain_text("%")  # a pie's shares
    page.select_option("select[name=dimension]", "credit")
    page.select_option("select[name=chart]", "bar")
    submit(page, "[data-testid=filter-form] button[type=submit]")
    expect(page.locator("[data-testid=composition-table] thead")).to_contain_text("信用度")
    expect_chart_drawn(page, "chart-composition")
    expect(page.locator("[data-testid=composition-table] tbody")).to_contain_text("未评级")
    with page.expect_download() as download:
        page.click("[data-testid=export-xlsx]")
    assert download.value.suggested_filename.startswith("composition-")
    assert download.value.suggested_filename.endswith(".xlsx")
    screenshot(page, "reports-composition-zh-hans")

    open_from_menu(page, ANALYSES["services"])
    expect(page.locator("h1")).to_contain_text("客户服务分析")
    expect_chart_drawn(page, "chart-services")
    expect(page.locator("[data-testid=services-table] thead")).to_contain_text("归档用时中位数")
    screenshot(page, "reports-services-zh-hans")

    open_from_menu(page, ANALYSES["losses"])
    expect(page.locator("h1")).to_contain_text("客户流失分析")
    page.fill("input[name=year]", "all")
    submit(page, "[data-testid=filter-form] button[type=submit]")
    expect_chart_drawn(page, "chart-losses")
    expect(page.locator("[data-testid=losses-table] tbody")).to_contain_text(record.customer.name)
    screenshot(page, "reports-losses-zh-hans")
    # A year out of range: the message, the default year's figures, no error page.
    page.fill("input[name=year]", "20266")
    submit(page, "[data-testid=filter-form] button[type=submit]")
    expect(page.locator("[data-testid=filter-errors]")).to_be_visible()
    expect(page.locator(".invalid-feedback")).to_contain_text("请输入 2000 到 2100 之间的年份。")


def test_an_account_manager_sees_only_her_own_customers_contribution(page):
    users = get_user_model().objects
    ann, sue = users.get(username="ann"), users.get(username="sue")
    hers = selectors.contribution_analysis(user=ann, start=None, end=None)
    everyone = selectors.contribution_analysis(user=sue, start=None, end=None)
    assert Decimal(0) < hers["total"] < everyone["total"], "the demo gives ann part of the orders"
    sign_in(page, "ann")
    page.goto(f"{page.base_url}/reports/contribution/?year=all")
    expect(page.locator("[data-testid=total]")).to_have_text(formats.money(hers["total"]))
    codes = page.locator("[data-testid=contribution-table] tbody tr td:first-child")
    # Her customers, largest first, exactly as the analysis computes them for her (a page of 50).
    expect(codes).to_have_text([row["code"] for row in hers["rows"][:50]])
    expect_chart_drawn(page, "chart-contribution")
    expect(page.locator("[data-testid=export-buttons]")).to_have_count(0)
    screenshot(page, "reports-contribution-ann-zh-hans")
