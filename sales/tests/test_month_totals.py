"""The month totals (CustomerMonthTotal) the sales import keeps: after every kind of import they
equal a fresh aggregate of the order lines, computed here in Python from the stored orders.

A dry run and a rejected file change nothing; an order that moves to another customer or month
leaves nothing behind; a file that changes nothing doesn't touch the table at all.
"""

import datetime
import importlib
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.tests.factories import make_customer
from sales.actions import import_sales_file, refresh_customer_totals
from sales.imports import KINDS
from sales.models import CustomerMonthTotal, Order
from sales.tests.factories import DEFAULTS, line, load, order, product, write_csv

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


def fresh_aggregate():
    """{(customer id, first day of month): (amount, orders, lines)} from the orders and lines."""
    totals = {}
    for each in Order.objects.prefetch_related("lines"):
        key = (each.customer_id, each.order_date.replace(day=1))
        amount, orders, lines = totals.get(key, (Decimal(0), 0, 0))
        lines_of = list(each.lines.all())
        totals[key] = (
            amount + sum(item.quantity * item.unit_price for item in lines_of),
            orders + 1,
            lines + len(lines_of),
        )
    return {
        key: (amount.quantize(CENT, rounding=ROUND_HALF_UP), orders, lines)
        for key, (amount, orders, lines) in totals.items()
    }


def stored():
    return {
        (row.customer_id, row.month): (row.amount, row.orders, row.lines) for row in CustomerMonthTotal.objects.all()
    }


def import_rows(tmp_path, kind, rows, **options):
    """Import one CSV file of ``kind`` (columns left out take the factories' defaults)."""
    header = list(KINDS[kind].columns)
    path = write_csv(tmp_path / f"{kind}.csv", header, [{**DEFAULTS[kind], **row} for row in rows])
    return import_sales_file(path=path, **options)


@pytest.fixture
def shop(manager_ann, manager_bob):
    a = make_customer(manager_ann, name="安诚贸易有限公司")
    b = make_customer(manager_bob, name="博远科技有限公司")
    load(
        products=[product("P-1"), product("P-2", price="3.50")],
        orders=[
            order("O-1", a, order_date="2026-01-15"),
            order("O-2", a, order_date="2026-01-31"),
            order("O-3", a, order_date="2026-02-01"),
            order("O-4", b, order_date="2026-01-20"),
            order("O-5", b, order_date="2026-03-03"),  # no lines
        ],
        order_lines=[
            line("O-1", 1, "P-1", "2", "100.00"),
            line("O-1", 2, "P-2", "1.5", "3.34"),
            line("O-2", 1, "P-1", "1", "19.99"),
            line("O-3", 1, "P-2", "4", "3.50"),
            line("O-4", 1, "P-1", "7", "11.11"),
        ],
    )
    return {"A": a, "B": b}


def test_an_import_fills_the_totals_of_its_customers(shop):
    a, b = shop["A"], shop["B"]
    assert stored() == fresh_aggregate()
    assert stored() == {
        (a.pk, datetime.date(2026, 1, 1)): (Decimal("225.00"), 2, 3),  # 200 + 5.01 + 19.99
        (a.pk, datetime.date(2026, 2, 1)): (Decimal("14.00"), 1, 1),
        (b.pk, datetime.date(2026, 1, 1)): (Decimal("77.77"), 1, 1),
        (b.pk, datetime.date(2026, 3, 1)): (Decimal("0.00"), 1, 0),  # an order without lines
    }


def test_a_changed_line_recomputes_its_customers_month(shop, tmp_path):
    result = import_rows(
        tmp_path, "order_lines", [line("O-2", 1, "P-1", "3", "19.99"), line("O-5", 1, "P-1", "1", "5")]
    )
    assert result.written
    assert stored() == fresh_aggregate()
    assert stored()[(shop["A"].pk, datetime.date(2026, 1, 1))] == (Decimal("264.98"), 2, 3)
    assert stored()[(shop["B"].pk, datetime.date(2026, 3, 1))] == (Decimal("5.00"), 1, 1)


def test_an_order_moved_to_another_customer_and_month_leaves_nothing_behind(shop, tmp_path):
    a, b = shop["A"], shop["B"]
    result = import_rows(tmp_path, "orders", [order("O-3", b, order_date="2026-04-30")])
    assert result.written
    assert stored() == fresh_aggregate()
    assert (a.pk, datetime.date(2026, 2, 1)) not in stored()
    assert stored()[(b.pk, datetime.date(2026, 4, 1))] == (Decimal("14.00"), 1, 1)


def test_an_order_moved_within_its_customer_moves_its_month(shop, tmp_path):
    a = shop["A"]
    import_rows(tmp_path, "orders", [order("O-2", a, order_date="2026-02-28")])
    assert stored() == fresh_aggregate()
    assert stored()[(a.pk, datetime.date(2026, 1, 1))] == (Decimal("205.01"), 1, 2)
    assert stored()[(a.pk, datetime.date(2026, 2, 1))] == (Decimal("33.99"), 2, 2)


def test_a_new_order_with_its_lines_in_one_workbook_import(shop, tmp_path):
    b = shop["B"]
    import_rows(tmp_path, "orders", [order("O-6", b, order_date="2026-01-02")])
    assert stored() == fresh_aggregate()
    assert stored()[(b.pk, datetime.date(2026, 1, 1))] == (Decimal("77.77"), 2, 1)
    import_rows(tmp_path, "order_lines", [line("O-6", 1, "P-2", "2", "3.50")])
    assert stored() == fresh_aggregate()
    assert stored()[(b.pk, datetime.date(2026, 1, 1))] == (Decimal("84.77"), 2, 2)


def test_a_dry_run_changes_nothing(shop, tmp_path):
    before = stored()
    result = import_rows(tmp_path, "order_lines", [line("O-1", 1, "P-1", "9", "100.00")], dry_run=True)
    assert result.dry_run and not result.errors
    assert stored() == before == fresh_aggregate()


def test_a_rejected_file_changes_nothing(shop, tmp_path):
    before = stored()
    result = import_rows(
        tmp_path,
        "orders",
        [order("O-1", shop["B"], order_date="2026-05-05"), {"order_no": "O-9", "customer_code": "KH000000000000"}],
    )
    assert result.errors and not result.written
    assert Order.objects.get(order_no="O-1").customer_id == shop["A"].pk
    assert stored() == before == fresh_aggregate()


def test_a_file_that_changes_nothing_leaves_the_totals_alone(shop, tmp_path):
    rows = [order("O-1", shop["A"], order_date="2026-01-15")]
    with CaptureQueriesContext(connection) as queries:
        result = import_rows(tmp_path, "orders", rows)
    assert result.written and not result.changed
    assert not [query for query in queries.captured_queries if "sales_customermonthtotal" in query["sql"]]


def test_an_address_change_recomputes_to_the_same_totals(shop, tmp_path):
    before = stored()
    import_rows(tmp_path, "orders", [order("O-4", shop["B"], order_date="2026-01-20", delivery_address="上海")])
    assert stored() == before == fresh_aggregate()


def test_refresh_recomputes_everything_or_the_customers_given(shop):
    a, b = shop["A"], shop["B"]
    expected = stored()
    CustomerMonthTotal.objects.all().delete()
    refresh_customer_totals(customer_ids=[b.pk])
    assert stored() == {key: value for key, value in expected.items() if key[0] == b.pk}
    refresh_customer_totals()
    refresh_customer_totals(customer_ids=[a.pk, a.pk, b.pk])
    assert stored() == expected == fresh_aggregate()


def test_refresh_handles_more_customers_than_a_chunk(shop, monkeypatch, manager_bob):
    monkeypatch.setattr("sales.actions.TOTALS_CHUNK", 1)
    c = make_customer(manager_bob)
    load(orders=[order("O-7", c)], order_lines=[line("O-7", 1, "P-1", "1", "1.00")])
    expected = stored()
    CustomerMonthTotal.objects.all().delete()
    refresh_customer_totals(customer_ids=[shop["A"].pk, shop["B"].pk, c.pk])
    assert stored() == expected == fresh_aggregate()
    assert len({key[0] for key in expected}) == 3


def test_the_data_migration_fills_the_table_from_existing_orders(shop):
    expected = stored()
    CustomerMonthTotal.objects.all().delete()
    migration = importlib.import_module("sales.migrations.0003_fill_customermonthtotal")
    migration.fill(apps, SimpleNamespace(connection=connection))
    assert stored() == expected == fresh_aggregate()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite sums money as floating point numbers")
def test_a_months_amount_is_rounded_half_up_to_cents(shop, tmp_path):
    import_rows(tmp_path, "orders", [order("O-8", shop["B"], order_date="2026-06-06")])
    import_rows(tmp_path, "order_lines", [line("O-8", 1, "P-2", "1.5", "3.33")])  # 4.995
    assert stored()[(shop["B"].pk, datetime.date(2026, 6, 1))] == (Decimal("5.00"), 1, 1)


def test_the_admin_shows_the_totals_read_only(client, shop, superuser_sam):
    row = CustomerMonthTotal.objects.get(customer=shop["B"], month=datetime.date(2026, 1, 1))
    client.force_login(superuser_sam)
    changelist = client.get("/admin/sales/customermonthtotal/", {"q": shop["B"].code})
    content = changelist.content.decode()
    assert changelist.status_code == 200
    assert "77.77" in content and "/admin/sales/customermonthtotal/add/" not in content
    before = stored()
    responses = [
        client.get("/admin/sales/customermonthtotal/add/"),
        client.post(f"/admin/sales/customermonthtotal/{row.pk}/change/", {"amount": "0", "orders": "0", "lines": "0"}),
        client.post(f"/admin/sales/customermonthtotal/{row.pk}/delete/", {"post": "yes"}),
    ]
    assert [response.status_code for response in responses] == [403, 403, 403]
    assert stored() == before
