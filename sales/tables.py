import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from crm import formats
from sales.models import Order, Product, Stock

# Figures line up on the right, headers above them too (crm.formats has the rule for the text).
FIGURE_ATTRS = {"th": {"class": "text-end"}, "td": {"class": "text-end text-nowrap"}}


class MoneyColumn(tables.Column):
    """An amount: "815,585.95" in every language, right-aligned."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", FIGURE_ATTRS)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return formats.money(value)


class QuantityColumn(tables.Column):
    """A quantity of goods: whole units without decimals ("1,204"), right-aligned."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", FIGURE_ATTRS)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return formats.quantity(value)


class ProductTable(tables.Table):
    price = MoneyColumn()

    class Meta:
        model = Product
        fields = ("code", "name", "model", "batch", "unit", "price", "memo")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "product-table"}
        order_by = ("code",)


class StockTable(tables.Table):
    product = tables.Column(verbose_name=_("Product"), order_by=("product__name", "product__code"))
    quantity = QuantityColumn()
    unit = tables.Column(verbose_name=_("Unit"), accessor="product__unit", orderable=False)

    class Meta:
        model = Stock
        fields = ("warehouse", "location", "product", "quantity", "unit", "memo")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "stock-table"}
        order_by = ("warehouse", "location")


class OrderTable(tables.Table):
    order_no = tables.Column(linkify=True)
    customer = tables.Column(
        verbose_name=_("Customer"), order_by=("customer__name_pinyin",), linkify=lambda record: record.customer
    )

    class Meta:
        model = Order
        fields = ("order_no", "customer", "order_date", "status", "delivery_address")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "order-table"}
        order_by = ("-order_date",)
