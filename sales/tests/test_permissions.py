"""Who may open every sales URL, for every persona.

The world: A is ann's customer, B is bob's, C is bob's shared with ann to view; each has one
order. Products and stock are the company's catalogue: every role reads them. An order follows
its customer: out of scope is 404, exactly like a missing order. Nothing here is writable, so a
POST is refused (405, anonymous 302) and changes nothing.
"""

import re

import pytest
from auditlog.models import LogEntry

from crm.testing.matrix import PERSONAS, all_url_names, check_row, rows_for_all_personas
from customers.tests.factories import make_customer, share
from sales.models import Order, OrderLine, Product, Stock
from sales.tests.factories import line, load, order, product

SIGNED_IN = PERSONAS[1:]
LISTS = ("sales:product_list", "sales:stock_list", "sales:order_list")


def everyone(signed_in, anonymous=302):
    return {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, signed_in)}


def order_of(key):
    """URL kwargs naming the order of world customer ``key``."""

    def kwargs(world):
        return {"order_no": world["orders"][key]}

    kwargs.__name__ = f"order_of_{key}"
    return kwargs


# Who sees which customer's order: roles with model-level permissions see all of them.
ORDER_DETAIL = {
    "A": {**everyone(200), "manager_bob": 404},
    "B": {**everyone(200), "manager_ann": 404},
    "C": everyone(200),
}

MATRIX = [
    *[row for name in LISTS for row in rows_for_all_personas(name, "GET", everyone(200))],
    # Filters reach no further than the list: ann searching for bob's customer still gets 200.
    *rows_for_all_personas("sales:order_list", "GET", everyone(200), data={"customer": "博远"}),
    *rows_for_all_personas("sales:order_list", "GET", everyone(200), data={"date_from": "2026-13-01"}),
    *[
        row
        for key, expected in ORDER_DETAIL.items()
        for row in rows_for_all_personas("sales:order_detail", "GET", expected, kwargs=order_of(key))
    ],
    *rows_for_all_personas("sales:order_detail", "GET", everyone(404), kwargs={"order_no": "SO-NO-SUCH"}),
    # Read-only pages: a POST writes nothing and is refused.
    *[row for name in LISTS for row in rows_for_all_personas(name, "POST", everyone(405), data={"q": "x"})],
    *rows_for_all_personas("sales:order_detail", "POST", everyone(405), kwargs=order_of("A")),
]


def row_id(row):
    kwargs = getattr(row.kwargs, "__name__", row.kwargs)
    target = f" {kwargs}" if kwargs else ""
    if row.data:
        target += f" {row.data}"
    return f"{row.method} {row.url_name}{target} as {row.persona} -> {row.expected}"


@pytest.fixture
def world(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    customers = {
        "A": make_customer(ann, name="安诚贸易有限公司"),
        "B": make_customer(bob, name="博远科技有限公司"),
        "C": share(make_customer(bob, name="昌盛物流有限公司"), ann, "view", actor=sue),
    }
    orders = {key: f"SO-{key}-0001" for key in customers}
    load(
        products=[product("P-1001", price="3200.00")],
        stock=[{"warehouse": "北京一号库", "location": "A-01-01", "product_code": "P-1001", "quantity": "120"}],
        orders=[order(orders[key], customer) for key, customer in customers.items()],
        order_lines=[line(order_no, 1, "P-1001", "2", "3200.00") for order_no in orders.values()],
    )
    return {**personas, **customers, "orders": orders}


def database_state():
    return {
        "products": list(Product.objects.order_by("pk").values()),
        "stock": list(Stock.objects.order_by("pk").values()),
        "orders": list(Order.objects.order_by("pk").values()),
        "lines": list(OrderLine.objects.order_by("pk").values()),
        "audit": LogEntry.objects.exclude(additional_data__event="login").count(),
    }


def test_every_sales_url_has_a_matrix_row():
    names = {name for name in all_url_names() if name.startswith("sales:")}
    assert names == {"sales:product_list", "sales:stock_list", "sales:order_list", "sales:order_detail"}
    assert names <= {row.url_name for row in MATRIX}


def test_every_sales_url_is_refused_to_post_in_the_matrix():
    posted = {row.url_name for row in MATRIX if row.method == "POST"}
    assert posted == {name for name in all_url_names() if name.startswith("sales:")}


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_sales_permission_matrix(client, world, row):
    before = database_state()
    assert check_row(client, row, world) == row.expected
    assert database_state() == before


def test_anonymous_visitor_is_sent_to_login_from_an_order(client, world):
    url = f"/sales/orders/{world['orders']['A']}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


def test_an_order_out_of_scope_looks_exactly_like_a_missing_one(client, world):
    client.force_login(world["manager_ann"])
    hidden = client.get(f"/sales/orders/{world['orders']['B']}/")
    missing = client.get("/sales/orders/SO-NO-SUCH/")
    assert hidden.status_code == missing.status_code == 404
    assert "博远科技有限公司" not in hidden.content.decode()
    assert page_text(hidden, world["orders"]["B"]) == page_text(missing, "SO-NO-SUCH")


def page_text(response, order_no):
    """The page without what differs between any two requests (CSRF tokens) or URLs (the order number)."""
    text = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode())
    return text.replace(order_no, "ORDER")
