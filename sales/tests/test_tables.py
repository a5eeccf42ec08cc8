"""The sales lists' rows, drawn in Python (sales.tables): every column has its cell, each cell
reads as it did with django-tables2's own rendering (links, formats, classes, "—" for nothing)
in both languages, and a page reads the same number of queries with 3 rows as with 30."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.tables import url_of
from customers.tests.factories import make_customer, share
from sales.tables import OrderTable, ProductTable, StockTable
from sales.tests.factories import load, order, product

pytestmark = pytest.mark.django_db

ORDERS = reverse("sales:order_list")
PRODUCTS = reverse("sales:product_list")
STOCK = reverse("sales:stock_list")


def body_cells(html, testid):
    """Each row of the table's body as its <td> elements: (class attribute, inner HTML)."""
    table = html.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1].split("</tbody>")[0]
    return [re.findall(r'<td(?: class="([^"]*)")?>(.*?)</td>', row, re.S) for row in body.split("</tr>")[:-1]]


def page(client, user, url, language="en", data=None):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    response = client.get(url, data or {})
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("table", [OrderTable, ProductTable, StockTable])
def test_every_column_has_its_cell(table):
    assert list(table([]).cell_renderers()) == list(table.Meta.fields)


@pytest.mark.parametrize(("language", "status"), [("en", "Paid"), ("zh-hans", "已回款")], ids=["en", "zh-hans"])
def test_an_order_row_links_the_order_and_its_customer(client, manager_ann, language, status):
    customer = make_customer(manager_ann, name="安诚<贸易>有限公司")
    load(orders=[order("SO/2026 #7", customer, order_date="2026-11-23", status="paid", delivery_address="")])
    [row] = body_cells(page(client, manager_ann, ORDERS, language), "order-table")
    order_link = reverse("sales:order_detail", kwargs={"order_no": "SO/2026 #7"})
    assert row == [
        ("text-nowrap", f'<a href="{order_link}">SO/2026 #7</a>'),
        # The customer's page (django-tables2's linkify of a customer had put its name in href).
        ("", f'<a href="/customers/{customer.code}/">安诚&lt;贸易&gt;有限公司 ({customer.code})</a>'),
        ("text-nowrap", "2026-11-23"),
        ("text-nowrap", status),
        ("", "—"),
    ]


def test_a_product_row_aligns_its_price_and_marks_what_is_missing(client, manager_ann):
    load(products=[product("P-9", name="网关", model="", batch="2026B", unit="台", price="815585.95", memo="")])
    [row] = body_cells(page(client, manager_ann, PRODUCTS), "product-table")
    assert row == [
        ("text-nowrap", "P-9"),
        ("", "网关"),
        ("text-nowrap", "—"),
        ("text-nowrap", "2026B"),
        ("text-nowrap", "台"),
        ("text-end text-nowrap", "815,585.95"),
        ("", "—"),
    ]


def test_a_stock_row_names_its_product_and_unit(client, manager_ann):
    load(
        products=[product("P-9", name="网关", model="GW-1", unit="台")],
        stock=[{**place("A-01", "P-9"), "quantity": "1204.5", "memo": "x"}],
    )
    [row] = body_cells(page(client, manager_ann, STOCK), "stock-table")
    assert row == [
        ("", "北京一号库"),
        ("text-nowrap", "A-01"),
        ("text-nowrap", "网关 GW-1"),
        ("text-end text-nowrap", "1,204.50"),
        ("text-nowrap", "台"),
        ("", "x"),
    ]


def test_url_of_gives_what_reverse_gives():
    for value in ["SO00043015", "SO 2026 #7", "销售-2026-7", "SO/2026/0007", "..", "./x", "a?b&c"]:
        assert url_of("sales:order_detail", "order_no")(value) == reverse(
            "sales:order_detail", kwargs={"order_no": value}
        )
    assert url_of("customers:loss_detail", "pk")(17) == reverse("customers:loss_detail", kwargs={"pk": 17})


def place(location, product_code):
    return {"warehouse": "北京一号库", "location": location, "product_code": product_code, "quantity": "1"}


def queries_of(client, url, data=None):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url", "testid"),
    [
        (ORDERS, "order-table"),
        (f"{ORDERS}?sort=customer", "order-table"),
        (PRODUCTS, "product-table"),
        (STOCK, "stock-table"),
    ],
)
def test_a_page_reads_as_many_queries_with_3_rows_as_with_30(
    client, manager_ann, manager_bob, supervisor_sue, url, testid
):
    counts = {}
    made = 0
    for size in (3, 30):
        customers = [make_customer(manager_ann) for _index in range(size - made)]
        share(customers[0], manager_bob, actor=supervisor_sue)
        load(
            products=[product(f"P-{made + n}", price="1.00") for n in range(size - made)],
            stock=[place(f"L-{made + n}", f"P-{made + n}") for n in range(size - made)],
            orders=[order(f"SO-{made + n}", customer) for n, customer in enumerate(customers)],
        )
        made = size
        for user in (manager_ann, manager_bob, supervisor_sue):
            client.force_login(user)
            queries_of(client, url)  # the session and the role's permissions settle
            counts.setdefault(user.username, []).append(queries_of(client, url))
    assert all(three == thirty for three, thirty in counts.values()), counts
    assert len(body_cells(page(client, supervisor_sue, url), testid)) == 30
