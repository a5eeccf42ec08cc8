"""Two supervisors submitting reports of the same period at the same moment (PostgreSQL row locks
and the one-submitted-per-period constraint): exactly one is submitted, the other supervisor is
told the period has its report, and their draft stays a draft. Also the author submitting the same
draft twice at once (a double click): one submission, one refusal."""

import pytest

from crm.actions import create_user
from crm.roles import SUPERVISOR
from crm.testing.concurrency import at_once, needs_postgresql
from reports import actions
from reports.actions import ActionError
from reports.models import ManagementReport

pytestmark = [needs_postgresql, pytest.mark.django_db(transaction=True)]
Status = ManagementReport.Status


@pytest.fixture
def supervisor_sid(roles):
    return create_user(username="supervisor_sid", password="x-unused-x", full_name="Supervisor Sid", roles=[SUPERVISOR])


def one_wins(outcomes, refusal):
    winners = [result for result, error in outcomes if error is None]
    errors = [error for result, error in outcomes if error is not None]
    assert len(winners) == 1 and len(errors) == 1, outcomes
    assert isinstance(errors[0], ActionError), errors[0]
    assert refusal in str(errors[0])
    return winners[0]


def test_two_supervisors_submitting_the_same_period_at_once_one_report_is_submitted(supervisor_sue, supervisor_sid):
    sues = actions.create_report(actor=supervisor_sue, kind="quarter", year=2026, number=1)
    sids = actions.create_report(actor=supervisor_sid, kind="quarter", year=2026, number=1)
    outcomes = at_once(
        lambda: actions.submit_report(actor=supervisor_sue, report=sues),
        lambda: actions.submit_report(actor=supervisor_sid, report=sids),
    )
    winner = one_wins(outcomes, "The management report for 2026 Q1 has already been submitted.")
    submitted = ManagementReport.objects.filter(status=Status.SUBMITTED)
    assert [report.pk for report in submitted] == [winner.pk]
    loser = sids if winner.pk == sues.pk else sues
    stored = ManagementReport.objects.get(pk=loser.pk)
    assert (stored.status, stored.figures, stored.submitted_at) == (Status.DRAFT, None, None)


def test_a_double_click_on_submit_submits_once(supervisor_sue):
    report = actions.create_report(actor=supervisor_sue, kind="quarter", year=2026, number=2)
    outcomes = at_once(
        lambda: actions.submit_report(actor=supervisor_sue, report=report),
        lambda: actions.submit_report(actor=supervisor_sue, report=report),
    )
    winner = one_wins(outcomes, "has been submitted: it can no longer be changed")
    stored = ManagementReport.objects.get(pk=report.pk)
    assert stored.status == Status.SUBMITTED and stored.submitted_at == winner.submitted_at
