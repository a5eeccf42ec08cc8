"""Loss handling (SPEC §4): raise warnings for customers who stopped ordering, postpone a loss
with a measure, confirm it. Recovery by a new order is recorded where the sales import moves
``last_order_date`` (customers.actions.record_order_dates, through recover_losses below).

Detection reads customers alone (``last_order_date`` is kept current by the import), in one
set-based statement; postponing and confirming lock the customer, then the record, re-read them
and check the state inside the transaction, so two people acting at once are served one after
the other. A refused step raises ``ActionError`` with a message for the user; nothing is written.
"""

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.fields import CharField, DateTimeField, TextField
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.audit import audited_action, record_bulk_event
from customers import rules
from customers.actions import ActionError
from customers.models import Customer, LossMeasure, LossRecord

Status = LossRecord.Status


@dataclass(frozen=True)
class Detection:
    """What one run of detect_losses found: customers without an order since ``cutoff``."""

    cutoff: dt.date
    months: int
    raised: int  # new warnings (in a dry run: warnings it would raise)
    already_open: int  # customers past the cutoff who have an open record already: skipped
    dry_run: bool


def loss_cutoff(*, months=None, today=None):
    """The day before which a customer's last order (or, if they never ordered, their creation)
    means a loss warning: ``months`` (default LOSS_AFTER_MONTHS) before ``today``. A month end
    that the earlier month lacks falls on its last day (31 August - 6 months = 28/29 February)."""
    months = settings.LOSS_AFTER_MONTHS if months is None else months
    return (today or timezone.localdate()) - relativedelta(months=months)


def _start_of(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def stale_customers(*, cutoff):
    """Active customers, not in the recycle bin, whose last order is older than ``cutoff`` or who
    never ordered and were entered before it (the customer_last_order_idx index serves it)."""
    return Customer.objects.filter(status=Customer.Status.ACTIVE).filter(
        Q(last_order_date__lt=cutoff) | Q(last_order_date__isnull=True, created_at__lt=_start_of(cutoff))
    )


def _has_open_record():
    return Exists(LossRecord.objects.filter(customer=OuterRef("pk"), status__in=LossRecord.OPEN))


@audited_action
def detect_losses(*, actor, months=None, today=None, dry_run=False):
    """Raise a warning (预警) for every stale customer (stale_customers) without an open record,
    keeping the customer's account manager and last order date of today. Returns a Detection.

    One INSERT … SELECT over the customers, whatever their number; the partial unique
    constraint (one open record a customer) lets a second run — or one running at the same
    time — raise nothing twice (ON CONFLICT DO NOTHING). The rows bypass auditlog: the run
    leaves one summary audit row naming ``actor`` (the command's system user). ``dry_run``
    counts and writes nothing.
    """
    months = settings.LOSS_AFTER_MONTHS if months is None else months
    if months < 1:
        raise ActionError(_("The number of months must be at least 1."))
    cutoff = loss_cutoff(months=months, today=today)
    stale = stale_customers(cutoff=cutoff).order_by()
    already_open = stale.filter(_has_open_record()).count()
    if dry_run:
        raised = stale.exclude(_has_open_record()).count()
        return Detection(cutoff, months, raised, already_open, dry_run=True)
    now = timezone.now()
    rows = (
        stale.exclude(_has_open_record())
        .annotate(
            loss_status=Value(Status.WARNING.value, output_field=CharField()),
            loss_reason=Value("", output_field=CharField()),
            loss_raised_at=Value(now, output_field=DateTimeField()),
            loss_updated_at=Value(now, output_field=DateTimeField()),
        )
        .values("pk", "account_manager", "last_order_date", *_ANNOTATED)
    )
    select, params = rows.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(name) for name in _insert_columns(rows))
    table = connection.ops.quote_name(LossRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select} ON CONFLICT DO NOTHING", params)
        raised = max(cursor.rowcount, 0)
    if raised >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # A table that grew by thousands of rows at once has no statistics for them until
        # autovacuum comes by: the next run's plan (and the list's) would expect a few rows and
        # probe the index once per row (a second run at a million customers: 6.7 s instead of 3).
        transaction.on_commit(_analyze)
    record_bulk_event(
        event="detect_losses",
        actor=actor,
        model=LossRecord,
        details={"months": months, "cutoff": cutoff.isoformat(), "raised": raised, "already_open": already_open},
    )
    return Detection(cutoff, months, raised, already_open, dry_run=False)


# Past this many new warnings, detect_losses has PostgreSQL analyse the table once it committed.
ANALYZE_AFTER = 10_000


def _analyze():
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(LossRecord._meta.db_table)}")


# The SELECT's annotations, by the LossRecord column each fills.
_ANNOTATED = ("loss_status", "loss_reason", "loss_raised_at", "loss_updated_at")
_COLUMNS = {
    "pk": "customer_id",
    "account_manager": "account_manager_id",
    "last_order_date": "last_order_date",
    "loss_status": "status",
    "loss_reason": "reason",
    "loss_raised_at": "raised_at",
    "loss_updated_at": "updated_at",
}


def _insert_columns(rows):
    """The LossRecord columns in the order the compiled SELECT lists its values: the model's
    fields (values_select), then the annotations."""
    names = [*rows.query.values_select, *rows.query.annotation_select]
    names = ["pk" if name == "id" else name for name in names]
    return [_COLUMNS[name] for name in names]


def recover_losses(*, customer_ids, actor=None):
    """Mark recovered (已挽回) the open records of ``customer_ids`` whose customer has an order newer
    than the record's last order date (any order, if the customer had none), dated by that order.

    Called by record_order_dates after it moved the customers' ``last_order_date`` forward, in the
    same set-based way: one UPDATE per 2,000 customers, which bypasses auditlog, and one summary
    audit row naming the recovered customers and ``actor``, the import's (None: whoever acts around
    the call, see crm.audit.acting_as). Returns how many recovered.
    """
    newest = Customer.all_objects.filter(pk=OuterRef("customer_id")).values("last_order_date")[:1]
    ids, codes, recovered = sorted(customer_ids), [], 0
    for start in range(0, len(ids), RECOVER_BATCH):
        records = LossRecord.objects.filter(
            customer_id__in=ids[start : start + RECOVER_BATCH], status__in=LossRecord.OPEN
        ).filter(Q(last_order_date__isnull=True) | Q(last_order_date__lt=Subquery(newest)))
        found = list(records.values_list("customer__code", flat=True))
        if found:
            codes.extend(found)
            recovered += records.update(
                status=Status.RECOVERED, recovered_on=Subquery(newest), updated_at=timezone.now()
            )
    if recovered:
        record_bulk_event(
            event="recover_losses", actor=actor, model=LossRecord, details={"rows": recovered, "codes": sorted(codes)}
        )
    return recovered


# Customers per UPDATE of recover_losses (an IN list SQLite and PostgreSQL take without strain).
RECOVER_BATCH = 2000


def _locked(record, actor):
    """The record and its customer as stored now, locked (customer first, as the sales import
    locks them) until the transaction ends. A record ``actor`` can't see is refused as missing."""
    customer = Customer.objects.select_for_update().filter(pk=record.customer_id).first()
    locked = LossRecord.objects.select_for_update().filter(pk=record.pk).first()
    if customer is None or locked is None or not access.visible(actor, LossRecord).filter(pk=locked.pk).exists():
        raise ActionError(_("This loss record no longer exists."))
    locked.customer = customer
    return locked


def _check_step(record, actor, status):
    if not record.can_move_to(status):
        raise ActionError(
            _("This loss record is %(status)s: it can no longer be changed.") % {"status": record.get_status_display()}
        )
    if not rules.may_act_on_loss(actor, record):
        raise ActionError(_("Only the customer's account manager or a supervisor may postpone or confirm this loss."))


def _validate(instance, exclude=()):
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
        # A TextField's max_length binds only forms: Django's model validation doesn't check it.
        for field in instance._meta.get_fields():
            if isinstance(field, TextField) and field.max_length and field.name not in exclude:
                MaxLengthValidator(field.max_length)(getattr(instance, field.attname))
    except ValidationError as error:
        raise ActionError(" ".join(error.messages)) from None


@audited_action
def postpone_loss(*, actor, record, measure):
    """Postpone (暂缓流失) an open loss: append ``measure``, what is done to keep the customer, as a
    row of its own; the record's status becomes postponed. May repeat. The customer's account
    manager or a supervisor; raises ActionError otherwise, for a final record or an empty measure."""
    record = _locked(record, actor)
    _check_step(record, actor, Status.POSTPONED)
    text = (measure or "").strip()
    if not text:
        raise ActionError(_("Describe the measure taken to keep the customer."))
    row = LossMeasure(record=record, text=text, created_by=actor, created_at=timezone.now())
    _validate(row, exclude=["record", "created_by"])
    row.save()
    if record.status != Status.POSTPONED:
        record.status = Status.POSTPONED
        record.save(update_fields=["status", "updated_at"])
    return record


@audited_action
def confirm_loss(*, actor, record, reason):
    """Confirm (确认流失) the loss: the record becomes lost (final) with ``reason`` (required) and the
    time and person, and the customer's status becomes lost, in one locked transaction. The
    customer's account manager or a supervisor; raises ActionError otherwise, for a final record
    or a missing reason."""
    record = _locked(record, actor)
    _check_step(record, actor, Status.CONFIRMED)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("Give the reason for the loss."))
    record.status = Status.CONFIRMED
    record.reason = reason
    record.confirmed_at = timezone.now()
    record.confirmed_by = actor
    _validate(record, exclude=["customer", "account_manager", "confirmed_by"])
    record.save(update_fields=["status", "reason", "confirmed_at", "confirmed_by", "updated_at"])
    customer = record.customer
    customer.status = Customer.Status.LOST
    customer.save(update_fields=["status", "updated_at"])
    return record
