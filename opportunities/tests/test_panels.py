"""The opportunities app's pieces on other apps' pages: the dashboard card (opportunities/dashboard.py,
through crm.dashboard's registry) and the customer 360° page's panel ({% opportunities_customer_panel %}),
scoped through crm.access, in a fixed number of queries."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from customers.tests.factories import make_customer
from opportunities import actions
from opportunities.tests.factories import developing


def dashboard(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(html, testid):
    found = re.search(rf'data-testid="{testid}">(.*?)</ul>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else None


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
