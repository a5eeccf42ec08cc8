from django import template
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import format_html

from crm.formats.durations import duration
from services import rules, selectors
from services.models import OPEN_STATUSES, Status

register = template.Library()

# Open requests the customer page lists before it points to the list; archived ones it shows.
PANEL_OPEN_LIMIT = 10
PANEL_ARCHIVED_LIMIT = 5

# The badge of each status (the customer page's panel and the dashboard card).
STATUS_CSS = {
    Status.NEW: "secondary",
    Status.ASSIGNED: "primary",
    Status.HANDLED: "info",
    Status.ARCHIVED: "success",
}


@register.filter
def service_status_badge(service_request):
    """``{{ service_request|service_status_badge }}``: the request's status as a coloured badge."""
    return format_html(
        '<span class="badge text-bg-{}">{}</span>',
        STATUS_CSS.get(service_request.status, "secondary"),
        service_request.get_status_display(),
    )


@register.filter
def service_age(service_request):
    """How long ago the request was created, as every page says a span (crm.formats.durations:
    "3 days 2 hours", "3 天 2 小时"): how long the customer has been waiting for an open one."""
    return duration(timezone.now() - service_request.created_at)


def sees_services(user):
    return user.is_superuser or user.has_module_perms("services")


def _newest_archived_first(row):
    """The panel's order of archived requests: the latest archived first (one without the time
    last, as the subquery has it), then by key."""
    return (row.archived_at is None, -row.archived_at.timestamp() if row.archived_at else 0, row.pk)


def _panel_rows(requests):
    """The open requests of ``requests`` (oldest first, so the longest waiting leads; one more than
    the panel shows, to know there are more) and the most recently archived ones, in one query:
    the rows whose keys are in either of two cut subqueries, put in order here.

    A row number over both groups, filtered by Django's QUALIFY emulation, cost twice as much CPU
    to build and compile (bench/README.md, the sixth session)."""
    open_keys = requests.filter(status__in=OPEN_STATUSES).order_by("created_at", "id").values("pk")
    archived_keys = (
        requests.filter(status=Status.ARCHIVED).order_by(F("archived_at").desc(nulls_last=True), "id").values("pk")
    )
    rows = requests.filter(
        Q(pk__in=open_keys[: PANEL_OPEN_LIMIT + 1]) | Q(pk__in=archived_keys[:PANEL_ARCHIVED_LIMIT])
    ).order_by()
    open_rows, archived = [], []
    for row in rows:
        (archived if row.status == Status.ARCHIVED else open_rows).append(row)
    open_rows.sort(key=lambda row: (row.created_at, row.pk))
    archived.sort(key=_newest_archived_first)
    return open_rows, archived


@register.inclusion_tag("services/_customer_panel.html", takes_context=True)
def services_customer_panel(context, customer):
    """The services panel of the customer 360° page: the customer's open requests (new, assigned,
    handled; the longest waiting first) and the most recently archived ones, as far as the user
    may see them (services.selectors.requests_of_customer); a button to create one for the
    customer for those who may. Nothing for a user without the services module. One query."""
    user = context["request"].user
    if not sees_services(user):
        return {"shown": False}
    open_rows, archived = _panel_rows(selectors.requests_of_customer(user=user, customer=customer))
    return {
        "shown": True,
        "customer": customer,
        "open_requests": open_rows[:PANEL_OPEN_LIMIT],
        "more_open": len(open_rows) > PANEL_OPEN_LIMIT,
        "archived_requests": archived,
        "may_create": rules.may_create(user),
    }
