"""The demo service requests of seed_demo (services/demo.py): every state, requests that went round
twice, built through the actions by the demo users, and dated like a CRM in use — the request's
fields, its timeline and its audit rows telling the same story."""

import io
from datetime import UTC, time

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from crm import access
from services.models import ServiceEvent, ServiceRequest, Status

Kind = ServiceEvent.Kind


@pytest.fixture
def demo(db):
    call_command("seed_demo", customers=4, stdout=io.StringIO())
    return {user.username: user for user in get_user_model().objects.filter(username__in=["sue", "ann", "bob"])}


def _events(service_request):
    return list(service_request.events.select_related("actor", "assignee").order_by("at", "id"))


def _audit(obj):
    content_type = ContentType.objects.get_for_model(type(obj))
    return list(
        LogEntry.objects.filter(content_type=content_type, object_pk=str(obj.pk))
        .select_related("actor")
        .order_by("timestamp", "pk")
    )


def _in_office_hours(moment):
    local = timezone.localtime(moment)
    return local.weekday() < 5 and time(9) <= local.time() < time(18)


def test_demo_requests_are_in_every_state_of_every_type_by_every_demo_user(demo):
    sue, ann, bob = demo["sue"], demo["ann"], demo["bob"]
    requests = list(ServiceRequest.objects.select_related("service_type", "customer"))
    by_status = {status: [r for r in requests if r.status == status] for status in Status.values}
    assert all(len(rows) >= 2 for rows in by_status.values()), {s: len(rows) for s, rows in by_status.items()}
    assert {r.service_type.label for r in requests} == {"咨询", "建议", "投诉"}
    assert {r.created_by for r in requests} == {sue, ann, bob}
    assert {r.assigned_to for r in requests if r.status != Status.NEW} == {ann, bob}
    # Each for a customer its creator may see, titles and texts in Chinese.
    assert all(access.can(r.created_by, "view", r.customer) for r in requests)
    assert all(r.title and r.request and not r.title.isascii() for r in requests)
    # New ones: nothing but their creation.
    assert all([e.kind for e in _events(r)] == [Kind.CREATED] for r in by_status[Status.NEW])
    # One re-assigned by the supervisor while it waited for its handling: bob's, now ann's.
    reassigned = [r for r in requests if sum(e.kind == Kind.ASSIGNED for e in _events(r)) == 2]
    assert len(reassigned) == 1
    assert [(e.actor, e.assignee) for e in _events(reassigned[0]) if e.kind == Kind.ASSIGNED] == [
        (sue, bob),
        (sue, ann),
    ]
    assert reassigned[0].status == Status.ASSIGNED and reassigned[0].assigned_to == ann


def test_some_demo_requests_went_round_twice(demo):
    def story(service_request):
        return [
            (e.kind, e.round, e.satisfaction)
            for e in _events(service_request)
            if e.kind in (Kind.HANDLED, Kind.FEEDBACK)
        ]

    requests = list(ServiceRequest.objects.all())
    # Unsatisfied (2), sent back, handled again, satisfied: archived after two rounds.
    twice = [r for r in requests if r.status == Status.ARCHIVED and r.rounds == 2]
    assert len(twice) == 2
    for service_request in twice:
        first, second = story(service_request)[1][2], story(service_request)[3][2]
        assert story(service_request) == [
            (Kind.HANDLED, 1, None),
            (Kind.FEEDBACK, 1, first),
            (Kind.HANDLED, 2, None),
            (Kind.FEEDBACK, 2, second),
        ]
        assert first == 2 and second >= 4
        assert service_request.satisfaction == second
        assert service_request.handling == _events(service_request)[-2].text != _events(service_request)[-4].text
    # Sent back and still waiting for its second handling, by the same assignee.
    waiting = [r for r in requests if r.status == Status.ASSIGNED and r.rounds == 1]
    assert len(waiting) == 1
    assert story(waiting[0]) == [(Kind.HANDLED, 1, None), (Kind.FEEDBACK, 1, 1)]
    assert waiting[0].satisfaction == 1 and waiting[0].archived_at is None
    # Handled again after being sent back, waiting for the second feedback.
    again = [r for r in requests if r.status == Status.HANDLED and r.rounds == 2]
    assert len(again) == 1
    assert story(again[0]) == [(Kind.HANDLED, 1, None), (Kind.FEEDBACK, 1, 2), (Kind.HANDLED, 2, None)]


def test_each_demo_timeline_agrees_with_its_request_and_its_audit_rows(demo):
    now = timezone.now()
    for service_request in ServiceRequest.objects.all():
        events = _events(service_request)
        moments = [e.at for e in events]
        # In the order of the workflow, on working days in office hours, in the past weeks.
        assert [e.pk for e in events] == sorted(e.pk for e in events), service_request
        assert moments == sorted(moments) and len(set(moments)) == len(moments), service_request
        assert all(_in_office_hours(moment) and moment < now for moment in moments), service_request
        assert (now - moments[0]).days < 60
        # The request's fields are those of its timeline.
        assert (events[0].kind, events[0].actor, events[0].at) == (
            Kind.CREATED,
            service_request.created_by,
            service_request.created_at,
        )
        assigned = [e for e in events if e.kind == Kind.ASSIGNED]
        handled = [e for e in events if e.kind == Kind.HANDLED]
        feedback = [e for e in events if e.kind == Kind.FEEDBACK]
        assert service_request.first_assigned_at == (assigned[0].at if assigned else None)
        assert service_request.assigned_at == (assigned[-1].at if assigned else None)
        assert service_request.assigned_to == (assigned[-1].assignee if assigned else None)
        assert service_request.first_handled_at == (handled[0].at if handled else None)
        assert service_request.handled_at == (handled[-1].at if handled else None)
        assert all(e.actor == service_request.assigned_to for e in handled)
        assert service_request.rounds == len(handled) == max([e.round for e in events])
        assert all(e.actor in (service_request.created_by, demo["sue"]) for e in feedback)
        assert service_request.updated_at == moments[-1]
        expected = {Kind.CREATED: Status.NEW, Kind.ASSIGNED: Status.ASSIGNED, Kind.HANDLED: Status.HANDLED}.get(
            events[-1].kind
        )
        if events[-1].kind == Kind.FEEDBACK:
            expected = Status.ARCHIVED if events[-1].satisfaction >= 3 else Status.ASSIGNED
        assert service_request.status == expected
        assert service_request.archived_at == (moments[-1] if expected == Status.ARCHIVED else None)
        # The audit rows: each step by its demo user at the step's moment, date-times as stored.
        entries = _audit(service_request)
        assert entries[0].action == LogEntry.Action.CREATE
        assert (entries[0].actor, entries[0].timestamp) == (service_request.created_by, service_request.created_at)
        assert [entry.pk for entry in entries] == sorted(entry.pk for entry in entries)
        assert {entry.timestamp for entry in entries} <= set(moments)
        assert len(entries) == len(events)
        if service_request.archived_at:
            assert (
                entries[-1]
                .changes["archived_at"][1]
                .startswith(f"{service_request.archived_at.astimezone(UTC):%Y-%m-%d %H:%M}")
            )
        for event in events:
            (entry,) = _audit(event)
            assert (entry.actor, entry.timestamp) == (event.actor, event.at)
            assert entry.changes["at"][1].startswith(f"{event.at.astimezone(UTC):%Y-%m-%d %H:%M}")


def test_seeding_again_changes_nothing(demo):
    before = (
        list(ServiceRequest.objects.order_by("pk").values()),
        list(ServiceEvent.objects.order_by("pk").values()),
        LogEntry.objects.count(),
    )
    out = io.StringIO()
    call_command("seed_demo", customers=4, stdout=out)
    assert "Service requests: 15 present, skipped." in out.getvalue()
    after = (
        list(ServiceRequest.objects.order_by("pk").values()),
        list(ServiceEvent.objects.order_by("pk").values()),
        LogEntry.objects.count(),
    )
    assert after == before


@pytest.mark.django_db
def test_a_seed_with_one_customer_makes_the_requests_its_creators_may_see_and_none_without():
    out = io.StringIO()
    call_command("seed_demo", customers=0, stdout=out)
    assert "Service requests: no demo users or customers, skipped." in out.getvalue()
    assert not ServiceRequest.objects.exists()
    call_command("seed_demo", customers=1, stdout=out)
    requests = list(ServiceRequest.objects.select_related("customer", "created_by"))
    assert requests
    assert all(access.can(r.created_by, "view", r.customer) for r in requests)
    assert {r.created_by.username for r in requests} < {"sue", "ann", "bob"}
