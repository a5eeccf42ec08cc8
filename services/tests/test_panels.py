"""The services app's pieces on other apps' pages: the customer 360° page's panel
({% services_customer_panel %}) and the dashboard card (services/dashboard.py, through
crm.dashboard's registry), scoped through crm.access, in a fixed number of queries."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from customers.tests.factories import make_customer, share
from services import actions
from services.models import ServiceRequest
from services.tests.factories import archived, assigned, handled, make_request


def text(html):
    # Tags out, spaces (and the no-break spaces Django's timesince puts in) squeezed.
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ")).strip()


def age(html, title):
    """The age the panel or card shows beside the request titled ``title``."""
    return text(re.search(rf'{title}.*?data-testid="service-age">([^<]*)<', html, re.S).group(1))


def section(html, testid):
    found = re.search(rf'data-testid="{testid}">(.*?)</ul>', html, re.S)
    return text(found.group(1)) if found else None


def created_days_ago(service_request, days):
    # Test data only: a request made earlier than the test ran (the actions stamp "now").
    ServiceRequest.objects.filter(pk=service_request.pk).update(created_at=timezone.now() - timedelta(days=days))


# --- the customer 360° page's panel ---------------------------------------------------------------


def panel(user, customer, language="en"):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load services_tags %}{% services_customer_panel customer %}")
    with translation.override(language):
        return template.render(Context({"request": request, "customer": customer}))


@pytest.fixture
def served(manager_ann, manager_bob, supervisor_sue):
    """ann's customer with a request in each state: new (ann's), assigned to bob (created by sue),
    handled by ann, and two archived (the older one with satisfaction 2 went round twice); bob's
    customer with a request of bob's; and one of bob's customers nobody shared."""
    customer = make_customer(manager_ann, name="安宁服务客户有限公司")
    rows = {
        "new": make_request(manager_ann, customer, title="打印机卡纸"),
        "assigned": assigned(supervisor_sue, customer, manager_bob, supervisor=supervisor_sue, title="网络时断时续"),
        "handled": handled(manager_ann, customer, manager_ann, supervisor=supervisor_sue, title="发票抬头有误"),
    }
    twice = handled(manager_ann, customer, manager_ann, supervisor=supervisor_sue, title="交货延迟投诉")
    twice = actions.give_feedback(actor=supervisor_sue, service_request=twice, result="仍不满意", satisfaction=2)
    twice = actions.handle_service_request(actor=manager_ann, service_request=twice, handling="补发货物")
    rows["twice"] = actions.give_feedback(actor=supervisor_sue, service_request=twice, result="满意", satisfaction=4)
    rows["archived"] = archived(
        manager_ann, customer, manager_ann, supervisor=supervisor_sue, satisfaction=5, title="安装指导咨询"
    )
    created_days_ago(rows["new"], 3)
    bobs = make_customer(manager_bob, name="鲍波服务客户有限公司")
    rows["bobs"] = make_request(manager_bob, bobs, title="鲍波客户的咨询")
    return {"customer": customer, "bobs_customer": bobs, **rows}


def test_the_panel_lists_open_requests_with_state_assignee_and_age_and_the_archived_with_stars(manager_ann, served):
    html = panel(manager_ann, served["customer"])
    open_now = section(html, "open-service-requests")
    # Open ones, the longest waiting first: the three-day-old new one leads.
    assert open_now.index("打印机卡纸") < open_now.index("网络时断时续") < open_now.index("发票抬头有误")
    assert "New" in open_now and "Assigned" in open_now and "Handled" in open_now
    assert "Manager Bob" in open_now  # the assignee of another manager's request
    assert age(html, "打印机卡纸") == "3 days ago" and age(html, "发票抬头有误") == "under a minute ago"
    assert 'class="badge text-bg-' in html
    archived_now = section(html, "archived-service-requests")
    # Most recently archived first, with the last satisfaction as stars.
    assert archived_now.index("安装指导咨询") < archived_now.index("交货延迟投诉")
    assert "5 of 5 stars" in archived_now and "4 of 5 stars" in archived_now
    assert "交货延迟投诉" not in open_now and "安装指导咨询" not in open_now
    assert reverse("services:detail", kwargs={"pk": served["assigned"].pk}) in html
    assert "鲍波客户的咨询" not in html  # another customer's
    list_url = reverse("services:list") + "?q=" + served["customer"].code
    assert f'href="{list_url}" data-testid="all-service-requests"' in html


@pytest.mark.parametrize("persona", ["supervisor_sue", "viewer_vic", "admin", "superuser_sam"])
def test_those_who_see_every_request_see_all_of_the_customers(request, persona, served):
    html = panel(request.getfixturevalue(persona), served["customer"])
    assert html.count('data-testid="customer-service-request"') == 5
    assert "网络时断时续" in html and "交货延迟投诉" in html


def test_a_manager_sees_the_requests_of_a_customer_shared_with_them(manager_ann, supervisor_sue, served):
    assert "鲍波客户的咨询" not in panel(manager_ann, served["bobs_customer"])
    share(served["bobs_customer"], manager_ann, actor=supervisor_sue)
    html = panel(manager_ann, served["bobs_customer"])
    assert section(html, "open-service-requests").startswith("鲍波客户的咨询")


def test_a_manager_who_cannot_see_the_customer_sees_only_their_own_requests_of_it(manager_bob, served):
    # bob was assigned one request of ann's customer: the selector's scope gives him that one alone.
    html = panel(manager_bob, served["customer"])
    assert html.count('data-testid="customer-service-request"') == 1
    assert "网络时断时续" in html and "打印机卡纸" not in html


@pytest.mark.parametrize(
    "persona, shown",
    [
        ("manager_ann", True),
        ("supervisor_sue", True),
        ("superuser_sam", True),
        ("viewer_vic", False),
        ("admin", False),
    ],
)
def test_the_new_request_button_is_shown_to_those_who_may_create(request, persona, shown, served):
    html = panel(request.getfixturevalue(persona), served["customer"])
    create_url = reverse("services:create") + "?customer=" + served["customer"].code
    assert (f'href="{create_url}" data-testid="add-service-request"' in html) is shown


def test_a_customer_without_requests_says_so_in_both_languages(manager_ann):
    customer = make_customer(manager_ann)
    html = panel(manager_ann, customer)
    assert 'data-testid="services-panel"' in html and "customer-service-request" not in html
    assert "No service requests for this customer yet." in html
    assert "all-service-requests" not in html
    html = panel(manager_ann, customer, "zh-hans")
    assert "此客户还没有服务请求。" in html and "新建服务请求" in html


def test_the_panel_speaks_chinese(manager_ann, served):
    html = panel(manager_ann, served["customer"], "zh-hans")
    open_now = section(html, "open-service-requests")
    assert "新创建" in open_now and "已分配" in open_now and "已处理" in open_now
    assert age(html, "打印机卡纸") == "3 天前"
    archived_now = section(html, "archived-service-requests")
    assert "5 星（满分 5 星）" in archived_now and "投诉" in archived_now  # the type's Chinese label
    assert "未完成" in html and "最近归档" in html and "此客户的全部服务请求" in html


def test_a_user_without_the_services_module_gets_no_panel(roles, served):
    nobody = get_user_model().objects.create_user("norole", password="x")
    assert panel(nobody, served["customer"]).strip() == ""


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "viewer_vic"])
def test_the_panel_costs_one_query_and_shows_ten_open_and_five_archived(request, persona, manager_ann, supervisor_sue):
    customer = make_customer(manager_ann, name="多次服务客户有限公司")
    user = request.getfixturevalue(persona)
    user.get_all_permissions()  # as every page has read them before the panel
    made = 0
    for count in (3, 30):
        while made < count:
            make_request(manager_ann, customer)
            archived(manager_ann, customer, manager_ann, supervisor=supervisor_sue, satisfaction=made % 3 + 3)
            made += 1
        with CaptureQueriesContext(connection) as captured:
            html = panel(user, customer)
        assert len(captured) == 1, [q["sql"] for q in captured.captured_queries]
        assert section(html, "open-service-requests").count("服务请求") == min(count, 10)
        assert html.count('data-testid="service-satisfaction"') == min(count, 5)
        assert ('data-testid="more-open-service-requests"' in html) is (count > 10)


def test_the_panel_shows_the_longest_waiting_open_and_the_latest_archived_requests_in_order(
    manager_ann, supervisor_sue
):
    """Open: the ten oldest, oldest first; archived: the five archived last, newest first, whatever
    order they were made in."""
    customer = make_customer(manager_ann, name="排序服务客户有限公司")
    now = timezone.now()
    for number, days in enumerate((5, 12, 1, 9, 3, 11, 7, 2, 10, 4, 8, 6)):
        opened = make_request(manager_ann, customer, title=f"待办{number:02d}")
        ServiceRequest.objects.filter(pk=opened.pk).update(created_at=now - timedelta(days=days))
    for number, days in enumerate((30, 2, 25, 1, 40, 5, 3)):
        done = archived(manager_ann, customer, manager_ann, supervisor=supervisor_sue, title=f"归档{number:02d}")
        ServiceRequest.objects.filter(pk=done.pk).update(archived_at=now - timedelta(days=days))
    html = panel(manager_ann, customer)
    assert re.findall(r"待办\d\d", section(html, "open-service-requests")) == [
        "待办01", "待办05", "待办08", "待办03", "待办10", "待办06", "待办11", "待办00", "待办09", "待办04"
    ]  # fmt: skip
    assert 'data-testid="more-open-service-requests"' in html
    assert re.findall(r"归档\d\d", section(html, "archived-service-requests")) == [
        "归档03", "归档01", "归档06", "归档05", "归档02"
    ]  # fmt: skip


def test_the_customer_page_shows_the_services_panel(client, manager_ann, served):
    client.force_login(manager_ann)
    html = client.get(served["customer"].get_absolute_url()).content.decode()
    panel_html = html.split('data-testid="services-panel"', 1)[1].split('data-testid="audience-panel"', 1)[0]
    assert "打印机卡纸" in panel_html and "安装指导咨询" in panel_html


# --- the dashboard card ---------------------------------------------------------------------------


def dashboard(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def count(html, name):
    found = re.search(rf'data-testid="count-{name}">([^<]*)<', html)
    return found.group(1) if found else None


@pytest.fixture
def queues(manager_ann, manager_bob, supervisor_sue):
    """Two new requests (one five days old), three assigned to ann (one four days old) and one to
    bob, a handled one created by ann and one created by bob, one archived."""
    customer = make_customer(manager_ann, name="安宁队列客户有限公司")
    bobs = make_customer(manager_bob, name="鲍波队列客户有限公司")
    old_new = make_request(manager_ann, customer, title="最早的新请求")
    make_request(manager_bob, bobs, title="鲍波的新请求")
    ann_old = assigned(supervisor_sue, customer, manager_ann, supervisor=supervisor_sue, title="安宁最早的待处理")
    assigned(manager_ann, customer, manager_ann, supervisor=supervisor_sue, title="安宁第二个待处理")
    assigned(manager_bob, bobs, manager_ann, supervisor=supervisor_sue, title="鲍波客户给安宁处理")
    assigned(manager_bob, bobs, manager_bob, supervisor=supervisor_sue, title="鲍波的待处理")
    handled(manager_ann, customer, manager_bob, supervisor=supervisor_sue, title="安宁待反馈")
    handled(manager_bob, bobs, manager_bob, supervisor=supervisor_sue, title="鲍波待反馈")
    archived(manager_ann, customer, manager_ann, supervisor=supervisor_sue, title="已归档请求")
    created_days_ago(old_new, 5)
    created_days_ago(ann_old, 4)


def test_an_account_manager_sees_their_queues_and_what_waits_longest_for_them(client, manager_ann, queues):
    html = dashboard(client, manager_ann)
    assert "My service queues" in html
    assert count(html, "assign") is None  # not theirs
    assert (count(html, "handle"), count(html, "feedback")) == ("3", "1")
    assert reverse("services:handle_queue") in html and reverse("services:feedback_queue") in html
    assert reverse("services:assign_queue") not in html
    waiting = section(html, "waiting-service-requests")
    assert waiting.index("安宁最早的待处理") < waiting.index("安宁第二个待处理") < waiting.index("鲍波客户给安宁处理")
    assert age(html, "安宁最早的待处理") == "4 days ago"
    assert "鲍波的待处理" not in html and "最早的新请求" not in html


def test_another_account_manager_counts_their_own(client, manager_bob, queues):
    html = dashboard(client, manager_bob)
    assert (count(html, "handle"), count(html, "feedback")) == ("1", "1")
    assert section(html, "waiting-service-requests").startswith("鲍波的待处理")


@pytest.mark.parametrize("persona", ["supervisor_sue", "superuser_sam"])
def test_a_supervisor_sees_what_to_assign_and_to_give_feedback_on(client, request, persona, queues):
    html = dashboard(client, request.getfixturevalue(persona))
    assert (count(html, "assign"), count(html, "feedback")) == ("2", "2")
    assert count(html, "handle") is None  # supervisors are not assigned requests
    assert reverse("services:assign_queue") in html and reverse("services:feedback_queue") in html
    assert "Waiting longest for an assignment" in html
    waiting = section(html, "waiting-service-requests")
    assert waiting.index("最早的新请求") < waiting.index("鲍波的新请求")
    assert age(html, "最早的新请求") == "5 days ago"


@pytest.mark.parametrize("persona", ["viewer_vic", "admin"])
def test_those_without_a_queue_see_the_service_desks_open_counts(client, request, persona, queues):
    html = dashboard(client, request.getfixturevalue(persona))
    assert "Service desk" in html and "My service queues" not in html
    assert (count(html, "new"), count(html, "assigned"), count(html, "handled")) == ("2", "4", "2")
    assert reverse("services:list") + "?status=assigned" in html
    assert reverse("services:assign_queue") not in html and 'data-testid="waiting-service-requests"' not in html


def test_an_empty_queue_says_so(client, manager_ann, supervisor_sue):
    html = dashboard(client, manager_ann)
    assert (count(html, "handle"), count(html, "feedback")) == ("0", "0")
    assert "No service request waits for your handling." in html
    assert "No service request waits to be assigned." in dashboard(client, supervisor_sue)


def test_the_card_lists_five_and_points_to_the_queue_for_more(client, manager_ann, supervisor_sue):
    customer = make_customer(manager_ann)
    for n in range(7):
        assigned(manager_ann, customer, manager_ann, supervisor=supervisor_sue, title=f"批量请求{n}")
    html = dashboard(client, manager_ann)
    assert section(html, "waiting-service-requests").count("批量请求") == 5
    assert f'href="{reverse("services:handle_queue")}" data-testid="more-waiting"' in html


def test_a_user_without_the_services_module_gets_no_card(client, roles, queues):
    nobody = get_user_model().objects.create_user("norole", password="x")
    assert 'data-testid="services-card"' not in dashboard(client, nobody)


def test_the_card_speaks_chinese(client, manager_ann, supervisor_sue, viewer_vic, queues):
    html = dashboard(client, manager_ann, "zh-hans")
    assert "我的服务队列" in html and "待处理" in html and "待反馈" in html
    assert age(html, "安宁最早的待处理") == "4 天前"
    html = dashboard(client, supervisor_sue, "zh-hans")
    assert "待分配" in html and "等待分配最久" in html
    html = dashboard(client, viewer_vic, "zh-hans")
    assert "服务台" in html


@pytest.mark.parametrize("persona, own_queries", [("manager_ann", 2), ("supervisor_sue", 2), ("viewer_vic", 1)])
def test_the_card_costs_a_fixed_number_of_queries(client, request, persona, own_queries, manager_ann, supervisor_sue):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    customer = make_customer(manager_ann)
    made, totals = 0, []
    for rows in (3, 30):
        while made < rows:
            make_request(manager_ann, customer)
            assigned(manager_ann, customer, manager_ann, supervisor=supervisor_sue)
            handled(manager_ann, customer, manager_ann, supervisor=supervisor_sue)
            made += 1
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        totals.append(len(captured))
        # The card's own: a queue owner's counts and the oldest waiting; the desk's counts.
        own = [query for query in captured.captured_queries if '"services_' in query["sql"]]
        assert len(own) == own_queries, own
    assert totals[0] == totals[1]


# --- where the panel and the card lead --------------------------------------------------------------


def links(html, testid):
    """The hrefs inside the element marked ``testid`` (up to the panel's or card's end)."""
    part = html.split(f'data-testid="{testid}"', 1)[1].split('data-testid="audience-panel"', 1)[0]
    return sorted(set(re.findall(r'href="(/services/[^"]*)"', part.replace("&amp;", "&"))))


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "viewer_vic"])
def test_every_link_of_the_panel_and_the_card_opens_its_page(client, request, persona, served, queues):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    page = client.get(served["customer"].get_absolute_url()).content.decode()
    followed = links(page, "services-panel") + links(dashboard(client, user), "services-card")
    assert followed
    for url in followed:
        assert client.get(url).status_code == 200, url


def test_the_panels_list_link_lists_this_customers_requests(client, manager_ann, served):
    client.force_login(manager_ann)
    url = reverse("services:list") + "?q=" + served["customer"].code
    html = client.get(url).content.decode()
    assert "打印机卡纸" in html and "安装指导咨询" in html and "鲍波客户的咨询" not in html


def test_the_panels_button_opens_the_form_with_the_customer_filled_in(client, manager_ann, served):
    client.force_login(manager_ann)
    url = reverse("services:create") + "?customer=" + served["customer"].code
    html = client.get(url).content.decode()
    assert served["customer"].code in html and served["customer"].name in html
