"""The tables of the services lists: every request, the three work queues and the archive.

Rows are drawn in Python (crm.tables.PythonRowsTable). The assignment queue's rows each carry a
small assign form (``assign_form``), drawn here once for the list and for the row htmx re-draws.
"""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm import formats
from crm.display import display_name
from crm.models import DictionaryEntry
from crm.tables import ROWS_TEMPLATE, PythonRowsTable, cell_html, nowrap
from customers.templatetags.customers_tags import stars
from services.forms import seen_token
from services.models import Status

# The badge of each status (the lists; the request's page may use status_badge too).
STATUS_CSS = {
    Status.NEW: "info",
    Status.ASSIGNED: "primary",
    Status.HANDLED: "warning",
    Status.ARCHIVED: "success",
}
TABLE_CSS = "table table-sm table-hover align-middle"


def status_badge(service_request, labels=None):
    """The status of ``service_request`` as a coloured badge (``labels``: status -> label, read
    once for a list)."""
    label = (labels or {}).get(service_request.status) or service_request.get_status_display()
    return cell_html(
        '<span class="badge text-bg-{}">{}</span>', STATUS_CSS.get(service_request.status, "secondary"), label
    )


def day(moment):
    """A date-time as its local date, "—" for none."""
    return nowrap(formats.day(timezone.localtime(moment).date())) if moment else "—"


def manager_options(managers):
    """The ``<option>``s of the assign select, drawn once for every row of the page:
    ``managers`` is a list of (pk, name)."""
    return format_html_join("", '<option value="{}">{}</option>', managers)


def assign_form(service_request, *, action, csrf_token, options, error=None, chosen=None):
    """The inline assign form of one request (the assignment queue's last cell, and the row htmx
    re-draws after a refused assignment): a select of the active account managers and a button.
    It posts ``pk``, ``assignee`` and ``seen`` (what the page showed: services.forms.AssignForm)
    to ``action``, the queue's own URL with its page and filters; with htmx the form is replaced
    by the answer (templates/services/_assign_row.html), without it the queue is shown again."""
    pk = service_request.pk
    if chosen is not None:
        options = mark_safe(  # noqa: S308 - the options were escaped by manager_options
            str(options).replace(f'<option value="{chosen}">', f'<option value="{chosen}" selected>', 1)
        )
    invalid = " is-invalid" if error else ""
    problem = (
        cell_html('<div class="invalid-feedback d-block" data-testid="assign-error">{}</div>', error) if error else ""
    )
    return cell_html(
        '<form method="post" action="{action}" class="position-relative" hx-post="{action}" hx-target="this" '
        'hx-swap="outerHTML" data-testid="assign-form-{pk}">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        '<input type="hidden" name="pk" value="{pk}">'
        '<input type="hidden" name="seen" value="{seen}">'
        '<div class="d-flex flex-nowrap gap-1">'
        '<label class="visually-hidden" for="assignee-{pk}">{label}</label>'
        '<select name="assignee" id="assignee-{pk}" class="form-select form-select-sm w-auto{invalid}" required>'
        '<option value="">{choose}</option>{options}</select>'
        '<button type="submit" class="btn btn-sm btn-primary text-nowrap">{button}</button>'
        "</div>{problem}</form>",
        action=action,
        pk=pk,
        csrf=csrf_token,
        seen=seen_token(service_request),
        label=pgettext("service request", "Assign to"),
        invalid=invalid,
        choose=gettext("Choose an account manager"),
        options=options,
        problem=problem,
        button=pgettext("service request", "Assign"),
    )


class ServiceRowsTable(PythonRowsTable):
    """Cells every services list shares; each table's Meta.fields chooses among them."""

    title = tables.Column(verbose_name=_("Summary"), order_by=("title", "id"))
    customer = tables.Column(verbose_name=_("Customer"), order_by=("customer__name_pinyin", "id"))
    service_type = tables.Column(
        verbose_name=_("Service type"), order_by=("service_type__sort_order", "service_type_id", "id")
    )
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "-created_at", "-id"))
    created_by = tables.Column(verbose_name=_("Created by"), order_by=("created_by_id", "-created_at", "-id"))
    assigned_to = tables.Column(
        verbose_name=pgettext_lazy("service request", "Assigned to"), order_by=("assigned_to_id", "-created_at", "-id")
    )
    created_at = tables.Column(verbose_name=_("Created on"), order_by=("created_at", "id"))
    assigned_at = tables.Column(
        verbose_name=pgettext_lazy("service request", "Assigned at"), order_by=("assigned_at", "id")
    )
    handled_at = tables.Column(verbose_name=_("Handled at"), order_by=("handled_at", "id"))
    archived_at = tables.Column(verbose_name=_("Archived at"), order_by=("archived_at", "id"))
    rounds = tables.Column(verbose_name=_("Rounds"), order_by=("rounds", "-created_at", "-id"))
    satisfaction = tables.Column(verbose_name=_("Satisfaction"), order_by=("satisfaction", "-created_at", "-id"))

    def __init__(self, *args, **kwargs):
        self.extra_cells = kwargs.pop("extra_cells", {})
        super().__init__(*args, **kwargs)

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for a request, one per column of
        Meta.fields (checked by body_rows and by a test)."""
        statuses = {value: str(label) for value, label in Status.choices}
        url = reverse("services:detail", kwargs={"pk": 0}).replace("/0/", "/{}/")
        # A page's 50 rows share a handful of days and five ratings: each is drawn once.
        days, ratings = {}, {}
        # Looked up once a page, not on each row: the time zone, the date format, the language.
        zone = timezone.get_current_timezone()
        write_day, type_label = formats.day_writer(), DictionaryEntry.labeller()

        def on_day(moment):
            if not moment:
                return "—"
            local = moment.astimezone(zone).date()
            if local not in days:
                days[local] = nowrap(write_day(local))
            return days[local]

        def customer(row):
            return cell_html(
                '{} <span class="small text-muted text-nowrap">{}</span>', row.customer.name, row.customer.code
            )

        def satisfaction(row):
            if row.satisfaction is None:
                return "—"
            if row.satisfaction not in ratings:
                # Positioned, so the stars' words for screen readers (absolutely placed) stay
                # inside the table's scrolling wrapper instead of widening a phone's page.
                ratings[row.satisfaction] = cell_html(
                    '<span class="text-nowrap position-relative">{}</span>', stars(row.satisfaction)
                )
            return ratings[row.satisfaction]

        def person(name):
            return lambda row: display_name(getattr(row, name)) if getattr(row, f"{name}_id") else "—"

        cells = {
            "title": lambda row: cell_html('<a href="{}">{}</a>', url.format(row.pk), row.title),
            "customer": customer,
            "service_type": lambda row: type_label(row.service_type),
            "status": lambda row: nowrap(status_badge(row, statuses)),
            "created_by": person("created_by"),
            "assigned_to": person("assigned_to"),
            "created_at": lambda row: on_day(row.created_at),
            "assigned_at": lambda row: on_day(row.assigned_at),
            "handled_at": lambda row: on_day(row.handled_at),
            "archived_at": lambda row: on_day(row.archived_at),
            "rounds": lambda row: row.rounds,
            "satisfaction": satisfaction,
        }
        return {**cells, **self.extra_cells}


def leave_out(fields):
    """The shared columns a table doesn't show (its Meta.exclude): every table declares only its
    Meta.fields, in that order."""
    return tuple(name for name in ServiceRowsTable.base_columns if name not in fields)


def step_link(url_name, label):
    """A cell linking to a request's step page (services:handle, services:feedback)."""
    url = reverse(url_name, kwargs={"pk": 0}).replace("/0/", "/{}/")
    return lambda row: cell_html(
        '<a class="btn btn-sm btn-outline-primary text-nowrap" href="{}">{}</a>', url.format(row.pk), label
    )


class ServiceTable(ServiceRowsTable):
    """Every request the user may see (services:list)."""

    class Meta:
        fields = ("title", "customer", "service_type", "status", "created_by", "assigned_to", "created_at")
        exclude = leave_out(fields)
        attrs = {"class": TABLE_CSS, "data-testid": "service-table"}
        order_by = ("-created_at",)
        empty_text = _("No service requests match.")
        template_name = ROWS_TEMPLATE


class AssignQueueTable(ServiceRowsTable):
    """服务分配: new requests, oldest first, each with its assign form."""

    assign = tables.Column(verbose_name=pgettext_lazy("service request", "Assign to"), orderable=False, empty_values=())

    class Meta:
        fields = ("title", "customer", "service_type", "created_by", "created_at", "assign")
        exclude = leave_out(fields)
        attrs = {"class": TABLE_CSS, "data-testid": "assign-queue"}
        order_by = ("created_at",)
        empty_text = _("No service request waits for an assignment.")
        template_name = ROWS_TEMPLATE

    def __init__(self, *args, action="", csrf_token="", managers=(), **kwargs):
        # The view gives all three (AssignmentQueueView.get_table_kwargs); the defaults let the
        # table be built bare, as crm/tests/test_fuzz.py builds every table to read its columns.
        options = manager_options(managers)
        cell = {
            "assign": lambda row: assign_form(row, action=action, csrf_token=csrf_token, options=options),
        }
        super().__init__(*args, extra_cells=cell, **kwargs)


class HandleQueueTable(ServiceRowsTable):
    """服务处理: the requests assigned to the user, oldest first, each linking to its handling page."""

    handle = tables.Column(verbose_name="", orderable=False, empty_values=())

    class Meta:
        fields = ("title", "customer", "service_type", "created_by", "created_at", "assigned_at", "rounds", "handle")
        exclude = leave_out(fields)
        attrs = {"class": TABLE_CSS, "data-testid": "handle-queue"}
        order_by = ("created_at",)
        empty_text = _("No service request waits for your handling.")
        template_name = ROWS_TEMPLATE

    def __init__(self, *args, **kwargs):
        cell = {"handle": step_link("services:handle", gettext("Handle"))}
        super().__init__(*args, extra_cells=cell, **kwargs)


class FeedbackQueueTable(ServiceRowsTable):
    """服务反馈: handled requests waiting for the user's feedback, each linking to its feedback page."""

    feedback = tables.Column(verbose_name="", orderable=False, empty_values=())

    class Meta:
        fields = (
            "title",
            "customer",
            "service_type",
            "created_by",
            "assigned_to",
            "created_at",
            "handled_at",
            "rounds",
            "feedback",
        )
        exclude = leave_out(fields)
        attrs = {"class": TABLE_CSS, "data-testid": "feedback-queue"}
        order_by = ("created_at",)
        empty_text = _("No service request waits for your feedback.")
        template_name = ROWS_TEMPLATE

    def __init__(self, *args, **kwargs):
        cell = {"feedback": step_link("services:feedback", gettext("Give feedback"))}
        super().__init__(*args, extra_cells=cell, **kwargs)


class ArchiveTable(ServiceRowsTable):
    """服务归档: archived requests, newest first, read-only."""

    class Meta:
        fields = (
            "title",
            "customer",
            "service_type",
            "assigned_to",
            "created_at",
            "archived_at",
            "rounds",
            "satisfaction",
        )
        exclude = leave_out(fields)
        attrs = {"class": TABLE_CSS, "data-testid": "archive-table"}
        order_by = ("-created_at",)
        empty_text = _("No archived service requests match.")
        template_name = ROWS_TEMPLATE
