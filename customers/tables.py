import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class CustomerTable(tables.Table):
    code = tables.Column(verbose_name=_("Code"), linkify=lambda record: record.get_absolute_url())
    name = tables.Column(
        verbose_name=_("Name"), order_by=("name_pinyin", "id"), linkify=lambda record: record.get_absolute_url()
    )
    region = tables.Column(verbose_name=_("Region"), order_by=("region_id", "name_pinyin", "id"), default="—")
    level = tables.Column(verbose_name=_("Level"), order_by=("level", "name_pinyin"))
    account_manager = tables.Column(
        verbose_name=_("Account manager"), order_by=("account_manager_id", "name_pinyin", "id")
    )
    phone = tables.Column(verbose_name=_("Phone"), orderable=False, default="—")
    status = tables.Column(verbose_name=_("Status"))
    created_at = tables.DateTimeColumn(verbose_name=_("Entry time"), format="Y-m-d")

    class Meta:
        model = Customer
        fields = ("code", "name", "region", "level", "account_manager", "phone", "status", "created_at")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "customer-table"}
        order_by = ("name",)
        empty_text = _("No customers match.")
        template_name = "customers/customer_table.html"

    def render_region(self, value):
        return value.display_label

    def render_account_manager(self, value):
        return value.get_full_name() or value.get_username()

    def render_status(self, record, value):
        css = "success" if record.status == Customer.Status.ACTIVE else "secondary"
        return format_html('<span class="badge text-bg-{}">{}</span>', css, value)
