"""Reads of the sales mirror, scoped through crm.access (orders follow their customer)."""

from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce
from django.shortcuts import get_object_or_404
from pypinyin import lazy_pinyin

from crm import access
from customers.models import Customer
from customers.search import customer_search_q
from sales.models import CustomerMonthTotal, Order, OrderLine, Product, Stock


def _amount(prefix=""):
    """quantity × unit_price of order lines, reached through ``prefix`` (e.g. "lines__")."""
    return ExpressionWrapper(
        F(f"{prefix}quantity") * F(f"{prefix}unit_price"), output_field=DecimalField(max_digits=28, decimal_places=4)
    )


LINE_AMOUNT = _amount()


def product_list(*, user):
    return access.visible(user, Product).order_by("code")


def pinyin_order(name):
    """Sort key of a Chinese name by its pinyin (北京 before 广州 before 上海), not by code point."""
    return "".join(lazy_pinyin(name)).lower(), name


def warehouses(*, stock):
    """The warehouses of the given stock rows, in pinyin order."""
    return sorted(stock.order_by().values_list("warehouse", flat=True).distinct(), key=pinyin_order)


def stock_list(*, user):
    """The stock rows, warehouse by warehouse in pinyin order, then by location.

    Warehouse names have no pinyin column: their order is computed from the few distinct names (one
    query) and handed to the database as each name's position, ``warehouse_order``, which the stock
    table's warehouse column sorts by.
    """
    stock = access.visible(user, Stock).select_related("product")
    position = Case(
        *(When(warehouse=name, then=Value(index)) for index, name in enumerate(warehouses(stock=stock))),
        # Cast, not a bare -1: with no warehouse the CASE is only its default, and PostgreSQL reads
        # an integer constant in ORDER BY as a column position.
        default=Cast(Value(-1), IntegerField()),
        output_field=IntegerField(),
    )
    return stock.annotate(warehouse_order=position).order_by("warehouse_order", "location")


def stock_totals(*, stock):
    """Total quantity per product of the given stock rows, largest first (at most 50 products)."""
    return (
        stock.order_by()
        .values("product__code", "product__name", "product__model", "product__unit")
        .annotate(total=Sum("quantity"))
        .order_by("-total", "product__code")[:50]
    )


def order_list(*, user):
    return access.visible(user, Order).select_related("customer").order_by("-order_date", "-id")


def order_by_number(*, user, order_no):
    return get_object_or_404(order_list(user=user), order_no=order_no)


def order_lines(*, user, order):
    return access.visible(user, OrderLine).filter(order=order).select_related("product").order_by("line_no")


def order_total(*, lines):
    return lines.aggregate(total=Sum(LINE_AMOUNT))["total"] or 0


def customer_orders_summary(*, user, customer, limit=10):
    """The latest orders of a customer with their totals, and the customer's order count and total
    amount, in one query: each order's total comes from a subquery of its lines, and the count and
    the grand total are window sums over all the customer's orders, computed before the LIMIT."""
    money = DecimalField(max_digits=28, decimal_places=4)
    line_sum = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(amount=Sum(LINE_AMOUNT))
        .values("amount")
    )
    latest = list(
        access.rows_of(user, Order, customer)
        .annotate(total=Coalesce(Subquery(line_sum, output_field=money), Value(0), output_field=money))
        .annotate(order_count=Window(Count("id")), grand_total=Window(Sum("total")))
        .order_by("-order_date", "-id")[:limit]
    )
    count = latest[0].order_count if latest else 0
    total = latest[0].grand_total if latest else 0
    return {"orders": latest, "total": total or 0, "count": count}


# --- reports ------------------------------------------------------------------------------------


# An account manager's customers are read once as ids when they are at most this many: the month
# totals then come from the (customer, month) index. The OR of their own and their shared
# customers' subqueries (visible()) made PostgreSQL expect a sixth of the table and scan all of it
# (bench/README.md "Reports").
VISIBLE_IDS_LIMIT = 5_000


def _scoped_month_totals(user):
    """Exactly ``access.visible(user, CustomerMonthTotal)`` (a test holds them equal for every
    persona), in the shape PostgreSQL reads fastest at a million customers: for those who see
    every customer, the rows NOT IN the recycle bin's few customers, instead of each month total
    joined to its customer to check it is alive; for an account manager, the rows of their
    visible customers' ids."""
    if access.sees_all(user, CustomerMonthTotal):
        return CustomerMonthTotal.objects.exclude(customer__in=Customer.all_objects.deleted().values("pk"))
    # Read through the scope's parts (their own customers from the manager index, UNION ALL the
    # shared ones as ids): visible()'s OR of the two made PostgreSQL scan every customer.
    parts = [part.order_by().values_list("pk", flat=True) for part in access.scope_parts(user, Customer)]
    visible_ids = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    ids = list(visible_ids[: VISIBLE_IDS_LIMIT + 1])
    if len(ids) > VISIBLE_IDS_LIMIT:
        return access.visible(user, CustomerMonthTotal)
    return CustomerMonthTotal.objects.filter(customer_id__in=ids)


def _month_totals(*, user, start, end, q):
    """The month totals ``user`` may see (those of alive customers they see) of the months from
    ``start``'s to ``end``'s (either None: unbounded), of customers matching the search ``q``."""
    rows = _scoped_month_totals(user)
    if start is not None:
        rows = rows.filter(month__gte=start.replace(day=1))
    if end is not None:
        rows = rows.filter(month__lte=end.replace(day=1))
    if q:
        rows = rows.filter(customer__in=Customer.objects.filter(customer_search_q(q)).order_by().values("pk"))
    return rows.order_by()


def _customer_column(name):
    """A column of the row's customer, as a subquery: PostgreSQL reads it only for the rows a page
    shows (after the LIMIT), where a join would read the customer of every group first."""
    return Subquery(Customer.all_objects.filter(pk=OuterRef("customer_id")).order_by().values(name)[:1])


def contribution(*, user, start=None, end=None, q=""):
    """What each customer ``user`` may see ordered from ``start`` to ``end`` (dates; None: all
    time), largest first (equal amounts in the order the customers were entered: by id): a values
    queryset of ``customer_id``, ``code``, ``name``, ``manager_id`` (the customer's account manager
    now), ``amount`` (Decimal) and ``orders`` (int), one row per customer with orders in the
    period. ``q``: the customer list's search (code, name, pinyin or initials).

    Read from the month totals kept by the import (CustomerMonthTotal), so the period is rounded
    to whole months: ``start`` counts from the first day of its month, ``end`` to the last day of
    its month (the analyses ask for whole months, quarters and years). One GROUP BY query (and,
    for an account manager, two reading their customers' ids: _scoped_month_totals).
    """
    return (
        _month_totals(user=user, start=start, end=end, q=q)
        .values("customer_id")
        .annotate(amount=Sum("amount"), orders=Sum("orders"))
        .annotate(
            code=_customer_column("code"),
            name=_customer_column("name"),
            manager_id=_customer_column("account_manager_id"),
        )
        # Not by code: a sort key from the customer would be read for every group, not a page's.
        .order_by("-amount", "customer_id")
    )


def contribution_totals(*, user, start=None, end=None, q=""):
    """{"total": Decimal, "customers": int} of ``contribution`` with the same arguments: the amount
    ordered by all those customers, and how many they are. One query (and, for an account
    manager, two reading their customers' ids)."""
    totals = _month_totals(user=user, start=start, end=end, q=q).aggregate(
        total=Sum("amount"), customers=Count("customer_id", distinct=True)
    )
    return {"total": totals["total"] or Decimal("0.00"), "customers": totals["customers"]}
