"""Every step of the opportunity workflow (SPEC §4) and every refusal: the resulting state, the
audit rows, and who reaches the opportunity afterwards (crm.access: creator and assignee)."""

import re
from datetime import date

import pytest
from django.utils import timezone

from crm import access
from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER, SUPERVISOR
from crm.testing.concurrency import at_once, needs_postgresql
from customers.models import Contact, Customer, Level
from customers.tests.factories import OWNER, grants, make_customer
from opportunities import actions
from opportunities.actions import ActionError, DuplicateCustomerError
from opportunities.models import Opportunity, PlanItem, Status
from opportunities.tests.factories import (
    CREATE,
    DELETE,
    UPDATE,
    add_plan_item,
    assign,
    audit_rows,
    developing,
    make_opportunity,
)

pytestmark = pytest.mark.django_db


def sees(user, opportunity):
    return access.visible(user, Opportunity).filter(pk=opportunity.pk).exists()


def stored(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


@pytest.fixture
def inactive_manager(roles):
    user = create_user(
        username="manager_gone", password="x-unused-x", full_name="Manager Gone", roles=[ACCOUNT_MANAGER]
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


# --- create ----------------------------------------------------------------------------------------


def test_account_manager_creates_an_unassigned_opportunity_only_she_and_supervisors_see(
    manager_ann, manager_bob, supervisor_sue, viewer_vic
):
    opportunity = make_opportunity(manager_ann, customer_name=" 北京鑫达科技有限公司 ", success_rate=60)
    opportunity = stored(opportunity)
    assert opportunity.status == Status.UNASSIGNED
    assert opportunity.created_by == manager_ann
    assert opportunity.assigned_to is None and opportunity.assigned_at is None
    assert opportunity.customer_name == "北京鑫达科技有限公司"
    assert opportunity.customer_name_pinyin == "beijingxindakejiyouxiangongsi"
    assert opportunity.customer_name_initials == "bjxdkjyxgs"
    [(action, actor, changes)] = audit_rows(opportunity)
    assert (action, actor) == (CREATE, "manager_ann")
    assert "customer_name" in changes and "customer_name_pinyin" not in changes
    assert sees(manager_ann, opportunity) and sees(supervisor_sue, opportunity) and sees(viewer_vic, opportunity)
    assert not sees(manager_bob, opportunity)


def test_supervisor_creates_an_opportunity(supervisor_sue):
    opportunity = make_opportunity(supervisor_sue)
    assert stored(opportunity).created_by == supervisor_sue
    assert audit_rows(opportunity)[0][:2] == (CREATE, "supervisor_sue")


@pytest.mark.parametrize("persona", ["viewer_vic", "admin"])
def test_viewers_and_administrators_cannot_create_opportunities(personas, persona):
    with pytest.raises(ActionError, match="Only account managers and sales supervisors"):
        make_opportunity(personas[persona])
    assert not Opportunity.objects.exists()


@pytest.mark.parametrize("rate", [-1, 101, 1000])
def test_a_success_rate_outside_0_to_100_is_refused_and_nothing_saved(manager_ann, rate):
    with pytest.raises(ActionError, match="100|0"):
        make_opportunity(manager_ann, success_rate=rate)
    assert not Opportunity.objects.exists()


def test_a_10000_character_description_is_refused_and_nothing_saved(manager_ann):
    with pytest.raises(ActionError, match="2000"):
        make_opportunity(manager_ann, description="长" * 10_000)
    assert not Opportunity.objects.exists()


def test_a_malformed_contact_phone_is_refused(manager_ann):
    with pytest.raises(ActionError, match="mainland phone number"):
        make_opportunity(manager_ann, contact_phone="12345")
    assert not Opportunity.objects.exists()


# --- edit and delete -------------------------------------------------------------------------------


def test_creator_edits_an_unassigned_opportunity_and_its_pinyin_keys_follow(manager_ann):
    opportunity = make_opportunity(manager_ann)
    opportunity.customer_name = "上海华联商贸有限公司"
    opportunity.success_rate = 75
    actions.update_opportunity(actor=manager_ann, opportunity=opportunity)
    after = stored(opportunity)
    assert (after.customer_name, after.success_rate) == ("上海华联商贸有限公司", 75)
    assert after.customer_name_initials == "shhlsmyxgs"
    assert audit_rows(opportunity)[-1] == (UPDATE, "manager_ann", {"customer_name", "success_rate"})


def test_supervisor_edits_an_account_managers_unassigned_opportunity(manager_ann, supervisor_sue):
    opportunity = make_opportunity(manager_ann)
    opportunity.title = "改过的概要"
    actions.update_opportunity(actor=supervisor_sue, opportunity=opportunity)
    assert stored(opportunity).title == "改过的概要"
    assert audit_rows(opportunity)[-1] == (UPDATE, "supervisor_sue", {"title"})


def test_an_edit_cannot_forge_the_state_the_assignee_or_the_creator(manager_ann, manager_bob):
    opportunity = make_opportunity(manager_ann)
    opportunity.title = "新概要"
    opportunity.status = Status.SUCCEEDED
    opportunity.assigned_to = manager_bob
    opportunity.created_by = manager_bob
    actions.update_opportunity(actor=manager_ann, opportunity=opportunity)
    after = stored(opportunity)
    assert (after.title, after.status, after.assigned_to, after.created_by) == (
        "新概要",
        Status.UNASSIGNED,
        None,
        manager_ann,
    )


def test_another_account_manager_cannot_edit_or_delete_an_opportunity_outside_her_scope(manager_ann, manager_bob):
    opportunity = make_opportunity(manager_ann)
    before = audit_rows(opportunity)
    opportunity.title = "别人改的"
    with pytest.raises(ActionError, match="creator or a sales supervisor"):
        actions.update_opportunity(actor=manager_bob, opportunity=opportunity)
    with pytest.raises(ActionError, match="creator or a sales supervisor"):
        actions.delete_opportunity(actor=manager_bob, opportunity=opportunity)
    assert stored(opportunity).title != "别人改的"
    assert audit_rows(opportunity) == before


@pytest.mark.parametrize("persona", ["viewer_vic", "admin"])
def test_viewers_and_administrators_cannot_edit_or_delete(personas, manager_ann, persona):
    opportunity = make_opportunity(manager_ann)
    opportunity.title = "查询用户改的"
    with pytest.raises(ActionError):
        actions.update_opportunity(actor=personas[persona], opportunity=opportunity)
    with pytest.raises(ActionError):
        actions.delete_opportunity(actor=personas[persona], opportunity=opportunity)
    assert Opportunity.objects.filter(pk=opportunity.pk).exclude(title="查询用户改的").exists()


def test_editing_or_deleting_after_assignment_is_refused(manager_ann, manager_bob, supervisor_sue):
    opportunity = developing(manager_ann, manager_bob, supervisor=supervisor_sue)
    before = audit_rows(opportunity)
    opportunity.title = "指派后再改"
    for actor in (manager_ann, supervisor_sue):
        with pytest.raises(ActionError, match="only be edited or deleted while it is unassigned"):
            actions.update_opportunity(actor=actor, opportunity=opportunity)
        with pytest.raises(ActionError, match="only be edited or deleted while it is unassigned"):
            actions.delete_opportunity(actor=actor, opportunity=opportunity)
    assert stored(opportunity).title != "指派后再改"
    assert audit_rows(opportunity) == before


def test_creator_deletes_an_unassigned_opportunity(manager_ann):
    opportunity = make_opportunity(manager_ann)
    actions.delete_opportunity(actor=manager_ann, opportunity=opportunity)
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert audit_rows(Opportunity, opportunity.pk)[-1][:2] == (DELETE, "manager_ann")


def test_supervisor_deletes_an_unassigned_opportunity(manager_ann, supervisor_sue):
    opportunity = make_opportunity(manager_ann)
    actions.delete_opportunity(actor=supervisor_sue, opportunity=opportunity)
    assert not Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert audit_rows(Opportunity, opportunity.pk)[-1][:2] == (DELETE, "supervisor_sue")


def test_deleting_an_opportunity_twice_says_it_is_gone(manager_ann):
    opportunity = make_opportunity(manager_ann)
    actions.delete_opportunity(actor=manager_ann, opportunity=opportunity)
    with pytest.raises(ActionError, match="no longer exists"):
        actions.delete_opportunity(actor=manager_ann, opportunity=opportunity)


# --- assign ----------------------------------------------------------------------------------------


def test_supervisor_assigns_an_opportunity_to_an_account_manager_who_then_reaches_it(
    manager_ann, manager_bob, supervisor_sue
):
    opportunity = make_opportunity(manager_ann)
    assert not sees(manager_bob, opportunity)
    before = timezone.now()
    assign(opportunity, manager_bob, actor=supervisor_sue)
    after = stored(opportunity)
    assert after.status == Status.DEVELOPING
    assert after.assigned_to == manager_bob
    assert after.assigned_at >= before
    assert audit_rows(opportunity)[-1] == (UPDATE, "supervisor_sue", {"status", "assigned_to", "assigned_at"})
    # The assignee reaches it (and may change it: its plan); the creator keeps seeing it.
    assert sees(manager_bob, opportunity) and access.can(manager_bob, "change", after)
    assert sees(manager_ann, opportunity)


def test_reassigning_restamps_assigned_at_and_moves_access_to_the_new_assignee(
    manager_ann, manager_bob, supervisor_sue
):
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue)
    first = stored(opportunity)
    assert sees(manager_ann, first)
    actions.assign_opportunity(actor=supervisor_sue, opportunity=first, assignee=manager_bob)
    second = stored(opportunity)
    assert second.status == Status.DEVELOPING
    assert second.assigned_to == manager_bob
    assert second.assigned_at > first.assigned_at
    assert audit_rows(opportunity)[-1] == (UPDATE, "supervisor_sue", {"assigned_to", "assigned_at"})
    assert sees(manager_bob, second)
    assert not sees(manager_ann, second)
    assert not access.can(manager_ann, "change", second)


@pytest.mark.parametrize("persona", ["supervisor_sue", "viewer_vic", "admin"])
def test_assigning_to_someone_without_the_account_manager_role_is_refused(personas, persona):
    opportunity = make_opportunity(personas["manager_ann"])
    with pytest.raises(ActionError, match="active users with the account manager role"):
        assign(opportunity, personas[persona], actor=personas["supervisor_sue"])
    assert stored(opportunity).status == Status.UNASSIGNED
    assert len(audit_rows(opportunity)) == 1


def test_assigning_to_an_inactive_account_manager_is_refused(manager_ann, supervisor_sue, inactive_manager):
    opportunity = make_opportunity(manager_ann)
    with pytest.raises(ActionError, match="active users with the account manager role"):
        assign(opportunity, inactive_manager, actor=supervisor_sue)
    assert stored(opportunity).assigned_to is None


@pytest.mark.parametrize("persona", ["manager_ann", "manager_bob", "viewer_vic", "admin"])
def test_only_a_supervisor_may_assign(personas, persona):
    opportunity = make_opportunity(personas["manager_ann"])
    with pytest.raises(ActionError, match="Only a sales supervisor may assign"):
        assign(opportunity, personas["manager_ann"], actor=personas[persona])
    assert stored(opportunity).status == Status.UNASSIGNED
    assert len(audit_rows(opportunity)) == 1


def test_a_superuser_may_assign(manager_ann, superuser_sam):
    opportunity = assign(make_opportunity(manager_ann), manager_ann, actor=superuser_sam)
    assert stored(opportunity).assigned_to == manager_ann


def test_reassigning_to_the_same_account_manager_is_refused(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    assigned_at = stored(opportunity).assigned_at
    with pytest.raises(ActionError, match="already assigned to Manager Ann"):
        assign(stored(opportunity), manager_ann, actor=supervisor_sue)
    assert stored(opportunity).assigned_at == assigned_at


def test_assigning_from_a_stale_page_after_someone_else_assigned_is_refused(
    manager_ann, manager_bob, supervisor_sue, superuser_sam
):
    opportunity = make_opportunity(manager_ann)
    seen_by_sue = stored(opportunity)
    seen_by_sam = stored(opportunity)
    assign(seen_by_sam, manager_ann, actor=superuser_sam)
    with pytest.raises(ActionError, match="Someone else assigned this opportunity in the meantime, to Manager Ann"):
        assign(seen_by_sue, manager_bob, actor=supervisor_sue)
    assert stored(opportunity).assigned_to == manager_ann


# --- the development plan --------------------------------------------------------------------------


def test_the_assignee_adds_edits_records_the_result_of_and_deletes_plan_items(manager_ann, manager_bob, supervisor_sue):
    opportunity = developing(manager_ann, manager_bob, supervisor=supervisor_sue)
    item = add_plan_item(opportunity, actor=manager_bob, plan_date=date(2026, 3, 2), todo="上门拜访")
    assert (item.created_by, item.result) == (manager_bob, "")
    assert audit_rows(item)[-1][:2] == (CREATE, "manager_bob")

    item.plan_date, item.todo = date(2026, 3, 5), "上门拜访并演示"
    actions.save_plan_item(actor=manager_bob, item=item)
    after = PlanItem.objects.get(pk=item.pk)
    assert (after.plan_date, after.todo) == (date(2026, 3, 5), "上门拜访并演示")
    assert audit_rows(item)[-1] == (UPDATE, "manager_bob", {"plan_date", "todo"})

    actions.record_plan_result(actor=manager_bob, item=item, result=" 客户有采购意向 ")
    after = PlanItem.objects.get(pk=item.pk)
    assert after.result == "客户有采购意向" and after.is_done and after.result_recorded_at is not None
    assert audit_rows(item)[-1] == (UPDATE, "manager_bob", {"result", "result_recorded_at"})

    actions.delete_plan_item(actor=manager_bob, item=item)
    assert not PlanItem.objects.filter(pk=item.pk).exists()
    assert audit_rows(PlanItem, item.pk)[-1][:2] == (DELETE, "manager_bob")


def test_a_supervisor_changes_the_plan(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    item = add_plan_item(opportunity, actor=supervisor_sue)
    actions.record_plan_result(actor=supervisor_sue, item=item, result="已电话沟通")
    assert PlanItem.objects.get(pk=item.pk).result == "已电话沟通"
    assert audit_rows(item)[-1][:2] == (UPDATE, "supervisor_sue")


@pytest.mark.parametrize("persona", ["manager_ann", "viewer_vic", "admin"])
def test_only_the_assignee_or_a_supervisor_changes_the_plan(personas, persona):
    # ann created it and still sees it, but bob develops it.
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    opportunity = developing(ann, bob, supervisor=sue)
    item = add_plan_item(opportunity, actor=bob)
    actor = personas[persona]
    with pytest.raises(ActionError, match="assigned to, or a sales supervisor, may change its plan"):
        add_plan_item(opportunity, actor=actor)
    item.todo = "不该改"
    for attempt in (
        lambda: actions.save_plan_item(actor=actor, item=item),
        lambda: actions.record_plan_result(actor=actor, item=item, result="不该记"),
        lambda: actions.delete_plan_item(actor=actor, item=item),
    ):
        with pytest.raises(ActionError, match="may change its plan"):
            attempt()
    after = PlanItem.objects.get(pk=item.pk)
    assert (after.todo, after.result) == ("电话回访", "")
    assert PlanItem.objects.filter(opportunity=opportunity).count() == 1
    assert len(audit_rows(item)) == 1


def test_no_plan_before_the_opportunity_is_assigned(manager_ann, supervisor_sue):
    opportunity = make_opportunity(manager_ann)
    for actor in (manager_ann, supervisor_sue):
        with pytest.raises(ActionError, match="only be changed while the opportunity is in development"):
            add_plan_item(opportunity, actor=actor)
    assert not PlanItem.objects.exists()


def test_an_empty_result_is_refused(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    item = add_plan_item(opportunity, actor=manager_ann)
    with pytest.raises(ActionError, match="Describe the result"):
        actions.record_plan_result(actor=manager_ann, item=item, result="   ")
    assert PlanItem.objects.get(pk=item.pk).result == ""


def test_a_plan_item_never_moves_to_another_opportunity(manager_ann, manager_bob, supervisor_sue):
    mine = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    theirs = developing(manager_bob, manager_bob, supervisor=supervisor_sue)
    item = add_plan_item(mine, actor=manager_ann)
    item.opportunity = theirs
    item.todo = "改了"
    actions.save_plan_item(actor=manager_ann, item=item)
    after = PlanItem.objects.get(pk=item.pk)
    assert (after.opportunity_id, after.todo) == (mine.pk, "改了")


# --- success ---------------------------------------------------------------------------------------


def test_success_creates_the_customer_as_by_hand_with_its_primary_contact(manager_ann, manager_bob, supervisor_sue):
    opportunity = developing(
        manager_ann,
        manager_bob,
        supervisor=supervisor_sue,
        customer_name="杭州云帆网络科技有限公司",
        contact_name="王磊",
        contact_phone="13900001111",
    )
    closed = actions.succeed_opportunity(actor=manager_bob, opportunity=opportunity)
    after = stored(opportunity)
    customer = after.customer
    assert after.status == Status.SUCCEEDED and after.closed_at is not None
    assert closed.customer == customer
    # As create_customer makes every customer: a fresh code, keys, the manager's grants, audit.
    assert re.match(rf"^KH{timezone.localdate():%Y%m%d}\d{{4}}$", customer.code)
    assert (customer.name, customer.account_manager, customer.level) == (
        "杭州云帆网络科技有限公司",
        manager_bob,
        Level.ORDINARY,
    )
    assert customer.created_by == manager_bob
    assert customer.name_initials == "hzyfwlkjyxgs"
    assert grants(customer, manager_bob) == OWNER
    assert audit_rows(customer)[0][:2] == (CREATE, "manager_bob")
    [contact] = Contact.objects.filter(customer=customer)
    assert (contact.name, contact.mobile, contact.office_phone, contact.is_primary) == (
        "王磊",
        "13900001111",
        "",
        True,
    )
    assert audit_rows(contact)[0][:2] == (CREATE, "manager_bob")
    assert audit_rows(opportunity)[-1] == (UPDATE, "manager_bob", {"status", "closed_at", "customer"})
    # The creator still sees the opportunity, not the customer (bob's).
    assert sees(manager_ann, after)
    assert not access.can(manager_ann, "view", customer)


def test_a_supervisor_succeeds_an_opportunity_for_its_assignee(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue, contact_phone="010-88886666")
    customer = actions.succeed_opportunity(actor=supervisor_sue, opportunity=opportunity).customer
    assert customer.account_manager == manager_ann
    assert customer.created_by == supervisor_sue
    assert grants(customer, manager_ann) == OWNER
    contact = Contact.objects.get(customer=customer)
    assert (contact.office_phone, contact.mobile) == ("010-88886666", "")


def test_succeeding_twice_is_refused_and_creates_one_customer(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    actions.succeed_opportunity(actor=manager_ann, opportunity=opportunity)
    rows = audit_rows(opportunity)
    with pytest.raises(ActionError, match=r"already closed \(Developed successfully\)"):
        actions.succeed_opportunity(actor=manager_ann, opportunity=opportunity)
    assert Customer.objects.count() == 1
    assert audit_rows(opportunity) == rows


@pytest.mark.parametrize("persona", ["manager_ann", "viewer_vic", "admin"])
def test_only_the_assignee_or_a_supervisor_closes(personas, persona):
    opportunity = developing(personas["manager_ann"], personas["manager_bob"], supervisor=personas["supervisor_sue"])
    for attempt in (
        lambda: actions.succeed_opportunity(actor=personas[persona], opportunity=opportunity),
        lambda: actions.fail_opportunity(actor=personas[persona], opportunity=opportunity, reason="没希望"),
    ):
        with pytest.raises(ActionError, match="may close it"):
            attempt()
    assert stored(opportunity).status == Status.DEVELOPING
    assert not Customer.objects.exists()


def test_an_unassigned_opportunity_cannot_be_closed(manager_ann, supervisor_sue):
    opportunity = make_opportunity(manager_ann)
    with pytest.raises(ActionError, match="Only an opportunity in development can be closed"):
        actions.succeed_opportunity(actor=supervisor_sue, opportunity=opportunity)
    with pytest.raises(ActionError, match="Only an opportunity in development can be closed"):
        actions.fail_opportunity(actor=supervisor_sue, opportunity=opportunity, reason="不做了")
    assert stored(opportunity).status == Status.UNASSIGNED


def test_a_likely_existing_customer_stops_success_and_is_handed_to_the_page(manager_ann, manager_bob, supervisor_sue):
    existing = make_customer(manager_bob, name="深圳市华强电子有限公司")
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue, customer_name="深圳市华强电子股份")
    with pytest.raises(DuplicateCustomerError, match="already exists") as refused:
        actions.succeed_opportunity(actor=manager_ann, opportunity=opportunity)
    assert [(customer, reasons) for customer, reasons in refused.value.duplicates] == [(existing, ["name"])]
    assert stored(opportunity).status == Status.DEVELOPING
    assert Customer.objects.count() == 1
    # ann may confirm it is another company...
    created = actions.succeed_opportunity(actor=manager_ann, opportunity=opportunity, allow_duplicate=True).customer
    assert created != existing and created.account_manager == manager_ann
    assert Customer.objects.count() == 2


def test_the_same_phone_counts_as_a_likely_existing_customer(manager_ann, manager_bob, supervisor_sue):
    existing = make_customer(manager_bob, name="某某公司", phone="13611112222")
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue, contact_phone="136-1111-2222")
    with pytest.raises(DuplicateCustomerError) as refused:
        actions.succeed_opportunity(actor=manager_ann, opportunity=opportunity)
    assert refused.value.duplicates == [(existing, ["phone"])]


def test_linking_a_likely_duplicate_closes_successfully_without_a_new_customer(
    manager_ann, manager_bob, supervisor_sue
):
    # bob's customer: ann can't see it, but the duplicate rules found it for her opportunity.
    existing = make_customer(manager_bob, name="深圳市华强电子有限公司")
    opportunity = developing(
        manager_ann, manager_ann, supervisor=supervisor_sue, customer_name="深圳市华强电子股份有限公司"
    )
    actions.link_to_customer(actor=manager_ann, opportunity=opportunity, customer=existing)
    after = stored(opportunity)
    assert (after.status, after.customer) == (Status.SUCCEEDED, existing)
    assert Customer.objects.count() == 1
    assert audit_rows(opportunity)[-1] == (UPDATE, "manager_ann", {"status", "closed_at", "customer"})
    # Linking grants nothing on the customer.
    assert grants(existing, manager_ann) == set()


def test_linking_a_visible_customer_that_is_no_duplicate(manager_ann, supervisor_sue):
    own = make_customer(manager_ann, name="完全不同的名字有限公司")
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    actions.link_to_customer(actor=manager_ann, opportunity=opportunity, customer=own)
    assert stored(opportunity).customer == own


def test_linking_an_unrelated_customer_one_cannot_see_is_refused(manager_ann, manager_bob, supervisor_sue):
    others = make_customer(manager_bob, name="毫不相干贸易有限公司")
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    with pytest.raises(ActionError, match="Link only a customer you can see"):
        actions.link_to_customer(actor=manager_ann, opportunity=opportunity, customer=others)
    assert stored(opportunity).status == Status.DEVELOPING


def test_linking_a_customer_in_the_recycle_bin_is_refused(manager_ann, supervisor_sue):
    from customers.actions import delete_customer

    gone = make_customer(manager_ann)
    delete_customer(actor=manager_ann, customer=gone)
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    with pytest.raises(ActionError, match="recycle bin"):
        actions.link_to_customer(actor=manager_ann, opportunity=opportunity, customer=gone)
    assert stored(opportunity).customer is None


def test_success_for_an_assignee_no_longer_active_is_refused_and_writes_nothing(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    manager_ann.is_active = False
    manager_ann.save(update_fields=["is_active"])
    with pytest.raises(ActionError, match="account manager must be an active user"):
        actions.succeed_opportunity(actor=supervisor_sue, opportunity=opportunity)
    assert stored(opportunity).status == Status.DEVELOPING
    assert not Customer.objects.exists()


# --- failure ---------------------------------------------------------------------------------------


def test_terminating_records_the_reason(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    actions.fail_opportunity(actor=manager_ann, opportunity=opportunity, reason=" 客户预算取消 ")
    after = stored(opportunity)
    assert (after.status, after.failure_reason, after.customer) == (Status.FAILED, "客户预算取消", None)
    assert after.closed_at is not None
    assert audit_rows(opportunity)[-1] == (UPDATE, "manager_ann", {"status", "closed_at", "failure_reason"})


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_terminating_without_a_reason_is_refused(manager_ann, supervisor_sue, reason):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    with pytest.raises(ActionError, match="Give the reason"):
        actions.fail_opportunity(actor=manager_ann, opportunity=opportunity, reason=reason)
    assert stored(opportunity).status == Status.DEVELOPING


def test_a_reason_longer_than_its_limit_is_refused(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    with pytest.raises(ActionError, match="1000"):
        actions.fail_opportunity(actor=manager_ann, opportunity=opportunity, reason="长" * 10_000)
    assert stored(opportunity).status == Status.DEVELOPING


# --- closed opportunities are read-only --------------------------------------------------------------


def _every_step(opportunity, item, personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    return {
        "edit": lambda: actions.update_opportunity(actor=sue, opportunity=opportunity),
        "delete": lambda: actions.delete_opportunity(actor=sue, opportunity=opportunity),
        "assign": lambda: actions.assign_opportunity(actor=sue, opportunity=opportunity, assignee=bob),
        "add plan item": lambda: add_plan_item(opportunity, actor=ann),
        "edit plan item": lambda: actions.save_plan_item(actor=ann, item=item),
        "record result": lambda: actions.record_plan_result(actor=ann, item=item, result="关闭后记录"),
        "delete plan item": lambda: actions.delete_plan_item(actor=sue, item=item),
        "succeed": lambda: actions.succeed_opportunity(actor=ann, opportunity=opportunity),
        "link": lambda: actions.link_to_customer(
            actor=ann, opportunity=opportunity, customer=make_customer(ann, name="关闭后关联有限公司")
        ),
        "fail": lambda: actions.fail_opportunity(actor=ann, opportunity=opportunity, reason="关闭后终止"),
    }


@pytest.mark.parametrize(
    ("close", "label"),
    [("succeed", "Developed successfully"), ("fail", "Development terminated")],
)
def test_every_step_on_a_closed_opportunity_and_its_plan_is_refused(personas, close, label):
    ann, sue = personas["manager_ann"], personas["supervisor_sue"]
    opportunity = developing(ann, ann, supervisor=sue)
    item = add_plan_item(opportunity, actor=ann, todo="关闭前的计划")
    if close == "succeed":
        actions.succeed_opportunity(actor=ann, opportunity=opportunity)
    else:
        actions.fail_opportunity(actor=ann, opportunity=opportunity, reason="客户放弃")
    closed = stored(opportunity)
    opportunity_rows, item_rows = audit_rows(opportunity), audit_rows(item)
    customers = Customer.objects.count()
    closed.title = "关闭后改"
    item.todo = "关闭后改计划"
    for step, attempt in _every_step(closed, item, personas).items():
        with pytest.raises(ActionError, match=rf"already closed \({label}\)"):
            attempt()
        assert stored(opportunity).status == closed.status, step
    after = stored(opportunity)
    assert after.title != "关闭后改"
    assert PlanItem.objects.get(pk=item.pk).todo == "关闭前的计划"
    assert PlanItem.objects.filter(opportunity=opportunity).count() == 1
    assert audit_rows(opportunity) == opportunity_rows
    assert audit_rows(item) == item_rows
    # The only customers made since closing are the ones the "link" step made to link to.
    assert Customer.objects.count() == customers + 1


# --- two people at once (PostgreSQL row locks) -------------------------------------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_assigning_at_once_one_wins_and_the_other_is_told(
    manager_ann, manager_bob, supervisor_sue, roles
):
    other_supervisor = create_user(username="supervisor_sam2", password="x-unused-x", roles=[SUPERVISOR])
    opportunity = make_opportunity(manager_ann)
    seen_by_sue, seen_by_other = stored(opportunity), stored(opportunity)
    outcomes = at_once(
        lambda: actions.assign_opportunity(actor=supervisor_sue, opportunity=seen_by_sue, assignee=manager_ann),
        lambda: actions.assign_opportunity(actor=other_supervisor, opportunity=seen_by_other, assignee=manager_bob),
    )
    winners = [result for result, error in outcomes if error is None]
    errors = [error for result, error in outcomes if error is not None]
    assert len(winners) == 1 and len(errors) == 1, outcomes
    assert isinstance(errors[0], ActionError)
    assert "Someone else assigned this opportunity in the meantime" in str(errors[0])
    after = stored(opportunity)
    assert after.status == Status.DEVELOPING
    assert after.assigned_to_id == winners[0].assigned_to_id
    assert [row[0] for row in audit_rows(opportunity)] == [CREATE, UPDATE]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_users_succeeding_at_once_create_exactly_one_customer(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    outcomes = at_once(
        lambda: actions.succeed_opportunity(actor=manager_ann, opportunity=opportunity),
        lambda: actions.succeed_opportunity(actor=supervisor_sue, opportunity=opportunity),
    )
    winners = [result for result, error in outcomes if error is None]
    errors = [error for result, error in outcomes if error is not None]
    assert len(winners) == 1 and len(errors) == 1, outcomes
    assert isinstance(errors[0], ActionError)
    assert "already closed" in str(errors[0])
    assert Customer.objects.count() == 1
    assert Contact.objects.count() == 1
    after = stored(opportunity)
    assert (after.status, after.customer) == (Status.SUCCEEDED, Customer.objects.get())
    assert [row[0] for row in audit_rows(opportunity)] == [CREATE, UPDATE, UPDATE]
