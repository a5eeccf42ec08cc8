"""Each analysis page reads a fixed number of queries, whatever the number of rows: measured with
3 and with 30 customers (each with an order, a service request and a confirmed loss), as a
supervisor (every customer) and as an account manager (their own)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.actions.losses import confirm_loss
from customers.models import LossRecord
from customers.tests.factories import make_customer
from customers.tests.loss_factories import detect, stale
from sales.tests.factories import line, load, order, product
from services.tests.factories import archived, make_request

YEAR = 2025
# Losses are confirmed today (confirm_loss stamps the time).
THIS_YEAR = timezone.localdate().year
PAGES = [
    ("reports:contribution", {"year": YEAR}),
    ("reports:contribution", {"year": "all", "q": "客户"}),
    ("reports:composition", {"dimension": "satisfaction"}),
    ("reports:services", {}),
    ("reports:losses", {"year": THIS_YEAR}),
    ("reports:losses", {"year": "all"}),
]
# Each page whole: the session, the user, their groups' permissions (menu, export buttons: 3),
# then the analysis: contribution rows, totals, top 20 (3); composition (1); services: the counts,
# the medians, the dictionary's types (3); losses: the manager choices, rows, months (3), and
# for an account manager their scope's shared customers in the manager choices (1). On PostgreSQL
# a customer search asks the planner first (customers.search: one estimate for the rows, one for
# the totals), and an account manager's customers are read as ids for each (sales.selectors).
# The contribution of an account manager reads their customers' ids through the scope's parts
# (the shared ids, then own ∪ shared) for the rows and for the totals, and a search asks the
# planner first on PostgreSQL; its first page reads the rows once.
# The composition counts over the parts of the user's scope (crm.access.scope_parts): an account
# manager's shared customers are read once as ids, one query more than for those who see all.
MAX_QUERIES = {"reports:contribution": 11, "reports:composition": 5, "reports:services": 6, "reports:losses": 7}


def add_customers(count, start, ann, sue):
    customers = [make_customer(ann, name=f"查询计数客户{start + number:03d}有限公司") for number in range(count)]
    load(
        products=[product(f"P-{start}", price="1.00")],
        orders=[
            order(f"SO-{start}-{n}", customer, order_date=f"{YEAR}-0{1 + n % 9}-11")
            for n, customer in enumerate(customers)
        ],
        order_lines=[line(f"SO-{start}-{n}", 1, f"P-{start}", "2", "10.00") for n in range(count)],
    )
    for number, customer in enumerate(customers):
        if number % 2:
            archived(ann, customer, ann, supervisor=sue)
        else:
            make_request(ann, customer)
        stale(customer, dt.date(YEAR, 1, 15))
    detect()
    for record in LossRecord.objects.filter(customer__in=customers, status__in=LossRecord.OPEN):
        confirm_loss(actor=sue, record=record, reason="转向竞争对手")
    return customers


def page_queries(client, name, query):
    client.get(reverse(name), query)  # session and caches warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name), query)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("persona", ["supervisor_sue", "manager_ann"])
def test_each_analysis_page_reads_the_same_queries_for_3_and_30_customers(client, personas, persona):
    ann, sue = personas["manager_ann"], personas["supervisor_sue"]
    client.force_login(personas[persona])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    measured = {}
    for count, start in ((3, 0), (27, 3)):
        add_customers(count, start, ann, sue)
        for name, query in PAGES:
            queries, response = page_queries(client, name, query)
            assert queries <= MAX_QUERIES[name], (name, query, queries)
            measured.setdefault((name, str(query)), []).append(queries)
            if name == "reports:contribution" and query["year"] == YEAR:
                assert response.context["analysis"]["customers"] == start + count
            if name == "reports:losses" and query["year"] == THIS_YEAR:
                assert response.context["analysis"]["count"] == start + count
    assert all(first == second for first, second in measured.values()), measured


def test_contribution_pages_by_fifty_without_counting_and_totals_cover_every_page(client, personas):
    ann = personas["manager_ann"]
    customers = [make_customer(ann, name=f"分页客户{number:03d}有限公司") for number in range(55)]
    load(
        products=[product("P-PAGE", price="1.00")],
        orders=[order(f"SO-PAGE-{n}", customer, order_date=f"{YEAR}-05-05") for n, customer in enumerate(customers)],
        order_lines=[line(f"SO-PAGE-{n}", 1, "P-PAGE", "1", f"{100 + n}.00") for n in range(55)],
    )
    client.force_login(ann)
    first = client.get(reverse("reports:contribution"), {"year": YEAR})
    assert len(first.context["table"].page.object_list) == 50
    assert first.context["analysis"]["customers"] == 55
    assert "?year=2025&amp;page=2" in first.content.decode()
    second = client.get(reverse("reports:contribution"), {"year": YEAR, "page": 2})
    amounts = [row.get_cell("amount") for row in second.context["table"].page.object_list]
    assert amounts == ["104.00", "103.00", "102.00", "101.00", "100.00"]
    # The first page read its 51 rows once; the export holds every row, largest first.
    first_amounts = [row.get_cell("amount") for row in first.context["table"].page.object_list]
    assert first_amounts[:2] == ["154.00", "153.00"] and first_amounts[-1] == "105.00"
    assert first.context["analysis"]["top"][0]["amount"] == Decimal("154.00")
    client.force_login(personas["superuser_sam"])
    exported = client.get(reverse("reports:export", args=["contribution"]), {"year": YEAR, "file_format": "csv"})
    lines = exported.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 55
    assert [line.split(",")[1:4] for line in (lines[1], lines[-1])] == [
        ["分页客户054有限公司", "1", "154.00"],
        ["分页客户000有限公司", "1", "100.00"],
    ]
