"""The management report as its real roles meet it, in Chinese (issue 14, SPEC §5): the supervisor
(苏梅) writes a report for last quarter (the form proposes it), sees the period's four analyses
drawn as charts in her draft, submits it (asked first) and prints it to a PDF on A4; the viewer
(魏成) opens the submitted report and finds its figures and summary with no step to take; an
account manager (安宁) is refused the reports' list. Every report page fits a desktop and a 390 px
phone in both languages."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from reports import actions
from reports.management_forms import last_quarter
from reports.models import ManagementReport
from tests.browser.conftest import ARTIFACTS, DESKTOP, login, open_page, screenshot, submit
from tests.browser.test_screens import Screen, look

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}
SUMMARY = "三季度销售额稳中有升，重点客户贡献过半；两位客户流失，下季度加强回访。"
# A4 at 96 pixels an inch.
A4 = {"width": 794, "height": 1123}
REPORT_PAGE = re.compile(r"/reports/management/\d+/$")


def sign_in(page, username):
    login(page, username, PASSWORDS[username])
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()


def open_from_the_reports_menu(page):
    """统计报表 › 客户管理报告, as a user opens it."""
    reports = page.locator("[data-testid=main-menu] .dropdown:has(> a.dropdown-toggle[href='/reports/'])")
    reports.locator("> .dropdown-toggle").click()
    submenu = reports.locator("> [data-testid=submenu]")
    expect(submenu).to_be_visible()
    submenu.get_by_role("link", name="客户管理报告").click()


def expect_charts_drawn(page):
    """Every chart of the page drawn by ECharts as an SVG with shapes in it."""
    charts = page.locator(".report-chart")
    expect(charts.first).to_be_visible()
    expect(page.locator(".report-chart:not([data-drawn=true])")).to_have_count(0)
    expect(page.locator("[data-testid=chart-services] svg path").first).to_be_attached()
    expect(page.locator("[data-testid=chart-composition-level] svg path").first).to_be_attached()


def test_a_supervisor_submits_last_quarters_report_and_prints_it_a_viewer_reads_it(page, browser, live_server):
    year, quarter = last_quarter(timezone.localdate())
    title = f"客户管理报告 {year}年第{quarter}季度"
    sign_in(page, "sue")

    # The list, from the Reports menu; then a new report: last quarter is proposed.
    open_from_the_reports_menu(page)
    expect(page).to_have_url(re.compile(r"/reports/management/$"))
    expect(page.locator("h1")).to_contain_text("客户管理报告")
    page.click("[data-testid=new-report]")
    form = page.locator("[data-testid=report-form]")
    expect(form.locator("select[name=kind]")).to_have_value("quarter")
    expect(form.locator("input[name=year]")).to_have_value(str(year))
    expect(form.locator("input[name=number]")).to_have_value(str(quarter))
    page.fill("textarea[name=summary]", SUMMARY)
    submit(page, "[data-testid=save-report]")

    # The draft: the period's analyses as they are now, drawn.
    expect(page).to_have_url(REPORT_PAGE)
    expect(page.locator("[data-testid=report-title]")).to_have_text(title)
    expect(page.locator("[data-testid=report-status]")).to_have_text("草稿")
    expect(page.locator("[data-testid=draft-note]")).to_be_visible()
    expect(page.locator("[data-testid=report-summary]")).to_contain_text(SUMMARY)
    expect_charts_drawn(page)
    screenshot(page, "management-report-draft-zh-hans")

    # Submit (the page asks first): frozen, its steps gone, the print button stays.
    asked = []

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    submit(page, "[data-testid=submit-report]")
    expect(page.locator("[data-testid=messages]")).to_contain_text("数据已冻结")
    expect(page.locator("[data-testid=report-status]")).to_have_text("已提交")
    expect(page.locator("[data-testid=frozen-note]")).to_be_visible()
    expect(page.locator("[data-testid=submit-report]")).to_have_count(0)
    expect(page.locator("[data-testid=edit-report]")).to_have_count(0)
    expect(page.locator("[data-testid=print-report]")).to_be_visible()
    assert asked == ["提交报告？其中的数据将被冻结，报告不能再更改。"]
    report = ManagementReport.objects.get(year=year, period_number=quarter, period_kind="quarter")
    assert report.is_submitted and report.figures is not None
    expect_charts_drawn(page)

    # Printed: the menu and the buttons are left out; the browser makes an A4 PDF of the page (the
    # screenshot: the page as printed, at the width of A4).
    page.emulate_media(media="print")
    page.set_viewport_size(A4)
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator("[data-testid=print-report]")).to_be_hidden()
    expect(page.locator("[data-testid=chart-services] svg path").first).to_be_attached()
    screenshot(page, "management-report-printed-zh-hans")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "management-report-zh-hans.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")

    # The viewer reads the submitted report: its figures and summary, no step to take.
    viewer = open_page(browser, live_server, language="zh-hans", viewport=DESKTOP)
    try:
        sign_in(viewer, "vic")
        open_from_the_reports_menu(viewer)
        viewer.locator("[data-testid=report-row]", has_text=f"{year}年第{quarter}季度").locator(
            "[data-testid=report-link]"
        ).click()
        expect(viewer).to_have_url(re.compile(re.escape(report.get_absolute_url()) + "$"))
        expect(viewer.locator("[data-testid=report-title]")).to_have_text(title)
        expect(viewer.locator("[data-testid=report-status]")).to_have_text("已提交")
        expect(viewer.locator("[data-testid=report-summary]")).to_contain_text(SUMMARY)
        expect(viewer.locator("[data-testid=report-actions] a")).to_have_count(0)
        expect(viewer.locator("[data-testid=submit-report]")).to_have_count(0)
        expect_charts_drawn(viewer)
        screenshot(viewer, "management-report-viewer-zh-hans")
    finally:
        viewer.context.close()

    # An account manager reads no management report.
    manager = open_page(browser, live_server, language="zh-hans", viewport=DESKTOP)
    try:
        sign_in(manager, "ann")
        response = manager.goto(f"{manager.base_url}/reports/management/")
        assert response.status == 403
        expect(manager.locator("[data-testid=error-403]")).to_be_visible()
        response = manager.goto(f"{manager.base_url}{report.get_absolute_url()}")
        assert response.status == 403
    finally:
        manager.context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_report_pages_fit_a_desktop_and_a_phone(desktop, phone, language, subtests):
    sue = get_user_model().objects.get(username="sue")
    year, quarter = last_quarter(timezone.localdate())
    frozen = actions.create_report(actor=sue, kind="quarter", year=year, number=quarter, summary=SUMMARY)
    actions.submit_report(actor=sue, report=frozen)
    draft = actions.create_report(actor=sue, kind="month", year=year, number=3 * quarter, summary=SUMMARY)
    screens = [
        Screen("management-list", reverse("reports:management")),
        Screen("management-create", reverse("reports:management_create")),
        Screen("management-draft", reverse("reports:management_detail", args=[draft.pk])),
        Screen("management-edit", reverse("reports:management_edit", args=[draft.pk])),
        Screen("management-submit", reverse("reports:management_submit", args=[draft.pk])),
        Screen("management-delete", reverse("reports:management_delete", args=[draft.pk])),
        Screen("management-submitted", reverse("reports:management_detail", args=[frozen.pk])),
    ]
    for page in (desktop, phone):
        sign_in(page, "sue")
        for screen in screens:
            with subtests.test(screen.name, width=page.viewport_size["width"]):
                look(page, screen, language)
