"""Two people taking the same step on one service request at the same moment (PostgreSQL row
locks): exactly one wins, the other is told someone else moved the request on, and the timeline
holds one row for the step."""

import pytest

from crm.testing.concurrency import at_once, needs_postgresql
from services import actions
from services.actions import ActionError
from services.forms import StepForm, seen_token
from services.models import ServiceRequest, Status
from services.tests.factories import CREATE, UPDATE, audit_rows, event_rows, handled, make_request

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]

MOVED_ON = "Someone else changed this service request in the meantime"


def stored(service_request):
    return ServiceRequest.objects.get(pk=service_request.pk)


def as_posted(page_row):
    """What a step's form posts from a page that showed ``page_row``, read against the row as stored
    when the view runs (services.forms.StepForm.as_seen), as the views do."""
    form = StepForm({"seen": seen_token(page_row)})
    assert form.is_valid(), form.errors
    return form.as_seen(stored(page_row))


def one_wins(outcomes):
    winners = [result for result, error in outcomes if error is None]
    errors = [error for result, error in outcomes if error is not None]
    assert len(winners) == 1 and len(errors) == 1, outcomes
    assert isinstance(errors[0], ActionError), errors[0]
    assert MOVED_ON in str(errors[0])
    return winners[0], str(errors[0])


def test_two_supervisors_assigning_at_once_one_wins_and_the_other_is_told(
    manager_ann, manager_bob, manager_carl, supervisor_sue, supervisor_sid, customer_a
):
    request = make_request(manager_ann, customer_a)
    page = stored(request)  # both opened the assignment queue while the request was new
    outcomes = at_once(
        lambda: actions.assign_service_request(
            actor=supervisor_sue, service_request=as_posted(page), assignee=manager_bob
        ),
        lambda: actions.assign_service_request(
            actor=supervisor_sid, service_request=as_posted(page), assignee=manager_carl
        ),
    )
    winner, message = one_wins(outcomes)
    assert message.endswith("(it is now Assigned). Reload the page.")
    after = stored(request)
    assert (after.status, after.assigned_to_id) == (Status.ASSIGNED, winner.assigned_to_id)
    assert after.first_assigned_at == after.assigned_at
    [assignment] = [row for row in event_rows(request) if row[0] == "assigned"]
    assert assignment[3] == after.assigned_to.username
    assert [row[0] for row in audit_rows(request)] == [CREATE, UPDATE]


@pytest.mark.parametrize("satisfactions", [(4, 5), (2, 5), (1, 2)], ids=["both-satisfied", "mixed", "both-unsatisfied"])
def test_two_feedbacks_at_once_one_wins_and_the_other_is_told(
    manager_ann, manager_bob, supervisor_sue, customer_a, satisfactions
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    page = stored(request)  # the creator and a supervisor both opened the handled request
    first, second = satisfactions
    outcomes = at_once(
        lambda: actions.give_feedback(
            actor=manager_ann, service_request=as_posted(page), result="客户反馈甲", satisfaction=first
        ),
        lambda: actions.give_feedback(
            actor=supervisor_sue, service_request=as_posted(page), result="客户反馈乙", satisfaction=second
        ),
    )
    winner, _message = one_wins(outcomes)
    after = stored(request)
    assert (after.status, after.satisfaction, after.result, after.rounds) == (
        winner.status,
        winner.satisfaction,
        winner.result,
        1,
    )
    assert after.status == (Status.ARCHIVED if winner.satisfaction >= 3 else Status.ASSIGNED)
    feedbacks = [row for row in event_rows(request) if row[0] == "feedback"]
    assert len(feedbacks) == 1
    assert feedbacks[0][4:] == (winner.result, winner.satisfaction)
    assert [row[0] for row in audit_rows(request)] == [CREATE, UPDATE, UPDATE, UPDATE]


def test_two_handlings_at_once_make_one_round(manager_ann, manager_bob, supervisor_sue, customer_a):
    # The assignee sends the form twice (two tabs, a double click): one handling, one round.
    request = actions.assign_service_request(
        actor=supervisor_sue, service_request=make_request(manager_ann, customer_a), assignee=manager_bob
    )
    page = stored(request)
    outcomes = at_once(
        lambda: actions.handle_service_request(actor=manager_bob, service_request=as_posted(page), handling="第一次"),
        lambda: actions.handle_service_request(actor=manager_bob, service_request=as_posted(page), handling="第二次"),
    )
    winner, _message = one_wins(outcomes)
    after = stored(request)
    assert (after.status, after.rounds, after.handling) == (Status.HANDLED, 1, winner.handling)
    assert [row[:2] for row in event_rows(request) if row[0] == "handled"] == [("handled", 1)]
