import html
from functools import partial
from urllib.parse import quote

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import formats
from crm.display import display_name
from crm.models import DictionaryEntry
from crm.tables import ROWS_TEMPLATE, PythonRowsTable, cell_html, nowrap
from customers.models import Customer, Level, LossRecord


class CustomerTable(PythonRowsTable):
    code = tables.Column(verbose_name=_("Code"), linkify=lambda record: record.get_absolute_url())
    name = tables.Column(
        verbose_name=_("Name"), order_by=("name_pinyin", "id"), linkify=lambda record: record.get_absolute_url()
    )
    region = tables.Column(verbose_name=_("Region"), order_by=("region_id", "name_pinyin", "id"), default="—")
    level = tables.Column(verbose_name=_("Level"), order_by=("level", "name_pinyin", "id"))
    account_manager = tables.Column(
        verbose_name=_("Account manager"), order_by=("account_manager_id", "name_pinyin", "id")
    )
    phone = tables.Column(verbose_name=_("Phone"), orderable=False, default="—")
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "name_pinyin", "id"))
    created_at = tables.DateTimeColumn(
        verbose_name=_("Entry time"), format="DATE_FORMAT", order_by=("created_at", "id")
    )

    class Meta:
        model = Customer
        fields = ("code", "name", "region", "level", "account_manager", "phone", "status", "created_at")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "customer-table"}
        order_by = ("name",)
        empty_text = _("No customers match.")
        template_name = "customers/customer_table.html"

    # CustomerListView sets both: the next page by keyset in the default order (the same cost at
    # any depth), and the first page from a page reached by keyset (None elsewhere).
    keyset_next = keyset_first = None

    def next_page_link(self):
        if self.keyset_next:
            return html.escape(self.keyset_next), ' data-testid="keyset-next"'
        return super().next_page_link()

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell content for a customer. One per
        column of Meta.fields (checked by body_rows and by a test), in plain Python."""
        # The status badge every page draws (a lost customer's in red), from the templates' filter.
        from customers.templatetags.customers_tags import customer_status_badge, status_badges

        levels = {value: str(label) for value, label in Level.choices}
        url = reverse("customers:detail", kwargs={"code": "CODE"})
        days = {}  # a page's rows share a few entry days: each is drawn once
        # Looked up once a page, not on each row: the time zone, the date format, the language.
        zone = timezone.get_current_timezone()
        write_day, region_label = formats.day_writer(), DictionaryEntry.labeller()

        def entered(customer):
            day = customer.created_at.astimezone(zone).date()
            if day not in days:
                days[day] = nowrap(write_day(day))
            return days[day]

        def link(text):
            return lambda customer: cell_html(
                '<a href="{}">{}</a>', url.replace("CODE", quote(customer.code)), getattr(customer, text)
            )

        return {
            "code": link("code"),
            "name": link("name"),
            "region": lambda customer: region_label(customer.region) if customer.region_id else "—",
            "level": lambda customer: levels.get(customer.level, customer.level),
            "account_manager": lambda customer: display_name(customer.account_manager),
            "phone": lambda customer: nowrap(customer.phone or "—"),
            # A lost customer's in red, as on every page; each status's badge drawn once.
            "status": partial(customer_status_badge, badges=status_badges()),
            "created_at": entered,
        }


# --- loss records -------------------------------------------------------------------------------

# The badge of each loss status (the list, the record's page).
LOSS_STATUS_CSS = {
    LossRecord.Status.WARNING: "warning",
    LossRecord.Status.POSTPONED: "info",
    LossRecord.Status.CONFIRMED: "danger",
    LossRecord.Status.RECOVERED: "success",
}


def loss_status_badge(record, labels=None):
    """The status of a loss record as a coloured badge (``labels``: status -> label, read once for
    a list)."""
    label = (labels or {}).get(record.status) or record.get_status_display()
    return cell_html('<span class="badge text-bg-{}">{}</span>', LOSS_STATUS_CSS.get(record.status, "secondary"), label)


class LossTable(PythonRowsTable):
    """流失预警: the loss records the user may see, newest warning first."""

    customer = tables.Column(verbose_name=_("Customer"), order_by=("customer__name_pinyin", "id"))
    account_manager = tables.Column(
        verbose_name=_("Account manager"), order_by=("account_manager_id", "-raised_at", "-id")
    )
    last_order_date = tables.Column(verbose_name=_("Last order date"), order_by=("last_order_date", "id"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "-raised_at", "-id"))
    raised_at = tables.Column(verbose_name=_("Warning raised"), order_by=("raised_at", "id"))
    updated_at = tables.Column(verbose_name=_("Last change"), order_by=("updated_at", "id"))

    class Meta:
        model = LossRecord
        fields = ("customer", "account_manager", "last_order_date", "status", "raised_at", "updated_at")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "loss-table"}
        order_by = ("-raised_at",)
        empty_text = _("No loss records match.")
        template_name = ROWS_TEMPLATE

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for a loss record, one per column of
        Meta.fields (checked by body_rows and by a test)."""
        statuses = {value: str(label) for value, label in LossRecord.Status.choices}
        url = reverse("customers:loss_detail", kwargs={"pk": 0}).replace("/0/", "/{}/")

        def customer(record):
            return cell_html(
                '<a href="{}">{}</a> <span class="small text-muted text-nowrap">{}</span>',
                url.format(record.pk),
                record.customer.name,
                record.customer.code,
            )

        def day(value):
            return nowrap(formats.day(value)) if value else "—"

        return {
            "customer": customer,
            "account_manager": lambda record: display_name(record.account_manager),
            "last_order_date": lambda record: day(record.last_order_date),
            "status": lambda record: nowrap(loss_status_badge(record, statuses)),
            "raised_at": lambda record: day(timezone.localtime(record.raised_at).date()),
            "updated_at": lambda record: day(timezone.localtime(record.updated_at).date()),
        }
