import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from sales.models import Order, Product, Stock


class ProductTable(tables.Table):
    class Meta:
        model = Product
        fields = ("code", "name", "model", "batch", "unit", "price", "memo")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "product-table"}
        order_by = ("code",)


class StockTable(tables.Table):
    product = tables.Column(verbose_name=_("Product"), order_by=("product__name", "product__code"))
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
