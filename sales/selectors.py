"""Reads of the sales mirror, scoped through crm.access (orders follow their customer)."""

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.shortcuts import get_object_or_404

from crm import access
from sales.models import Order, OrderLine, Product, Stock


def _amount(prefix=""):
    """quantity × unit_price of order lines, reached through ``prefix`` (e.g. "lines__")."""
    return ExpressionWrapper(
        F(f"{prefix}quantity") * F(f"{prefix}unit_price"), output_field=DecimalField(max_digits=28, decimal_places=4)
    )


LINE_AMOUNT = _amount()


def product_list(*, user):
    return access.visible(user, Product).order_by("code")


def stock_list(*, user):
    return access.visible(user, Stock).select_related("product").order_by("warehouse", "location")


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
    """The latest orders of a customer with their totals, and the customer's total amount."""
    orders = access.visible(user, Order).filter(customer=customer)
    latest = list(orders.annotate(total=Sum(_amount("lines__"), default=0)).order_by("-order_date", "-id")[:limit])
    summary = orders.aggregate(count=Count("id", distinct=True), total=Sum(_amount("lines__")))
    return {"orders": latest, "total": summary["total"] or 0, "count": summary["count"]}
