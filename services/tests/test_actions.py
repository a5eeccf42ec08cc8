"""Every step of the service workflow (SPEC §4) and every refusal: the resulting state, the
timeline rows (ServiceEvent), the audit rows, and that a refused step writes nothing at all."""

import contextlib
import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from crm import access
from customers import actions as customer_actions
from customers.tests.factories import region, share
from services import actions
from services.actions import ActionError
from services.forms import StepForm, seen_token
from services.models import ServiceEvent, ServiceRequest, Status
from services.tests.factories import (
    CREATE,
    DELETE,
    UPDATE,
    archived,
    assigned,
    audit_rows,
    event_rows,
    handled,
    make_request,
    service_type,
)

pytestmark = pytest.mark.django_db

MOVED_ON = "Someone else changed this service request in the meantime"


def stored(service_request):
    return ServiceRequest.objects.get(pk=service_request.pk)


def sees(user, service_request):
    return access.visible(user, ServiceRequest).filter(pk=service_request.pk).exists()


def everything():
    """Every service request and step as stored, and the number of audit rows."""
    return (
        list(ServiceRequest.objects.order_by("pk").values()),
        list(ServiceEvent.objects.order_by("pk").values()),
        LogEntry.objects.count(),
    )


@contextlib.contextmanager
def refused(message):
    """The block raises ActionError whose text contains ``message``, and writes nothing."""
    before = everything()
    with pytest.raises(ActionError, match=re.escape(message)):
        yield
    assert everything() == before


# --- create ----------------------------------------------------------------------------------------


def test_account_manager_creates_a_new_request_for_her_customer(manager_ann, customer_a):
    request = make_request(
        manager_ann,
        customer_a,
        title="  发票开错了  ",
        request=" 客户说三月份的发票抬头写错了 ",
        service_type=service_type(),
    )
    after = stored(request)
    assert after.status == Status.NEW
    assert (after.title, after.request) == ("发票开错了", "客户说三月份的发票抬头写错了")
    assert (after.created_by, after.customer, after.service_type.value) == (manager_ann, customer_a, "complaint")
    assert after.assigned_to is None and after.assigned_at is None and after.handled_by is None
    assert (after.rounds, after.first_assigned_at, after.first_handled_at, after.archived_at) == (0, None, None, None)
    assert event_rows(request) == [("created", 0, "manager_ann", None, "", None)]
    [(action, actor, changes)] = audit_rows(request)
    assert (action, actor) == (CREATE, "manager_ann")
    assert {"title", "customer", "request", "status", "created_by"} <= changes
    [event] = ServiceEvent.objects.filter(service_request=request)
    assert [row[:2] for row in audit_rows(event)] == [(CREATE, "manager_ann")]


def test_supervisor_creates_a_request_for_any_customer(supervisor_sue, customer_b):
    request = make_request(supervisor_sue, customer_b)
    assert stored(request).created_by == supervisor_sue
    assert event_rows(request) == [("created", 0, "supervisor_sue", None, "", None)]
    assert audit_rows(request)[0][:2] == (CREATE, "supervisor_sue")


def test_account_manager_creates_a_request_for_a_customer_shared_with_her(manager_ann, customer_b, supervisor_sue):
    share(customer_b, manager_ann, "view", actor=supervisor_sue)
    request = make_request(manager_ann, customer_b)
    assert stored(request).customer == customer_b


def test_account_manager_cannot_create_a_request_for_a_customer_she_cannot_see(manager_ann, customer_b):
    with refused("Choose a customer you can see."):
        make_request(manager_ann, customer_b)


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_nobody_creates_a_request_for_a_customer_in_the_recycle_bin(personas, customer_a, persona):
    customer_actions.delete_customer(actor=personas["manager_ann"], customer=customer_a)
    with refused("Choose a customer you can see."):
        make_request(personas[persona], customer_a)


@pytest.mark.parametrize("persona", ["viewer_vic", "admin"])
def test_viewers_and_administrators_cannot_create_requests(personas, customer_a, persona):
    with refused("Only account managers and sales supervisors may create service requests."):
        make_request(personas[persona], customer_a)


def test_a_forged_customer_id_is_refused(manager_ann, customer_a):
    with refused("Choose a customer you can see."):
        actions.create_service_request(
            actor=manager_ann,
            service_request=ServiceRequest(
                service_type=service_type(), title="伪造", customer_id=customer_a.pk + 1000, request="伪造的客户"
            ),
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "   "}, "This field cannot be blank."),
        ({"request": ""}, "This field cannot be blank."),
        ({"title": "长" * 101}, "at most 100 characters"),
        ({"request": "长" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_values_are_refused_and_nothing_saved(manager_ann, customer_a, fields, message):
    with refused(message):
        make_request(manager_ann, customer_a, **fields)


def test_an_entry_of_another_dictionary_is_not_a_service_type(manager_ann, customer_a):
    with refused("is not a valid choice"):
        make_request(manager_ann, customer_a, service_type=region())


def test_create_cannot_forge_the_state_the_people_or_the_figures(manager_ann, manager_bob, customer_a):
    request = make_request(
        manager_ann,
        customer_a,
        status=Status.ARCHIVED,
        assigned_to=manager_bob,
        created_by=manager_bob,
        handling="伪造",
        satisfaction=5,
        rounds=7,
        archived_at=timezone.now(),
    )
    after = stored(request)
    assert (after.status, after.assigned_to, after.created_by, after.handling) == (Status.NEW, None, manager_ann, "")
    assert (after.satisfaction, after.rounds, after.archived_at) == (None, 0, None)


def test_create_never_overwrites_an_existing_request(manager_ann, customer_a):
    first = make_request(manager_ann, customer_a, title="第一个")
    copy = stored(first)
    copy.title = "复制的"
    second = actions.create_service_request(actor=manager_ann, service_request=copy)
    assert second.pk != first.pk
    assert stored(first).title == "第一个"
    assert stored(second).title == "复制的"
    assert event_rows(first) == [("created", 0, "manager_ann", None, "", None)]
    assert event_rows(second) == [("created", 0, "manager_ann", None, "", None)]


# --- assign ----------------------------------------------------------------------------------------


def test_supervisor_assigns_a_new_request_and_the_assignee_sees_it(
    manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = make_request(manager_ann, customer_a)
    assert not sees(manager_bob, request)
    before = timezone.now()
    actions.assign_service_request(actor=supervisor_sue, service_request=request, assignee=manager_bob)
    after = stored(request)
    assert (after.status, after.assigned_to) == (Status.ASSIGNED, manager_bob)
    assert after.assigned_at >= before and after.first_assigned_at == after.assigned_at
    assert after.rounds == 0
    assert event_rows(request)[1:] == [("assigned", 0, "supervisor_sue", "manager_bob", "", None)]
    assert audit_rows(request)[-1] == (
        UPDATE,
        "supervisor_sue",
        {"assigned_to", "assigned_at", "first_assigned_at", "status"},
    )
    event = ServiceEvent.objects.get(service_request=request, kind="assigned")
    assert audit_rows(event) == [(CREATE, "supervisor_sue", audit_rows(event)[0][2])]
    assert sees(manager_bob, request)


def test_supervisor_reassigns_a_request_waiting_for_its_handling(
    manager_ann, manager_bob, manager_carl, supervisor_sue, supervisor_sid, customer_a
):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    first = stored(request)
    actions.assign_service_request(actor=supervisor_sid, service_request=first, assignee=manager_carl)
    after = stored(request)
    assert (after.status, after.assigned_to) == (Status.ASSIGNED, manager_carl)
    assert after.first_assigned_at == first.first_assigned_at
    assert after.assigned_at > first.assigned_at
    assert event_rows(request)[1:] == [
        ("assigned", 0, "supervisor_sue", "manager_bob", "", None),
        ("assigned", 0, "supervisor_sid", "manager_carl", "", None),
    ]
    assert audit_rows(request)[-1] == (UPDATE, "supervisor_sid", {"assigned_to", "assigned_at"})
    # The access moved with the assignment: Bob no longer reaches Ann's customer's request.
    assert sees(manager_carl, request) and not sees(manager_bob, request)


def test_assigning_a_handled_request_is_refused(manager_ann, manager_bob, manager_carl, supervisor_sue, customer_a):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with refused("This service request has been handled: it waits for feedback, not for an assignment."):
        actions.assign_service_request(actor=supervisor_sue, service_request=request, assignee=manager_carl)


@pytest.mark.parametrize("assignee", ["viewer_vic", "supervisor_sue", "admin", "superuser_sam", "inactive_manager"])
def test_a_request_is_assigned_only_to_an_active_account_manager(
    request, personas, manager_ann, supervisor_sue, customer_a, assignee
):
    service_request = make_request(manager_ann, customer_a)
    user = request.getfixturevalue(assignee) if assignee == "inactive_manager" else personas[assignee]
    with refused("Service requests can only be assigned to active users with the account manager role."):
        actions.assign_service_request(actor=supervisor_sue, service_request=service_request, assignee=user)
    with refused("Service requests can only be assigned to active users with the account manager role."):
        actions.assign_service_request(actor=supervisor_sue, service_request=service_request, assignee=None)


def test_reassigning_to_the_same_assignee_is_refused(manager_ann, manager_bob, supervisor_sue, customer_a):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with refused("This service request is already assigned to Manager Bob."):
        actions.assign_service_request(actor=supervisor_sue, service_request=request, assignee=manager_bob)


@pytest.mark.parametrize("persona", ["manager_ann", "manager_bob", "viewer_vic", "admin"])
def test_only_supervisors_assign(personas, manager_ann, manager_bob, supervisor_sue, customer_a, persona):
    share(customer_a, manager_bob, "edit", actor=supervisor_sue)  # Bob sees it too
    request = make_request(manager_ann, customer_a)
    with refused("Only a sales supervisor may assign service requests."):
        actions.assign_service_request(actor=personas[persona], service_request=request, assignee=manager_bob)


def test_a_superuser_assigns(superuser_sam, manager_ann, manager_bob, customer_a):
    request = make_request(manager_ann, customer_a)
    actions.assign_service_request(actor=superuser_sam, service_request=request, assignee=manager_bob)
    assert stored(request).assigned_to == manager_bob


# --- handle ----------------------------------------------------------------------------------------


def test_the_assignee_handles_the_request_and_starts_round_one(manager_ann, manager_bob, supervisor_sue, customer_a):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    actions.handle_service_request(actor=manager_bob, service_request=request, handling="  已上门更换发票  ")
    after = stored(request)
    assert (after.status, after.handling, after.handled_by, after.rounds) == (
        Status.HANDLED,
        "已上门更换发票",
        manager_bob,
        1,
    )
    assert after.handled_at == after.first_handled_at is not None
    assert event_rows(request)[2:] == [("handled", 1, "manager_bob", None, "已上门更换发票", None)]
    assert audit_rows(request)[-1] == (
        UPDATE,
        "manager_bob",
        {"handling", "handled_by", "handled_at", "first_handled_at", "rounds", "status"},
    )
    event = ServiceEvent.objects.get(service_request=request, kind="handled")
    assert audit_rows(event)[0][:2] == (CREATE, "manager_bob")


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "superuser_sam", "viewer_vic"])
def test_only_the_assignee_handles(personas, manager_ann, manager_bob, supervisor_sue, customer_a, persona):
    # Not the creator, not a supervisor: the one it is assigned to.
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with refused("Only the account manager the service request is assigned to may handle it."):
        actions.handle_service_request(actor=personas[persona], service_request=request, handling="我来处理")


def test_a_new_request_cannot_be_handled(manager_ann, customer_a):
    request = make_request(manager_ann, customer_a)
    with refused("Only an assigned service request can be handled."):
        actions.handle_service_request(actor=manager_ann, service_request=request, handling="先处理")


def test_a_handled_request_cannot_be_handled_again_before_its_feedback(
    manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with refused("Only an assigned service request can be handled."):
        actions.handle_service_request(actor=manager_bob, service_request=request, handling="再处理一次")


@pytest.mark.parametrize("handling", ["", "   \n ", None])
def test_an_empty_handling_is_refused(manager_ann, manager_bob, supervisor_sue, customer_a, handling):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with refused("Describe what was done for the customer."):
        actions.handle_service_request(actor=manager_bob, service_request=request, handling=handling)


def test_a_handling_over_2000_characters_is_refused(manager_ann, manager_bob, supervisor_sue, customer_a):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with refused("at most 2000 characters"):
        actions.handle_service_request(actor=manager_bob, service_request=request, handling="长" * 2001)


# --- feedback --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_creator_or_a_supervisor_gives_feedback_and_a_satisfied_customer_archives_it(
    personas, manager_ann, manager_bob, supervisor_sue, customer_a, persona
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    actions.give_feedback(actor=personas[persona], service_request=request, result=" 客户很满意 ", satisfaction=4)
    after = stored(request)
    assert (after.status, after.result, after.satisfaction, after.rounds) == (Status.ARCHIVED, "客户很满意", 4, 1)
    assert after.archived_at is not None and after.archived_at >= after.first_handled_at
    assert event_rows(request) == [
        ("created", 0, "manager_ann", None, "", None),
        ("assigned", 0, "supervisor_sue", "manager_bob", "", None),
        ("handled", 1, "manager_bob", None, "已电话回复客户", None),
        ("feedback", 1, persona, None, "客户很满意", 4),
    ]
    assert audit_rows(request)[-1] == (UPDATE, persona, {"result", "satisfaction", "status", "archived_at"})
    event = ServiceEvent.objects.get(service_request=request, kind="feedback")
    assert audit_rows(event)[0][:2] == (CREATE, persona)


@pytest.mark.parametrize("persona", ["manager_bob", "manager_carl", "viewer_vic", "admin"])
def test_nobody_else_gives_feedback(request, personas, manager_ann, manager_bob, supervisor_sue, customer_a, persona):
    # Not even the assignee (Bob): feedback is the creator's or a supervisor's.
    user = request.getfixturevalue(persona) if persona == "manager_carl" else personas[persona]
    service_request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    if persona == "manager_carl":  # sees the customer's requests, still not his to give feedback on
        share(customer_a, user, "edit", actor=supervisor_sue)
    with refused("Only the service request's creator or a sales supervisor may give feedback on it."):
        actions.give_feedback(actor=user, service_request=service_request, result="满意", satisfaction=5)


@pytest.mark.parametrize("state", ["new", "assigned"])
def test_feedback_on_an_unhandled_request_is_refused(manager_ann, manager_bob, supervisor_sue, customer_a, state):
    if state == "new":
        request = make_request(manager_ann, customer_a)
    else:
        request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    for actor in (manager_ann, supervisor_sue):
        with refused("Feedback can only be given on a handled service request."):
            actions.give_feedback(actor=actor, service_request=request, result="满意", satisfaction=5)


@pytest.mark.parametrize("satisfaction", [0, 6, -1, "3", True, False, None, 2.5, 4.0])
def test_a_satisfaction_that_is_not_a_whole_number_from_1_to_5_is_refused(
    manager_ann, manager_bob, supervisor_sue, customer_a, satisfaction
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with refused("Satisfaction is a whole number from 1 to 5."):
        actions.give_feedback(actor=manager_ann, service_request=request, result="客户反馈", satisfaction=satisfaction)


@pytest.mark.parametrize("result", ["", "  ", None])
def test_an_empty_result_is_refused(manager_ann, manager_bob, supervisor_sue, customer_a, result):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with refused("Describe the result for the customer."):
        actions.give_feedback(actor=manager_ann, service_request=request, result=result, satisfaction=4)


def test_a_result_over_2000_characters_is_refused(manager_ann, manager_bob, supervisor_sue, customer_a):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with refused("at most 2000 characters"):
        actions.give_feedback(actor=manager_ann, service_request=request, result="长" * 2001, satisfaction=4)


def test_satisfaction_at_the_threshold_archives(manager_ann, manager_bob, supervisor_sue, customer_a, settings):
    assert settings.SERVICE_ARCHIVE_SATISFACTION == 3
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    actions.give_feedback(actor=manager_ann, service_request=request, result="基本满意", satisfaction=3)
    assert stored(request).status == Status.ARCHIVED


def test_an_unsatisfied_customer_sends_the_request_back_for_another_round_and_every_round_is_kept(
    manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue, handling="电话解释")
    first = stored(request)
    actions.give_feedback(actor=manager_ann, service_request=request, result="客户不满意", satisfaction=2)
    back = stored(request)
    assert (back.status, back.assigned_to, back.rounds, back.satisfaction) == (Status.ASSIGNED, manager_bob, 1, 2)
    assert back.archived_at is None
    assert audit_rows(request)[-1] == (UPDATE, "manager_ann", {"result", "satisfaction", "status"})
    # Back in the assignee's queue: the same assignee handles it again, a second round.
    actions.handle_service_request(actor=manager_bob, service_request=back, handling="上门更换")
    again = stored(request)
    assert (again.status, again.rounds, again.handling) == (Status.HANDLED, 2, "上门更换")
    assert again.first_handled_at == first.first_handled_at and again.handled_at > first.handled_at
    actions.give_feedback(actor=supervisor_sue, service_request=again, result="客户满意", satisfaction=4)
    done = stored(request)
    assert (done.status, done.rounds, done.satisfaction, done.result) == (Status.ARCHIVED, 2, 4, "客户满意")
    assert event_rows(request) == [
        ("created", 0, "manager_ann", None, "", None),
        ("assigned", 0, "supervisor_sue", "manager_bob", "", None),
        ("handled", 1, "manager_bob", None, "电话解释", None),
        ("feedback", 1, "manager_ann", None, "客户不满意", 2),
        ("handled", 2, "manager_bob", None, "上门更换", None),
        ("feedback", 2, "supervisor_sue", None, "客户满意", 4),
    ]


def test_a_request_sent_back_may_be_reassigned_for_its_next_round(
    manager_ann, manager_bob, manager_carl, supervisor_sue, customer_a
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    request = actions.give_feedback(actor=manager_ann, service_request=request, result="不满意", satisfaction=1)
    request = actions.assign_service_request(actor=supervisor_sue, service_request=request, assignee=manager_carl)
    # Bob's access went with the assignment (the customer is Ann's).
    with refused("This service request no longer exists."):
        actions.handle_service_request(actor=manager_bob, service_request=request, handling="我还想处理")
    actions.handle_service_request(actor=manager_carl, service_request=request, handling="换人处理")
    assert [row[:4] for row in event_rows(request)[4:]] == [
        ("assigned", 1, "supervisor_sue", "manager_carl"),  # opens round 2
        ("handled", 2, "manager_carl", None),
    ]
    assert stored(request).first_assigned_at < stored(request).assigned_at


@pytest.mark.parametrize(
    ("threshold", "satisfaction", "status"),
    [
        (5, 4, Status.ASSIGNED),
        (5, 5, Status.ARCHIVED),
        (1, 1, Status.ARCHIVED),
        (2, 1, Status.ASSIGNED),
        (2, 2, Status.ARCHIVED),
    ],
)
def test_the_threshold_follows_the_setting(
    manager_ann, manager_bob, supervisor_sue, customer_a, settings, threshold, satisfaction, status
):
    settings.SERVICE_ARCHIVE_SATISFACTION = threshold
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    actions.give_feedback(actor=manager_ann, service_request=request, result="反馈", satisfaction=satisfaction)
    assert stored(request).status == status


# --- delete ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_creator_or_a_supervisor_deletes_a_new_request_with_its_timeline(
    personas, manager_ann, customer_a, persona
):
    request = make_request(manager_ann, customer_a)
    [event] = ServiceEvent.objects.filter(service_request=request)
    actions.delete_service_request(actor=personas[persona], service_request=request)
    assert not ServiceRequest.objects.filter(pk=request.pk).exists()
    assert not ServiceEvent.objects.filter(pk=event.pk).exists()
    assert audit_rows(ServiceRequest, request.pk)[-1][:2] == (DELETE, persona)
    assert audit_rows(ServiceEvent, event.pk)[-1][:2] == (DELETE, persona)


@pytest.mark.parametrize("persona", ["manager_bob", "viewer_vic", "admin"])
def test_nobody_else_deletes_a_new_request(personas, manager_ann, supervisor_sue, customer_a, persona):
    share(customer_a, personas["manager_bob"], "edit", actor=supervisor_sue)  # Bob sees it, still not his to delete
    request = make_request(manager_ann, customer_a)
    with refused("Only the service request's creator or a sales supervisor may delete it."):
        actions.delete_service_request(actor=personas[persona], service_request=request)


@pytest.mark.parametrize("state", ["assigned", "handled"])
def test_deleting_after_assignment_is_refused(manager_ann, manager_bob, supervisor_sue, customer_a, state):
    make = assigned if state == "assigned" else handled
    request = make(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    for actor in (manager_ann, supervisor_sue):
        with refused("A service request can only be deleted while it is new."):
            actions.delete_service_request(actor=actor, service_request=request)


def test_deleting_a_request_twice_says_it_is_gone(manager_ann, customer_a):
    request = make_request(manager_ann, customer_a)
    actions.delete_service_request(actor=manager_ann, service_request=request)
    with refused("This service request no longer exists."):
        actions.delete_service_request(actor=manager_ann, service_request=request)


# --- outside one's scope ---------------------------------------------------------------------------


def test_another_account_manager_takes_no_step_on_a_request_outside_her_scope(
    manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = make_request(manager_ann, customer_a)
    assert not sees(manager_bob, request)
    with refused("This service request no longer exists."):
        actions.delete_service_request(actor=manager_bob, service_request=request)
    with refused("This service request no longer exists."):
        actions.assign_service_request(actor=manager_bob, service_request=request, assignee=manager_bob)
    request = handled(manager_ann, customer_a, manager_ann, supervisor=supervisor_sue)
    with refused("This service request no longer exists."):
        actions.give_feedback(actor=manager_bob, service_request=request, result="满意", satisfaction=5)
    request = assigned(manager_ann, customer_a, manager_ann, supervisor=supervisor_sue)
    with refused("This service request no longer exists."):
        actions.handle_service_request(actor=manager_bob, service_request=request, handling="越权处理")


def test_no_step_is_taken_on_a_request_of_a_customer_in_the_recycle_bin(
    manager_ann, manager_bob, manager_carl, supervisor_sue, customer_a
):
    new = make_request(manager_ann, customer_a)
    waiting = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    done = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    customer_actions.delete_customer(actor=manager_ann, customer=customer_a)
    gone = "This service request no longer exists."
    with refused(gone):
        actions.delete_service_request(actor=manager_ann, service_request=new)
    with refused(gone):
        actions.assign_service_request(actor=supervisor_sue, service_request=new, assignee=manager_bob)
    with refused(gone):
        actions.assign_service_request(actor=supervisor_sue, service_request=waiting, assignee=manager_carl)
    with refused(gone):
        actions.handle_service_request(actor=manager_bob, service_request=waiting, handling="处理")
    with refused(gone):
        actions.give_feedback(actor=manager_ann, service_request=done, result="满意", satisfaction=5)
    with refused(gone):
        actions.give_feedback(actor=supervisor_sue, service_request=done, result="满意", satisfaction=5)
    # Restored, the customer's requests go on where they were.
    customer_actions.restore_customer(actor=supervisor_sue, customer=customer_a)
    actions.give_feedback(actor=manager_ann, service_request=done, result="满意", satisfaction=5)
    assert stored(done).status == Status.ARCHIVED


# --- archived: read-only ---------------------------------------------------------------------------


def test_an_archived_request_refuses_every_step(manager_ann, manager_bob, manager_carl, supervisor_sue, customer_a):
    request = archived(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    assert stored(request).status == Status.ARCHIVED
    message = "This service request is archived: it can no longer be changed."
    with refused(message):
        actions.assign_service_request(actor=supervisor_sue, service_request=request, assignee=manager_carl)
    with refused(message):
        actions.handle_service_request(actor=manager_bob, service_request=request, handling="再处理")
    for actor in (manager_ann, supervisor_sue):
        with refused(message):
            actions.give_feedback(actor=actor, service_request=request, result="改成不满意", satisfaction=1)
        with refused(message):
            actions.delete_service_request(actor=actor, service_request=request)


# --- a page someone else has overtaken (StepForm.seen) ---------------------------------------------


def shown(page_row, stored_row):
    """What a step's form posted from a page that showed ``page_row``, read against ``stored_row``."""
    form = StepForm({"seen": seen_token(page_row)})
    assert form.is_valid(), form.errors
    return form.as_seen(stored_row)


def test_an_assignment_from_a_stale_page_is_refused_with_a_clear_message(
    manager_ann, manager_bob, manager_carl, supervisor_sue, supervisor_sid, customer_a
):
    request = make_request(manager_ann, customer_a)
    page = stored(request)  # both supervisors opened the page while it was new
    actions.assign_service_request(
        actor=supervisor_sue, service_request=shown(page, stored(request)), assignee=manager_bob
    )
    with refused(f"{MOVED_ON} (it is now Assigned). Reload the page."):
        actions.assign_service_request(
            actor=supervisor_sid, service_request=shown(page, stored(request)), assignee=manager_carl
        )
    assert stored(request).assigned_to == manager_bob


def test_a_feedback_from_a_stale_page_is_refused_even_in_the_same_state(
    manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    page = stored(request)  # handled, round 1
    actions.give_feedback(actor=supervisor_sue, service_request=page, result="不满意", satisfaction=2)
    actions.handle_service_request(actor=manager_bob, service_request=stored(request), handling="第二轮")
    # Handled again (round 2): a feedback written on round 1's page is not about this handling.
    with refused(f"{MOVED_ON} (it is now Handled). Reload the page."):
        actions.give_feedback(
            actor=manager_ann, service_request=shown(page, stored(request)), result="满意", satisfaction=5
        )


def test_a_second_feedback_from_the_same_page_says_someone_else_archived_it(
    manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    page = stored(request)
    actions.give_feedback(
        actor=supervisor_sue, service_request=shown(page, stored(request)), result="满意", satisfaction=4
    )
    with refused(f"{MOVED_ON} (it is now Archived). Reload the page."):
        actions.give_feedback(
            actor=manager_ann, service_request=shown(page, stored(request)), result="不满意", satisfaction=1
        )


def test_a_handling_from_a_page_of_a_request_reassigned_since_is_refused(
    manager_ann, manager_bob, manager_carl, supervisor_sue, customer_a
):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    page = stored(request)
    actions.assign_service_request(actor=supervisor_sue, service_request=page, assignee=manager_carl)
    actions.assign_service_request(actor=supervisor_sue, service_request=stored(request), assignee=manager_bob)
    # Same status, same assignee, same round: nothing the handling depends on changed, so it counts.
    actions.handle_service_request(actor=manager_bob, service_request=shown(page, stored(request)), handling="处理")
    assert stored(request).status == Status.HANDLED


def test_a_form_that_does_not_say_what_it_showed_takes_the_request_as_stored(
    manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = make_request(manager_ann, customer_a)
    form = StepForm({})
    assert form.is_valid()
    actions.assign_service_request(
        actor=supervisor_sue, service_request=form.as_seen(stored(request)), assignee=manager_bob
    )
    assert stored(request).assigned_to == manager_bob


@pytest.mark.parametrize("token", ["garbage", "new::x", "assigned:abc:0", ":::"])
def test_a_malformed_seen_token_is_refused_as_stale(manager_ann, manager_bob, supervisor_sue, customer_a, token):
    request = make_request(manager_ann, customer_a)
    form = StepForm({"seen": token})
    assert form.is_valid()
    with refused(MOVED_ON):
        actions.assign_service_request(
            actor=supervisor_sue, service_request=form.as_seen(stored(request)), assignee=manager_bob
        )


# --- time figures kept by the actions -------------------------------------------------------------


def test_the_time_figures_are_kept_on_the_request(manager_ann, manager_bob, supervisor_sue, customer_a):
    request = make_request(manager_ann, customer_a)
    created = stored(request).created_at
    request = actions.assign_service_request(actor=supervisor_sue, service_request=request, assignee=manager_bob)
    request = actions.handle_service_request(actor=manager_bob, service_request=request, handling="处理")
    request = actions.give_feedback(actor=manager_ann, service_request=request, result="满意", satisfaction=5)
    after = stored(request)
    assert created <= after.first_assigned_at <= after.first_handled_at <= after.archived_at
    assert after.archived_at - created < timedelta(minutes=1)
