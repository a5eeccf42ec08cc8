"""The analyses' tables. Each is also its analysis's export: the export writes ``as_values()`` of
the same table over all its rows (reports.views.analyses), so the file holds the page's columns
and values, numbers as numbers (each figure column's ``value_*``).

The two paged ones (50 rows a page) draw their rows in Python (crm.tables.PythonRowsTable, their
``cell_renderers``); the export still reads their ``value_*``."""

from decimal import Decimal

import django_tables2 as tables
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import formats
from crm.display import display_name
from crm.formats.durations import duration
from crm.tables import ROWS_TEMPLATE, PythonRowsTable, cell_html, url_of

CENT = Decimal("0.01")

FIGURE_ATTRS = {"th": {"class": "text-end"}, "td": {"class": "text-end text-nowrap"}}
NOWRAP = {"td": {"class": "text-nowrap"}}
TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}
FIGURE_CELL = FIGURE_ATTRS["td"]["class"]


def share_of(part, whole):
    """``part`` as a percentage of ``whole``, to two decimals (0 when the whole is 0)."""
    return round(float(part) * 100 / float(whole), 2) if whole else 0.0


def percent(value):
    return f"{formats.money(value)}%"


class ContributionTable(PythonRowsTable):
    """Customers by order amount, largest first (sales.selectors.contribution rows: dicts)."""

    code = tables.Column(verbose_name=_("Customer code"), attrs=NOWRAP)
    name = tables.Column(verbose_name=_("Customer"))
    orders = tables.Column(verbose_name=_("Orders"), attrs=FIGURE_ATTRS)
    amount = tables.Column(verbose_name=_("Order amount"), attrs=FIGURE_ATTRS)
    share = tables.Column(verbose_name=_("Share of total (%)"), attrs=FIGURE_ATTRS, empty_values=())

    class Meta:
        attrs = {**TABLE_ATTRS, "data-testid": "contribution-table"}
        orderable = False
        template_name = ROWS_TEMPLATE

    nowrap_columns = ("code",)
    cell_classes = {"orders": FIGURE_CELL, "amount": FIGURE_CELL, "share": FIGURE_CELL}

    def __init__(self, *args, total, **kwargs):
        self.total = total
        super().__init__(*args, **kwargs)

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for a row of the analysis (a dict);
        the customers' URL pattern reversed once for the page."""
        customer_url = url_of("customers:detail", "code")
        return {
            "code": lambda row: row["code"],
            "name": lambda row: cell_html('<a href="{}">{}</a>', customer_url(row["code"]), row["name"]),
            "orders": lambda row: self.render_orders(row["orders"]),
            "amount": lambda row: self.render_amount(row["amount"]),
            "share": self.render_share,
        }

    def value_name(self, record):
        return record["name"]

    def render_orders(self, value):
        return formats.quantity(value)

    def value_orders(self, value):
        return value

    def render_amount(self, value):
        return formats.money(value)

    def value_amount(self, value):
        # In cents whatever the database's Sum returned (SQLite: 154, PostgreSQL: 154.00).
        return Decimal(value).quantize(CENT)

    def render_share(self, record):
        return percent(self.value_share(record))

    def value_share(self, record):
        return share_of(record["amount"], self.total)


class CompositionTable(tables.Table):
    """Customers per value of the chosen grouping (customers.selectors.composition rows)."""

    label = tables.Column(verbose_name=_("Value"))
    count = tables.Column(verbose_name=_("Customers"), attrs=FIGURE_ATTRS)
    share = tables.Column(verbose_name=_("Share (%)"), attrs=FIGURE_ATTRS, empty_values=())

    class Meta:
        attrs = {**TABLE_ATTRS, "data-testid": "composition-table"}
        orderable = False

    def __init__(self, *args, total, dimension_label, **kwargs):
        self.total = total
        super().__init__(*args, **kwargs)
        self.columns["label"].column.verbose_name = dimension_label

    def render_label(self, value):
        return str(value)

    def render_count(self, value):
        return formats.quantity(value)

    def value_count(self, value):
        return value

    def render_share(self, record):
        return percent(self.value_share(record))

    def value_share(self, record):
        return share_of(record["count"], self.total)


def _average(value):
    return formats.money(value) if value is not None else formats.EMPTY


class ServicesTable(tables.Table):
    """Service requests per type (services.selectors.service_composition rows)."""

    label = tables.Column(verbose_name=_("Service type"))
    count = tables.Column(verbose_name=_("Requests"), attrs=FIGURE_ATTRS)
    archived = tables.Column(verbose_name=_("Archived"), attrs=FIGURE_ATTRS)
    avg_satisfaction = tables.Column(verbose_name=_("Average satisfaction"), attrs=FIGURE_ATTRS, empty_values=())
    avg_rounds = tables.Column(verbose_name=_("Average rounds"), attrs=FIGURE_ATTRS, empty_values=())
    median_to_archive = tables.Column(verbose_name=_("Median time to archive"), attrs=FIGURE_ATTRS, empty_values=())

    class Meta:
        attrs = {**TABLE_ATTRS, "data-testid": "services-table"}
        orderable = False

    def render_label(self, value):
        return str(value)

    def render_count(self, value):
        return formats.quantity(value)

    def value_count(self, value):
        return value

    def render_archived(self, value):
        return formats.quantity(value)

    def value_archived(self, value):
        return value

    def render_avg_satisfaction(self, value):
        return _average(value)

    def value_avg_satisfaction(self, value):
        return None if value is None else round(float(value), 2)

    def render_avg_rounds(self, value):
        return _average(value)

    def value_avg_rounds(self, value):
        return None if value is None else round(float(value), 2)

    def render_median_to_archive(self, value):
        return duration(value)

    def value_median_to_archive(self, value):
        return duration(value) if value is not None else None


class LossesTable(PythonRowsTable):
    """Confirmed losses, newest first (customers.selectors.confirmed_losses records)."""

    year = tables.Column(verbose_name=_("Year"), accessor="confirmed_at", attrs=NOWRAP)
    confirmed_at = tables.Column(verbose_name=_("Confirmed on"), attrs=NOWRAP)
    code = tables.Column(verbose_name=_("Customer code"), accessor="customer__code", attrs=NOWRAP)
    customer = tables.Column(verbose_name=_("Customer"), accessor="customer__name")
    manager = tables.Column(verbose_name=_("Account manager"), accessor="account_manager", empty_values=())
    reason = tables.Column(verbose_name=_("Reason for the loss"), empty_values=())

    class Meta:
        attrs = {**TABLE_ATTRS, "data-testid": "losses-table"}
        orderable = False
        template_name = ROWS_TEMPLATE

    nowrap_columns = ("year", "confirmed_at", "code")

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for a confirmed loss; the loss
        records' URL pattern reversed once for the page."""
        loss_url = url_of("customers:loss_detail", "pk")
        return {
            "year": lambda row: self.render_year(row.confirmed_at),
            "confirmed_at": lambda row: self.render_confirmed_at(row.confirmed_at),
            "code": lambda row: row.customer.code,
            "customer": lambda row: cell_html('<a href="{}">{}</a>', loss_url(row.pk), row.customer.name),
            "manager": lambda row: self.render_manager(row.account_manager),
            "reason": lambda row: self.render_reason(row.reason),
        }

    def render_year(self, value):
        return timezone.localdate(value).year

    def value_year(self, value):
        return timezone.localdate(value).year

    def render_confirmed_at(self, value):
        return timezone.localdate(value).isoformat()

    def value_confirmed_at(self, value):
        return timezone.localdate(value).isoformat()

    def value_customer(self, record):
        return record.customer.name

    def render_manager(self, value):
        return display_name(value) if value else formats.EMPTY

    def value_manager(self, value):
        return display_name(value) if value else ""

    def render_reason(self, value):
        return cell_html('<span class="text-break">{}</span>', value) if value else formats.EMPTY

    def value_reason(self, value):
        return value or ""
