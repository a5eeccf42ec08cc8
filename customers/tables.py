from urllib.parse import quote

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.display import display_name
from crm.tables import PythonRowsTable, nowrap
from customers.models import Customer, Level


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

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell content for a customer. One per
        column of Meta.fields (checked by body_rows and by a test), in plain Python."""
        levels = {value: str(label) for value, label in Level.choices}
        statuses = {value: str(label) for value, label in Customer.Status.choices}
        url = reverse("customers:detail", kwargs={"code": "CODE"})

        def link(text):
            return lambda customer: format_html(
                '<a href="{}">{}</a>', url.replace("CODE", quote(customer.code)), getattr(customer, text)
            )

        def status(customer):
            css = "success" if customer.status == Customer.Status.ACTIVE else "secondary"
            return format_html('<span class="badge text-bg-{}">{}</span>', css, statuses.get(customer.status, ""))

        return {
            "code": link("code"),
            "name": link("name"),
            "region": lambda customer: customer.region.display_label if customer.region_id else "—",
            "level": lambda customer: levels.get(customer.level, customer.level),
            "account_manager": lambda customer: display_name(customer.account_manager),
            "phone": lambda customer: nowrap(customer.phone or "—"),
            "status": status,
            "created_at": lambda customer: nowrap(date_format(timezone.localtime(customer.created_at).date())),
        }
