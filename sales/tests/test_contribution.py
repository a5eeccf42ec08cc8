"""The contribution analysis' reads (sales.selectors.contribution, contribution_totals): exact
figures on a small known set of orders, per persona's scope.

A is ann's customer, B bob's, C bob's shared with ann (to view); E was ann's and is in the
recycle bin. Orders (amount = Σ quantity × unit price of their lines):

    A: A-1 2026-01-15 250.50 (2 × 100.00 + 1 × 50.50), A-2 2026-03-02 59.97 (3 × 19.99),
       A-3 2025-12-31 100.00 (10 × 10.00)
    B: B-1 2026-02-10 1000.00
    C: C-1 2026-01-20 100.00 (5 × 20.00), C-2 2026-06-30 0.01
    E: E-1 2026-01-05 500.00
"""

import datetime
from decimal import Decimal

import pytest

from crm import access
from customers import actions as customer_actions
from customers.tests.factories import make_customer, share
from sales.models import CustomerMonthTotal
from sales.selectors import _scoped_month_totals, contribution, contribution_totals
from sales.tests.factories import line, load, order, product

pytestmark = pytest.mark.django_db

YEAR_2026 = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


@pytest.fixture
def shop(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    customers = {
        "A": make_customer(ann, name="安诚贸易有限公司"),
        "B": make_customer(bob, name="博远科技有限公司"),
        "C": make_customer(bob, name="昌盛物流有限公司"),
        "E": make_customer(ann, name="恩泽食品有限公司"),
    }
    share(customers["C"], ann, "view", actor=sue)
    load(
        products=[product("P-1", price="100.00")],
        orders=[
            order("A-1", customers["A"], order_date="2026-01-15"),
            order("A-2", customers["A"], order_date="2026-03-02"),
            order("A-3", customers["A"], order_date="2025-12-31"),
            order("B-1", customers["B"], order_date="2026-02-10"),
            order("C-1", customers["C"], order_date="2026-01-20"),
            order("C-2", customers["C"], order_date="2026-06-30"),
            order("E-1", customers["E"], order_date="2026-01-05"),
        ],
        order_lines=[
            line("A-1", 1, "P-1", "2", "100.00"),
            line("A-1", 2, "P-1", "1", "50.50"),
            line("A-2", 1, "P-1", "3", "19.99"),
            line("A-3", 1, "P-1", "10", "10.00"),
            line("B-1", 1, "P-1", "1", "1000.00"),
            line("C-1", 1, "P-1", "5", "20.00"),
            line("C-2", 1, "P-1", "1", "0.01"),
            line("E-1", 1, "P-1", "1", "500.00"),
        ],
    )
    customer_actions.delete_customer(actor=ann, customer=customers["E"])
    return {**personas, **customers}


def figures(rows):
    return [(row["code"], row["amount"], row["orders"]) for row in rows]


def expected(shop, *entries):
    return [(shop[key].code, Decimal(amount), orders) for key, amount, orders in entries]


EVERY_CUSTOMER_2026 = (("B", "1000.00", 1), ("A", "310.47", 2), ("C", "100.01", 2))


@pytest.mark.parametrize("persona", ["supervisor_sue", "admin", "viewer_vic", "superuser_sam"])
def test_those_who_see_every_customer_get_each_customers_year(shop, persona):
    user = shop[persona]
    assert figures(contribution(user=user, start=YEAR_2026[0], end=YEAR_2026[1])) == expected(
        shop, *EVERY_CUSTOMER_2026
    )
    assert contribution_totals(user=user, start=YEAR_2026[0], end=YEAR_2026[1]) == {
        "total": Decimal("1410.48"),
        "customers": 3,
    }


def test_account_manager_gets_own_and_shared_customers_only(shop):
    ann = shop["manager_ann"]
    rows = list(contribution(user=ann, start=YEAR_2026[0], end=YEAR_2026[1]))
    assert figures(rows) == expected(shop, ("A", "310.47", 2), ("C", "100.01", 2))
    assert contribution_totals(user=ann, start=YEAR_2026[0], end=YEAR_2026[1]) == {
        "total": Decimal("410.48"),
        "customers": 2,
    }
    bob = shop["manager_bob"]
    assert figures(contribution(user=bob, start=YEAR_2026[0], end=YEAR_2026[1])) == expected(
        shop, ("B", "1000.00", 1), ("C", "100.01", 2)
    )
    assert contribution_totals(user=bob, start=YEAR_2026[0], end=YEAR_2026[1])["total"] == Decimal("1100.01")


def test_rows_name_the_customer_and_its_manager(shop):
    row = contribution(user=shop["manager_ann"], start=YEAR_2026[0], end=YEAR_2026[1])[1]
    assert row == {
        "customer_id": shop["C"].pk,
        "code": shop["C"].code,
        "name": "昌盛物流有限公司",
        "manager_id": shop["manager_bob"].pk,
        "amount": Decimal("100.01"),
        "orders": 2,
    }


def test_all_time_includes_every_year(shop):
    sue = shop["supervisor_sue"]
    every_year = expected(shop, ("B", "1000.00", 1), ("A", "410.47", 3), ("C", "100.01", 2))
    assert figures(contribution(user=sue)) == every_year
    assert contribution_totals(user=sue) == {"total": Decimal("1510.48"), "customers": 3}


def test_a_period_counts_whole_months(shop):
    # 20 January to 5 February reads January and February whole: A-1 (15 Jan) and C-1 (20 Jan) too.
    sue = shop["supervisor_sue"]
    rows = contribution(user=sue, start=datetime.date(2026, 1, 20), end=datetime.date(2026, 2, 5))
    assert figures(rows) == expected(shop, ("B", "1000.00", 1), ("A", "250.50", 1), ("C", "100.00", 1))
    assert figures(contribution(user=sue, end=datetime.date(2025, 12, 1))) == expected(shop, ("A", "100.00", 1))
    assert figures(contribution(user=sue, start=datetime.date(2026, 6, 30))) == expected(shop, ("C", "0.01", 1))


def test_a_year_without_orders_is_empty(shop):
    sue = shop["supervisor_sue"]
    start, end = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)
    assert list(contribution(user=sue, start=start, end=end)) == []
    assert contribution_totals(user=sue, start=start, end=end) == {"total": Decimal("0.00"), "customers": 0}


@pytest.mark.parametrize(("q", "keys"), [("安诚", ["A"]), ("cs", ["C"]), ("有限公司", ["B", "A", "C"]), ("恩泽", [])])
def test_search_narrows_to_matching_customers(shop, q, keys):
    sue = shop["supervisor_sue"]
    rows = contribution(user=sue, start=YEAR_2026[0], end=YEAR_2026[1], q=q)
    assert [row["code"] for row in rows] == [shop[key].code for key in keys]
    totals = contribution_totals(user=sue, start=YEAR_2026[0], end=YEAR_2026[1], q=q)
    assert totals["customers"] == len(keys)


def test_search_by_code_within_an_account_managers_scope(shop):
    ann = shop["manager_ann"]
    assert list(contribution(user=ann, q=shop["B"].code)) == []
    assert [row["code"] for row in contribution(user=ann, q=shop["C"].code)] == [shop["C"].code]


def test_equal_amounts_are_in_the_order_the_customers_were_entered(personas):
    bob = personas["manager_bob"]
    first, second = make_customer(bob, name="甲公司"), make_customer(bob, name="乙公司")
    load(
        products=[product("P-1")],
        orders=[order("X-2", second), order("X-1", first)],
        order_lines=[line("X-2", 1, "P-1", "1", "10.00"), line("X-1", 1, "P-1", "1", "10.00")],
    )
    assert [row["customer_id"] for row in contribution(user=bob)] == [first.pk, second.pk]
    assert [row["code"] for row in contribution(user=bob)] == sorted([first.code, second.code])


def test_an_inactive_user_gets_nothing(shop):
    ann = shop["manager_ann"]
    ann.is_active = False
    assert list(contribution(user=ann)) == []
    assert contribution_totals(user=ann) == {"total": Decimal("0.00"), "customers": 0}


def test_a_query_each_whatever_the_number_of_customers(personas, django_assert_num_queries):
    bob, sue = personas["manager_bob"], personas["supervisor_sue"]
    made = []
    for size in (3, 30):
        customers = [make_customer(bob) for _index in range(size - len(made))]
        made.extend(customers)
        load(
            products=[product("P-1")],
            orders=[order(f"N-{customer.pk}", customer) for customer in customers],
            order_lines=[line(f"N-{customer.pk}", 1, "P-1", "2", "5.00") for customer in customers],
        )
        # An account manager's customers' ids are read first (sales.selectors.VISIBLE_IDS_LIMIT):
        # those shared with him (crm.access.scope_parts), then his own UNION ALL those.
        for user, queries in ((bob, 3), (sue, 1)):
            user.get_all_permissions()  # the role's permissions, read once per request in a page
            with django_assert_num_queries(queries):
                rows = list(contribution(user=user))
            with django_assert_num_queries(queries):
                totals = contribution_totals(user=user)
            assert len(rows) == size
            assert totals == {"total": Decimal("10.00") * size, "customers": size}


@pytest.mark.parametrize("limit", [5_000, 1])
def test_the_month_totals_read_are_exactly_those_visible(shop, monkeypatch, limit):
    # Past the limit of ids, an account manager's rows come from visible() itself.
    monkeypatch.setattr("sales.selectors.VISIBLE_IDS_LIMIT", limit)
    for persona in ("admin", "supervisor_sue", "manager_ann", "manager_bob", "viewer_vic", "superuser_sam"):
        user = shop[persona]
        scoped = set(_scoped_month_totals(user).values_list("pk", flat=True))
        assert scoped == set(access.visible(user, CustomerMonthTotal).values_list("pk", flat=True)), persona
        customers = set(CustomerMonthTotal.objects.filter(pk__in=scoped).values_list("customer_id", flat=True))
        expected = {"manager_ann": "AC", "manager_bob": "BC"}.get(persona, "ABC")
        assert customers == {shop[key].pk for key in expected}, persona
