"""The opportunities app's pieces on other apps' pages: the dashboard card (opportunities/dashboard.py,
through crm.dashboard's registry) and the customer 360° page's panel ({% opportunities_customer_panel %}),
scoped through crm.access, in a fixed number of queries."""

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

from customers.tests.factories import make_customer
from opportunities import actions
from opportunities.tests.factories import add_plan_item, developing, make_opportunity


def dashboard(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(html, testid):
    found = re.search(rf'data-testid="{testid}">(.*?)</ul>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else None


# --- the dashboard card ---------------------------------------------------------------------------


@pytest.fixture
def pipeline(manager_ann, manager_bob, supervisor_sue):
    """ann develops two opportunities (one with a step due today, one overdue) and created one still
    unassigned; bob develops one with a step due today; one of ann's is closed."""
    today = timezone.localdate()
    ann_today = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, title="安宁今日机会")
    add_plan_item(ann_today, actor=manager_ann, plan_date=today, todo="提交布线报价")
    add_plan_item(ann_today, actor=manager_ann, plan_date=today + timedelta(days=3), todo="商谈付款")
    ann_late = developing(manager_ann, manager_ann, supervisor=supervisor_sue, title="安宁逾期机会")
    add_plan_item(ann_late, actor=manager_ann, plan_date=today - timedelta(days=2), todo="发送测试申请")
    closed = developing(manager_ann, manager_ann, supervisor=supervisor_sue, title="安宁已终止机会")
    add_plan_item(closed, actor=manager_ann, plan_date=today, todo="终止前的计划")
    actions.fail_opportunity(actor=manager_ann, opportunity=closed, reason="预算取消")
    make_opportunity(manager_ann, title="安宁待指派机会")
    bob_today = developing(supervisor_sue, manager_bob, supervisor=supervisor_sue, title="鲍波今日机会")
    add_plan_item(bob_today, actor=manager_bob, plan_date=today, todo="鲍波的计划")
    return {"ann_today": ann_today, "ann_late": ann_late, "bob_today": bob_today}


def test_an_account_manager_sees_their_opportunities_in_development_and_todays_plan(client, manager_ann, pipeline):
    html = dashboard(client, manager_ann)
    assert "My opportunities" in html
    today = section(html, "plan-today")
    assert today == "安宁今日机会 · 提交布线报价"
    assert reverse("opportunities:detail", kwargs={"pk": pipeline["ann_today"].pk}) in html
    developing_now = section(html, "my-developing")
    # Longest assigned first; each with its next step's date, an overdue one marked.
    assert developing_now.index("安宁今日机会") < developing_now.index("安宁逾期机会")
    late = re.search(r"安宁逾期机会.*?data-testid=\"next-step\">([^<]*)<", html, re.S).group(1)
    assert "Overdue" in late
    assert "text-danger" in re.search(
        r'安宁逾期机会.*?<span class="([^"]*)" data-testid="next-step"', html, re.S
    ).group(1)
    # Not bob's, not a closed one, not one still waiting to be assigned.
    assert "鲍波" not in html and "安宁已终止机会" not in html and "终止前的计划" not in html
    assert "安宁待指派机会" not in developing_now


def test_an_account_manager_with_nothing_open_is_told_so(client, manager_bob, manager_ann, supervisor_sue):
    make_opportunity(manager_bob, title="鲍波待指派机会")
    html = dashboard(client, manager_bob)
    assert 'data-testid="plan-today-empty"' in html and "Nothing planned for today." in html
    assert "No opportunity in development is assigned to you." in html


@pytest.mark.parametrize("persona", ["supervisor_sue", "admin", "viewer_vic", "superuser_sam"])
def test_those_who_see_every_opportunity_get_the_open_counts(client, request, persona, pipeline):
    html = dashboard(client, request.getfixturevalue(persona))
    assert "Open opportunities" in html
    assert re.search(r'data-testid="count-unassigned">([^<]*)<', html).group(1) == "1"
    assert re.search(r'data-testid="count-developing">([^<]*)<', html).group(1) == "3"
    assert reverse("opportunities:board") in html
    assert 'data-testid="my-developing"' not in html


def test_a_user_without_the_opportunities_module_gets_no_card(client, roles, pipeline):
    nobody = get_user_model().objects.create_user("norole", password="x")
    html = dashboard(client, nobody)
    assert 'data-testid="opportunities-card"' not in html


def test_the_card_lists_five_and_points_to_the_page_for_more(client, manager_ann, supervisor_sue):
    today = timezone.localdate()
    for n in range(7):
        opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, title=f"批量机会{n}")
        add_plan_item(opportunity, actor=manager_ann, plan_date=today, todo=f"今日计划{n}")
    html = dashboard(client, manager_ann)
    assert section(html, "my-developing").count("批量机会") == 5
    assert section(html, "plan-today").count("今日计划") == 5
    assert "More plan items are due today." in html and "All my opportunities in development" in html


def test_the_card_speaks_chinese(client, manager_ann, supervisor_sue, pipeline):
    html = dashboard(client, manager_ann, "zh-hans")
    assert "我的销售机会" in html and "今日计划" in html and "逾期" in html
    html = dashboard(client, supervisor_sue, "zh-hans")
    assert "待指派" in html and "开发中" in html


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_card_costs_a_fixed_number_of_queries(client, request, persona, manager_ann, supervisor_sue):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    today = timezone.localdate()
    made, totals = 0, []
    for count in (3, 30):
        while made < count:
            opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue)
            add_plan_item(opportunity, actor=manager_ann, plan_date=today, todo=f"计划{made}")
            add_plan_item(opportunity, actor=manager_ann, plan_date=today - timedelta(days=made % 3 + 1))
            make_opportunity(manager_ann)
            made += 1
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        totals.append(len(captured))
        # The card's own: an account manager's opportunities with their next step and today's
        # plan items; a supervisor's pipeline counts.
        own = [query for query in captured.captured_queries if '"opportunities_' in query["sql"]]
        assert len(own) == (2 if persona == "manager_ann" else 1), own
    assert totals[0] == totals[1]


# --- the customer 360° page's panel ---------------------------------------------------------------


def panel(user, customer, language="en"):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load opportunities_tags %}{% opportunities_customer_panel customer %}")
    with translation.override(language):
        return template.render(Context({"request": request, "customer": customer}))


@pytest.fixture
def became_customer(manager_ann, manager_bob, supervisor_sue):
    """An opportunity ann developed into a new customer, and one bob developed and linked to it."""
    mine = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, title="智能工厂网络建设")
    mine = actions.succeed_opportunity(actor=manager_ann, opportunity=mine)
    theirs = developing(
        manager_bob, manager_bob, supervisor=supervisor_sue, title="二期扩容", customer_name=mine.customer.name
    )
    actions.link_to_customer(actor=manager_bob, opportunity=theirs, customer=mine.customer)
    return mine.customer


def test_the_panel_lists_the_opportunities_that_became_the_customer_as_the_user_sees_them(
    manager_ann, supervisor_sue, became_customer
):
    ann_sees = panel(manager_ann, became_customer)
    assert "智能工厂网络建设" in ann_sees and "Developed successfully" in ann_sees and "Manager Ann" in ann_sees
    assert reverse(
        "opportunities:detail", kwargs={"pk": became_customer.opportunities.get(title="智能工厂网络建设").pk}
    ) in (ann_sees)
    assert "二期扩容" not in ann_sees  # bob's: outside ann's opportunities
    sue_sees = panel(supervisor_sue, became_customer)
    assert "智能工厂网络建设" in sue_sees and "二期扩容" in sue_sees


def test_a_customer_not_developed_from_an_opportunity_says_so(manager_ann):
    html = panel(manager_ann, make_customer(manager_ann), "zh-hans")
    assert 'data-testid="opportunities-panel"' in html and "customer-opportunity" not in html
    assert "此客户不是由销售机会开发而来。" in html


def test_a_user_without_the_opportunities_module_gets_no_panel(roles, became_customer):
    nobody = get_user_model().objects.create_user("norole", password="x")
    assert panel(nobody, became_customer).strip() == ""


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_panel_costs_one_query_and_shows_ten(request, persona, manager_ann, supervisor_sue):
    customer = make_customer(manager_ann, name="多次开发客户有限公司")
    user = request.getfixturevalue(persona)
    for count in (3, 30):
        while customer.opportunities.count() < count:
            opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue, customer_name=customer.name)
            actions.link_to_customer(actor=manager_ann, opportunity=opportunity, customer=customer)
        with CaptureQueriesContext(connection) as captured:
            html = panel(user, customer)
        assert len(captured) == 1
        assert html.count('data-testid="customer-opportunity"') == min(count, 10)
        assert ("All opportunities of this customer" in html) is (count > 10)


def test_the_customer_page_shows_the_opportunity_it_came_from(client, manager_ann, became_customer):
    client.force_login(manager_ann)
    html = client.get(became_customer.get_absolute_url()).content.decode()
    panel_html = html.split('data-testid="opportunities-panel"', 1)[1].split('data-testid="audience-panel"', 1)[0]
    assert "智能工厂网络建设" in panel_html and "二期扩容" not in panel_html
