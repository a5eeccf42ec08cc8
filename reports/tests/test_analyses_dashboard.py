"""The supervisor's dashboard card (reports.dashboard): open services by status as a chart, open
loss warnings, this year's contribution; for supervisors alone, in a fixed number of queries."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import make_customer
from customers.tests.loss_factories import warned
from reports.dashboard import supervisor_figures
from sales.tests.factories import line, load, order, product
from services.tests.factories import assigned, make_request


def card_html(client):
    """The card's body as the dashboard's htmx request fetches it, or None without the card."""
    dashboard = client.get("/").content.decode()
    found = re.search(r'data-testid="reports-card-body"', dashboard)
    if found is None:
        return None
    assert f'hx-get="{reverse("reports:dashboard_figures")}"' in dashboard
    return client.get(reverse("reports:dashboard_figures")).content.decode()


def chart_data(html):
    found = re.search(r'<script id="chart-dashboard-services" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_supervisor_sees_open_services_losses_and_this_years_contribution(
    client, english, supervisor_sue, manager_ann, manager_bob
):
    mine = make_customer(manager_ann, name="安宁电子有限公司")
    theirs = make_customer(manager_bob, name="鲍波机械有限公司")
    # Ordered today: after the loss detection's fixed day, so only the stale customer is warned.
    this_year = timezone.localdate()
    load(
        products=[product("P-1", price="10.00")],
        orders=[
            order("SO-1", mine, order_date=this_year.isoformat()),
            order("SO-2", theirs, order_date=this_year.isoformat()),
            order("SO-3", theirs, order_date=dt.date(this_year.year - 1, 6, 1).isoformat()),
        ],
        order_lines=[
            line("SO-1", 1, "P-1", "2", "100.00"),
            line("SO-2", 1, "P-1", "1", "50.25"),
            line("SO-3", 1, "P-1", "9", "9"),
        ],
    )
    make_request(manager_ann, mine)
    make_request(manager_bob, theirs)
    assigned(manager_ann, mine, manager_ann, supervisor=supervisor_sue)
    warned(make_customer(manager_ann, name="流失预警客户有限公司"))
    client.force_login(supervisor_sue)
    html = card_html(client)
    assert re.search(r'data-testid="contribution-total">250.25<', html)
    assert re.search(r'data-testid="open-losses">([^<]*)<', html).group(1) == "1"
    chart = chart_data(html)
    assert chart["categories"] == ["New", "Assigned", "Handled"]
    assert chart["series"][0]["data"] == [2, 1, 0]


@pytest.mark.parametrize("persona", ["manager_ann", "viewer_vic", "admin"])
def test_only_supervisors_get_the_card(client, personas, persona):
    client.force_login(personas[persona])
    assert card_html(client) is None


def test_the_card_reads_three_queries_with_3_and_30_rows(supervisor_sue, manager_ann, django_assert_num_queries):
    for count in (3, 30):
        customer = make_customer(manager_ann)
        load(
            products=[product(f"P-{count}", price="1.00")],
            orders=[
                order(f"SO-{count}-{number}", customer, order_date=timezone.localdate().isoformat())
                for number in range(count)
            ],
            order_lines=[line(f"SO-{count}-{number}", 1, f"P-{count}", "1", "1.00") for number in range(count)],
        )
        for _ in range(count):
            make_request(manager_ann, customer)
        supervisor_sue = type(supervisor_sue).objects.get(pk=supervisor_sue.pk)  # permissions read anew
        access_checks = supervisor_figures(supervisor_sue)  # permission caches filled
        assert access_checks["chart"]["series"][0]["data"][0] >= count
        with django_assert_num_queries(3):
            figures = supervisor_figures(supervisor_sue)
        assert figures["contribution"]["customers"] == (1 if count == 3 else 2)


def test_the_dashboard_itself_reads_no_figure_of_the_card(client, supervisor_sue):
    # The card's frame only: its figures (month totals, open requests) come with the htmx request.
    client.force_login(supervisor_sue)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert "sales_customermonthtotal" not in read
