"""seed_demo's loss records: detection runs after the sales demo imported the orders, and the demo
shows every status a loss goes through before the final ones, once."""

import io

from auditlog.models import LogEntry
from django.core.management import call_command

from customers import selectors
from customers.actions.losses import detect_losses
from customers.demo import LOSS_MEASURES, LOSS_REASONS
from customers.models import Customer, LossMeasure, LossRecord

Status = LossRecord.Status


def _seed(customers=20):
    out = io.StringIO()
    call_command("seed_demo", customers=customers, stdout=out)
    return out.getvalue()


def _snapshot():
    return (
        list(LossRecord.objects.order_by("pk").values_list("pk", "status", "reason", "updated_at")),
        list(LossMeasure.objects.order_by("pk").values_list("pk", "text", "created_at")),
        list(Customer.all_objects.order_by("pk").values_list("pk", "status", "updated_at")),
        LogEntry.objects.count(),
    )


def test_demo_has_warnings_postponed_and_confirmed_losses_by_the_customers_managers(db):
    output = _seed()
    statuses = set(LossRecord.objects.values_list("status", flat=True))
    assert {Status.WARNING, Status.POSTPONED, Status.CONFIRMED} <= statuses
    # Every stale customer was warned: detection afterwards finds nothing new.
    assert detect_losses(actor=None, dry_run=True).raised == 0
    raised = LossRecord.objects.count()
    postponed = LossRecord.objects.filter(status=Status.POSTPONED)
    confirmed = LossRecord.objects.filter(status=Status.CONFIRMED).select_related("customer")
    assert f"Losses: {raised} warnings raised, {postponed.count()} postponed, {confirmed.count()} confirmed." in output
    # Measures are the demo's Chinese texts, written by the customer's account manager.
    measures = list(LossMeasure.objects.select_related("record__customer"))
    assert {measure.record.status for measure in measures} == {Status.POSTPONED}
    assert all(measure.text in LOSS_MEASURES for measure in measures)
    assert all(measure.created_by_id == measure.record.customer.account_manager_id for measure in measures)
    assert any(record.measures.count() >= 2 for record in postponed)
    # Confirmed with a reason, by the manager; the customer is lost.
    for record in confirmed:
        assert record.reason in LOSS_REASONS
        assert record.confirmed_by_id == record.customer.account_manager_id and record.confirmed_at
        assert record.customer.status == Customer.Status.LOST
    # The run is in the history as the system user's.
    entry = LogEntry.objects.get(additional_data__event="detect_losses")
    assert entry.actor.username == "system" and entry.additional_data["raised"] == raised


def test_each_demo_account_manager_with_stale_customers_keeps_an_open_warning(db):
    _seed()
    managers = list(selectors.account_managers())
    with_losses = [manager for manager in managers if LossRecord.objects.filter(account_manager=manager).exists()]
    assert {manager.username for manager in with_losses} >= {"ann", "bob"}
    for manager in with_losses:
        own = selectors.open_losses(user=manager)
        assert own.filter(status=Status.WARNING).exists(), manager.username


def test_seeding_the_demo_again_adds_no_loss_records_and_changes_nothing(db):
    _seed()
    before = _snapshot()
    output = _seed()
    assert f"Losses: {len(before[0])} records present, skipped." in output
    assert _snapshot() == before


def test_demo_without_customers_raises_no_losses_and_writes_no_history(db):
    assert "Losses: no customer without recent orders, skipped." in _seed(customers=0)
    assert not LossRecord.objects.exists()
    assert not LogEntry.objects.filter(additional_data__event="detect_losses").exists()
