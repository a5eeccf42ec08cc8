from django import template
from django.db.models import Case, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
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


def _panel_rows(requests):
    """The open requests of ``requests`` (oldest first, so the longest waiting leads; one more than
    the panel shows, to know there are more) and the most recently archived ones, in one query:
    each group numbered by a window function, each row's own group's order."""
    is_open = Q(status__in=OPEN_STATUSES)
    rows = (
        requests.annotate(
            archived_group=Case(When(is_open, then=Value(0)), default=Value(1)),
            place=Window(
                RowNumber(),
                partition_by=[F("archived_group")],
                order_by=[
                    Case(When(is_open, then=F("created_at"))).asc(),
                    Case(When(~is_open, then=F("archived_at"))).desc(nulls_last=True),
                    F("id").asc(),
                ],
            ),
        )
        .filter(place__lte=max(PANEL_OPEN_LIMIT + 1, PANEL_ARCHIVED_LIMIT))
        .order_by("archived_group", "place")
    )
    open_rows, archived = [], []
    for row in rows:
        if row.status == Status.ARCHIVED:
            if len(archived) < PANEL_ARCHIVED_LIMIT:
                archived.append(row)
        else:
            open_rows.append(row)
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
