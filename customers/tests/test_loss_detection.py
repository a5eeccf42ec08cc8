"""Loss detection (``detect_losses`` and the command, SPEC §4): who gets a warning at the boundary
of N months, month ends, never-ordered customers by their entry time, who is skipped, what a
record keeps, dry runs, idempotence, the printed text, the summary audit row, bad options, the
number of statements, and two runs at once."""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from crm.audit import SYSTEM_USERNAME, system_actor
from crm.testing.concurrency import at_once, needs_postgresql
from customers import actions
from customers.actions import ActionError
from customers.actions.losses import confirm_loss, detect_losses, loss_cutoff, postpone_loss
from customers.models import Customer, LossRecord
from customers.tests.factories import make_customer
from customers.tests.loss_factories import (
    TODAY,
    created_at,
    detect,
    events,
    records_of,
    stale,
    warned,
)

pytestmark = pytest.mark.django_db

CUTOFF = dt.date(2026, 2, 28)  # TODAY (2026-08-31) - 6 months
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def run(*args, language="en"):
    """The real command, its options given as on the command line; returns what it printed."""
    out = io.StringIO()
    with translation.override(language):
        call_command("detect_losses", *args, stdout=out)
    return out.getvalue().strip()


def run_refused(*args):
    with pytest.raises(CommandError) as refused:
        call_command("detect_losses", *args, stdout=io.StringIO())
    return str(refused.value)


def warned_customers():
    return set(LossRecord.objects.values_list("customer__code", flat=True))


# --- the boundary -------------------------------------------------------------------------------


def test_a_last_order_exactly_n_months_ago_raises_no_warning(manager_ann):
    customer = stale(make_customer(manager_ann), CUTOFF)
    found = detect()
    assert (found.cutoff, found.raised) == (CUTOFF, 0)
    assert records_of(customer) == []


def test_a_last_order_a_day_older_than_n_months_raises_a_warning(manager_ann):
    customer = stale(make_customer(manager_ann), CUTOFF - DAY)
    found = detect()
    assert (found.cutoff, found.raised, found.already_open) == (CUTOFF, 1, 0)
    assert records_of(customer) == [("warning", CUTOFF - DAY, "manager_ann")]


def test_a_last_order_a_day_newer_than_n_months_raises_no_warning(manager_ann):
    customer = stale(make_customer(manager_ann), CUTOFF + DAY)
    assert detect().raised == 0
    assert records_of(customer) == []


def test_the_boundary_through_the_command_with_a_fixed_date(manager_ann):
    exactly = stale(make_customer(manager_ann), CUTOFF)
    older = stale(make_customer(manager_ann), CUTOFF - DAY)
    newer = stale(make_customer(manager_ann), CUTOFF + DAY)
    printed = run("--date", "2026-08-31")
    assert "1 new warning raised" in printed and "since 2026-02-28 (6 months)" in printed
    assert warned_customers() == {older.code}
    assert records_of(exactly) == records_of(newer) == []


@pytest.mark.parametrize(
    ("today", "months", "cutoff"),
    [
        (dt.date(2026, 8, 31), 6, dt.date(2026, 2, 28)),  # February lacks the 31st
        (dt.date(2028, 8, 31), 6, dt.date(2028, 2, 29)),  # a leap year has the 29th
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 5, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2027, 1, 15), 6, dt.date(2026, 7, 15)),  # across a year
        (dt.date(2026, 8, 31), 18, dt.date(2025, 2, 28)),
    ],
)
def test_a_month_end_the_earlier_month_lacks_falls_on_its_last_day(today, months, cutoff):
    assert loss_cutoff(months=months, today=today) == cutoff


@pytest.mark.parametrize(
    ("today", "boundary"), [("2028-08-31", dt.date(2028, 2, 29)), ("2026-08-31", dt.date(2026, 2, 28))]
)
def test_at_a_month_end_the_last_day_of_february_is_the_boundary(manager_ann, today, boundary):
    on_it = stale(make_customer(manager_ann), boundary)
    before = stale(make_customer(manager_ann), boundary - DAY)
    printed = run("--date", today)
    assert f"since {boundary.isoformat()} (6 months)" in printed
    assert warned_customers() == {before.code}
    assert records_of(on_it) == []


def test_thirty_first_of_march_minus_one_month_warns_before_the_last_of_february(manager_ann):
    on_it = stale(make_customer(manager_ann), dt.date(2026, 2, 28))
    before = stale(make_customer(manager_ann), dt.date(2026, 2, 27))
    found = detect(today=dt.date(2026, 3, 31), months=1)
    assert (found.cutoff, found.months, found.raised) == (dt.date(2026, 2, 28), 1, 1)
    assert warned_customers() == {before.code}
    assert records_of(on_it) == []


def test_the_months_option_moves_the_boundary(manager_ann):
    two_months = stale(make_customer(manager_ann), dt.date(2026, 6, 29))
    recent = stale(make_customer(manager_ann), dt.date(2026, 6, 30))
    printed = run("--date", "2026-08-31", "--months", "2")
    assert "since 2026-06-30 (2 months)" in printed
    assert warned_customers() == {two_months.code}
    assert records_of(recent) == []


def test_the_loss_after_months_setting_is_the_default(manager_ann, settings):
    settings.LOSS_AFTER_MONTHS = 3
    three_months = stale(make_customer(manager_ann), dt.date(2026, 5, 30))
    recent = stale(make_customer(manager_ann), dt.date(2026, 5, 31))
    printed = run("--date", "2026-08-31")
    assert "since 2026-05-31 (3 months)" in printed
    assert warned_customers() == {three_months.code}
    assert records_of(recent) == []
    [event] = events("detect_losses")
    assert (event.additional_data["months"], event.additional_data["cutoff"]) == (3, "2026-05-31")


def test_without_a_date_the_command_runs_as_of_today(manager_ann):
    customer = stale(make_customer(manager_ann), timezone.localdate() - dt.timedelta(days=400))
    fresh = stale(make_customer(manager_ann), timezone.localdate() - dt.timedelta(days=10))
    printed = run()
    assert f"since {loss_cutoff(months=6).isoformat()}" in printed
    assert warned_customers() == {customer.code}
    assert records_of(fresh) == []


# --- customers who never ordered ------------------------------------------------------------------


def local(*args):
    """A moment on the wall clock of the project's time zone (TIME_ZONE)."""
    return timezone.make_aware(dt.datetime(*args), timezone.get_current_timezone())


@pytest.mark.parametrize(
    ("entered", "warned_expected"),
    [
        (local(2026, 2, 27, 23, 59, 59), True),  # just before the cutoff's first moment
        (local(2026, 2, 28, 0, 0, 0), False),  # at it
        (local(2026, 2, 28, 0, 0, 1), False),  # just after
        (local(2025, 6, 1, 9, 0), True),
        (local(2026, 8, 30, 9, 0), False),
    ],
    ids=["just-before", "at-the-start-of-the-day", "just-after", "long-ago", "yesterday"],
)
def test_a_customer_who_never_ordered_is_warned_by_the_time_they_were_entered(manager_ann, entered, warned_expected):
    customer = created_at(stale(make_customer(manager_ann), None), entered)
    found = detect()
    assert found.raised == int(warned_expected)
    assert records_of(customer) == ([("warning", None, "manager_ann")] if warned_expected else [])


def test_the_entry_time_is_read_on_the_project_time_zones_calendar(manager_ann, settings):
    # 2026-02-27 16:30 UTC is 2026-02-28 00:30 in Shanghai: on the cutoff day there, not before it.
    assert settings.TIME_ZONE == "Asia/Shanghai"
    on_the_day = created_at(stale(make_customer(manager_ann), None), dt.datetime(2026, 2, 27, 16, 30, tzinfo=dt.UTC))
    before = created_at(stale(make_customer(manager_ann), None), dt.datetime(2026, 2, 27, 15, 59, tzinfo=dt.UTC))
    detect()
    assert warned_customers() == {before.code}
    assert records_of(on_the_day) == []


# --- who is skipped -------------------------------------------------------------------------------


def test_a_customer_in_the_recycle_bin_is_not_warned(manager_ann):
    deleted = stale(make_customer(manager_ann))
    actions.delete_customer(actor=manager_ann, customer=deleted)
    kept = stale(make_customer(manager_ann))
    found = detect()
    assert (found.raised, found.already_open) == (1, 0)
    assert warned_customers() == {kept.code}


def test_a_customer_restored_from_the_recycle_bin_is_warned_again(manager_ann):
    customer = stale(make_customer(manager_ann))
    actions.delete_customer(actor=manager_ann, customer=customer)
    assert detect().raised == 0
    actions.restore_customer(actor=manager_ann, customer=customer)
    assert detect().raised == 1
    assert records_of(customer) == [("warning", customer.last_order_date, "manager_ann")]


def test_an_already_lost_customer_is_not_warned(manager_ann):
    lost = stale(make_customer(manager_ann))
    Customer.all_objects.filter(pk=lost.pk).update(status=Customer.Status.LOST)
    found = detect()
    assert (found.raised, found.already_open) == (0, 0)
    assert records_of(lost) == []


@pytest.mark.parametrize("status", ["warning", "postponed"])
def test_a_customer_with_an_open_record_is_skipped_and_counted_as_already_warned(manager_ann, status):
    customer = make_customer(manager_ann)
    record = warned(customer)
    if status == "postponed":
        postpone_loss(actor=manager_ann, record=record, measure="上门拜访")
    found = detect()
    assert (found.raised, found.already_open) == (0, 1)
    assert LossRecord.objects.filter(customer=customer).count() == 1
    assert LossRecord.objects.get(customer=customer).status == status


def test_a_recovered_customer_who_stops_ordering_again_gets_a_new_warning(manager_ann):
    customer = make_customer(manager_ann)
    warned(customer, dt.date(2025, 1, 15))
    actions.record_order_dates(dates={customer.pk: dt.date(2025, 6, 1)})  # an order, still long ago
    assert records_of(customer) == [("recovered", dt.date(2025, 1, 15), "manager_ann")]
    found = detect()
    assert (found.raised, found.already_open) == (1, 0)
    assert records_of(customer) == [
        ("recovered", dt.date(2025, 1, 15), "manager_ann"),
        ("warning", dt.date(2025, 6, 1), "manager_ann"),
    ]


def test_a_customer_whose_loss_was_confirmed_is_lost_and_not_warned_again(manager_ann):
    customer = make_customer(manager_ann)
    confirm_loss(actor=manager_ann, record=warned(customer), reason="客户已转向竞争对手")
    assert Customer.objects.get(pk=customer.pk).status == Customer.Status.LOST
    found = detect()
    assert (found.raised, found.already_open) == (0, 0)
    assert [status for status, *_ in records_of(customer)] == ["confirmed"]


# --- what a record keeps --------------------------------------------------------------------------


def test_the_record_keeps_the_manager_and_last_order_date_of_the_day_it_was_raised(
    manager_ann, manager_bob, superuser_sam
):
    customer = make_customer(manager_ann)
    record = warned(customer, dt.date(2025, 3, 3))
    assert (record.account_manager, record.last_order_date, record.status) == (
        manager_ann,
        dt.date(2025, 3, 3),
        "warning",
    )
    actions.transfer_customers(
        actor=superuser_sam, customers=Customer.objects.filter(pk=customer.pk), to_manager=manager_bob
    )
    customer.refresh_from_db()
    customer.name = "改名后的客户有限公司"
    actions.update_customer(actor=manager_bob, customer=customer)
    Customer.all_objects.filter(pk=customer.pk).update(last_order_date=dt.date(2025, 2, 1))
    stored = LossRecord.objects.get(pk=record.pk)
    assert (stored.account_manager, stored.last_order_date, stored.status) == (
        manager_ann,
        dt.date(2025, 3, 3),
        "warning",
    )
    assert Customer.objects.get(pk=customer.pk).account_manager == manager_bob


def test_a_raised_record_has_its_time_and_nothing_of_a_later_step(manager_ann):
    before = timezone.now()
    record = warned(make_customer(manager_ann))
    assert before <= record.raised_at <= timezone.now()
    assert (record.reason, record.confirmed_at, record.confirmed_by, record.recovered_on) == ("", None, None, None)
    assert list(record.measures.all()) == []


# --- dry run, idempotence, the printed text ----------------------------------------------------


def test_a_dry_run_writes_nothing_and_prints_what_it_would_raise(manager_ann):
    warned(make_customer(manager_ann))
    stale(make_customer(manager_ann))
    stale(make_customer(manager_ann))
    records, audit = list(LossRecord.objects.values()), LogEntry.objects.count()
    printed = run("--date", "2026-08-31", "--dry-run")
    assert printed == (
        "Dry run, nothing written: 2 new warnings would be raised for customers without an order since "
        "2026-02-28 (6 months).\n1 customer skipped: already warned."
    )
    assert list(LossRecord.objects.values()) == records
    assert LogEntry.objects.count() == audit


def test_a_dry_run_of_the_function_returns_the_counts_and_writes_nothing(manager_ann):
    stale(make_customer(manager_ann))
    audit = LogEntry.objects.count()
    found = detect(dry_run=True)
    assert (found.raised, found.already_open, found.dry_run) == (1, 0, True)
    assert LossRecord.objects.count() == 0
    assert LogEntry.objects.count() == audit


def test_running_twice_raises_each_warning_once_and_says_how_many_were_skipped(manager_ann, manager_bob):
    stale(make_customer(manager_ann))
    stale(make_customer(manager_ann))
    stale(make_customer(manager_bob))
    first = run("--date", "2026-08-31")
    second = run("--date", "2026-08-31")
    assert first == (
        "3 new warnings raised for customers without an order since 2026-02-28 (6 months).\n"
        "0 customers skipped: already warned."
    )
    assert second == (
        "0 new warnings raised for customers without an order since 2026-02-28 (6 months).\n"
        "3 customers skipped: already warned."
    )
    assert LossRecord.objects.count() == 3
    assert [event.additional_data["raised"] for event in events("detect_losses")] == [3, 0]


def test_the_command_speaks_chinese(manager_ann):
    stale(make_customer(manager_ann))
    printed = run("--date", "2026-08-31", language="zh-hans")
    assert printed == "已为自 2026-02-28 起（6 个月）没有订单的客户产生 1 条新预警。\n0 个客户已有预警，跳过。"
    dry = run("--date", "2026-08-31", "--dry-run", language="zh-hans")
    assert dry == (
        "试运行，未写入任何数据：将为自 2026-02-28 起（6 个月）没有订单的客户产生 0 条新预警。\n"
        "1 个客户已有预警，跳过。"
    )


def test_the_command_speaks_the_projects_language_by_default(manager_ann, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    stale(make_customer(manager_ann))
    out = io.StringIO()
    translation.deactivate()  # as on the command line: nothing activated, LANGUAGE_CODE applies
    try:
        call_command("detect_losses", "--date", "2026-08-31", stdout=out)
    finally:
        translation.activate("en")
    assert "产生 1 条新预警" in out.getvalue()


# --- the audit row ------------------------------------------------------------------------------


def test_each_run_leaves_exactly_one_summary_audit_row_with_the_system_actor(manager_ann):
    stale(make_customer(manager_ann))
    stale(make_customer(manager_ann))
    before = LogEntry.objects.count()
    run("--date", "2026-08-31")
    assert LogEntry.objects.count() == before + 1
    [event] = events("detect_losses")
    assert event.actor == system_actor()
    assert event.actor.username == SYSTEM_USERNAME and not event.actor.is_active
    assert event.action == LogEntry.Action.ACCESS
    assert event.additional_data == {
        "event": "detect_losses",
        "months": 6,
        "cutoff": "2026-02-28",
        "raised": 2,
        "already_open": 0,
        "actor": {"username": SYSTEM_USERNAME, "name": system_actor().get_full_name()},
    }
    assert event.content_type.model_class() is LossRecord


def test_a_run_that_raises_nothing_still_leaves_its_summary_row(manager_ann):
    run("--date", "2026-08-31")
    [event] = events("detect_losses")
    assert (event.additional_data["raised"], event.additional_data["already_open"]) == (0, 0)


# --- bad options ----------------------------------------------------------------------------------


def test_zero_months_is_refused_by_the_command_and_writes_nothing(manager_ann):
    stale(make_customer(manager_ann))
    audit = LogEntry.objects.count()
    assert "--months must be at least 1" in run_refused("--months", "0")
    assert "--months must be at least 1" in run_refused("--months", "-3")
    assert (LossRecord.objects.count(), LogEntry.objects.count()) == (0, audit)


def test_zero_months_is_refused_by_the_action(manager_ann, settings):
    stale(make_customer(manager_ann))
    with pytest.raises(ActionError, match="The number of months must be at least 1."):
        detect(months=0)
    assert LossRecord.objects.count() == 0


@pytest.mark.parametrize("value", ["2026-02-30", "31.08.2026", "yesterday", ""])
def test_a_bad_date_is_refused_and_writes_nothing(manager_ann, value):
    stale(make_customer(manager_ann))
    audit = LogEntry.objects.count()
    message = run_refused("--date", value)
    assert "--date must be a date like 2026-08-31" in message
    assert (LossRecord.objects.count(), LogEntry.objects.count()) == (0, audit)


def test_a_months_value_that_is_not_a_number_is_refused(manager_ann):
    assert "--months must be at least 1, not 'six'" in run_refused("--months", "six")
    assert LossRecord.objects.count() == 0


@pytest.mark.parametrize(("option", "value"), [("--date", "2026-02-30"), ("--months", "0")])
def test_a_bad_option_on_the_command_line_is_a_one_line_usage_error_not_a_traceback(option, value):
    manage = Path(settings.BASE_DIR) / "manage.py"
    done = subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, str(manage), "detect_losses", option, value],
        capture_output=True,
        text=True,
        env={**os.environ, "LANGUAGE_CODE": "en"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"error: argument {option}: {option} must be" in done.stderr
    assert done.stdout == ""


# --- the number of statements -------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_detection_runs_a_fixed_number_of_statements_whatever_the_number_of_customers(
    manager_ann, manager_bob, django_assert_max_num_queries, count
):
    warned(make_customer(manager_ann))
    for index in range(count):
        stale(make_customer(manager_ann if index % 2 else manager_bob))
    actor = system_actor()
    with django_assert_max_num_queries(6):
        found = detect_losses(actor=actor, today=TODAY)
    assert (found.raised, found.already_open) == (count, 1)
    assert LossRecord.objects.filter(status="warning").count() == count + 1


@pytest.mark.parametrize("count", [3, 30])
def test_a_dry_run_reads_a_fixed_number_of_statements(manager_ann, django_assert_max_num_queries, count):
    for _index in range(count):
        stale(make_customer(manager_ann))
    actor = system_actor()
    with django_assert_max_num_queries(4):
        assert detect_losses(actor=actor, today=TODAY, dry_run=True).raised == count


# --- one open record per customer ---------------------------------------------------------------


def test_the_database_refuses_a_second_open_record_for_a_customer(manager_ann):
    customer = make_customer(manager_ann)
    warned(customer)
    for status in LossRecord.OPEN:
        with pytest.raises(IntegrityError), transaction.atomic():
            LossRecord.objects.create(customer=customer, account_manager=manager_ann, status=status)
    assert LossRecord.objects.filter(customer=customer).count() == 1


def test_the_database_allows_closed_records_beside_an_open_one(manager_ann):
    customer = make_customer(manager_ann)
    warned(customer)
    for status in ("confirmed", "recovered", "recovered"):
        LossRecord.objects.create(customer=customer, account_manager=manager_ann, status=status)
    assert LossRecord.objects.filter(customer=customer).count() == 4


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_raise_each_warning_once(manager_ann, manager_bob):
    customers = [stale(make_customer(manager_ann if index % 2 else manager_bob)) for index in range(20)]
    actor = system_actor()
    outcomes = at_once(
        lambda: detect_losses(actor=actor, today=TODAY),
        lambda: detect_losses(actor=actor, today=TODAY),
    )
    assert [error for _result, error in outcomes] == [None, None]
    raised = [result.raised for result, _error in outcomes]
    assert sum(raised) == 20
    for customer in customers:
        assert LossRecord.objects.filter(customer=customer).count() == 1
    assert sorted(event.additional_data["raised"] for event in events("detect_losses")) == sorted(raised)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_commands_at_once_raise_each_warning_once(manager_ann):
    customers = [stale(make_customer(manager_ann)) for _index in range(5)]
    system_actor()
    outcomes = at_once(lambda: run("--date", "2026-08-31"), lambda: run("--date", "2026-08-31"))
    assert [error for _result, error in outcomes] == [None, None]
    assert LossRecord.objects.filter(customer__in=customers).count() == 5
    assert len(events("detect_losses")) == 2
