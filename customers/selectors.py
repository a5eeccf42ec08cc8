"""Reads of customers, scoped to the user through crm.access."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, DateField, Exists, F, OuterRef, Prefetch, Q
from django.db.models.functions import TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import access
from crm.display import display_name
from crm.roles import ACCOUNT_MANAGER
from customers.models import (
    Activity,
    Contact,
    Customer,
    CustomerUserObjectPermission,
    Level,
    LossMeasure,
    LossRecord,
    Rating,
)
from customers.search import customer_search_q
from customers.validators import normalise_name, normalise_phone, normalise_uscc


def customer_list(*, user):
    """The customers ``user`` may see, with what the list shows, in pinyin order."""
    return access.visible(user, Customer).select_related("region", "account_manager").order_by("name_pinyin", "id")


# What the list page shows (customers.tables.CustomerTable) and its keyset link needs: loading only
# these keeps the search keys (pinyin, bigrams, ...) out of each page and halves building the rows.
LIST_PAGE_FIELDS = (
    "code",
    "name",
    "name_pinyin",
    "region",
    "level",
    "account_manager",
    "phone",
    "status",
    "created_at",
)
LIST_PAGE_JOINED = (
    "region__label",
    "region__label_en",
    "account_manager__first_name",
    "account_manager__last_name",
    "account_manager__username",
)


def customer_list_page(*, user):
    """``customer_list`` with only the fields the list page shows (read-only rows: never save them).

    The region and manager are joined in: the list reads a page's keys first and then these rows by
    those 50 keys (crm.paginators.KeysFirstPaginator), so the join meets 50 rows, where two
    prefetch queries cost two more statements a page. (Before keys came first, PostgreSQL joined
    them to every customer an account manager sees before cutting out one page.)
    """
    return (
        access.visible(user, Customer)
        .select_related("region", "account_manager")
        .only(*LIST_PAGE_FIELDS, *LIST_PAGE_JOINED)
        .order_by("name_pinyin", "id")
    )


def after_in_pinyin_order(queryset, pinyin, pk):
    """The rows after (pinyin, pk) in the list's default order. The redundant ``>=`` gives
    PostgreSQL an index range to start from, so any depth costs the same as the first page."""
    return queryset.filter(name_pinyin__gte=pinyin).filter(Q(name_pinyin__gt=pinyin) | Q(name_pinyin=pinyin, pk__gt=pk))


def account_managers():
    """Active users holding the account manager role, by name."""
    return (
        get_user_model().objects.filter(is_active=True, groups__name=ACCOUNT_MANAGER).order_by("first_name", "username")
    )


def manager_choices(*, user):
    """Whom ``user`` may pick as a customer's account manager: themself, or anyone for a superuser."""
    managers = account_managers()
    if user.is_superuser:
        return managers
    return managers.filter(pk=user.pk)


def manager_filter_choices(*, user, parts=None):
    """The managers offered by the list's manager filter: only those whose customers ``user`` sees.

    Found part by part of the user's scope (``parts``: access.scope_parts, read here if not given),
    without reading each customer: an account manager's own part names only them, the part shared
    with them is a few ids. Someone who sees every customer is offered every account manager.
    """
    if access.sees_all(user, Customer):
        return account_managers()
    if parts is None:
        parts = access.scope_parts(user, Customer)
    # EXISTS per manager: one index probe settles an account manager's own part, where
    # "IN (their customers' managers)" read all 3,000 of their customers (1.5 → 0.6 ms).
    condition = Q(pk__in=[])
    for part in parts:
        condition |= Exists(part.order_by().filter(account_manager=OuterRef("pk")))
    return account_managers().filter(condition)


def customer_count(*, user):
    """How many customers ``user`` may see: the parts of their scope (crm.access.scope_parts: an
    account manager's own customers from the manager index, those shared with them as ids) counted
    in one statement. Counted as one OR, PostgreSQL scanned every customer (an account manager at
    a million customers: 100 ms → 7 ms)."""
    parts = [part.order_by().values("pk") for part in access.scope_parts(user, Customer)]
    return parts[0].union(*parts[1:], all=True).count() if len(parts) > 1 else parts[0].count()


def customer_by_code(*, user, code, action="view"):
    """The customer with ``code`` if ``user`` may see it (else 404) and take ``action`` (else 403)."""
    customer = get_object_or_404(access.visible(user, Customer).select_related("region", "account_manager"), code=code)
    access.reached(user, customer)
    if action != "view":
        access.require(user, action, customer)
        access.reached(user, customer, action)
    return customer


def contacts_of(*, user, customer):
    return access.rows_of(user, Contact, customer).order_by("-is_primary", "name", "id")


def activities_of(*, user, customer):
    return access.rows_of(user, Activity, customer).select_related("created_by").order_by("-occurred_at", "-id")


def find_duplicates(*, name, phone="", uscc="", exclude_pk=None):
    """Alive customers that look like the same company: same USCC, normalised name or phone.

    Searches every customer, not only visible ones: the caller decides what to reveal.
    Returns a list of (customer, reasons).
    """
    condition = Q()
    normalised = normalise_name(name)
    if normalised:
        condition |= Q(name_normalized=normalised)
    phone_key = normalise_phone(phone)
    if phone_key:
        condition |= Q(phone_normalized=phone_key)
    uscc_key = normalise_uscc(uscc)
    if uscc_key:
        condition |= Q(uscc=uscc_key)
    if not condition:
        return []
    candidates = Customer.objects.filter(condition).select_related("account_manager")
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    result = []
    for candidate in candidates[:10]:
        reasons = []
        if uscc_key and candidate.uscc == uscc_key:
            reasons.append("uscc")
        if normalised and candidate.name_normalized == normalised:
            reasons.append("name")
        if phone_key and candidate.phone_normalized == phone_key:
            reasons.append("phone")
        result.append((candidate, reasons))
    return result


def customer_grants(*, customer):
    """Who holds which object permissions on ``customer``: {user: {codename, ...}}, in one query."""
    by_user = {}
    grants = (
        CustomerUserObjectPermission.objects.filter(content_object=customer)
        .select_related("user", "permission")
        .order_by("user__first_name", "user__username")
    )
    for grant in grants:
        by_user.setdefault(grant.user, set()).add(grant.permission.codename)
    return by_user


def customer_audience(*, customer, grants=None):
    """Who can see ``customer`` besides the roles that see every customer: its manager and the
    colleagues it was shared with, as (user, level, is_manager), the manager first.
    ``grants`` is ``customer_grants(customer=customer)`` if the caller has already read it."""
    if grants is None:
        grants = customer_grants(customer=customer)
    people = []
    for person, codenames in grants.items():
        is_manager = person.pk == customer.account_manager_id
        level = "edit" if "change_customer" in codenames else "view"
        people.append((person, level, is_manager))
    people.sort(key=lambda item: (not item[2], display_name(item[0])))
    return people


def recycle_bin(*, user):
    """Deleted customers, for those who may restore them (supervisors, administrators)."""
    deleted = Customer.all_objects.deleted().select_related("account_manager", "deleted_by")
    return access.visible(user, Customer, "restore", rows=deleted).order_by("-deleted_at", "-id")


def follow_ups(*, user, until):
    """Activities with a next follow-up up to ``until`` on customers ``user`` manages or that
    ``user`` recorded, soonest first."""
    return (
        access.visible(user, Activity)
        .filter(Q(customer__account_manager=user) | Q(created_by=user), next_follow_up__lte=until)
        .select_related("customer")
        .order_by("next_follow_up", "id")
    )


# --- loss records -------------------------------------------------------------------------------


def loss_list(*, user):
    """The loss records ``user`` may see (account managers: those of the customers they see),
    newest warning first, with the customer and the manager the list shows."""
    return access.visible(user, LossRecord).select_related("customer", "account_manager").order_by("-raised_at", "-id")


# Counts above the loss list are capped (issue 3: never an exact COUNT of a whole table on every
# page). For those who see every record, each status is counted to LOSS_COUNT_CAP at most, and
# "1,000+" said beyond: a capped count reads at most 1,001 index entries, where counting the
# benchmark's 559,134 records took 1.5 s of SQL. An account manager's records (those of their
# customers: 1,866 of the benchmark's busiest) are read once and grouped, up to
# LOSS_SCOPE_COUNT_CAP of them: exact below it.
LOSS_COUNT_CAP = 1000
LOSS_SCOPE_COUNT_CAP = 10_000


def loss_counts(*, parts, statuses=None, each_status=True):
    """How many records of the union of ``parts`` (disjoint querysets of loss records: the user's
    crm.access.scope_parts, each filtered as the list is) are in each of ``statuses`` (default:
    every status), in one statement: {status: (count, more)}, ``more`` when there are more than
    ``count``.

    ``each_status``: each status counted to LOSS_COUNT_CAP (one capped count per part and status,
    each read from an index in order: for those who see every record); else each part's records
    read once, up to LOSS_SCOPE_COUNT_CAP of them, and grouped by status (an account manager's).
    """
    statuses = list(LossRecord.Status.values if statuses is None else statuses)
    selects, params = [], []
    for number, part in enumerate(parts):
        part = part.order_by()
        try:
            if each_status:
                for status in statuses:
                    capped = part.filter(status=status).values("status")[: LOSS_COUNT_CAP + 1]
                    sql, part_params = capped.query.sql_with_params()
                    selects.append(f"SELECT {number}, MIN(capped.status), COUNT(*) FROM ({sql}) capped")  # noqa: S608
                    params.extend(part_params)
            else:
                capped = part.filter(status__in=statuses).values("status")[: LOSS_SCOPE_COUNT_CAP + 1]
                sql, part_params = capped.query.sql_with_params()
                selects.append(f"SELECT {number}, capped.status, COUNT(*) FROM ({sql}) capped GROUP BY capped.status")  # noqa: S608
                params.extend(part_params)
        except EmptyResultSet:  # a part that can hold nothing (no customer shared): nothing to count
            continue
    rows = []
    if selects:
        with connection.cursor() as cursor:  # the SQL above is Django's, its values passed apart
            cursor.execute(" UNION ALL ".join(selects), params)
            rows = [row for row in cursor.fetchall() if row[1] is not None]  # a capped count of none
    counts = dict.fromkeys(statuses, 0)
    for _number, status, count in rows:
        counts[status] += count
    if each_status:
        return {status: (min(counts[status], LOSS_COUNT_CAP), counts[status] > LOSS_COUNT_CAP) for status in statuses}
    read = {}  # records read of each part: one read only so far may have left some out
    for number, _status, count in rows:
        read[number] = read.get(number, 0) + count
    short = any(count > LOSS_SCOPE_COUNT_CAP for count in read.values())
    return {status: (counts[status], short) for status in statuses}


def loss_record(*, user, pk):
    """The loss record ``pk`` with its customer, if ``user`` may see it; else Http404."""
    return access.get_or_404(user, LossRecord, "view", pk=pk)


def measures_of(*, record):
    """A record's measures (暂缓措施), oldest first, with who recorded them."""
    return record.measures.select_related("created_by").order_by("created_at", "id")


def losses_of_customer(*, user, customer):
    """The loss records of ``customer`` that ``user`` may see, newest first, measures prefetched."""
    measures = LossMeasure.objects.select_related("created_by").order_by("created_at", "id")
    return (
        access.visible(user, LossRecord)
        .filter(customer=customer)
        .select_related("account_manager", "confirmed_by")
        .prefetch_related(Prefetch("measures", queryset=measures))
        .order_by("-raised_at", "-id")
    )


def loss_panel_records(*, user, customer, limit):
    """The newest ``limit`` loss records of ``customer`` that ``user`` may see, each with its
    measures (oldest first) as ``measure_list``, in ONE query: the records LEFT JOINed with their
    measures and the measures' authors (a record without measures comes once, with nulls).

    For the customer 360° page's loss panel, which shares the page's budget of 12 queries with
    every other panel: prefetching the measures would be a query of its own.
    """
    newest = access.rows_of(user, LossRecord, customer).order_by("-raised_at", "-id")
    rows = (
        LossRecord.objects.filter(pk__in=newest.values("pk")[:limit])
        .select_related("account_manager", "confirmed_by")
        .annotate(
            measure_id=F("measures__id"),
            measure_text=F("measures__text"),
            measure_at=F("measures__created_at"),
            author_id=F("measures__created_by_id"),
            author_username=F("measures__created_by__username"),
            author_first_name=F("measures__created_by__first_name"),
            author_last_name=F("measures__created_by__last_name"),
        )
        .order_by("-raised_at", "-id", "measures__created_at", "measures__id")
    )
    records = {}
    User = get_user_model()
    for row in rows:
        record = records.setdefault(row.pk, row)
        if not hasattr(record, "measure_list"):
            record.measure_list = []
        if row.measure_id is not None:
            author = User(
                pk=row.author_id,
                username=row.author_username,
                first_name=row.author_first_name,
                last_name=row.author_last_name,
            )
            measure = LossMeasure(pk=row.measure_id, record=record, text=row.measure_text, created_at=row.measure_at)
            measure.created_by = author
            record.measure_list.append(measure)
    return list(records.values())


def open_losses(*, user):
    """Open records (warning or postponed) of the customers ``user`` manages (an account manager's
    own warnings), oldest last order first; for the dashboard."""
    return (
        access.visible(user, LossRecord)
        .filter(status__in=LossRecord.OPEN, customer__account_manager=user)
        .select_related("customer")
        .order_by(F("last_order_date").asc(nulls_first=True), "id")
    )


# --- reports ------------------------------------------------------------------------------------


def _start_of_day(day):
    """The moment ``day`` begins in the current time zone: a local date range compared with a
    timestamp column as two bounds (its index serves them; ``__date`` would convert every row)."""
    return timezone.make_aware(datetime.combine(day, time.min))


# The composition analysis' dimensions: a customer field each, by name, with its label.
COMPOSITION_DIMENSIONS = {
    "level": gettext_lazy("Level"),
    "credit": gettext_lazy("Credit"),
    "satisfaction": gettext_lazy("Satisfaction"),
}


def _composition_parts(*, user, until):
    """The customers ``user`` may see, entered up to the local date ``until`` if given, as the
    disjoint parts of crm.access.scope_parts: an account manager's own customers (read from the
    account_manager index) and those shared with them (a few ids). One part, visible(), for those
    who see every customer. Counted as one, OR-ed, PostgreSQL scanned the million customers."""
    parts = access.scope_parts(user, Customer)
    if until is not None:
        parts = [part.filter(created_at__lt=_start_of_day(until + timedelta(days=1))) for part in parts]
    return [part.order_by() for part in parts]


def _composition_rows(dimension, counts):
    choices = Level.choices if dimension == "level" else Rating.choices
    rows = [{"value": value, "label": str(label), "count": counts.get(value, 0)} for value, label in choices]
    if dimension != "level":
        rows.append({"value": None, "label": _("Not rated"), "count": counts.get(None, 0)})
    return rows


def composition(*, user, dimension, until=None):
    """How many of the customers ``user`` may see hold each value of ``dimension`` ("level",
    "credit" or "satisfaction": COMPOSITION_DIMENSIONS), counting those entered on or before the
    local date ``until`` if given.

    A list of {"value", "label", "count"}: every choice in choice order (Level for the level,
    Rating for credit and satisfaction), those no customer holds with 0; credit and satisfaction
    end with {"value": None, "label": "Not rated"}. One statement: a GROUP BY of each part of the
    user's scope, UNION ALL (for an account manager, one more reads the ids shared with them).
    Raises ValueError for an unknown dimension (the reports' form offers only these).
    """
    if dimension not in COMPOSITION_DIMENSIONS:
        raise ValueError(f"unknown composition dimension: {dimension!r}")
    grouped = [
        part.values_list(dimension).annotate(count=Count("pk")) for part in _composition_parts(user=user, until=until)
    ]
    counts = {}
    for value, count in grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]:
        counts[value] = counts.get(value, 0) + count
    return _composition_rows(dimension, counts)


def composition_all(*, user, until=None):
    """``composition`` of every dimension at once, {dimension: rows}, for a management report:
    conditional counts in one scan of the customers (per part of the user's scope: one query for
    those who see every customer), instead of one GROUP BY per dimension."""
    conditions = {}
    for dimension in COMPOSITION_DIMENSIONS:
        choices = Level.values if dimension == "level" else [*Rating.values, None]
        for value in choices:
            lookup = {f"{dimension}__isnull": True} if value is None else {dimension: value}
            conditions[(dimension, value)] = Q(**lookup)
    names = {key: f"{key[0]}_{'none' if key[1] is None else key[1]}" for key in conditions}
    counts = dict.fromkeys(conditions, 0)
    for part in _composition_parts(user=user, until=until):
        found = part.aggregate(**{names[key]: Count("pk", filter=condition) for key, condition in conditions.items()})
        for key in conditions:
            counts[key] += found[names[key]]
    return {
        dimension: _composition_rows(
            dimension, {value: count for (name, value), count in counts.items() if name == dimension}
        )
        for dimension in COMPOSITION_DIMENSIONS
    }


def confirmed_losses(*, user, start=None, end=None, q="", manager=None):
    """The confirmed losses (status confirmed) ``user`` may see, confirmed on a local date from
    ``start`` to ``end`` (either None: unbounded), of customers matching the customer list's
    search ``q`` (code, name, pinyin or initials), whose account manager when the warning was
    raised is ``manager`` if given; with the customer, that manager and who confirmed, newest
    confirmation first."""
    records = access.visible(user, LossRecord).filter(status=LossRecord.Status.CONFIRMED)
    if start is not None:
        records = records.filter(confirmed_at__gte=_start_of_day(start))
    if end is not None:
        records = records.filter(confirmed_at__lt=_start_of_day(end + timedelta(days=1)))
    if q:
        records = records.filter(customer__in=Customer.objects.filter(customer_search_q(q)).order_by().values("pk"))
    if manager is not None:
        records = records.filter(account_manager=manager)
    return records.select_related("customer", "account_manager", "confirmed_by").order_by("-confirmed_at", "-id")


def losses_per_month(*, records):
    """How many of ``records`` (loss records, e.g. ``confirmed_losses``) were confirmed in each
    month of the current time zone: [{"month": date (its first day), "count": n}], oldest first,
    months without any left out. One GROUP BY query."""
    return list(
        records.order_by()
        .annotate(month=TruncMonth("confirmed_at", output_field=DateField()))
        .values("month")
        .annotate(count=Count("pk"))
        .values("month", "count")
        .order_by("month")
    )
