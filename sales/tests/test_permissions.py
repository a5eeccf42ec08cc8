"""Who may open every sales URL, for every persona.

The world (customers.tests.factories.customer_world): A is ann's customer, B is bob's, C is bob's
shared with ann to view, D is bob's shared with ann to edit, E is ann's, in the recycle bin; each
has one order. Products and stock are the company's catalogue: every role reads them. An order
follows its customer: out of scope is 404, exactly like a missing order, and the orders of a
customer in the recycle bin are hidden with it. Nothing here is writable, so a POST is refused
(405, anonymous 302) and changes nothing.
"""

import re

import pytest
from auditlog.models import LogEntry

from crm.testing.matrix import all_url_names, check_row, database_state, row_id, table
from crm.testing.world import copy_world, make_personas, shared_world
from customers.tests.factories import customer_world
from sales.models import Order, OrderLine, Product, Stock
from sales.tests.factories import line, load, order, product

ORDERS = {key: f"SO-{key}-0001" for key in "ABCDE"}


def order_of(key):
    """URL kwargs naming the order of world customer ``key``."""

    def kwargs(world):
        return {"order_no": world["orders"][key]}

    kwargs.__name__ = f"order_of_{key}"
    return kwargs


MATRIX = table(
    """
                                                      anonymous admin sue ann bob vic sam
    GET   sales:product_list                             302    200  200 200 200 200 200
    GET   sales:stock_list                               302    200  200 200 200 200 200
    GET   sales:order_list                               302    200  200 200 200 200 200
    # Filters reach no further than the list: ann searching for bob's customer still gets 200.
    GET   sales:order_list    customer 博远               302    200  200 200 200 200 200
    GET   sales:order_list    impossible date            302    200  200 200 200 200 200
    # Roles with model-level permissions see every order; managers those of their customers.
    GET   sales:order_detail  order of A                 302    200  200 200 404 200 200
    GET   sales:order_detail  order of B                 302    200  200 404 200 200 200
    GET   sales:order_detail  order of C                 302    200  200 200 200 200 200
    GET   sales:order_detail  order of D                 302    200  200 200 200 200 200
    GET   sales:order_detail  order of E                 302    404  404 404 404 404 404
    GET   sales:order_detail  no such order              302    404  404 404 404 404 404
    # Read-only pages: a POST writes nothing and is refused.
    POST  sales:product_list  q                          302    405  405 405 405 405 405
    POST  sales:stock_list    q                          302    405  405 405 405 405 405
    POST  sales:order_list    q                          302    405  405 405 405 405 405
    POST  sales:order_detail  order of A                 302    405  405 405 405 405 405
    """,
    targets={
        "customer 博远": {"data": {"customer": "博远"}},
        "impossible date": {"data": {"date_from": "2026-13-01"}},
        **{f"order of {key}": {"kwargs": order_of(key)} for key in ORDERS},
        "no such order": {"kwargs": {"order_no": "SO-NO-SUCH"}},
        "q": {"data": {"q": "x"}},
    },
)


def build_world():
    world = customer_world(make_personas())
    # The import reads customers through the base manager: E, in the bin, gets its order too.
    load(
        products=[product("P-1001", price="3200.00")],
        stock=[{"warehouse": "北京一号库", "location": "A-01-01", "product_code": "P-1001", "quantity": "120"}],
        orders=[order(order_no, world[key]) for key, order_no in ORDERS.items()],
        order_lines=[line(order_no, 1, "P-1001", "2", "3200.00") for order_no in ORDERS.values()],
    )
    return {**world, "orders": ORDERS}


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    # Built once for the module; each row's writes are rolled back (crm.testing.world).
    yield from shared_world(build_world, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


def sales_state():
    return database_state(
        products=Product,
        stock=Stock,
        orders=Order,
        lines=OrderLine,
        audit=LogEntry.objects.exclude(additional_data__event="login"),
    )


def test_every_sales_url_has_a_matrix_row():
    names = {name for name in all_url_names() if name.startswith("sales:")}
    assert names == {"sales:product_list", "sales:stock_list", "sales:order_list", "sales:order_detail"}
    assert names <= {row.url_name for row in MATRIX}


def test_every_sales_url_is_refused_to_post_in_the_matrix():
    posted = {row.url_name for row in MATRIX if row.method == "POST"}
    assert posted == {name for name in all_url_names() if name.startswith("sales:")}


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_sales_permission_matrix(client, world, row):
    before = sales_state()
    assert check_row(client, row, world) == row.expected
    assert sales_state() == before


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
