"""Reads of service requests and their timelines, scoped to the user through crm.access."""

from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import Aggregate, Avg, Count, DurationField, ExpressionWrapper, F, Q, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm import access
from crm.models import DictionaryEntry
from customers.selectors import account_managers
from services import rules
from services.models import OPEN_STATUSES, ServiceEvent, ServiceRequest, Status


def _signed_in(user):
    return getattr(user, "is_authenticated", False) and user.is_active


# The columns a list reads: what its cells show. The request's long texts and search keys, and
# the thirty other columns of its customer and people, stay in the database (a page of 50 rows
# read and built about a third of the bytes and objects it did with whole rows).
PERSON_FIELDS = ("username", "first_name", "last_name", "is_active")
LIST_FIELDS = (
    *(
        field.name
        for field in ServiceRequest._meta.concrete_fields
        if field.name not in ("request", "handling", "result", "title_bigrams")
    ),
    "service_type__category",
    "service_type__label",
    "service_type__label_en",
    "service_type__value",
    "customer__name",
    "customer__code",
    *(f"created_by__{name}" for name in PERSON_FIELDS),
    *(f"assigned_to__{name}" for name in PERSON_FIELDS),
)


def service_list(*, user):
    """The service requests ``user`` may see, with what a list shows, newest first."""
    return (
        access.visible(user, ServiceRequest)
        .select_related("service_type", "customer", "created_by", "assigned_to")
        .only(*LIST_FIELDS)
        .order_by("-created_at", "-id")
    )


# --- the four queues (SPEC §4: 服务分配, 服务处理, 服务反馈, 服务归档) ------------------------------


def assignment_queue(*, user):
    """New requests waiting for an assignment, for those who assign (supervisors); none for others."""
    if not access.can(user, "services.assign_servicerequest"):
        return ServiceRequest.objects.none()
    return service_list(user=user).filter(status=Status.NEW)


def handling_queue(*, user):
    """The assigned requests waiting for ``user``'s handling: those assigned to them."""
    if not _signed_in(user):
        return ServiceRequest.objects.none()
    return service_list(user=user).filter(status=Status.ASSIGNED, assigned_to=user)


def feedback_queue(*, user):
    """Handled requests waiting for ``user``'s feedback: every one for a supervisor, those they
    created for an account manager."""
    if not _signed_in(user):
        return ServiceRequest.objects.none()
    queryset = service_list(user=user).filter(status=Status.HANDLED)
    if access.sees_all(user, ServiceRequest, "change"):
        return queryset
    return queryset.filter(created_by=user)


def archive(*, user):
    """The archived requests ``user`` may see (read-only), newest first."""
    return service_list(user=user).filter(status=Status.ARCHIVED)


def queue_counts(*, user):
    """{"assign": n, "handle": n, "feedback": n}: how many requests wait in each of ``user``'s work
    queues (the menu and the dashboard), in one query; a queue the user has none of is 0, and a
    queue that isn't theirs (assign, for an account manager) is None."""
    counts = {"assign": None, "handle": 0, "feedback": 0}
    if not _signed_in(user):
        return counts
    conditions = {
        "handle": Q(status=Status.ASSIGNED, assigned_to=user),
    }
    if access.sees_all(user, ServiceRequest, "change"):
        conditions["feedback"] = Q(status=Status.HANDLED)
    else:
        conditions["feedback"] = Q(status=Status.HANDLED, created_by=user)
    if access.can(user, "services.assign_servicerequest"):
        conditions["assign"] = Q(status=Status.NEW)
    condition = Q()
    for each in conditions.values():
        condition |= each
    rows = (
        access.visible(user, ServiceRequest)
        .filter(condition)
        .aggregate(**{name: Count("pk", filter=each) for name, each in conditions.items()})
    )
    counts.update(rows)
    return counts


def open_counts(*, user):
    """How many open requests ``user`` may see in each status ({"new": n, "assigned": n,
    "handled": n}), in one query: the service desk at a glance, for those without a queue."""
    return (
        service_list(user=user)
        .order_by()
        .aggregate(**{str(status): Count("pk", filter=Q(status=status)) for status in OPEN_STATUSES})
    )


# --- one request -----------------------------------------------------------------------------


def request_detail(*, user, pk):
    """The service request ``pk`` with its type, customer and people, if ``user`` may see it (else 404)."""
    return get_object_or_404(
        access.visible(user, ServiceRequest).select_related(
            "service_type", "customer", "created_by", "assigned_to", "handled_by"
        ),
        pk=pk,
    )


def timeline(*, user, service_request):
    """Every step of ``service_request`` (creation, each assignment, handling and feedback), oldest
    first, with who took it and the assignee."""
    return (
        access.visible(user, ServiceEvent)
        .filter(service_request=service_request)
        .select_related("actor", "assignee")
        .order_by("at", "id")
    )


def requests_of_customer(*, user, customer):
    """The service requests of ``customer`` that ``user`` may see, newest first (the customer
    page's panel)."""
    return (
        access.rows_of(user, ServiceRequest, customer)
        .select_related("service_type", "assigned_to")
        .order_by("-created_at", "-id")
    )


def assignable_managers():
    """Whom a service request may be assigned to: active users holding the account manager role."""
    return account_managers()


# Every step a page may offer, by name, with the predicate that allows it (services.rules).
STEPS = {
    "delete": rules.may_delete,
    "assign": rules.may_assign,
    "handle": rules.may_handle,
    "feedback": rules.may_give_feedback,
}


def request_steps(*, user, service_request):
    """The names of the STEPS ``user`` may take on ``service_request`` now (the page's buttons):
    the same predicates the actions check, so a button shown is a step allowed."""
    return {name for name, allowed in STEPS.items() if allowed(user, service_request)}


# Who a step belongs to, whatever the request's state: its creator or a supervisor (delete,
# feedback), a supervisor (assign), its assignee (handle). Someone else asking for the step is
# refused outright (403); someone it belongs to is told why the state doesn't allow it now
# (request_steps says whether it does).
def _creator_or_supervisor(user, service_request, action):
    return service_request.created_by_id == user.pk or access.sees_all(user, ServiceRequest, action)


STEP_HOLDERS = {
    "delete": lambda user, service_request: _creator_or_supervisor(user, service_request, "delete"),
    "assign": lambda user, service_request: access.can(user, "services.assign_servicerequest"),
    "handle": lambda user, service_request: (
        service_request.assigned_to_id is not None and service_request.assigned_to_id == user.pk
    ),
    "feedback": lambda user, service_request: _creator_or_supervisor(user, service_request, "change"),
}


def holds_step(*, user, service_request, step):
    """True if ``step`` (a key of STEPS) belongs to ``user`` on ``service_request`` in some state.
    Active signed-in users only."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return STEP_HOLDERS[step](user, service_request)


# --- time figures (the request's page; the reports) ---------------------------------------------


def time_figures(service_request):
    """The time figures of one request: ``to_assign``, ``to_first_handling`` and ``to_archive``
    (timedeltas from its creation; None until that step happened) and ``rounds`` (how many times it
    was handled)."""

    def since_created(moment):
        return None if moment is None else moment - service_request.created_at

    return {
        "to_assign": since_created(service_request.first_assigned_at),
        "to_first_handling": since_created(service_request.first_handled_at),
        "to_archive": since_created(service_request.archived_at),
        "rounds": service_request.rounds,
    }


def time_figures_summary(*, user, queryset=None):
    """The averages of the time figures over the requests ``user`` may see (or over ``queryset``,
    already scoped), for the reports: ``count``, ``avg_to_assign``, ``avg_to_first_handling``,
    ``avg_to_archive`` (timedeltas, None when no request got that far) and ``avg_rounds`` over the
    archived ones. One query."""
    rows = access.visible(user, ServiceRequest) if queryset is None else queryset
    archived = Q(status=Status.ARCHIVED)
    return rows.order_by().aggregate(
        count=Count("pk"),
        avg_to_assign=Avg(F("first_assigned_at") - F("created_at")),
        avg_to_first_handling=Avg(F("first_handled_at") - F("created_at")),
        avg_to_archive=Avg(F("archived_at") - F("created_at")),
        avg_rounds=Avg("rounds", filter=archived),
    )


# --- reports ------------------------------------------------------------------------------------


def _start_of_day(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _to_archive():
    return ExpressionWrapper(F("archived_at") - F("created_at"), output_field=DurationField())


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)`` of an interval: the middle
    value, or the mean of the two middle ones (as _medians_to_archive computes them elsewhere)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _medians_to_archive(archived):
    """{service type id: median time from creation to archive} of the ``archived`` requests, on
    databases without percentile_cont (SQLite): one query ranks each type's requests by that time
    (window functions) and returns only the one or two in the middle of each type; their mean is
    the median."""
    to_archive = _to_archive()
    by_type = [F("service_type_id")]
    middle = (
        archived.order_by()
        .annotate(
            to_archive=to_archive,
            position=Window(RowNumber(), partition_by=by_type, order_by=[to_archive.asc(), F("pk").asc()]),
            of=Window(Count("pk"), partition_by=by_type),
        )
        # Rows (of + 1) / 2 and (of + 2) / 2 (integer division): the middle one of an odd count,
        # the middle two of an even one.
        .filter(position__gte=(F("of") + 1) / 2, position__lte=(F("of") + 2) / 2)
        .values_list("service_type_id", "to_archive")
    )
    found = {}
    for type_id, duration in middle:
        found.setdefault(type_id, []).append(duration)
    return {type_id: sum(durations, timedelta()) / len(durations) for type_id, durations in found.items()}


def service_composition(*, user, start=None, end=None):
    """The service requests ``user`` may see created from ``start`` to ``end`` (local dates; either
    None: unbounded), per service type of the data dictionary (every type, those without requests
    too), the most requested first, then by label.

    Each a dict: ``type_id``, ``label`` (in the user's language), ``count`` (requests created),
    ``archived`` (of those, how many are archived), and over the archived ones
    ``avg_satisfaction`` and ``avg_rounds`` (floats) and ``median_to_archive`` (a timedelta from
    creation to archive), each None without archived requests. One GROUP BY query on PostgreSQL
    (the median by percentile_cont), two elsewhere (_medians_to_archive), and the dictionary's
    types; no request is read into Python but the middle ones of a median.
    """
    requests = access.visible(user, ServiceRequest)
    if start is not None:
        requests = requests.filter(created_at__gte=_start_of_day(start))
    if end is not None:
        requests = requests.filter(created_at__lt=_start_of_day(end + timedelta(days=1)))
    archived = Q(status=Status.ARCHIVED)
    aggregates = {
        "count": Count("pk"),
        "archived": Count("pk", filter=archived),
        "avg_satisfaction": Avg("satisfaction", filter=archived),
        "avg_rounds": Avg("rounds", filter=archived),
    }
    in_one_query = connection.vendor == "postgresql"
    if in_one_query:
        aggregates["median_to_archive"] = Median(_to_archive(), filter=archived)
    grouped = requests.order_by().values("service_type_id").annotate(**aggregates)
    figures = {row["service_type_id"]: row for row in grouped}
    if in_one_query:
        medians = {type_id: row["median_to_archive"] for type_id, row in figures.items()}
    else:
        medians = _medians_to_archive(requests.filter(archived))
    rows = []
    for entry in DictionaryEntry.objects.filter(category=DictionaryEntry.Category.SERVICE_TYPE):
        row = figures.get(entry.pk, {})
        rows.append(
            {
                "type_id": entry.pk,
                "label": entry.display_label,
                "count": row.get("count", 0),
                "archived": row.get("archived", 0),
                "avg_satisfaction": row.get("avg_satisfaction"),
                "avg_rounds": row.get("avg_rounds"),
                "median_to_archive": medians.get(entry.pk),
            }
        )
    rows.sort(key=lambda row: (-row["count"], row["label"]))
    return rows
