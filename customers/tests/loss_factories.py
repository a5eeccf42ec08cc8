"""Loss records made the way production makes them: customers staled in the database (their
``last_order_date`` is the sales import's to move, bypassing audit is fine in setup) and warnings
raised by the real ``detect_losses`` as the system user."""

import datetime as dt

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from crm.audit import system_actor
from customers.actions.losses import detect_losses
from customers.models import Customer, LossMeasure, LossRecord

# A fixed "today" for detection, so the boundary tests don't depend on the day they run.
TODAY = dt.date(2026, 8, 31)
LONG_AGO = dt.date(2025, 1, 15)  # well before TODAY - 6 months


def stale(customer, last_order_date=LONG_AGO):
    """Set ``customer``'s last order date (None: never ordered) without the import."""
    Customer.all_objects.filter(pk=customer.pk).update(last_order_date=last_order_date)
    customer.refresh_from_db()
    return customer


def created_at(customer, moment):
    """Set when ``customer`` was entered (auto_now_add can't be given)."""
    Customer.all_objects.filter(pk=customer.pk).update(created_at=moment)
    customer.refresh_from_db()
    return customer


def detect(today=TODAY, **options):
    """Run the real detection as the command does (system actor)."""
    return detect_losses(actor=system_actor(), today=today, **options)


def warned(customer, last_order_date=LONG_AGO):
    """``customer`` staled and warned: its open record."""
    stale(customer, last_order_date)
    detect()
    return LossRecord.objects.get(customer=customer, status__in=LossRecord.OPEN)


def stored(record):
    return LossRecord.objects.get(pk=record.pk)


def records_of(customer):
    """(status, last_order_date, account manager's username) of each record, oldest first."""
    return [
        (record.status, record.last_order_date, record.account_manager.username)
        for record in LossRecord.objects.filter(customer=customer).select_related("account_manager").order_by("id")
    ]


def events(name):
    """The summary audit rows of ``name`` ("detect_losses", "recover_losses"), oldest first."""
    return list(LogEntry.objects.filter(additional_data__event=name).select_related("actor").order_by("id"))


def audit_rows(instance):
    """(action, actor's username, changed field names) of ``instance``'s own audit rows, oldest first."""
    rows = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)), object_id=instance.pk
    ).order_by("id")
    return [(row.action, row.actor.username if row.actor else None, set(row.changes_dict)) for row in rows]


def everything():
    """Every loss record and measure, every customer, and the number of audit rows, as stored."""
    return (
        list(LossRecord.objects.order_by("pk").values()),
        list(LossMeasure.objects.order_by("pk").values()),
        list(Customer.all_objects.order_by("pk").values()),
        LogEntry.objects.count(),
    )
