"""Postponing and confirming a loss (SPEC §4): the resulting state, the measure rows, the audit
rows naming the actor, one transaction for the record and the customer, every refusal (nothing
changed), and two people acting at once on PostgreSQL."""

import contextlib
import re

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, IntegrityError, connection
from django.utils import timezone, translation

from crm.testing.concurrency import at_once, needs_postgresql
from customers import actions
from customers.actions import ActionError
from customers.actions.losses import confirm_loss, postpone_loss
from customers.models import Customer, LossMeasure, LossRecord
from customers.tests.factories import make_customer, share
from customers.tests.loss_factories import audit_rows, everything, stored, warned

pytestmark = pytest.mark.django_db

CREATE, UPDATE = LogEntry.Action.CREATE, LogEntry.Action.UPDATE
GONE = "This loss record no longer exists."
NOT_YOURS = "Only the customer's account manager or a supervisor may postpone or confirm this loss."
FINAL = "it can no longer be changed."
NO_MEASURE = "Describe the measure taken to keep the customer."
NO_REASON = "Give the reason for the loss."
TOO_LONG = "Ensure this value has at most 2000 characters (it has 10000)."


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer_a(manager_ann):
    return make_customer(manager_ann, name="安诚贸易有限公司")


@pytest.fixture
def record(customer_a):
    """Ann's customer A, warned."""
    return warned(customer_a)


@contextlib.contextmanager
def refused(message):
    """The block raises ActionError whose text contains ``message``, and writes nothing."""
    before = everything()
    with pytest.raises(ActionError, match=re.escape(message)):
        yield
    assert everything() == before


def measures(record):
    return [
        (measure.text, measure.created_by.username)
        for measure in LossMeasure.objects.filter(record=record).select_related("created_by")
    ]


def customer_status(customer):
    return Customer.all_objects.get(pk=customer.pk).status


# --- postpone -------------------------------------------------------------------------------------


def test_the_account_manager_postpones_a_warning_with_a_measure(manager_ann, record):
    before = timezone.now()
    result = postpone_loss(actor=manager_ann, record=record, measure="  下周上门拜访，提供新报价  ")
    after = stored(record)
    assert after.status == result.status == LossRecord.Status.POSTPONED
    [measure] = LossMeasure.objects.filter(record=record)
    assert (measure.text, measure.created_by) == ("下周上门拜访，提供新报价", manager_ann)
    assert before <= measure.created_at <= timezone.now()
    assert (after.reason, after.confirmed_at, after.confirmed_by) == ("", None, None)
    assert audit_rows(measure) == [(CREATE, "manager_ann", {"id", "record", "text", "created_by", "created_at"})]
    assert audit_rows(record) == [(UPDATE, "manager_ann", {"status"})]


def test_postponing_again_appends_a_measure_of_its_own_and_keeps_the_earlier_ones(manager_ann, supervisor_sue, record):
    postpone_loss(actor=manager_ann, record=record, measure="电话回访")
    first = LossMeasure.objects.get(record=record)
    postpone_loss(actor=supervisor_sue, record=record, measure="主管亲自拜访")
    postpone_loss(actor=manager_ann, record=stored(record), measure="给予九折优惠")
    assert measures(record) == [
        ("电话回访", "manager_ann"),
        ("主管亲自拜访", "supervisor_sue"),
        ("给予九折优惠", "manager_ann"),
    ]
    assert LossMeasure.objects.get(pk=first.pk).text == "电话回访"  # never edited
    assert stored(record).status == LossRecord.Status.POSTPONED
    creators = [audit_rows(measure)[0][:2] for measure in LossMeasure.objects.filter(record=record)]
    assert creators == [(CREATE, "manager_ann"), (CREATE, "supervisor_sue"), (CREATE, "manager_ann")]
    # the record's status changed once; the later measures leave the record's row alone
    assert audit_rows(record) == [(UPDATE, "manager_ann", {"status"})]


def test_a_measure_of_2000_characters_is_accepted(manager_ann, record):
    postpone_loss(actor=manager_ann, record=record, measure="措" * 2000)
    assert LossMeasure.objects.get(record=record).text == "措" * 2000


# --- confirm --------------------------------------------------------------------------------------


def test_the_account_manager_confirms_a_loss_with_a_reason(manager_ann, customer_a, record):
    before = timezone.now()
    confirm_loss(actor=manager_ann, record=record, reason="  客户已转向竞争对手  ")
    after = stored(record)
    assert (after.status, after.reason, after.confirmed_by) == (
        LossRecord.Status.CONFIRMED,
        "客户已转向竞争对手",
        manager_ann,
    )
    assert before <= after.confirmed_at <= timezone.now()
    assert customer_status(customer_a) == Customer.Status.LOST
    assert audit_rows(record) == [(UPDATE, "manager_ann", {"status", "reason", "confirmed_at", "confirmed_by"})]
    assert audit_rows(customer_a)[-1] == (UPDATE, "manager_ann", {"status"})


def test_a_postponed_loss_can_be_confirmed_and_keeps_its_measures(manager_ann, customer_a, record):
    postpone_loss(actor=manager_ann, record=record, measure="电话回访")
    confirm_loss(actor=manager_ann, record=record, reason="多次回访无果")
    after = stored(record)
    assert (after.status, after.reason) == (LossRecord.Status.CONFIRMED, "多次回访无果")
    assert measures(record) == [("电话回访", "manager_ann")]
    assert customer_status(customer_a) == Customer.Status.LOST


def test_a_supervisor_may_postpone_and_confirm_any_customers_loss(supervisor_sue, manager_bob):
    customer = make_customer(manager_bob)
    record = warned(customer)
    postpone_loss(actor=supervisor_sue, record=record, measure="主管回访")
    confirm_loss(actor=supervisor_sue, record=record, reason="客户倒闭")
    after = stored(record)
    assert (after.status, after.confirmed_by) == (LossRecord.Status.CONFIRMED, supervisor_sue)
    assert measures(record) == [("主管回访", "supervisor_sue")]
    assert customer_status(customer) == Customer.Status.LOST
    assert audit_rows(customer)[-1] == (UPDATE, "supervisor_sue", {"status"})


def test_a_superuser_may_confirm_a_loss(superuser_sam, customer_a, record):
    confirm_loss(actor=superuser_sam, record=record, reason="客户已注销")
    assert stored(record).confirmed_by == superuser_sam
    assert customer_status(customer_a) == Customer.Status.LOST


def test_the_new_account_manager_acts_on_a_transferred_customers_loss_and_the_old_one_no_longer(
    manager_ann, manager_bob, superuser_sam, customer_a, record
):
    actions.transfer_customers(
        actor=superuser_sam, customers=Customer.objects.filter(pk=customer_a.pk), to_manager=manager_bob
    )
    with refused(GONE):
        postpone_loss(actor=manager_ann, record=record, measure="我还想挽回")
    postpone_loss(actor=manager_bob, record=record, measure="新经理接手回访")
    assert measures(record) == [("新经理接手回访", "manager_bob")]
    assert stored(record).account_manager == manager_ann  # the record keeps who managed it when raised


def test_confirming_writes_the_record_and_the_customer_in_one_transaction(manager_ann, customer_a, record):
    # The database itself refuses the customer's new status (a real constraint, added for this
    # test and rolled back with it): the record's change made just before must not stay either.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
            cursor.execute(
                "ALTER TABLE customers_customer ADD CONSTRAINT test_never_lost CHECK (status <> 'lost') NOT VALID"
            )
        else:
            cursor.execute(
                "CREATE TEMP TRIGGER test_never_lost BEFORE UPDATE OF status ON customers_customer "
                "WHEN NEW.status = 'lost' BEGIN SELECT RAISE(ABORT, 'never lost'); END"
            )
    try:
        before = everything()
        with pytest.raises((IntegrityError, DatabaseError)):
            confirm_loss(actor=manager_ann, record=record, reason="客户已转向竞争对手")
        assert everything() == before
        after = stored(record)
        assert (after.status, after.reason, after.confirmed_at, after.confirmed_by) == ("warning", "", None, None)
        assert customer_status(customer_a) == Customer.Status.ACTIVE
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER test_never_lost")


# --- refusals: the record's state -----------------------------------------------------------------


@pytest.fixture
def confirmed(manager_ann, record):
    return confirm_loss(actor=manager_ann, record=record, reason="客户已转向竞争对手")


@pytest.fixture
def recovered(customer_a, record):
    actions.record_order_dates(dates={customer_a.pk: timezone.localdate()})
    assert stored(record).status == LossRecord.Status.RECOVERED
    return stored(record)


@pytest.mark.parametrize("state", ["confirmed", "recovered"])
@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "superuser_sam"])
def test_a_final_record_can_be_neither_postponed_nor_confirmed(request, personas, state, persona):
    record = request.getfixturevalue(state)
    label = {"confirmed": "Lost", "recovered": "Recovered"}[state]
    with refused(f"This loss record is {label}: {FINAL}"):
        postpone_loss(actor=personas[persona], record=record, measure="再试一次")
    with refused(f"This loss record is {label}: {FINAL}"):
        confirm_loss(actor=personas[persona], record=record, reason="另一个原因")


def test_a_stale_copy_of_a_record_confirmed_meanwhile_is_refused(manager_ann, supervisor_sue, record):
    page_copy = LossRecord.objects.get(pk=record.pk)  # the page was opened while it was a warning
    confirm_loss(actor=supervisor_sue, record=record, reason="主管确认")
    with refused(f"This loss record is Lost: {FINAL}"):
        confirm_loss(actor=manager_ann, record=page_copy, reason="经理也确认")
    with refused(f"This loss record is Lost: {FINAL}"):
        postpone_loss(actor=manager_ann, record=page_copy, measure="经理想暂缓")
    assert stored(record).reason == "主管确认"


# --- refusals: the text -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None], ids=["empty", "spaces", "whitespace", "none"])
def test_a_postponement_without_a_measure_is_refused(manager_ann, record, text):
    with refused(NO_MEASURE):
        postpone_loss(actor=manager_ann, record=record, measure=text)


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None], ids=["empty", "spaces", "whitespace", "none"])
def test_a_confirmation_without_a_reason_is_refused(manager_ann, customer_a, record, text):
    with refused(NO_REASON):
        confirm_loss(actor=manager_ann, record=record, reason=text)
    assert customer_status(customer_a) == Customer.Status.ACTIVE


def test_a_measure_of_10000_characters_is_refused(manager_ann, record):
    with refused(TOO_LONG):
        postpone_loss(actor=manager_ann, record=record, measure="措" * 10000)


def test_a_reason_of_10000_characters_is_refused(manager_ann, customer_a, record):
    with refused(TOO_LONG):
        confirm_loss(actor=manager_ann, record=record, reason="因" * 10000)
    assert customer_status(customer_a) == Customer.Status.ACTIVE


def test_a_refusal_speaks_the_users_language(manager_ann, manager_bob, record):
    with translation.override("zh-hans"), refused("请填写流失原因。"):
        confirm_loss(actor=manager_ann, record=record, reason="")
    with translation.override("zh-hans"), refused("最多 2000 个字符，现在有 10000 个。"):
        postpone_loss(actor=manager_ann, record=record, measure="措" * 10000)
    with translation.override("zh-hans"), refused("该流失记录已不存在。"):
        postpone_loss(actor=manager_bob, record=record, measure="不是我的客户")
    confirm_loss(actor=manager_ann, record=record, reason="客户已转向竞争对手")
    with translation.override("zh-hans"), refused("该流失记录状态为“已流失”，不能再修改。"):
        postpone_loss(actor=manager_ann, record=record, measure="再试一次")


# --- refusals: who ------------------------------------------------------------------------------


def test_another_account_manager_is_told_the_record_no_longer_exists(manager_bob, record):
    with refused(GONE):
        postpone_loss(actor=manager_bob, record=record, measure="不是我的客户")
    with refused(GONE):
        confirm_loss(actor=manager_bob, record=record, reason="不是我的客户")


@pytest.mark.parametrize("level", ["view", "edit"])
def test_a_colleague_the_customer_is_shared_with_sees_the_record_but_may_not_act(
    manager_bob, supervisor_sue, customer_a, record, level
):
    share(customer_a, manager_bob, level, actor=supervisor_sue)
    with refused(NOT_YOURS):
        postpone_loss(actor=manager_bob, record=record, measure="同事帮忙")
    with refused(NOT_YOURS):
        confirm_loss(actor=manager_bob, record=record, reason="同事确认")


@pytest.mark.parametrize("persona", ["viewer_vic", "admin"])
def test_viewers_and_administrators_see_the_record_but_may_not_act(personas, record, persona):
    with refused(NOT_YOURS):
        postpone_loss(actor=personas[persona], record=record, measure="我来暂缓")
    with refused(NOT_YOURS):
        confirm_loss(actor=personas[persona], record=record, reason="我来确认")


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_an_inactive_user_may_not_act(personas, record, persona):
    user = personas[persona]
    user.is_active = False
    user.save(update_fields=["is_active"])
    with refused(GONE):
        postpone_loss(actor=user, record=record, measure="已离职")
    with refused(GONE):
        confirm_loss(actor=user, record=record, reason="已离职")


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "superuser_sam"])
def test_nobody_acts_on_the_record_of_a_customer_in_the_recycle_bin(personas, manager_ann, customer_a, record, persona):
    actions.delete_customer(actor=manager_ann, customer=customer_a)
    with refused(GONE):
        postpone_loss(actor=personas[persona], record=record, measure="回收站里的客户")
    with refused(GONE):
        confirm_loss(actor=personas[persona], record=record, reason="回收站里的客户")
    assert customer_status(customer_a) == Customer.Status.ACTIVE


def test_an_anonymous_actor_may_not_act(record):
    with refused(GONE):
        confirm_loss(actor=AnonymousUser(), record=record, reason="匿名")


# --- two people at once (PostgreSQL) --------------------------------------------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_one_wins_and_the_other_is_refused(manager_ann, supervisor_sue, customer_a, record):
    page = LossRecord.objects.get(pk=record.pk)  # both opened the record while it was a warning
    outcomes = at_once(
        lambda: confirm_loss(actor=manager_ann, record=page, reason="经理的原因"),
        lambda: confirm_loss(actor=supervisor_sue, record=page, reason="主管的原因"),
    )
    winners = [result for result, error in outcomes if error is None]
    errors = [error for result, error in outcomes if error is not None]
    assert len(winners) == 1 and len(errors) == 1, outcomes
    assert isinstance(errors[0], ActionError) and f"This loss record is Lost: {FINAL}" in str(errors[0])
    after = stored(record)
    assert (after.status, after.reason, after.confirmed_by) == ("confirmed", winners[0].reason, winners[0].confirmed_by)
    assert customer_status(customer_a) == Customer.Status.LOST
    assert [row[:2] for row in audit_rows(record)] == [(UPDATE, winners[0].confirmed_by.username)]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_postponement_and_a_confirmation_at_once_end_consistently(manager_ann, supervisor_sue, customer_a, record):
    page = LossRecord.objects.get(pk=record.pk)
    (postponed, postpone_error), (confirmed, confirm_error) = at_once(
        lambda: postpone_loss(actor=manager_ann, record=page, measure="经理的措施"),
        lambda: confirm_loss(actor=supervisor_sue, record=page, reason="主管的原因"),
    )
    assert confirm_error is None  # a postponement never stands in a confirmation's way
    after = stored(record)
    assert (after.status, after.reason, after.confirmed_by) == ("confirmed", "主管的原因", supervisor_sue)
    assert customer_status(customer_a) == Customer.Status.LOST
    if postpone_error is None:  # it came first: its measure stays with the record
        assert measures(record) == [("经理的措施", "manager_ann")]
    else:  # the confirmation came first: the postponement changed nothing
        assert isinstance(postpone_error, ActionError) and FINAL in str(postpone_error)
        assert measures(record) == []
