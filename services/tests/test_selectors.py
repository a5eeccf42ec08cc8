"""The reads of service requests, per persona: the row scope (crm.access), the four queues and
their counts, the steps a page offers, the timeline and the time figures."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER
from crm.testing.world import copy_world, make_personas, shared_world
from customers import actions as customer_actions
from customers.tests.factories import make_customer, share
from services import actions, selectors
from services.models import ServiceEvent, ServiceRequest, Status
from services.tests.factories import archived, assigned, handled, make_request

pytestmark = pytest.mark.django_db

EVERYONE = ("manager_ann", "manager_bob", "supervisor_sue", "admin", "viewer_vic", "superuser_sam")
SEE_ALL = ("supervisor_sue", "admin", "viewer_vic", "superuser_sam")


def build_world():
    """The personas and Carl (an account manager with no customer yet); customers A (Ann's), B
    (Bob's), S (Bob's, shared with Ann to view), D (Ann's, then in the recycle bin); requests in
    every state, keyed by a name saying whose they are."""
    personas = make_personas()
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    carl = create_user(
        username="manager_carl", password="x-unused-x", full_name="Manager Carl", roles=[ACCOUNT_MANAGER]
    )
    a = make_customer(ann, name="安诚贸易有限公司")
    b = make_customer(bob, name="博远科技有限公司")
    s = make_customer(bob, name="顺达物流有限公司")
    d = make_customer(ann, name="德盛五金有限公司")
    share(s, ann, "view", actor=sue)
    requests = {
        "ann_new": make_request(ann, a),  # Ann's own, new
        "sue_new_of_a": make_request(sue, a),  # of Ann's customer
        "bob_new": make_request(bob, b),
        "bob_new_of_shared": make_request(bob, s),  # of the customer shared with Ann
        "assigned_to_ann": assigned(bob, b, ann, supervisor=sue),  # Bob's, assigned to Ann
        "bob_assigned_to_bob": assigned(bob, b, bob, supervisor=sue),
        "handled_by_ann": handled(sue, b, ann, supervisor=sue),  # Sue's, handled by Ann
        "ann_handled_by_bob": handled(ann, a, bob, supervisor=sue),  # Ann's, handled by Bob
        "ann_archived": archived(ann, a, bob, supervisor=sue),
        "bob_archived": archived(bob, b, bob, supervisor=sue),
        "of_deleted": assigned(ann, d, ann, supervisor=sue),
    }
    customer_actions.delete_customer(actor=ann, customer=d)
    return {**personas, "manager_carl": carl, "requests": requests, "A": a, "B": b, "S": s, "D": d}


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    # Built once for the module; each test's writes are rolled back (crm.testing.world).
    yield from shared_world(build_world, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


def names(world, rows):
    by_pk = {request.pk: name for name, request in world["requests"].items()}
    return {by_pk[pk] for pk in rows.values_list("pk", flat=True)}


ALIVE = {
    "ann_new",
    "sue_new_of_a",
    "bob_new",
    "bob_new_of_shared",
    "assigned_to_ann",
    "bob_assigned_to_bob",
    "handled_by_ann",
    "ann_handled_by_bob",
    "ann_archived",
    "bob_archived",
}


# --- scope -----------------------------------------------------------------------------------------


def test_each_persona_sees_the_requests_of_its_scope(world):
    expected = {
        # Created by her, assigned to her, of her customers (A) and of those shared with her (S).
        "manager_ann": {
            "ann_new",
            "sue_new_of_a",
            "bob_new_of_shared",
            "assigned_to_ann",
            "handled_by_ann",
            "ann_handled_by_bob",
            "ann_archived",
        },
        # His customers' (B, S) and those assigned to him, of Ann's customer too.
        "manager_bob": {
            "bob_new",
            "bob_new_of_shared",
            "assigned_to_ann",
            "bob_assigned_to_bob",
            "handled_by_ann",
            "ann_handled_by_bob",
            "ann_archived",
            "bob_archived",
        },
        "manager_carl": set(),
        **dict.fromkeys(SEE_ALL, ALIVE),
    }
    for persona, wanted in expected.items():
        assert names(world, selectors.service_list(user=world[persona])) == wanted, persona


def test_requests_of_a_customer_in_the_recycle_bin_are_hidden_from_everyone_until_restored(world):
    hidden = world["requests"]["of_deleted"]
    for persona in (*EVERYONE, "manager_carl"):
        user = world[persona]
        assert not selectors.service_list(user=user).filter(pk=hidden.pk).exists(), persona
        assert not selectors.handling_queue(user=user).filter(pk=hidden.pk).exists(), persona
        assert not selectors.timeline(user=user, service_request=hidden).exists(), persona
    customer_actions.restore_customer(actor=world["supervisor_sue"], customer=world["D"])
    assert names(world, selectors.handling_queue(user=world["manager_ann"])) == {"assigned_to_ann", "of_deleted"}


def test_anonymous_and_inactive_users_see_nothing_and_have_no_queues(world):
    ann = world["manager_ann"]
    ann.is_active = False
    ann.save(update_fields=["is_active"])
    for user in (AnonymousUser(), ann):
        assert not selectors.service_list(user=user).exists()
        assert not selectors.assignment_queue(user=user).exists()
        assert not selectors.handling_queue(user=user).exists()
        assert not selectors.feedback_queue(user=user).exists()
        assert not selectors.archive(user=user).exists()
        assert selectors.queue_counts(user=user) == {"assign": None, "handle": 0, "feedback": 0}
        assert selectors.request_steps(user=user, service_request=world["requests"]["ann_new"]) == set()


def test_the_list_reads_type_customer_and_people_in_one_query(world, django_assert_num_queries):
    ann = world["manager_ann"]
    ann.get_all_permissions()  # as on a page: the request's user has read its permissions
    with django_assert_num_queries(1):
        rows = list(selectors.service_list(user=ann))
        assert {row.service_type.value for row in rows} == {"complaint"}
        assert {row.customer.name for row in rows} == {"安诚贸易有限公司", "博远科技有限公司", "顺达物流有限公司"}
        assert {row.created_by.username for row in rows} == {"manager_ann", "manager_bob", "supervisor_sue"}
        assert {row.assigned_to.username for row in rows if row.assigned_to_id} == {"manager_ann", "manager_bob"}
    created = [row.created_at for row in rows]
    assert created == sorted(created, reverse=True)


# --- the queues ------------------------------------------------------------------------------------


def test_the_assignment_queue_holds_every_new_request_for_those_who_assign(world):
    new = {"ann_new", "sue_new_of_a", "bob_new", "bob_new_of_shared"}
    for persona in ("supervisor_sue", "superuser_sam"):
        assert names(world, selectors.assignment_queue(user=world[persona])) == new, persona
    for persona in ("manager_ann", "manager_bob", "admin", "viewer_vic"):
        assert not selectors.assignment_queue(user=world[persona]).exists(), persona


def test_the_handling_queue_holds_the_requests_assigned_to_the_user(world):
    expected = {
        "manager_ann": {"assigned_to_ann"},
        "manager_bob": {"bob_assigned_to_bob"},
        "manager_carl": set(),
        "supervisor_sue": set(),
        "admin": set(),
        "viewer_vic": set(),
        "superuser_sam": set(),
    }
    for persona, wanted in expected.items():
        assert names(world, selectors.handling_queue(user=world[persona])) == wanted, persona


def test_an_unsatisfied_request_goes_back_to_its_assignees_handling_queue(world):
    request = world["requests"]["ann_handled_by_bob"]
    actions.give_feedback(actor=world["manager_ann"], service_request=request, result="不满意", satisfaction=2)
    assert "ann_handled_by_bob" in names(world, selectors.handling_queue(user=world["manager_bob"]))
    assert "ann_handled_by_bob" not in names(world, selectors.feedback_queue(user=world["manager_ann"]))


def test_the_feedback_queue_holds_handled_requests_for_their_creator_and_every_one_for_supervisors(world):
    expected = {
        "manager_ann": {"ann_handled_by_bob"},  # she created it; not the one she handled
        "manager_bob": set(),  # he handled one, created none that is handled
        "supervisor_sue": {"handled_by_ann", "ann_handled_by_bob"},
        "superuser_sam": {"handled_by_ann", "ann_handled_by_bob"},
        "admin": set(),
        "viewer_vic": set(),
    }
    for persona, wanted in expected.items():
        assert names(world, selectors.feedback_queue(user=world[persona])) == wanted, persona


def test_the_archive_holds_the_archived_requests_in_the_users_scope(world):
    expected = {
        "manager_ann": {"ann_archived"},
        "manager_bob": {"ann_archived", "bob_archived"},  # handled Ann's; his own
        "manager_carl": set(),
        **{persona: {"ann_archived", "bob_archived"} for persona in SEE_ALL},
    }
    for persona, wanted in expected.items():
        assert names(world, selectors.archive(user=world[persona])) == wanted, persona


def test_queue_counts_match_the_queues_in_one_query(world):
    expected = {
        "manager_ann": {"assign": None, "handle": 1, "feedback": 1},
        "manager_bob": {"assign": None, "handle": 1, "feedback": 0},
        "manager_carl": {"assign": None, "handle": 0, "feedback": 0},
        "supervisor_sue": {"assign": 4, "handle": 0, "feedback": 2},
        "superuser_sam": {"assign": 4, "handle": 0, "feedback": 2},
        "admin": {"assign": None, "handle": 0, "feedback": 0},
        "viewer_vic": {"assign": None, "handle": 0, "feedback": 0},
    }
    for persona, wanted in expected.items():
        user = world[persona]
        user.get_all_permissions()  # as on a page: the request's user has read its permissions
        with CaptureQueriesContext(connection) as queries:
            counts = selectors.queue_counts(user=user)
        assert counts == wanted, persona
        assert len(queries) == 1, (persona, [query["sql"] for query in queries])
        assert counts["handle"] == selectors.handling_queue(user=user).count()
        assert counts["feedback"] == selectors.feedback_queue(user=user).count()
        if counts["assign"] is not None:
            assert counts["assign"] == selectors.assignment_queue(user=user).count()


# --- one request -----------------------------------------------------------------------------------


def test_request_detail_answers_404_outside_the_scope(world):
    request = world["requests"]["ann_new"]
    assert selectors.request_detail(user=world["manager_ann"], pk=request.pk) == request
    assert selectors.request_detail(user=world["viewer_vic"], pk=request.pk) == request
    for user, pk in (
        (world["manager_bob"], request.pk),
        (world["supervisor_sue"], world["requests"]["of_deleted"].pk),
        (world["supervisor_sue"], 10**9),
    ):
        with pytest.raises(Http404):
            selectors.request_detail(user=user, pk=pk)


def test_the_timeline_lists_every_step_oldest_first_in_the_users_scope(world):
    request = world["requests"]["ann_archived"]
    for persona in ("manager_ann", "manager_bob", *SEE_ALL):
        steps = list(selectors.timeline(user=world[persona], service_request=request))
        assert [step.kind for step in steps] == ["created", "assigned", "handled", "feedback"], persona
    assert not selectors.timeline(user=world["manager_carl"], service_request=request).exists()


def test_the_timeline_reads_its_people_in_one_query(world, django_assert_num_queries):
    request = world["requests"]["ann_archived"]
    world["supervisor_sue"].get_all_permissions()  # as on a page: the request's user has read its permissions
    with django_assert_num_queries(1):
        steps = list(selectors.timeline(user=world["supervisor_sue"], service_request=request))
        assert [(step.actor.username, step.assignee.username if step.assignee else None) for step in steps] == [
            ("manager_ann", None),
            ("supervisor_sue", "manager_bob"),
            ("manager_bob", None),
            ("supervisor_sue", None),
        ]


def test_requests_of_a_customer_are_those_the_user_sees(world):
    a = world["A"]
    everything_of_a = {"ann_new", "sue_new_of_a", "ann_handled_by_bob", "ann_archived"}
    assert names(world, selectors.requests_of_customer(user=world["manager_ann"], customer=a)) == everything_of_a
    assert names(world, selectors.requests_of_customer(user=world["viewer_vic"], customer=a)) == everything_of_a
    assert names(world, selectors.requests_of_customer(user=world["manager_bob"], customer=a)) == {
        "ann_handled_by_bob",
        "ann_archived",
    }
    assert not selectors.requests_of_customer(user=world["manager_carl"], customer=a).exists()


def test_only_active_account_managers_can_be_assigned(world):
    gone = create_user(username="manager_gone", password="x-unused-x", roles=[ACCOUNT_MANAGER])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert set(selectors.assignable_managers().values_list("username", flat=True)) == {
        "manager_ann",
        "manager_bob",
        "manager_carl",
    }


# --- the steps a page offers -----------------------------------------------------------------------


STEPS_BY_STATE = {
    # Ann's request of her customer A; Bob is the assignee from "assigned" on.
    "new": {
        "manager_ann": {"delete"},
        "supervisor_sue": {"delete", "assign"},
        "superuser_sam": {"delete", "assign"},
    },
    "assigned": {
        "manager_bob": {"handle"},
        "supervisor_sue": {"assign"},
        "superuser_sam": {"assign"},
    },
    "handled": {
        "manager_ann": {"feedback"},
        "supervisor_sue": {"feedback"},
        "superuser_sam": {"feedback"},
    },
    "sent back": {
        "manager_bob": {"handle"},
        "supervisor_sue": {"assign"},
        "superuser_sam": {"assign"},
    },
    "archived": {},
}


@pytest.mark.parametrize("state", STEPS_BY_STATE)
def test_request_steps_offer_each_persona_its_steps_in_each_state(world, state):
    ann, bob, sue, a = world["manager_ann"], world["manager_bob"], world["supervisor_sue"], world["A"]
    if state == "new":
        request = make_request(ann, a)
    elif state == "assigned":
        request = assigned(ann, a, bob, supervisor=sue)
    elif state == "handled":
        request = handled(ann, a, bob, supervisor=sue)
    elif state == "sent back":
        request = handled(ann, a, bob, supervisor=sue)
        request = actions.give_feedback(actor=ann, service_request=request, result="不满意", satisfaction=1)
    else:
        request = archived(ann, a, bob, supervisor=sue)
    request = ServiceRequest.objects.get(pk=request.pk)
    assert request.status == {"sent back": Status.ASSIGNED}.get(state, state)
    for persona in (
        "manager_ann",
        "manager_bob",
        "manager_carl",
        "supervisor_sue",
        "admin",
        "viewer_vic",
        "superuser_sam",
    ):
        expected = STEPS_BY_STATE[state].get(persona, set())
        assert selectors.request_steps(user=world[persona], service_request=request) == expected, persona


# --- time figures ----------------------------------------------------------------------------------

START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


def _with_times(request, *, assigned_after=None, handled_after=None, archived_after=None, rounds=None):
    """``request`` with its time figures set to known moments after its creation at START (the
    actions stamp the real time; the figures' arithmetic needs fixed ones)."""
    values = {"created_at": START}
    for field, after in (
        ("first_assigned_at", assigned_after),
        ("first_handled_at", handled_after),
        ("archived_at", archived_after),
    ):
        values[field] = None if after is None else START + after
    if rounds is not None:
        values["rounds"] = rounds
    ServiceRequest.objects.filter(pk=request.pk).update(**values)
    return ServiceRequest.objects.get(pk=request.pk)


def test_time_figures_of_one_request(world):
    ann, bob, sue, a = world["manager_ann"], world["manager_bob"], world["supervisor_sue"], world["A"]
    new = ServiceRequest.objects.get(pk=world["requests"]["ann_new"].pk)
    assert selectors.time_figures(new) == {
        "to_assign": None,
        "to_first_handling": None,
        "to_archive": None,
        "rounds": 0,
    }
    done = _with_times(
        archived(ann, a, bob, supervisor=sue),
        assigned_after=timedelta(hours=2),
        handled_after=timedelta(days=1, hours=3),
        archived_after=timedelta(days=3),
    )
    assert selectors.time_figures(done) == {
        "to_assign": timedelta(hours=2),
        "to_first_handling": timedelta(days=1, hours=3),
        "to_archive": timedelta(days=3),
        "rounds": 1,
    }


def test_time_figures_of_a_real_cycle_are_in_order(world):
    ann, bob, sue, a = world["manager_ann"], world["manager_bob"], world["supervisor_sue"], world["A"]
    request = handled(ann, a, bob, supervisor=sue)
    request = actions.give_feedback(actor=ann, service_request=request, result="不满意", satisfaction=2)
    request = actions.handle_service_request(actor=bob, service_request=request, handling="再次处理")
    request = actions.give_feedback(actor=ann, service_request=request, result="满意", satisfaction=5)
    figures = selectors.time_figures(ServiceRequest.objects.get(pk=request.pk))
    assert timedelta(0) <= figures["to_assign"] <= figures["to_first_handling"] <= figures["to_archive"]
    assert figures["rounds"] == 2


NOTHING = {"count": 0, "avg_to_assign": None, "avg_to_first_handling": None, "avg_to_archive": None, "avg_rounds": None}


def test_time_figures_summary_averages_over_the_requests_the_user_sees(world, django_assert_num_queries):
    carl, bob, sue = world["manager_carl"], world["manager_bob"], world["supervisor_sue"]
    carl.get_all_permissions()  # as on a page: the request's user has read its permissions
    with django_assert_num_queries(1):
        assert selectors.time_figures_summary(user=carl) == NOTHING
    # Carl's two customers: on one, a request archived after 1 round and one after 3; on the
    # other, one only assigned and one new.
    c = make_customer(carl, name="晨光文具有限公司")
    e = make_customer(carl, name="恩泽电子有限公司")
    _with_times(
        archived(carl, c, bob, supervisor=sue),
        assigned_after=timedelta(hours=1),
        handled_after=timedelta(hours=5),
        archived_after=timedelta(days=1),
        rounds=1,
    )
    _with_times(
        archived(carl, c, bob, supervisor=sue),
        assigned_after=timedelta(hours=3),
        handled_after=timedelta(hours=7),
        archived_after=timedelta(days=3),
        rounds=3,
    )
    _with_times(assigned(carl, e, carl, supervisor=sue), assigned_after=timedelta(hours=8))
    _with_times(make_request(carl, e))
    with django_assert_num_queries(1):
        summary = selectors.time_figures_summary(user=carl)
    assert summary == {
        "count": 4,
        "avg_to_assign": timedelta(hours=4),  # (1 + 3 + 8) / 3
        "avg_to_first_handling": timedelta(hours=6),
        "avg_to_archive": timedelta(days=2),
        "avg_rounds": 2,  # over the archived ones
    }
    # Over a queryset the caller has scoped (a report's filter).
    of_e = selectors.service_list(user=sue).filter(customer=e)
    assert selectors.time_figures_summary(user=sue, queryset=of_e) == {
        **NOTHING,
        "count": 2,
        "avg_to_assign": timedelta(hours=8),
    }
    # Each user's figures cover their scope: Ann doesn't see Carl's, a supervisor sees all.
    for persona in ("manager_ann", "supervisor_sue", "viewer_vic"):
        user = world[persona]
        assert selectors.time_figures_summary(user=user)["count"] == selectors.service_list(user=user).count()
    assert selectors.time_figures_summary(user=world["manager_ann"])["count"] == 7


def test_events_of_deleted_requests_go_with_them(world):
    request = make_request(world["manager_ann"], world["A"])
    actions.delete_service_request(actor=world["manager_ann"], service_request=request)
    assert not ServiceEvent.objects.filter(service_request_id=request.pk).exists()
