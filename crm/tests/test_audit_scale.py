"""The audit page at millions of rows (bench/README.md): its indexes (crm/migrations/0004), an
order the indexes serve, date filters on the timestamp itself, rows drawn in Python."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.utils import timezone

from crm.audit import record_bulk_event
from crm.tables import AuditLogTable, ExportLogTable
from customers.models import Customer

INDEXES = {"auditlog_time_id_idx", "auditlog_actor_time_idx", "auditlog_type_time_idx", "auditlog_action_time_idx"}


def test_the_audit_log_has_its_indexes(db):
    with connection.cursor() as cursor:
        names = set(connection.introspection.get_constraints(cursor, "auditlog_logentry"))
    expected = INDEXES | ({"auditlog_event_time_idx"} if connection.vendor == "postgresql" else set())
    assert expected <= names


@pytest.mark.parametrize("table", [AuditLogTable, ExportLogTable])
def test_every_column_of_the_audit_tables_has_a_cell(table):
    assert list(table([]).cell_renderers()) == list(table.Meta.fields)


def exports_at(admin, *moments):
    """One export audit row at each moment; their ids in that order."""
    ids = []
    for moment in moments:
        record_bulk_event(event="export", actor=admin, model=Customer, details={"rows": 1})
        entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("pk")
        LogEntry.objects.filter(pk=entry.pk).update(timestamp=moment)
        ids.append(entry.pk)
    return ids


def page_ids(client, admin, query):
    """The ids of the audit page's export rows (the login's own row left out), as listed."""
    client.force_login(admin)
    response = client.get("/audit/", {"action": "export", **query})
    assert response.status_code == 200
    return [row.record.pk for row in response.context["table"].paginated_rows]


def test_date_filters_take_whole_local_days(client, admin):
    LogEntry.objects.all().delete()
    day = dt.date(2025, 3, 10)
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    before, first, last, after = exports_at(
        admin,
        midnight - dt.timedelta(microseconds=1),
        midnight,
        midnight + dt.timedelta(days=1, microseconds=-1),
        midnight + dt.timedelta(days=1),
    )

    assert page_ids(client, admin, {"date_from": "2025-03-10", "date_to": "2025-03-10"}) == [last, first]
    assert page_ids(client, admin, {"date_from": "2025-03-11"}) == [after]
    assert page_ids(client, admin, {"date_to": "2025-03-09"}) == [before]


def test_rows_of_the_same_instant_come_newest_id_first(client, admin):
    LogEntry.objects.all().delete()
    moment = timezone.make_aware(dt.datetime(2025, 3, 10, 9, 30))
    older = timezone.make_aware(dt.datetime(2025, 3, 9, 9, 30))
    first, second, third = exports_at(admin, moment, moment, older)

    assert page_ids(client, admin, {}) == [second, first, third]
    assert page_ids(client, admin, {"sort": "timestamp"}) == [third, first, second]


@pytest.mark.parametrize("table", [AuditLogTable, ExportLogTable])
def test_the_audit_tables_sort_by_time_alone(table):
    assert [column.name for column in table([]).columns if column.orderable] == ["timestamp"]


def test_a_sort_by_another_column_is_ignored(client, admin):
    LogEntry.objects.all().delete()
    first, second = exports_at(admin, timezone.now() - dt.timedelta(days=2), timezone.now() - dt.timedelta(days=1))

    assert page_ids(client, admin, {"sort": "actor"}) == [second, first]
