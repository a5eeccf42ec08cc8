"""The opportunity's whole path in Chinese, as its real roles walk it: the supervisor (苏梅) creates
an opportunity and assigns it to the account manager (安宁); she plans its development, records a
result and closes it as developed successfully, completes the customer it became and finds it on
the customer list by its pinyin initials; the viewer (魏成) reads the pipeline board and finds no
button to press."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import Customer
from opportunities import actions
from opportunities.models import Opportunity
from tests.browser.conftest import login, screenshot, submit
from tests.browser.test_screens import Screen, look

TITLE = "瓯江阀门年度采购"
COMPANY = "温州瓯江阀门制造有限公司"
INITIALS = "wzojfm"
DETAIL_PAGE = re.compile(r"/opportunities/\d+/$")


def sign_in_as(page, username):
    page.context.clear_cookies()
    login(page, username, f"crm-demo-{username}")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()


def messages(page):
    return page.locator("[data-testid=messages]")


def test_an_opportunity_goes_from_lead_to_customer_in_chinese(page):
    # The supervisor creates the opportunity and assigns it to ann.
    sign_in_as(page, "sue")
    page.goto(f"{page.base_url}/opportunities/")
    expect(page.locator("h1")).to_contain_text("销售机会")
    page.click("[data-testid=new-opportunity]")
    page.wait_for_url("**/opportunities/new/")
    page.fill("#id_title", TITLE)
    page.fill("#id_customer_name", COMPANY)
    page.select_option("#id_source", label="展会")
    page.fill("#id_success_rate", "120")  # out of range: refused, what was typed kept
    page.fill("#id_contact_name", "周国强")
    page.fill("#id_contact_phone", "13957712345")
    submit(page, "[data-testid=opportunity-form] button[type=submit]")
    expect(page.locator("#id_success_rate")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator(".invalid-feedback")).to_contain_text("100")
    expect(page.locator("#id_title")).to_have_value(TITLE)
    page.fill("#id_success_rate", "60")
    submit(page, "[data-testid=opportunity-form] button[type=submit]")
    expect(page).to_have_url(DETAIL_PAGE)
    expect(messages(page)).to_contain_text(f"销售机会“{TITLE}”已创建。")
    expect(page.locator("[data-testid=status]")).to_have_text("未指派")

    page.click("[data-testid=assign-opportunity]")
    expect(page.locator("[data-testid=assign-form]")).to_contain_text("只能选择具有客户经理角色的在职用户。")
    page.select_option("#id_assigned_to", label="安宁")
    submit(page, "[data-testid=assign-form] button[type=submit]")
    expect(messages(page)).to_contain_text("销售机会已指派给安宁。")
    expect(page.locator("[data-testid=status]")).to_have_text("开发中")
    expect(page.locator("[data-testid=assignee]")).to_have_text("安宁")
    opportunity = Opportunity.objects.get(title=TITLE)

    # The account manager finds it among her opportunities in development and plans it.
    sign_in_as(page, "ann")
    page.goto(f"{page.base_url}/opportunities/mine/")
    row = page.locator("[data-testid=my-opportunities] tr", has_text=TITLE)
    expect(row).to_contain_text("暂无计划")
    row.locator(f"a:has-text('{TITLE}')").click()
    page.wait_for_url(f"**/opportunities/{opportunity.pk}/")

    yesterday = timezone.localdate() - timedelta(days=1)
    for day, todo in ((yesterday, "电话联系周经理"), (yesterday + timedelta(days=8), "上门演示样品")):
        page.click("[data-testid=add-plan-item]")
        expect(page.locator("[data-testid=plan-item-form]")).to_be_visible()
        page.fill("#id_plan_date", day.isoformat())
        page.fill("#id_todo", todo)
        submit(page, "[data-testid=plan-item-form] button[type=submit]")
        expect(messages(page)).to_contain_text("计划项已保存。")
    items = page.locator("[data-testid=plan-item]")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("电话联系周经理")
    expect(items.nth(0).locator("[data-testid=plan-overdue]")).to_have_text(re.compile("逾期"))

    items.nth(0).locator("[data-testid=record-result]").click()
    page.fill("#id_result", "周经理确认需求，约下周演示")
    submit(page, "[data-testid=plan-item-form] button[type=submit]")
    expect(messages(page)).to_contain_text("执行效果已记录。")
    first = page.locator("[data-testid=plan-item]").nth(0)
    expect(first.locator("[data-testid=plan-done]")).to_be_visible()
    expect(first.locator("[data-testid=plan-result]")).to_contain_text("周经理确认需求")
    expect(first.locator("[data-testid=plan-overdue]")).to_have_count(0)
    screenshot(page, "opportunity-plan-zh-hans")

    # She closes it as developed successfully: the customer is created and its edit page opens.
    page.click("[data-testid=succeed-opportunity]")
    expect(page.locator("[data-testid=customer-to-create]")).to_contain_text(COMPANY)
    expect(page.locator("[data-testid=likely-duplicates]")).to_have_count(0)
    submit(page, "[data-testid=confirm-succeed]")
    expect(page).to_have_url(re.compile(r"/customers/KH\d{12}/edit/$"))
    expect(messages(page)).to_contain_text("开发成功")
    customer = Customer.objects.get(name=COMPANY)
    expect(messages(page)).to_contain_text(customer.code)
    expect(page.locator("#id_name")).to_have_value(COMPANY)

    page.select_option("#id_region", label="浙江")
    page.fill("#id_address", "温州市鹿城区瓯江路 88 号")
    page.fill("#id_phone", "0577-86123456")
    submit(page, "[data-testid=customer-form] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.code}/$"))
    expect(page.locator("[data-testid=contacts-panel]")).to_contain_text("周国强")

    page.goto(f"{page.base_url}/customers/")
    page.fill("#id_q", INITIALS)
    submit(page, "[data-testid=filter-form] button[type=submit]")
    expect(page.locator("[data-testid=customer-results]")).to_contain_text(COMPANY)

    # The opportunity is closed now: read-only, linked to its customer.
    page.goto(f"{page.base_url}{opportunity.get_absolute_url()}")
    expect(page.locator("[data-testid=status]")).to_have_text("开发成功")
    expect(page.locator("[data-testid=opportunity-customer]")).to_contain_text(customer.code)
    expect(page.locator("[data-testid=opportunity-actions]")).to_be_attached()
    expect(page.locator("[data-testid=opportunity-actions] a")).to_have_count(0)
    expect(page.locator("[data-testid=add-plan-item]")).to_have_count(0)

    # The viewer sees the whole pipeline, and no button anywhere.
    sign_in_as(page, "vic")
    page.goto(f"{page.base_url}/opportunities/board/")
    expect(page.locator("[data-testid=board-column]")).to_have_count(4)
    won = page.locator("[data-testid=board-column][data-status=succeeded]")
    expect(won).to_contain_text("开发成功")
    expect(won.locator("[data-testid=board-card]", has_text=TITLE)).to_contain_text("已创建")
    succeeded = Opportunity.objects.filter(status="succeeded")
    expect(won.locator("[data-testid=board-count]")).to_have_text(str(succeeded.count()))
    expect(page.locator("[data-testid=board-success-rate]")).to_contain_text("成功率")
    expect(page.locator("[data-testid=new-opportunity]")).to_have_count(0)
    screenshot(page, "opportunity-board-viewer-zh-hans")
    won.locator(f"a:has-text('{TITLE}')").click()
    page.wait_for_url(f"**/opportunities/{opportunity.pk}/")
    expect(page.locator("[data-testid=opportunity-actions]")).to_be_attached()
    expect(page.locator("[data-testid=opportunity-actions] a")).to_have_count(0)
    expect(page.locator("[data-testid=history-panel]")).to_contain_text("苏梅")


def opportunity_screens():
    """The opportunities pages on the demo data: (name, path) as the superuser sees them."""
    developing = Opportunity.objects.filter(status="developing", plan_items__isnull=False).order_by("pk").first()
    unassigned = Opportunity.objects.filter(status="unassigned").order_by("pk").first()
    closed = Opportunity.objects.filter(status="succeeded").order_by("pk").first()
    assert developing and unassigned and closed, "the demo has opportunities in every state, with plans"
    item = developing.plan_items.order_by("plan_date", "pk").first()
    on = {"pk": developing.pk}
    return [
        Screen("opportunity-list", reverse("opportunities:list")),
        Screen("opportunity-board", reverse("opportunities:board")),
        Screen("opportunity-mine", reverse("opportunities:mine")),
        Screen("opportunity-create", reverse("opportunities:create")),
        Screen("opportunity-detail", reverse("opportunities:detail", kwargs=on)),
        Screen("opportunity-detail-closed", reverse("opportunities:detail", kwargs={"pk": closed.pk})),
        Screen("opportunity-edit", reverse("opportunities:edit", kwargs={"pk": unassigned.pk})),
        Screen("opportunity-delete", reverse("opportunities:delete", kwargs={"pk": unassigned.pk})),
        Screen("opportunity-assign", reverse("opportunities:assign", kwargs=on)),
        Screen("opportunity-plan-create", reverse("opportunities:plan_create", kwargs=on)),
        Screen("opportunity-plan-edit", reverse("opportunities:plan_edit", kwargs={**on, "item": item.pk})),
        Screen("opportunity-plan-result", reverse("opportunities:plan_result", kwargs={**on, "item": item.pk})),
        Screen("opportunity-succeed", reverse("opportunities:succeed", kwargs=on)),
        Screen("opportunity-fail", reverse("opportunities:fail", kwargs=on)),
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_opportunities_pages_fit_a_desktop_and_a_phone(desktop, phone, language, subtests):
    # A success page naming a likely existing customer that ann can't see (bob's): who manages it only.
    users = get_user_model().objects
    sue, ann = users.get(username="sue"), users.get(username="ann")
    hidden = Customer.objects.filter(account_manager__username="bob").order_by("code").first()
    lookalike = actions.assign_opportunity(
        actor=sue,
        opportunity=actions.create_opportunity(
            actor=sue,
            opportunity=Opportunity(
                title="疑似重复的机会", customer_name=hidden.name, success_rate=50, contact_name="吴经理"
            ),
        ),
        assignee=ann,
    )
    screens = opportunity_screens()
    for page in (desktop, phone):
        width = page.viewport_size["width"]
        login(page, "sam", "crm-demo-sam")
        expect(page.locator("[data-testid=dashboard]")).to_be_visible()
        for screen in screens:
            with subtests.test(screen.name, width=width):
                look(page, screen, language)
        page.context.clear_cookies()
        login(page, "ann", "crm-demo-ann")
        expect(page.locator("[data-testid=dashboard]")).to_be_visible()
        for screen in (
            Screen("opportunity-mine-manager", reverse("opportunities:mine")),
            Screen("opportunity-succeed-duplicate", reverse("opportunities:succeed", kwargs={"pk": lookalike.pk})),
        ):
            with subtests.test(screen.name, width=width):
                look(page, screen, language)
        expect(page.locator("[data-testid=likely-duplicate]")).to_contain_text("鲍波")
        expect(page.locator("[data-testid=likely-duplicates]")).not_to_contain_text(hidden.code)
