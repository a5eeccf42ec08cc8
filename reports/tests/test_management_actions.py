"""The management report's steps (reports.actions.management): who may take them, what each
stores and audits, every refusal, and the frozen figures of a submitted report."""

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from crm.actions import create_user
from crm.roles import SUPERVISOR
from customers.actions.losses import confirm_loss
from customers.tests.factories import make_customer
from customers.tests.loss_factories import warned
from reports import actions, selectors
from reports.actions import ActionError
from reports.models import ManagementReport
from reports.tests.management_factories import draft, month_data, orders, submitted, this_month
from services.tests.factories import archived, make_request

pytestmark = pytest.mark.django_db
Status = ManagementReport.Status


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def supervisor_sid(roles):
    """A second sales supervisor."""
    return create_user(username="supervisor_sid", password="x-unused-x", full_name="Supervisor Sid", roles=[SUPERVISOR])


def stored():
    return list(ManagementReport.objects.order_by("pk").values())


def audit_rows(report_pk):
    """(action, actor's username, changed fields) of the report's audit rows, oldest first."""
    rows = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ManagementReport), object_id=report_pk
    ).order_by("id")
    return [(row.action, row.actor.username if row.actor else None, set(row.changes_dict)) for row in rows]


# --- create ----------------------------------------------------------------------------------------


def test_a_supervisor_creates_a_draft_for_a_quarter_with_its_bounds(supervisor_sue):
    report = actions.create_report(actor=supervisor_sue, kind="quarter", year=2026, number=3, summary="  三季度  ")
    assert (report.status, report.author, report.summary) == (Status.DRAFT, supervisor_sue, "三季度")
    assert (report.period_start, report.period_end) == (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    assert report.figures is None and report.submitted_at is None
    assert audit_rows(report.pk)[0][:2] == (LogEntry.Action.CREATE, "supervisor_sue")


def test_a_month_report_covers_the_whole_month(supervisor_sue):
    report = actions.create_report(actor=supervisor_sue, kind="month", year=2024, number=2)
    assert (report.period_start, report.period_end) == (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    assert str(report.period_label) == "2024-02"


@pytest.mark.parametrize("persona", ["admin", "manager_ann", "viewer_vic"])
def test_only_supervisors_create_reports(personas, persona):
    with pytest.raises(ActionError, match="Only sales supervisors"):
        actions.create_report(actor=personas[persona], kind="quarter", year=2026, number=1)
    assert stored() == []


def test_a_superuser_may_create_a_report(superuser_sam):
    assert actions.create_report(actor=superuser_sam, kind="month", year=2026, number=1).author == superuser_sam


@pytest.mark.parametrize(
    ("kind", "year", "number", "message"),
    [
        ("quarter", 2026, 5, "A quarter is a number from 1 to 4."),
        ("quarter", 2026, 0, "A quarter is a number from 1 to 4."),
        ("month", 2026, 13, "A month is a number from 1 to 12."),
        ("month", 20266, 1, "Enter a year between 2000 and 2100."),
        ("month", -1, 1, "Enter a year between 2000 and 2100."),
        ("month", "2026", 1, "Enter a year between 2000 and 2100."),
        ("week", 2026, 1, "Choose a month or a quarter."),
        ("month", 2026, True, "A month is a number from 1 to 12."),
    ],
)
def test_a_period_that_does_not_exist_is_refused(supervisor_sue, kind, year, number, message):
    with pytest.raises(ActionError) as refused:
        actions.create_report(actor=supervisor_sue, kind=kind, year=year, number=number)
    assert str(refused.value) == message
    assert stored() == []


def test_a_period_that_has_not_begun_is_refused(supervisor_sue):
    next_year = timezone.localdate().year + 1
    with pytest.raises(ActionError, match="has not begun yet"):
        actions.create_report(actor=supervisor_sue, kind="quarter", year=next_year, number=1)
    assert stored() == []


def test_a_summary_of_10000_characters_is_refused(supervisor_sue):
    with pytest.raises(ActionError, match="at most 5000 characters"):
        actions.create_report(actor=supervisor_sue, kind="quarter", year=2026, number=1, summary="字" * 10_000)
    assert stored() == []


def test_a_summary_of_exactly_the_limit_is_kept(supervisor_sue):
    report = actions.create_report(actor=supervisor_sue, kind="quarter", year=2026, number=1, summary="字" * 5000)
    assert len(report.summary) == ManagementReport.SUMMARY_MAX_LENGTH


def test_no_draft_for_a_period_already_submitted(supervisor_sue, supervisor_sid):
    submitted(supervisor_sue, kind="quarter", year=2026, number=2)
    before = stored()
    with pytest.raises(ActionError, match=r"The management report for 2026 Q2 has already been submitted\."):
        actions.create_report(actor=supervisor_sid, kind="quarter", year=2026, number=2)
    assert stored() == before


# --- update ----------------------------------------------------------------------------------------


def test_the_author_edits_the_summary_of_a_draft(supervisor_sue):
    report = draft(supervisor_sue, summary="初稿")
    updated = actions.update_report(actor=supervisor_sue, report=report, summary="第二稿")
    assert ManagementReport.objects.get(pk=report.pk).summary == updated.summary == "第二稿"
    assert audit_rows(report.pk)[-1] == (LogEntry.Action.UPDATE, "supervisor_sue", {"summary"})


def test_another_supervisor_cannot_edit_a_draft(supervisor_sue, supervisor_sid):
    report = draft(supervisor_sue, summary="初稿")
    with pytest.raises(ActionError, match="no longer exists"):
        actions.update_report(actor=supervisor_sid, report=report, summary="别人改的")
    assert ManagementReport.objects.get(pk=report.pk).summary == "初稿"


def test_a_superuser_sees_a_draft_but_does_not_edit_it(supervisor_sue, superuser_sam):
    report = draft(supervisor_sue, summary="初稿")
    with pytest.raises(ActionError, match="Only the author"):
        actions.update_report(actor=superuser_sam, report=report, summary="超级用户改的")
    assert ManagementReport.objects.get(pk=report.pk).summary == "初稿"


def test_a_too_long_summary_leaves_the_draft_as_it_was(supervisor_sue):
    report = draft(supervisor_sue, summary="初稿")
    with pytest.raises(ActionError, match="at most 5000 characters"):
        actions.update_report(actor=supervisor_sue, report=report, summary="x" * 10_000)
    assert ManagementReport.objects.get(pk=report.pk).summary == "初稿"


# --- submit ----------------------------------------------------------------------------------------


def test_submitting_stores_the_figures_of_the_period_and_audits_the_step(
    supervisor_sue, manager_ann, manager_bob, superuser_sam
):
    month_data(manager_ann, manager_bob, supervisor_sue)
    report = draft(supervisor_sue, summary="本月小结")
    done = actions.submit_report(actor=supervisor_sue, report=report)
    report = ManagementReport.objects.get(pk=report.pk)
    assert report.status == Status.SUBMITTED and report.submitted_at is not None
    assert report.figures == done.figures
    figures = report.figures
    assert Decimal(figures["contribution"]["total"]) == Decimal("6650.00")
    assert figures["contribution"]["customers"] == 2
    assert [(row["name"], Decimal(row["amount"])) for row in figures["contribution"]["top"]] == [
        ("安诚贸易有限公司", Decimal("6400.00")),
        ("博远科技有限公司", Decimal("250.00")),
    ]
    assert figures["contribution"]["top"][0]["share"] == pytest.approx(6400 / 6650)
    level = {row["value"]: row["count"] for row in figures["composition"]["level"]}
    assert (level[1], level[3]) == (2, 1)
    services = {row["label"]: row for row in figures["services"] if row["count"]}
    assert [(row["count"], row["archived"], row["avg_satisfaction"]) for row in services.values()] == [(2, 1, 4.0)]
    assert figures["losses"]["count"] == 1
    assert [(row["customer_name"], row["reason"]) for row in figures["losses"]["rows"]] == [
        ("乐凯食品有限公司", "改用竞争对手的产品")
    ]
    action, actor, changed = audit_rows(report.pk)[-1]
    assert (action, actor) == (LogEntry.Action.UPDATE, "supervisor_sue")
    assert {"status", "submitted_at"} <= changed and "figures" not in changed


def test_a_submitted_report_keeps_its_figures_when_orders_services_and_losses_change(
    supervisor_sue, manager_ann, manager_bob
):
    world = month_data(manager_ann, manager_bob, supervisor_sue)
    report = submitted(supervisor_sue)
    frozen = ManagementReport.objects.get(pk=report.pk).figures
    kind, year, number = this_month()
    start, end = report.period_start, report.period_end

    # The period's data changes afterwards: a new order, another service request, another loss.
    orders(world["B"], ("10", "1000.00"))
    archived(manager_bob, world["B"], manager_bob, supervisor=supervisor_sue, satisfaction=5, title="博远安装建议")
    make_request(manager_ann, world["A"], title="安诚产品咨询")
    confirm_loss(actor=supervisor_sue, record=warned(make_customer(manager_ann)), reason="公司注销")

    live = selectors.period_figures(user=supervisor_sue, start=start, end=end)
    assert Decimal(live["contribution"]["total"]) == Decimal("16650.00")  # the change is there to be seen...
    assert live["losses"]["count"] == 2
    assert sum(row["count"] for row in live["services"]) == 4
    stored_report = ManagementReport.objects.get(pk=report.pk)
    assert stored_report.figures == frozen  # ...but not in the report
    assert Decimal(frozen["contribution"]["total"]) == Decimal("6650.00")
    assert frozen["losses"]["count"] == 1
    assert sum(row["count"] for row in frozen["services"]) == 2


def test_a_report_freezes_the_figures_its_author_sees(supervisor_sue, manager_ann, manager_bob):
    month_data(manager_ann, manager_bob, supervisor_sue)
    report = submitted(supervisor_sue)
    mine = selectors.period_figures(user=manager_ann, start=report.period_start, end=report.period_end)
    assert Decimal(mine["contribution"]["total"]) == Decimal("6400.00")  # ann sees her own customers only
    assert Decimal(report.figures["contribution"]["total"]) == Decimal("6650.00")


def test_a_submitted_report_is_refused_every_step(supervisor_sue):
    report = submitted(supervisor_sue, summary="定稿")
    before = stored()
    for step in (
        lambda: actions.update_report(actor=supervisor_sue, report=report, summary="改"),
        lambda: actions.submit_report(actor=supervisor_sue, report=report),
        lambda: actions.delete_report(actor=supervisor_sue, report=report),
    ):
        with pytest.raises(ActionError, match="has been submitted: it can no longer be changed"):
            step()
    assert stored() == before


def test_a_stale_copy_of_a_report_submitted_meanwhile_is_refused(supervisor_sue):
    report = draft(supervisor_sue)
    copy = ManagementReport.objects.get(pk=report.pk)
    actions.submit_report(actor=supervisor_sue, report=report)
    before = stored()
    with pytest.raises(ActionError, match="can no longer be changed"):
        actions.update_report(actor=supervisor_sue, report=copy, summary="旧页面改的")
    assert stored() == before


def test_only_one_report_per_period_is_submitted(supervisor_sue, supervisor_sid):
    first = draft(supervisor_sue, kind="quarter", year=2026, number=1)
    second = draft(supervisor_sid, kind="quarter", year=2026, number=1)
    actions.submit_report(actor=supervisor_sue, report=first)
    before = stored()
    with pytest.raises(ActionError, match=r"The management report for 2026 Q1 has already been submitted\."):
        actions.submit_report(actor=supervisor_sid, report=second)
    assert stored() == before
    assert ManagementReport.objects.get(pk=second.pk).status == Status.DRAFT


def test_a_month_and_the_quarter_it_is_in_are_different_periods(supervisor_sue):
    submitted(supervisor_sue, kind="quarter", year=2026, number=1)
    assert submitted(supervisor_sue, kind="month", year=2026, number=1).is_submitted


def test_another_supervisor_cannot_submit_a_draft(supervisor_sue, supervisor_sid):
    report = draft(supervisor_sue)
    with pytest.raises(ActionError, match="no longer exists"):
        actions.submit_report(actor=supervisor_sid, report=report)
    assert ManagementReport.objects.get(pk=report.pk).status == Status.DRAFT


# --- delete ----------------------------------------------------------------------------------------


def test_the_author_deletes_a_draft(supervisor_sue):
    report = draft(supervisor_sue)
    actions.delete_report(actor=supervisor_sue, report=report)
    assert stored() == []
    assert audit_rows(report.pk)[-1][:2] == (LogEntry.Action.DELETE, "supervisor_sue")


def test_a_superuser_cannot_delete_someone_elses_draft(supervisor_sue, superuser_sam):
    report = draft(supervisor_sue)
    with pytest.raises(ActionError, match="Only the author"):
        actions.delete_report(actor=superuser_sam, report=report)
    assert ManagementReport.objects.filter(pk=report.pk).exists()


def test_a_deleted_draft_is_gone_for_a_second_step(supervisor_sue):
    report = draft(supervisor_sue)
    actions.delete_report(actor=supervisor_sue, report=report)
    with pytest.raises(ActionError, match="no longer exists"):
        actions.submit_report(actor=supervisor_sue, report=report)
    assert stored() == []


def test_decimal_totals_are_exact_strings(supervisor_sue, manager_ann):
    customer = make_customer(manager_ann)
    orders(customer, ("3", "0.10"), ("1", "0.20"))
    report = submitted(supervisor_sue)
    assert Decimal(report.figures["contribution"]["total"]) == Decimal("0.50")
