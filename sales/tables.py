import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from crm import formats
from sales.models import Order, Product, Stock

# Figures line up on the right, headers above them too (crm.formats has the rule for the text).
FIGURE_ATTRS = {"th": {"class": "text-end"}, "td": {"class": "text-end text-nowrap"}}
# Codes, dates and other short values stay on one line at phone width ("P-1001", not "P-" over
# "1001"): the table scrolls inside its .table-responsive wrapper instead (static/css/app.css).
NOWRAP = {"td": {"class": "text-nowrap"}}


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
    code = tables.Column(attrs=NOWRAP)
    model = tables.Column(attrs=NOWRAP)
    batch = tables.Column(attrs=NOWRAP)
    unit = tables.Column(attrs=NOWRAP)
    price = MoneyColumn()

    class Meta:
        model = Product
        fields = ("code", "name", "model", "batch", "unit", "price", "memo")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "product-table"}
        order_by = ("code",)


class StockTable(tables.Table):
    # Pinyin order (北京, 广州, 上海): the position sales.selectors.stock_list gives each warehouse.
    warehouse = tables.Column(order_by=("warehouse_order", "location"))
    product = tables.Column(verbose_name=_("Product"), order_by=("product__name", "product__code"), attrs=NOWRAP)
    location = tables.Column(attrs=NOWRAP)
    quantity = QuantityColumn()
    unit = tables.Column(verbose_name=_("Unit"), accessor="product__unit", orderable=False, attrs=NOWRAP)

    class Meta:
        model = Stock
        fields = ("warehouse", "location", "product", "quantity", "unit", "memo")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "stock-table"}
        order_by = ("warehouse", "location")


class OrderTable(tables.Table):
    order_no = tables.Column(linkify=True, attrs=NOWRAP)
    customer = tables.Column(
        verbose_name=_("Customer"), order_by=("customer__name_pinyin",), linkify=lambda record: record.customer
    )
    order_date = tables.DateColumn(attrs=NOWRAP)
    status = tables.Column(attrs=NOWRAP)

    class Meta:
        model = Order
        fields = ("order_no", "customer", "order_date", "status", "delivery_address")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "order-table"}
        order_by = ("-order_date",)
