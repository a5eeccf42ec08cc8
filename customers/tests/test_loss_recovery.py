"""Recovery (SPEC §4): a new order brought in by the real ``import_sales`` command marks the open
loss record of its customer recovered (已挽回), dated by that order, in one set-based statement
with one summary audit row; older orders, closed records, dry runs and rejected files change
nothing."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.utils import translation

from crm.audit import SYSTEM_USERNAME, acting_as, system_actor
from crm.testing.concurrency import at_once, needs_postgresql
from customers import actions
from customers.actions import ActionError
from customers.actions.losses import confirm_loss, postpone_loss
from customers.models import Customer, LossRecord
from customers.tests.factories import make_customer
from customers.tests.loss_factories import LONG_AGO, created_at, detect, events, records_of, stale, stored, warned
from sales.tests.factories import DEFAULTS, write_csv

pytestmark = pytest.mark.django_db

ORDER_COLUMNS = ["order_no", "customer_code", "order_date", "delivery_address", "status"]
NEW_ORDER = dt.date(2026, 8, 20)


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def orders_file(folder, *orders):
    """An orders.csv of the sales system: (order number, customer, order date) each."""
    rows = [
        {**DEFAULTS["orders"], "order_no": number, "customer_code": customer.code, "order_date": day.isoformat()}
        for number, customer, day in orders
    ]
    return write_csv(folder / "orders.csv", ORDER_COLUMNS, rows)


def import_sales(path, *options):
    """The real command on ``path``; returns what it printed."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_sales", str(path), *options, stdout=out, stderr=err)
    return out.getvalue()


def recovery(record):
    after = stored(record)
    return after.status, after.recovered_on


# --- a new order recovers an open record --------------------------------------------------------


def test_a_new_order_recovers_a_warned_customer_dated_by_that_order(tmp_path, manager_ann):
    customer = make_customer(manager_ann, name="安诚贸易有限公司")
    record = warned(customer, LONG_AGO)
    printed = import_sales(orders_file(tmp_path, ("SO-1", customer, NEW_ORDER)))
    assert "1 customer's last order date moved" in printed
    assert recovery(record) == (LossRecord.Status.RECOVERED, NEW_ORDER)
    after = stored(record)
    assert (after.last_order_date, after.account_manager, after.reason, after.confirmed_at) == (
        LONG_AGO,
        manager_ann,
        "",
        None,
    )
    assert Customer.objects.get(pk=customer.pk).last_order_date == NEW_ORDER


def test_a_postponed_record_is_recovered_too_and_keeps_its_measures(tmp_path, manager_ann):
    customer = make_customer(manager_ann)
    record = warned(customer)
    postpone_loss(actor=manager_ann, record=record, measure="上门拜访")
    import_sales(orders_file(tmp_path, ("SO-1", customer, NEW_ORDER)))
    assert recovery(record) == (LossRecord.Status.RECOVERED, NEW_ORDER)
    assert list(record.measures.values_list("text", flat=True)) == ["上门拜访"]


def test_recovery_is_dated_by_the_newest_of_the_customers_new_orders(tmp_path, manager_ann):
    customer = make_customer(manager_ann)
    record = warned(customer)
    import_sales(
        orders_file(
            tmp_path,
            ("SO-1", customer, dt.date(2026, 7, 1)),
            ("SO-2", customer, NEW_ORDER),
            ("SO-3", customer, dt.date(2026, 5, 5)),
        )
    )
    assert recovery(record) == (LossRecord.Status.RECOVERED, NEW_ORDER)


def test_one_import_recovers_many_customers_and_leaves_one_summary_row_with_the_system_actor(
    tmp_path, manager_ann, manager_bob
):
    warning = make_customer(manager_ann)
    postponed = make_customer(manager_bob)
    untouched = make_customer(manager_ann)
    for customer in (warning, postponed, untouched):
        stale(customer)
    detect()
    postpone_loss(actor=manager_bob, record=LossRecord.objects.get(customer=postponed), measure="电话回访")
    audit_before = LogEntry.objects.count()
    import_sales(orders_file(tmp_path, ("SO-1", warning, NEW_ORDER), ("SO-2", postponed, dt.date(2026, 8, 1))))
    assert [status for status, *_ in records_of(warning)] == ["recovered"]
    assert [status for status, *_ in records_of(postponed)] == ["recovered"]
    assert [status for status, *_ in records_of(untouched)] == ["warning"]
    assert LossRecord.objects.get(customer=postponed).recovered_on == dt.date(2026, 8, 1)
    [event] = events("recover_losses")
    assert event.actor == system_actor() and event.actor.username == SYSTEM_USERNAME
    assert event.action == LogEntry.Action.ACCESS and event.content_type.model_class() is LossRecord
    assert event.additional_data["rows"] == 2
    assert event.additional_data["codes"] == sorted([warning.code, postponed.code])
    # the import's own summary row and the recovery's, nothing per record
    assert LogEntry.objects.count() == audit_before + 2
    assert [entry.additional_data["event"] for entry in LogEntry.objects.filter(pk__gt=0).order_by("-id")[:2]] == [
        "import",
        "recover_losses",
    ]


def test_the_recovery_row_names_the_actor_it_is_given(manager_ann, superuser_sam):
    customer = make_customer(manager_ann)
    warned(customer)
    actions.record_order_dates(dates={customer.pk: NEW_ORDER}, actor=superuser_sam)
    [event] = events("recover_losses")
    assert (event.actor, event.additional_data["codes"]) == (superuser_sam, [customer.code])


def test_without_an_actor_the_recovery_row_names_whoever_acts_around_it(manager_ann, superuser_sam):
    customer = make_customer(manager_ann)
    warned(customer)
    with acting_as(superuser_sam):
        actions.record_order_dates(dates={customer.pk: NEW_ORDER})
    [event] = events("recover_losses")
    assert event.actor == superuser_sam


def test_a_customer_who_never_ordered_is_recovered_by_any_order(tmp_path, manager_ann):
    customer = created_at(make_customer(manager_ann), dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC))
    record = warned(customer, None)
    assert stored(record).last_order_date is None
    import_sales(orders_file(tmp_path, ("SO-1", customer, dt.date(2020, 1, 1))))
    assert recovery(record) == (LossRecord.Status.RECOVERED, dt.date(2020, 1, 1))


def test_a_recovered_customer_is_warned_again_only_when_stale_again(tmp_path, manager_ann):
    customer = make_customer(manager_ann)
    warned(customer)
    import_sales(orders_file(tmp_path, ("SO-1", customer, NEW_ORDER)))
    assert detect().raised == 0  # the new order is recent: no new warning
    assert [status for status, *_ in records_of(customer)] == ["recovered"]


# --- what a new order doesn't recover ------------------------------------------------------------


@pytest.mark.parametrize("day", [LONG_AGO, LONG_AGO - dt.timedelta(days=1), dt.date(2024, 12, 31)])
def test_an_order_not_newer_than_the_records_last_order_recovers_nothing(tmp_path, manager_ann, day):
    customer = make_customer(manager_ann)
    record = warned(customer, LONG_AGO)
    import_sales(orders_file(tmp_path, ("SO-1", customer, day)))
    assert recovery(record) == (LossRecord.Status.WARNING, None)
    assert Customer.objects.get(pk=customer.pk).last_order_date == LONG_AGO
    assert events("recover_losses") == []


def test_an_order_of_another_customer_recovers_nothing(tmp_path, manager_ann):
    warned_customer = make_customer(manager_ann)
    other = make_customer(manager_ann)
    record = warned(warned_customer)
    import_sales(orders_file(tmp_path, ("SO-1", other, NEW_ORDER)))
    assert recovery(record) == (LossRecord.Status.WARNING, None)
    assert events("recover_losses") == []


def test_a_confirmed_record_is_not_touched_by_a_new_order(tmp_path, manager_ann):
    customer = make_customer(manager_ann)
    record = confirm_loss(actor=manager_ann, record=warned(customer), reason="客户已转向竞争对手")
    before = LossRecord.objects.filter(pk=record.pk).values().get()
    import_sales(orders_file(tmp_path, ("SO-1", customer, NEW_ORDER)))
    assert LossRecord.objects.filter(pk=record.pk).values().get() == before
    assert Customer.all_objects.get(pk=customer.pk).last_order_date == NEW_ORDER
    assert events("recover_losses") == []


def test_an_already_recovered_record_keeps_its_date_when_another_order_comes(tmp_path, manager_ann):
    customer = make_customer(manager_ann)
    record = warned(customer)
    import_sales(orders_file(tmp_path, ("SO-1", customer, dt.date(2026, 8, 1))))
    (tmp_path / "later").mkdir()
    import_sales(orders_file(tmp_path / "later", ("SO-2", customer, NEW_ORDER)))
    assert recovery(record) == (LossRecord.Status.RECOVERED, dt.date(2026, 8, 1))
    assert len(events("recover_losses")) == 1


def test_a_dry_run_import_recovers_nothing(tmp_path, manager_ann):
    customer = make_customer(manager_ann)
    record = warned(customer)
    audit = LogEntry.objects.count()
    printed = import_sales(orders_file(tmp_path, ("SO-1", customer, NEW_ORDER)), "--dry-run")
    assert "dry run: nothing was written" in printed
    assert recovery(record) == (LossRecord.Status.WARNING, None)
    assert Customer.objects.get(pk=customer.pk).last_order_date == LONG_AGO
    assert LogEntry.objects.count() == audit


def test_a_rejected_import_recovers_nothing(tmp_path, manager_ann):
    customer = make_customer(manager_ann)
    record = warned(customer)
    path = orders_file(tmp_path, ("SO-1", customer, NEW_ORDER))
    with path.open("a", encoding="utf-8") as handle:
        handle.write("SO-2,KH-NO-SUCH-CUSTOMER,2026-08-21,北京,unpaid\n")
    audit = LogEntry.objects.count()
    with pytest.raises(CommandError, match="rejected: orders.csv"):
        import_sales(path)
    assert recovery(record) == (LossRecord.Status.WARNING, None)
    assert LogEntry.objects.count() == audit


def test_an_order_of_a_customer_in_the_recycle_bin_recovers_its_record_as_it_moves_their_date(tmp_path, manager_ann):
    # The import keeps the mirror whole (deleted customers' orders too) and moves their date; the
    # record follows the date, so a customer restored later isn't shown lost despite the order.
    customer = make_customer(manager_ann)
    record = warned(customer)
    actions.delete_customer(actor=manager_ann, customer=customer)
    import_sales(orders_file(tmp_path, ("SO-1", customer, NEW_ORDER)))
    assert Customer.all_objects.get(pk=customer.pk).last_order_date == NEW_ORDER
    assert recovery(record) == (LossRecord.Status.RECOVERED, NEW_ORDER)
    actions.restore_customer(actor=manager_ann, customer=customer)
    assert detect().raised == 0


# --- the number of statements ---------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_recovery_runs_a_fixed_number_of_statements_whatever_the_number_of_customers(
    manager_ann, django_assert_max_num_queries, count
):
    customers = [stale(make_customer(manager_ann)) for _index in range(count)]
    detect()
    dates = {customer.pk: NEW_ORDER for customer in customers}
    with django_assert_max_num_queries(5):
        assert actions.record_order_dates(dates=dates) == count
    assert LossRecord.objects.filter(status=LossRecord.Status.RECOVERED, recovered_on=NEW_ORDER).count() == count
    [event] = events("recover_losses")
    assert event.additional_data["rows"] == count


@pytest.mark.parametrize("count", [3, 30])
def test_an_import_that_recovers_many_customers_runs_a_bounded_number_of_statements(
    tmp_path, manager_ann, django_assert_max_num_queries, count
):
    customers = [stale(make_customer(manager_ann)) for _index in range(count)]
    detect()
    path = orders_file(tmp_path, *((f"SO-{index}", customer, NEW_ORDER) for index, customer in enumerate(customers)))
    system_actor()
    # 16, and 5 for the month totals the import keeps (sales.actions.refresh_customer_totals: a
    # savepoint, the customers locked, their months deleted and inserted again).
    with django_assert_max_num_queries(16 + 5):
        import_sales(path)
    assert LossRecord.objects.filter(status=LossRecord.Status.RECOVERED).count() == count


# --- a recovery and a step taken at the same moment (PostgreSQL) ----------------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("step", ["confirm", "postpone"])
def test_an_import_and_a_step_at_once_end_consistently(tmp_path, manager_ann, step):
    customer = make_customer(manager_ann)
    page = warned(customer)  # the manager opened the record while it was a warning
    path = orders_file(tmp_path, ("SO-1", customer, NEW_ORDER))
    system_actor()
    if step == "confirm":
        act = lambda: confirm_loss(actor=manager_ann, record=page, reason="客户已转向竞争对手")  # noqa: E731
    else:
        act = lambda: postpone_loss(actor=manager_ann, record=page, measure="上门拜访")  # noqa: E731
    (_printed, import_error), (_result, step_error) = at_once(lambda: import_sales(path), act)
    assert import_error is None  # the import never fails for a loss record's sake
    after = stored(page)
    assert Customer.all_objects.get(pk=customer.pk).last_order_date == NEW_ORDER
    if step_error is None and step == "confirm":  # the confirmation came first: final, not recovered
        assert (after.status, after.recovered_on) == (LossRecord.Status.CONFIRMED, None)
        assert events("recover_losses") == []
    else:  # recovered by the order (a postponement before it keeps its measure)
        assert (after.status, after.recovered_on) == (LossRecord.Status.RECOVERED, NEW_ORDER)
        [event] = events("recover_losses")
        assert event.additional_data["codes"] == [customer.code]
        if step_error is not None:  # the import came first: the step was refused
            assert isinstance(step_error, ActionError) and "Recovered" in str(step_error)
            assert list(after.measures.all()) == []
        else:
            assert list(after.measures.values_list("text", flat=True)) == ["上门拜访"]


def test_an_import_outside_the_command_names_the_system_user_on_the_recovery_row(tmp_path, manager_ann):
    # sales/demo.py and any future upload page call the import function itself, with no actor
    # around it: the recovery row names the same user as the import's own row.
    from sales.actions import import_sales_file

    customer = make_customer(manager_ann)
    warned(customer)
    import_sales_file(path=orders_file(tmp_path, ("SO-1", customer, NEW_ORDER)))
    [event] = events("recover_losses")
    assert event.actor == system_actor()
    assert event.additional_data["codes"] == [customer.code]


def test_recovery_in_batches_leaves_one_summary_row_for_the_whole_import(manager_ann, monkeypatch):
    from customers.actions import losses

    monkeypatch.setattr(losses, "RECOVER_BATCH", 2)  # five customers: three UPDATEs
    customers = [make_customer(manager_ann) for _ in range(5)]
    records = [warned(customer) for customer in customers]
    with acting_as(system_actor()):
        moved = actions.record_order_dates(dates={customer.pk: NEW_ORDER for customer in customers})
    assert moved == 5
    assert [recovery(record) for record in records] == [(LossRecord.Status.RECOVERED, NEW_ORDER)] * 5
    [event] = events("recover_losses")
    assert event.additional_data["rows"] == 5
    assert event.additional_data["codes"] == sorted(customer.code for customer in customers)
