"""The sales lists' tables. Rows are drawn in Python (crm.tables.PythonRowsTable): django-tables2's
per-cell rendering was most of the orders list's time; headers, sorting and the pager stay its own."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from crm import formats
from crm.tables import ROWS_TEMPLATE, PythonRowsTable, cell_html, url_of
from sales.models import Order, Product, Stock

# Figures line up on the right, headers above them too (crm.formats has the rule for the text).
FIGURE_ATTRS = {"th": {"class": "text-end"}, "td": {"class": "text-end text-nowrap"}}
# Codes, dates and other short values stay on one line at phone width ("P-1001", not "P-" over
# "1001"): the table scrolls inside its .table-responsive wrapper instead (static/css/app.css).
NOWRAP = {"td": {"class": "text-nowrap"}}
FIGURE_CELL = FIGURE_ATTRS["td"]["class"]


def text(value):
    """A text cell: the value, "—" for none (django-tables2's default for an empty value)."""
    return formats.EMPTY if value in (None, "") else value


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


class ProductTable(PythonRowsTable):
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
        template_name = ROWS_TEMPLATE

    nowrap_columns = ("code", "model", "batch", "unit")
    cell_classes = {"price": FIGURE_CELL}

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for a product, one per column of
        Meta.fields (checked by body_rows and by a test)."""
        return {
            "code": lambda row: text(row.code),
            "name": lambda row: text(row.name),
            "model": lambda row: text(row.model),
            "batch": lambda row: text(row.batch),
            "unit": lambda row: text(row.unit),
            "price": lambda row: formats.money(row.price),
            "memo": lambda row: text(row.memo),
        }


class StockTable(PythonRowsTable):
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
        template_name = ROWS_TEMPLATE

    nowrap_columns = ("location", "product", "unit")
    cell_classes = {"quantity": FIGURE_CELL}

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for a place in a warehouse."""
        return {
            "warehouse": lambda row: text(row.warehouse),
            "location": lambda row: text(row.location),
            "product": lambda row: text(str(row.product)),
            "quantity": lambda row: formats.quantity(row.quantity),
            "unit": lambda row: text(row.product.unit),
            "memo": lambda row: text(row.memo),
        }


class OrderTable(PythonRowsTable):
    order_no = tables.Column(attrs=NOWRAP)
    customer = tables.Column(verbose_name=_("Customer"), order_by=("customer__name_pinyin",))
    # Orders of one day by id, the same way as the day (newest first: both descending), so the list
    # reads a page from order_date_idx (order_date DESC, id DESC) as it is; with the ids ascending,
    # PostgreSQL sorted every order of the newest day (5,000 of a million) for each page.
    order_date = tables.DateColumn(attrs=NOWRAP, order_by=("order_date", "id"))
    status = tables.Column(attrs=NOWRAP)

    class Meta:
        model = Order
        fields = ("order_no", "customer", "order_date", "status", "delivery_address")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "order-table"}
        order_by = ("-order_date",)
        template_name = ROWS_TEMPLATE

    nowrap_columns = ("order_no", "order_date", "status")

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for an order: each link's URL
        pattern reversed once for the page, each status's label read once."""
        order_url = url_of("sales:order_detail", "order_no")
        customer_url = url_of("customers:detail", "code")
        statuses = {value: str(label) for value, label in Order.Status.choices}

        write_day = formats.day_writer("SHORT_DATE_FORMAT")  # the format looked up once a page

        def order_date(row):
            if row.order_date is None:
                return formats.EMPTY
            return write_day(row.order_date)

        return {
            "order_no": lambda row: cell_html('<a href="{}">{}</a>', order_url(row.order_no), row.order_no),
            "customer": lambda row: cell_html(
                '<a href="{}">{}</a>', customer_url(row.customer.code), str(row.customer)
            ),
            "order_date": order_date,
            "status": lambda row: statuses.get(row.status, row.status) or formats.EMPTY,
            "delivery_address": lambda row: text(row.delivery_address),
        }
