"""The demo opportunities of seed_demo (opportunities/demo.py): every state, plans for the dashboard,
built through the actions by the demo users, and dated like a CRM in use."""

import io
from datetime import time

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from crm import access
from customers.models import Customer
from customers.validators import validate_phone
from opportunities.models import Opportunity, PlanItem, Status


@pytest.fixture
def demo(db):
    call_command("seed_demo", customers=4, stdout=io.StringIO())
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["sue", "ann", "bob"])}
    return users


def _audit(obj):
    content_type = ContentType.objects.get_for_model(type(obj))
    return list(
        LogEntry.objects.filter(content_type=content_type, object_pk=str(obj.pk))
        .select_related("actor")
        .order_by("timestamp", "pk")
    )


def _local(moment):
    return timezone.localtime(moment)


def _in_office_hours(moment):
    local = _local(moment)
    return local.weekday() < 5 and time(9) <= local.time() < time(18)


def test_demo_opportunities_are_in_every_state_with_plans(demo):
    sue, ann, bob = demo["sue"], demo["ann"], demo["bob"]
    today = timezone.localdate()
    opportunities = list(Opportunity.objects.select_related("source", "customer"))
    by_status = {status: [o for o in opportunities if o.status == status] for status in Status.values}
    assert all(by_status.values()), {status: len(rows) for status, rows in by_status.items()}
    # Unassigned ones entered by an account manager and by a supervisor.
    assert {o.created_by for o in by_status[Status.UNASSIGNED]} >= {ann, sue}
    # Every opportunity: a source from the dictionary, a contact and a valid phone.
    for opportunity in opportunities:
        assert opportunity.source.category == "opportunity_source"
        assert opportunity.contact_name
        validate_phone(opportunity.contact_phone)
    # Development: 2–4 plan items each, results recorded, one overdue, items due today for ann and bob.
    developing = by_status[Status.DEVELOPING]
    assert {o.assigned_to for o in developing} == {ann, bob}
    assert all(2 <= o.plan_items.count() <= 4 for o in developing)
    items = PlanItem.objects.filter(opportunity__status=Status.DEVELOPING).select_related("opportunity")
    assert sum(item.is_done for item in items) >= 4
    assert [item.opportunity.assigned_to for item in items if item.is_overdue(today)] == [ann]
    due_today = [item for item in items if item.plan_date == today and not item.is_done]
    assert {item.opportunity.assigned_to for item in due_today} == {ann, bob}
    assert any(item.plan_date > today for item in items)
    # One re-assigned: assigned twice by the supervisor, first to bob, now ann's.
    assignments = {
        o: [entry for entry in _audit(o) if entry.action == LogEntry.Action.UPDATE and "assigned_to" in entry.changes]
        for o in developing
    }
    reassigned = [o for o, entries in assignments.items() if len(entries) == 2]
    assert len(reassigned) == 1 and reassigned[0].assigned_to == ann
    assert all(entry.actor == sue for entry in assignments[reassigned[0]])
    # Terminated with a reason.
    assert all(o.failure_reason and o.customer is None for o in by_status[Status.FAILED])


def test_a_demo_success_creates_its_customer_and_another_links_to_a_demo_customer(demo):
    ann = demo["ann"]
    succeeded = list(Opportunity.objects.filter(status=Status.SUCCEEDED).select_related("customer"))
    assert len(succeeded) == 2
    created = [o for o in succeeded if o.customer.created_at >= o.assigned_at]
    linked = [o for o in succeeded if o.customer.created_at < o.created_at]
    assert len(created) == len(linked) == 1
    # Created through the customers app as by hand: named as the opportunity, managed by the
    # assignee, level 普通客户, the contact as its primary contact, a code of the day it closed.
    opportunity, customer = created[0], created[0].customer
    assert (customer.name, customer.account_manager, customer.level) == (opportunity.customer_name, ann, 1)
    assert customer.created_by == ann
    assert customer.created_at == opportunity.closed_at
    assert customer.code.startswith(f"KH{_local(opportunity.closed_at):%Y%m%d}")
    contact = customer.contacts.get(is_primary=True)
    assert (contact.name, contact.mobile) == (opportunity.contact_name, opportunity.contact_phone)
    assert access.can(ann, "view", customer)
    # Linked: the opportunity carries the existing customer's name; no customer of that name was added.
    opportunity, customer = linked[0], linked[0].customer
    assert opportunity.customer_name == customer.name
    assert Customer.all_objects.filter(name=customer.name).count() == 1


def test_every_demo_step_is_audited_as_its_demo_user_at_its_own_office_hour(demo):
    now = timezone.now()
    for opportunity in Opportunity.objects.prefetch_related("plan_items"):
        moments = [opportunity.created_at]
        if opportunity.assigned_at:
            moments.append(opportunity.assigned_at)
        items = list(opportunity.plan_items.all())
        for item in items:
            assert opportunity.assigned_at is not None
            if item.result_recorded_at:
                assert item.created_at < item.result_recorded_at
                assert _local(item.result_recorded_at).date() == item.plan_date
                moments.append(item.result_recorded_at)
            moments.append(item.created_at)
        if opportunity.closed_at:
            assert opportunity.closed_at > max(moments)
            moments.append(opportunity.closed_at)
        assert all(_in_office_hours(moment) and moment < now for moment in moments), opportunity
        assert opportunity.created_at < (opportunity.assigned_at or now)
        # The history tells the same story: created by its creator when it was entered, each later
        # step by the demo user who took it, at the moment the row says.
        entries = _audit(opportunity)
        assert entries[0].action == LogEntry.Action.CREATE
        assert (entries[0].actor, entries[0].timestamp) == (opportunity.created_by, opportunity.created_at)
        assert [entry.pk for entry in entries] == sorted(entry.pk for entry in entries)  # in the order taken
        assert all(_in_office_hours(entry.timestamp) for entry in entries)
        stamps = {opportunity.created_at, opportunity.assigned_at, opportunity.closed_at} - {None}
        assert {entry.timestamp for entry in entries} >= stamps
        assert all(entry.actor.username in {"sue", "ann", "bob"} for entry in entries)
        if opportunity.closed_at:
            assert entries[-1].timestamp == opportunity.closed_at
            assert entries[-1].changes["closed_at"][1].startswith(f"{opportunity.closed_at:%Y-%m-%d %H:%M}")
        for item in items:
            item_entries = _audit(item)
            assert (item_entries[0].timestamp, item_entries[0].actor) == (item.created_at, item.created_by)
            if item.result_recorded_at:
                assert item_entries[-1].timestamp == item.result_recorded_at
                assert item_entries[-1].changes["result"][1] == item.result
