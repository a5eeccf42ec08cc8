"""Warehouses come in pinyin order (北京, 广州, 上海), as people look them up, not by code point
(上 U+4E0A before 北 U+5317 before 广 U+5E7F)."""

import pytest
from django.urls import reverse

from sales import selectors
from sales.tests.factories import load, product

pytestmark = pytest.mark.django_db

# Loaded in code-point order, the order the stock list used to show.
STOCK = [
    {"warehouse": "上海中转库", "location": "B-01", "product_code": "P-1001", "quantity": "5"},
    {"warehouse": "上海中转库", "location": "A-09", "product_code": "P-1001", "quantity": "5"},
    {"warehouse": "北京一号库", "location": "A-02", "product_code": "P-1001", "quantity": "5"},
    {"warehouse": "北京一号库", "location": "A-01", "product_code": "P-1001", "quantity": "5"},
    {"warehouse": "广州南沙库", "location": "C-01", "product_code": "P-1001", "quantity": "5"},
    {"warehouse": "Zürich depot", "location": "Z-01", "product_code": "P-1001", "quantity": "5"},
]
PINYIN_ORDER = [
    ("北京一号库", "A-01"),
    ("北京一号库", "A-02"),
    ("广州南沙库", "C-01"),
    ("上海中转库", "A-09"),
    ("上海中转库", "B-01"),
    ("Zürich depot", "Z-01"),
]


@pytest.fixture
def stock(db):
    load(products=[product("P-1001")], stock=STOCK)


def test_warehouses_are_listed_in_pinyin_order(stock, supervisor_sue):
    assert selectors.warehouses(stock=selectors.stock_list(user=supervisor_sue)) == [
        "北京一号库",
        "广州南沙库",
        "上海中转库",
        "Zürich depot",
    ]


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "viewer_vic"])
def test_stock_is_listed_warehouse_by_warehouse_in_pinyin_order_then_by_location(stock, persona, request):
    user = request.getfixturevalue(persona)
    rows = selectors.stock_list(user=user)
    assert [(row.warehouse, row.location) for row in rows] == PINYIN_ORDER


def test_an_empty_stock_page_sorts_by_warehouse_without_an_error(client, supervisor_sue):
    # No warehouse at all: the position is the CASE's default alone (PostgreSQL once read it as
    # "ORDER BY -1", a column position, and answered 500).
    client.force_login(supervisor_sue)
    for sort in ("", "warehouse", "-warehouse"):
        response = client.get(reverse("sales:stock_list"), {"sort": sort} if sort else {})
        assert response.status_code == 200, sort
