"""A service request's whole life in both languages, as its real roles walk it (SPEC §4): the
account manager (安宁) creates a complaint for one of her customers, finding the customer by typing
its pinyin initials into the chooser; the supervisor (苏梅) assigns it to her inline from the
assignment queue (服务分配); she handles it from her handling queue (服务处理) and, as its
creator, records the customer's feedback: satisfaction 2 sends it back to her queue for another
round; handled again, satisfaction 4 archives it, and the archive (服务归档) finds it by a search.
The request's page shows both rounds on its timeline and its time figures; the menu's badges and
the dashboard card count the queues as they fill and empty; the viewer (魏成) reads the request
and finds no step to take."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from playwright.sync_api import expect

from crm.actions import create_user
from crm.demo import DEMO_USERS
from crm.roles import SUPERVISOR
from customers import actions as customer_actions
from customers.models import Customer
from services.models import ServiceRequest, Status
from tests.browser.conftest import DESKTOP, login, open_page, screenshot, submit
from tests.browser.test_screens import Screen, check, look

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}
COMPANY = "宁波甬江轴承有限公司"
TYPED = "nbyjzc"  # the first initials of its name: Ning Bo Yong Jiang Zhou Cheng
TITLE = {"zh-hans": "轴承批次异响投诉", "en": "Bearings of one batch are noisy"}
DETAIL_PAGE = re.compile(r"/services/\d+/$")

TEXT = {
    "zh-hans": {
        "type": "投诉",
        "status": {"new": "新创建", "assigned": "已分配", "handled": "已处理", "archived": "已归档"},
        "request": "客户反映上月到货的 6205 轴承有一批运转时异响，要求派人检测并更换。",
        "handling": ["已寄送检测报告，说明异响在允许范围内。", "派工程师上门检测，更换整批轴承并延长质保一年。"],
        "result": ["客户不认可检测报告，要求上门处理。", "更换后运转正常，客户满意。"],
    },
    "en": {
        "type": "Complaint",
        "status": {"new": "New", "assigned": "Assigned", "handled": "Handled", "archived": "Archived"},
        "request": "The 6205 bearings delivered last month: one batch is noisy when running; please test and replace.",
        "handling": [
            "Sent the test report: the noise is within tolerance.",
            "An engineer tested on site, replaced the whole batch and extended the warranty by a year.",
        ],
        "result": ["The customer does not accept the report and wants someone on site.", "Quiet now; satisfied."],
    },
}


def sign_in_as(page, username, password=None):
    page.context.clear_cookies()  # logged out; the language comes from the browser
    login(page, username, password or PASSWORDS[username])
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()


def messages(page):
    return page.locator("[data-testid=messages]")


def status(page):
    return page.locator("[data-testid=status]")


def menu_count(page, queue):
    """The badge counting ``queue`` in the menu's Services dropdown (filled in by htmx once the
    page has loaded), after opening the dropdown as a user would to see it."""
    # the Services dropdown (the Customers entry is a dropdown too)
    services = page.locator("[data-testid=main-menu] .dropdown:has(> a.dropdown-toggle[href='/services/'])")
    submenu = services.locator("> [data-testid=submenu]")
    expect(submenu).to_be_hidden()
    services.locator("> .dropdown-toggle").click()
    expect(submenu).to_be_visible()
    return submenu.locator(f"[data-testid=menu-count-{queue}]")


def card_count(page, queue):
    return page.locator(f"[data-testid=services-card] [data-testid=count-{queue}]")


def waiting(**conditions):
    """How many requests are in the state ``conditions`` describe now (the figure a badge shows)."""
    return str(ServiceRequest.objects.filter(**conditions).aggregate(n=Count("pk"))["n"])


def queue_row(page, queue, title):
    """The row of ``title`` on the queue page ``queue`` (its table's data-testid)."""
    return page.locator(f"[data-testid={queue}] tbody tr", has_text=title)


def handle(page, request, text):
    """ann handles ``request`` from her handling queue (服务处理)."""
    page.goto(f"{page.base_url}/services/handle/")
    row = queue_row(page, "handle-queue", request.title)
    expect(row).to_have_count(1)
    row.locator(f"a[href$='/services/{request.pk}/handle/']").click()
    page.wait_for_url(f"**/services/{request.pk}/handle/")
    expect(page.locator("[data-testid=request-summary]")).to_contain_text(request.title)
    page.fill("#id_handling", text)
    submit(page, "[data-testid=handle-form] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/services/{request.pk}/$"))
    expect(messages(page)).to_be_visible()


def give_feedback(page, request, result, satisfaction):
    """ann, its creator, records the customer's feedback from her feedback queue (服务反馈)."""
    page.goto(f"{page.base_url}/services/feedback/")
    row = queue_row(page, "feedback-queue", request.title)
    expect(row).to_have_count(1)
    row.locator(f"a[href$='/services/{request.pk}/feedback/']").click()
    page.wait_for_url(f"**/services/{request.pk}/feedback/")
    expect(page.locator("[data-testid=summary-handling]")).to_be_visible()
    page.fill("#id_result", result)
    page.check(f"[data-testid=satisfaction-field] input[name=satisfaction][value='{satisfaction}']")
    submit(page, "[data-testid=feedback-form] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/services/{request.pk}/$"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_service_request_goes_round_twice_and_is_archived(desktop, language):
    page, text, title = desktop, TEXT[language], TITLE[language]
    users = get_user_model().objects
    ann = users.get(username="ann")
    customer = customer_actions.create_customer(actor=ann, customer=Customer(name=COMPANY, account_manager=ann))
    assert customer.name_initials.startswith(TYPED)

    # The account manager opens the create form from the services pages and finds her customer
    # by typing the first initials of its name.
    sign_in_as(page, "ann")
    expect(card_count(page, "handle")).to_have_text(waiting(status=Status.ASSIGNED, assigned_to=ann))
    expect(card_count(page, "feedback")).to_have_text(waiting(status=Status.HANDLED, created_by=ann))
    expect(page.locator("[data-testid=services-card] [data-testid=count-assign]")).to_have_count(0)
    page.goto(f"{page.base_url}/services/")
    page.click("[data-testid=new-service-request]")
    page.wait_for_url("**/services/new/")
    page.select_option("#id_service_type", label=text["type"])
    page.fill("#id_title", title)
    page.locator("#id_customer").press_sequentially(TYPED, delay=50)
    choice = page.locator(f"[data-testid=customer-choices] [data-testid=customer-choice][data-code={customer.code}]")
    expect(choice).to_contain_text(COMPANY)
    choice.click()
    expect(page.locator("#id_customer")).to_have_value(customer.code)
    expect(page.locator("[data-testid=chosen-customer]")).to_contain_text(COMPANY)
    page.fill("#id_request", text["request"])
    submit(page, "[data-testid=service-request-form] button[type=submit]")
    expect(page).to_have_url(DETAIL_PAGE)
    expect(messages(page)).to_contain_text(title)
    expect(status(page)).to_have_text(text["status"]["new"])
    expect(page.locator("[data-testid=request-customer]")).to_contain_text(customer.code)
    expect(page.locator("[data-testid=service-type]")).to_have_text(text["type"])
    expect(page.locator("[data-testid=delete-request]")).to_be_visible()  # hers, still new
    request = ServiceRequest.objects.get(title=title)
    assert request.customer == customer and request.created_by == ann

    # The supervisor sees it counted in the menu and on her dashboard, and assigns it inline.
    sign_in_as(page, "sue")
    new_before = waiting(status=Status.NEW)
    expect(card_count(page, "assign")).to_have_text(new_before)
    expect(menu_count(page, "assign")).to_have_text(new_before)
    page.goto(f"{page.base_url}/services/assign/")
    row = queue_row(page, "assign-queue", title)
    expect(row).to_contain_text(COMPANY)
    row.locator(f"#assignee-{request.pk}").select_option(label="安宁")
    row.locator(f"[data-testid=assign-form-{request.pk}] button[type=submit]").click()
    expect(page.locator(f"[data-testid=assigned-{request.pk}]")).to_contain_text("安宁")
    expect(menu_count(page, "assign")).to_have_text(str(int(new_before) - 1))  # the badge follows
    page.reload()
    expect(queue_row(page, "assign-queue", title)).to_have_count(0)

    # The account manager finds it in her handling queue (counted in the menu) and handles it.
    sign_in_as(page, "ann")
    expect(menu_count(page, "handle")).to_have_text(waiting(status=Status.ASSIGNED, assigned_to=ann))
    mine = ServiceRequest.objects.filter(
        Q(status=Status.ASSIGNED, assigned_to=ann) | Q(status=Status.HANDLED, created_by=ann)
    )
    expect(page.locator("[data-testid=main-menu] [data-testid=menu-count-services]")).to_have_text(str(mine.count()))
    expect(card_count(page, "handle")).to_have_text(waiting(status=Status.ASSIGNED, assigned_to=ann))
    handle(page, request, text["handling"][0])
    expect(status(page)).to_have_text(text["status"]["handled"])
    expect(page.locator("[data-testid=handling]")).to_contain_text(text["handling"][0])
    expect(page.locator("[data-testid=feedback-request]")).to_be_visible()  # she created it
    expect(menu_count(page, "feedback")).to_have_text(waiting(status=Status.HANDLED, created_by=ann))

    # The customer is not satisfied (2 of 5): back to her handling queue for another round.
    give_feedback(page, request, text["result"][0], 2)
    expect(status(page)).to_have_text(text["status"]["assigned"])
    expect(messages(page)).to_contain_text("安宁")
    expect(page.locator("[data-testid=assignee]")).to_have_text("安宁")
    expect(page.locator("[data-testid=handle-request]")).to_be_visible()
    expect(page.locator("[data-testid=rounds]")).to_have_text("1")
    page.goto(f"{page.base_url}/services/handle/")
    expect(queue_row(page, "handle-queue", title)).to_have_count(1)
    expect(menu_count(page, "handle")).to_have_text(waiting(status=Status.ASSIGNED, assigned_to=ann))

    # Handled again, and this time the customer is satisfied (4 of 5): archived.
    handle(page, request, text["handling"][1])
    expect(status(page)).to_have_text(text["status"]["handled"])
    give_feedback(page, request, text["result"][1], 4)
    expect(status(page)).to_have_text(text["status"]["archived"])
    expect(page.locator("[data-testid=archived-note]")).to_be_visible()
    expect(page.locator("[data-testid=request-actions] a")).to_have_count(0)
    expect(page.locator("[data-testid=satisfaction]")).to_be_visible()
    expect(page.locator("[data-testid=result]")).to_contain_text(text["result"][1])

    # Its timeline keeps both rounds, each handling and each feedback with who and when.
    rows = page.locator("[data-testid=timeline-row]")
    expect(rows).to_have_count(6)
    expect(page.locator("[data-testid=timeline-row][data-kind=created]")).to_have_count(1)
    assigned = page.locator("[data-testid=timeline-row][data-kind=assigned]")
    expect(assigned).to_have_count(1)
    expect(assigned).to_contain_text("苏梅")
    expect(assigned).to_contain_text("安宁")
    handled = page.locator("[data-testid=timeline-row][data-kind=handled]")
    feedback = page.locator("[data-testid=timeline-row][data-kind=feedback]")
    expect(handled).to_have_count(2)
    expect(feedback).to_have_count(2)
    for number in (0, 1):
        expect(handled.nth(number)).to_contain_text(text["handling"][number])
        expect(handled.nth(number).locator("[data-testid=round]")).to_contain_text(str(number + 1))
        expect(feedback.nth(number)).to_contain_text(text["result"][number])
        expect(feedback.nth(number).locator("[data-testid=round]")).to_contain_text(str(number + 1))
        expect(handled.nth(number)).to_contain_text("安宁")
        expect(feedback.nth(number)).to_contain_text("安宁")
    expect(rows.nth(2)).to_have_attribute("data-kind", "handled")
    expect(rows.nth(3)).to_have_attribute("data-kind", "feedback")
    expect(rows.nth(4)).to_have_attribute("data-kind", "handled")
    expect(rows.nth(5)).to_have_attribute("data-kind", "feedback")

    # The time figures: every one measured (the steps came seconds apart), two rounds.
    figures = page.locator("[data-testid=time-figures]")
    expect(figures.locator("[data-testid=rounds]")).to_have_text("2")
    for figure in ("to-assign", "to-first-handling", "to-archive"):
        expect(figures.locator(f"[data-testid={figure}]")).not_to_have_text(re.compile(r"^\s*(—|-)?\s*$"))
    screenshot(page, f"service-request-archived-{language}")

    # The archive finds it by its customer's initials, and by its title.
    for search in (TYPED, title):
        page.goto(f"{page.base_url}/services/archive/")
        page.fill("#id_q", search)
        submit(page, "[data-testid=filter-form] button[type=submit]")
        expect(queue_row(page, "archive-table", title)).to_contain_text(COMPANY)
    page.goto(f"{page.base_url}/services/handle/")
    expect(page.locator("[data-testid=service-results]")).not_to_contain_text(title)
    page.goto(f"{page.base_url}/")
    expect(card_count(page, "handle")).to_have_text(waiting(status=Status.ASSIGNED, assigned_to=ann))
    expect(card_count(page, "feedback")).to_have_text(waiting(status=Status.HANDLED, created_by=ann))

    # The viewer sees the request and its timeline, the service desk's counts, and no step.
    sign_in_as(page, "vic")
    for state in ("new", "assigned", "handled"):
        expect(card_count(page, state)).to_have_text(waiting(status=state))
    page.goto(f"{page.base_url}/services/")
    expect(page.locator("[data-testid=new-service-request]")).to_have_count(0)
    page.fill("#id_q", title)
    submit(page, "[data-testid=filter-form] button[type=submit]")
    link = page.locator(f"[data-testid=service-table] a[href$='/services/{request.pk}/']")
    expect(link).to_have_text(title)
    link.click()
    page.wait_for_url(f"**/services/{request.pk}/")
    expect(status(page)).to_have_text(text["status"]["archived"])
    expect(page.locator("[data-testid=timeline-row]")).to_have_count(6)
    expect(page.locator("[data-testid=request-actions]")).to_be_attached()
    expect(page.locator("[data-testid=request-actions] a")).to_have_count(0)
    # Nor on the requests that still wait for a step of someone else's.
    for state in (Status.NEW, Status.ASSIGNED, Status.HANDLED):
        other = ServiceRequest.objects.filter(status=state).order_by("pk").first()
        page.goto(f"{page.base_url}/services/{other.pk}/")
        expect(page.locator("[data-testid=request-title]")).to_have_text(other.title)
        expect(status(page)).to_have_text(text["status"][state])
        expect(page.locator("[data-testid=request-actions]")).to_be_attached()
        expect(page.locator("[data-testid=request-actions] a")).to_have_count(0)
    screenshot(page, f"service-request-viewer-{language}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_work_queues_and_step_pages_fit_a_phone_as_their_roles_see_them(phone, language, subtests):
    # The superuser's look (test_screens.py) finds empty queues where he has no work of his own:
    # here each queue holds the rows of the role it belongs to, and the chooser is open.
    page = phone
    ann = get_user_model().objects.get(username="ann")
    to_handle = ServiceRequest.objects.filter(status=Status.ASSIGNED, assigned_to=ann).order_by("pk").first()
    to_judge = ServiceRequest.objects.filter(status=Status.HANDLED, created_by=ann).order_by("pk").first()
    assert to_handle and to_judge, "the demo gives ann requests to handle and to give feedback on"
    mine = Customer.objects.filter(account_manager=ann).order_by("code").first()

    sign_in_as(page, "sue")
    with subtests.test("service-assign-queue-supervisor"):
        look(page, Screen("service-assign-queue-supervisor", "/services/assign/"), language)
        expect(page.locator("[data-testid=assign-queue] tbody tr")).not_to_have_count(0)

    sign_in_as(page, "ann")
    for name, path, table in (
        ("service-handle-queue-manager", "/services/handle/", "handle-queue"),
        ("service-feedback-queue-manager", "/services/feedback/", "feedback-queue"),
    ):
        with subtests.test(name):
            look(page, Screen(name, path), language)
            expect(page.locator(f"[data-testid={table}] tbody tr")).not_to_have_count(0)
    with subtests.test("service-handle-manager"):
        look(page, Screen("service-handle-manager", f"/services/{to_handle.pk}/handle/"), language)
        expect(page.locator("[data-testid=handle-form]")).to_be_visible()
    with subtests.test("service-feedback-manager"):
        look(page, Screen("service-feedback-manager", f"/services/{to_judge.pk}/feedback/"), language)
        expect(page.locator("[data-testid=satisfaction-field] input[name=satisfaction]")).to_have_count(5)
    with subtests.test("service-create-choosing"):
        page.goto(f"{page.base_url}/services/new/")
        page.locator("#id_customer").press_sequentially(mine.name_initials[:3], delay=50)
        expect(page.locator(f"[data-testid=customer-choice][data-code={mine.code}]")).to_be_visible()
        check(page, "service-create-choosing", language)


def test_two_supervisors_assign_the_same_request_and_the_second_is_told_in_its_row(browser, live_server, demo):
    # Two supervisors have the assignment queue open; the first assigns a request to ann, the
    # second, still looking at it as new, picks bob: the row tells her, in her language, and
    # keeps her choice; ann's assignment stands.
    create_user(username="sara", password="crm-demo-sara", full_name="沙琳", roles=[SUPERVISOR])
    request = ServiceRequest.objects.filter(status=Status.NEW).order_by("created_at", "pk").first()
    bob = get_user_model().objects.get(username="bob")
    queues = []
    for username in ("sue", "sara"):
        page = open_page(browser, live_server, language="zh-hans", viewport=DESKTOP)
        sign_in_as(page, username, f"crm-demo-{username}")
        page.goto(f"{page.base_url}/services/assign/")
        expect(page.locator(f"[data-testid=assign-form-{request.pk}]")).to_be_visible()
        queues.append(page)
    first, second = queues
    try:
        first.select_option(f"#assignee-{request.pk}", label="安宁")
        first.click(f"[data-testid=assign-form-{request.pk}] button[type=submit]")
        expect(first.locator(f"[data-testid=assigned-{request.pk}]")).to_contain_text("安宁")

        second.select_option(f"#assignee-{request.pk}", label="鲍波")
        second.click(f"[data-testid=assign-form-{request.pk}] button[type=submit]")
        row = second.locator(f"[data-testid=assign-form-{request.pk}]")
        expect(row.locator("[data-testid=assign-error]")).to_contain_text("在此期间其他人已修改了该服务请求")
        expect(row.locator("[data-testid=assign-error]")).to_contain_text("已分配")
        expect(row.locator(f"#assignee-{request.pk}")).to_have_value(str(bob.pk))
        expect(second.locator(f"[data-testid=assigned-{request.pk}]")).to_have_count(0)

        second.goto(f"{second.base_url}/services/{request.pk}/")
        expect(second.locator("[data-testid=assignee]")).to_have_text("安宁")
        expect(second.locator("[data-testid=timeline-row][data-kind=assigned]")).to_have_count(1)
        expect(second.locator("[data-testid=timeline-row][data-kind=assigned]")).to_contain_text("苏梅")
    finally:
        for page in queues:
            page.context.close()
