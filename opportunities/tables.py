import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import formats
from crm.display import display_name
from crm.models import DictionaryEntry
from crm.tables import ROWS_TEMPLATE, PythonRowsTable, cell_html, nowrap
from opportunities.models import Opportunity, Status

# The badge of each status (the list, the detail page and the board).
STATUS_CSS = {
    Status.UNASSIGNED: "secondary",
    Status.DEVELOPING: "primary",
    Status.SUCCEEDED: "success",
    Status.FAILED: "dark",
}


def status_badge(opportunity, labels=None):
    label = (labels or {}).get(opportunity.status) or opportunity.get_status_display()
    return cell_html('<span class="badge text-bg-{}">{}</span>', STATUS_CSS.get(opportunity.status, "secondary"), label)


class OpportunityTable(PythonRowsTable):
    title = tables.Column(verbose_name=_("Summary"), order_by=("title", "id"))
    customer_name = tables.Column(verbose_name=_("Customer name"), order_by=("customer_name_pinyin", "id"))
    contact_name = tables.Column(verbose_name=_("Contact"), orderable=False)
    source = tables.Column(verbose_name=_("Source"), order_by=("source__sort_order", "source_id", "id"))
    success_rate = tables.Column(verbose_name=_("Success rate"), order_by=("success_rate", "id"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "-created_at", "-id"))
    assigned_to = tables.Column(verbose_name=_("Assigned to"), order_by=("assigned_to_id", "-created_at", "-id"))
    created_at = tables.Column(verbose_name=_("Created on"), order_by=("created_at", "id"))

    class Meta:
        model = Opportunity
        fields = (
            "title",
            "customer_name",
            "contact_name",
            "source",
            "success_rate",
            "status",
            "assigned_to",
            "created_at",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "opportunity-table"}
        order_by = ("-created_at",)
        empty_text = _("No opportunities match.")
        template_name = ROWS_TEMPLATE

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for an opportunity, one per column
        of Meta.fields (checked by body_rows and by a test)."""
        statuses = {value: str(label) for value, label in Status.choices}
        url = reverse("opportunities:detail", kwargs={"pk": 0}).replace("/0/", "/{}/")
        # Looked up once a page, not on each row: the time zone, the date format, the language.
        zone = timezone.get_current_timezone()
        write_day, source_label = formats.day_writer(), DictionaryEntry.labeller()

        return {
            "title": lambda row: cell_html('<a href="{}">{}</a>', url.format(row.pk), row.title),
            "customer_name": lambda row: row.customer_name,
            "contact_name": lambda row: row.contact_name or "—",
            "source": lambda row: source_label(row.source) if row.source_id else "—",
            "success_rate": lambda row: nowrap(f"{row.success_rate}%"),
            "status": lambda row: nowrap(status_badge(row, statuses)),
            "assigned_to": lambda row: display_name(row.assigned_to) if row.assigned_to_id else "—",
            "created_at": lambda row: nowrap(write_day(row.created_at.astimezone(zone).date())),
        }
