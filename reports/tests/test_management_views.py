"""The management report pages: the list and what each reader finds there, a new draft (and bad
input on it), a report's page (live figures for a draft, frozen ones for a submitted report), the
steps on a draft, forged steps on a submitted report, and the admin, which changes nothing."""

import re

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from crm.actions import create_user
from crm.roles import SUPERVISOR
from customers.tests.factories import make_customer
from reports import actions
from reports.models import ManagementReport
from reports.tests.management_factories import draft, month_data, orders, submitted, this_month

pytestmark = pytest.mark.django_db
Status = ManagementReport.Status


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def supervisor_sid(roles):
    return create_user(username="supervisor_sid", password="x-unused-x", full_name="Supervisor Sid", roles=[SUPERVISOR])


def stored():
    return list(ManagementReport.objects.order_by("pk").values())


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


def followed_messages(client, response):
    return messages_of(client.get(response.url))


def detail_url(report):
    return reverse("reports:management_detail", args=[report.pk])


def step_url(step, report):
    return reverse(f"reports:management_{step}", args=[report.pk])


# --- the list ------------------------------------------------------------------------------------


def test_a_supervisor_sees_her_drafts_on_top_then_the_submitted_reports(client, supervisor_sue, supervisor_sid):
    old = submitted(supervisor_sue, kind="quarter", year=2025, number=4)
    newer = submitted(supervisor_sid, kind="quarter", year=2026, number=1)
    mine = draft(supervisor_sue, kind="month", year=2025, number=1)
    draft(supervisor_sid, kind="month", year=2025, number=2)  # sid's draft: not hers to see
    client.force_login(supervisor_sue)
    response = client.get(reverse("reports:management"))
    assert response.status_code == 200
    assert [report.pk for report in response.context["page"].object_list] == [mine.pk, newer.pk, old.pk]
    page = text(response)
    assert "2025-01" in page and "2026 Q1" in page and "2025 Q4" in page and "2025-02" not in page
    assert 'data-testid="new-report"' in page


@pytest.mark.parametrize("persona", ["admin", "viewer_vic"])
def test_administrators_and_viewers_see_the_submitted_reports_only(client, personas, persona, supervisor_sue):
    shown = submitted(supervisor_sue, kind="quarter", year=2026, number=1)
    draft(supervisor_sue, kind="quarter", year=2026, number=2)
    client.force_login(personas[persona])
    response = client.get(reverse("reports:management"))
    assert [report.pk for report in response.context["page"].object_list] == [shown.pk]
    assert 'data-testid="new-report"' not in text(response)


def test_a_superuser_sees_every_draft(client, superuser_sam, supervisor_sue):
    theirs = draft(supervisor_sue, kind="quarter", year=2026, number=2)
    client.force_login(superuser_sam)
    response = client.get(reverse("reports:management"))
    assert [report.pk for report in response.context["page"].object_list] == [theirs.pk]


def test_an_account_manager_is_refused_the_list(client, manager_ann):
    client.force_login(manager_ann)
    assert client.get(reverse("reports:management")).status_code == 403


def test_the_empty_list_says_so(client, viewer_vic):
    client.force_login(viewer_vic)
    assert 'data-testid="empty-state"' in text(client.get(reverse("reports:management")))


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_reads_a_bounded_number_of_queries(client, supervisor_sue, django_assert_max_num_queries, count):
    for number in range(count):
        report = draft(supervisor_sue, kind="month", year=2000 + number // 12, number=number % 12 + 1)
        if number % 2:
            actions.submit_report(actor=supervisor_sue, report=report)
    client.force_login(supervisor_sue)
    client.get(reverse("reports:management"))  # the session and permissions, read once
    with django_assert_max_num_queries(5):
        response = client.get(reverse("reports:management"))
    assert len(response.context["page"].object_list) == count


# --- a new draft ---------------------------------------------------------------------------------


def test_the_new_report_form_proposes_last_quarter(client, supervisor_sue):
    client.force_login(supervisor_sue)
    form = client.get(reverse("reports:management_create")).context["form"]
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    expected = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    assert (form["kind"].value(), form["year"].value(), form["number"].value()) == ("quarter", *expected)


def test_a_supervisor_saves_a_draft_and_lands_on_its_page(client, supervisor_sue):
    client.force_login(supervisor_sue)
    response = client.post(
        reverse("reports:management_create"), {"kind": "quarter", "year": "2026", "number": "2", "summary": "二季度"}
    )
    report = ManagementReport.objects.get()
    assert response.status_code == 302 and response.url == detail_url(report)
    assert (report.period_kind, report.year, report.period_number, report.summary) == ("quarter", 2026, 2, "二季度")
    assert (report.author, report.status) == (supervisor_sue, Status.DRAFT)
    assert followed_messages(client, response) == ["The draft management report for 2026 Q2 was saved."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "quarter", "year": "2026", "number": "5"}, "number", "A quarter is a number from 1 to 4."),
        ({"kind": "month", "year": "2026", "number": "13"}, "number", "A month is a number from 1 to 12."),
        ({"kind": "quarter", "year": "20266", "number": "1"}, "year", "Enter a year between 2000 and 2100."),
        ({"kind": "quarter", "year": "-1", "number": "1"}, "year", "Enter a year between 2000 and 2100."),
        ({"kind": "quarter", "year": "abc", "number": "1"}, "year", "Enter a year between 2000 and 2100."),
        ({"kind": "week", "year": "2026", "number": "1"}, "kind", None),
        (
            {"kind": "quarter", "year": "2026", "number": "1", "summary": "字" * 10_000},
            "summary",
            "Ensure this value has at most 5000 characters (it has 10000).",
        ),
    ],
    ids=["quarter 5", "month 13", "year 20266", "year -1", "year abc", "kind week", "summary 10000"],
)
def test_bad_input_on_the_new_report_form_is_a_message_and_saves_nothing(client, supervisor_sue, data, field, message):
    client.force_login(supervisor_sue)
    response = client.post(reverse("reports:management_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert errors[field] == [message]
        assert message in response.content.decode()
    assert stored() == []


def test_a_period_already_submitted_is_told_on_the_form(client, supervisor_sue, supervisor_sid):
    submitted(supervisor_sid, kind="quarter", year=2026, number=1)
    before = stored()
    client.force_login(supervisor_sue)
    response = client.post(reverse("reports:management_create"), {"kind": "quarter", "year": "2026", "number": "1"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The management report for 2026 Q1 has already been submitted."
    ]
    assert stored() == before


# --- the report's page ---------------------------------------------------------------------------


def test_a_draft_shows_the_live_figures_of_its_period_and_its_steps(client, supervisor_sue, manager_ann, manager_bob):
    month_data(manager_ann, manager_bob, supervisor_sue)
    report = draft(supervisor_sue, summary="本月销售平稳")
    client.force_login(supervisor_sue)
    response = client.get(detail_url(report))
    page = text(response)
    assert "本月销售平稳" in page and 'data-testid="draft-note"' in page
    assert "Orders of 2 customers, 6,650.00 in all." in page
    assert "1 loss confirmed in this period." in page and "乐凯食品有限公司" in page
    assert response.context["steps"] == {"edit", "submit", "delete"}
    for testid in ("edit-report", "submit-report", "delete-report", "print-report"):
        assert f'data-testid="{testid}"' in page
    for chart in ("chart-contribution", "chart-composition-level", "chart-services", "chart-losses"):
        assert f'data-chart="{chart}"' in page and f'id="{chart}"' in page
    assert response.context["charts"]["contribution"]["categories"] == ["安诚贸易有限公司", "博远科技有限公司"]
    assert response.context["charts"]["losses"]["series"][0]["data"] == [1]


def test_a_submitted_report_shows_its_frozen_figures_after_the_data_changed(
    client, supervisor_sue, manager_ann, manager_bob, viewer_vic
):
    world = month_data(manager_ann, manager_bob, supervisor_sue)
    report = submitted(supervisor_sue, summary="定稿")
    orders(world["B"], ("10", "1000.00"))
    orders(make_customer(manager_ann), ("1", "1.00"))
    client.force_login(viewer_vic)
    response = client.get(detail_url(report))
    page = text(response)
    assert "Orders of 2 customers, 6,650.00 in all." in page
    assert 'data-testid="frozen-note"' in page and 'data-testid="draft-note"' not in page
    assert response.context["steps"] == set()
    for testid in ("edit-report", "submit-report", "delete-report"):
        assert f'data-testid="{testid}"' not in page
    assert 'data-testid="print-report"' in page


def test_someone_elses_draft_is_not_found(client, supervisor_sue, supervisor_sid, admin, viewer_vic):
    report = draft(supervisor_sid)
    for user in (supervisor_sue, admin, viewer_vic):
        client.force_login(user)
        assert client.get(detail_url(report)).status_code == 404


def test_an_account_manager_is_refused_a_submitted_report(client, supervisor_sue, manager_ann):
    report = submitted(supervisor_sue)
    client.force_login(manager_ann)
    assert client.get(detail_url(report)).status_code == 403


@pytest.mark.parametrize("count", [3, 30])
def test_a_drafts_page_reads_a_bounded_number_of_queries(
    client, supervisor_sue, manager_ann, django_assert_max_num_queries, count
):
    for number in range(count):
        orders(make_customer(manager_ann), ("1", f"{number + 1}.00"))
    report = draft(supervisor_sue)
    client.force_login(supervisor_sue)
    client.get(detail_url(report))
    # The session, the user and the report, the period's analyses (reports.selectors), its history.
    with django_assert_max_num_queries(15):
        response = client.get(detail_url(report))
    assert response.context["contribution"]["customers"] == count


@pytest.mark.parametrize("count", [3, 30])
def test_a_submitted_reports_page_reads_only_the_report(
    client, supervisor_sue, manager_ann, django_assert_max_num_queries, count
):
    for number in range(count):
        orders(make_customer(manager_ann), ("1", f"{number + 1}.00"))
    report = submitted(supervisor_sue)
    client.force_login(supervisor_sue)
    client.get(detail_url(report))
    # The session, the user, the report and its history.
    with django_assert_max_num_queries(5):
        response = client.get(detail_url(report))
    assert response.context["contribution"]["customers"] == count


# --- the steps on a draft ------------------------------------------------------------------------


def test_the_author_edits_the_summary(client, supervisor_sue):
    report = draft(supervisor_sue, summary="初稿")
    client.force_login(supervisor_sue)
    assert client.get(step_url("edit", report)).context["form"]["summary"].value() == "初稿"
    response = client.post(step_url("edit", report), {"summary": "第二稿"})
    assert response.status_code == 302 and response.url == detail_url(report)
    assert ManagementReport.objects.get(pk=report.pk).summary == "第二稿"


def test_a_10000_character_summary_is_a_message_and_changes_nothing(client, supervisor_sue):
    report = draft(supervisor_sue, summary="初稿")
    client.force_login(supervisor_sue)
    response = client.post(step_url("edit", report), {"summary": "x" * 10_000})
    assert response.status_code == 200
    assert response.context["form"].errors["summary"] == [
        "Ensure this value has at most 5000 characters (it has 10000)."
    ]
    assert ManagementReport.objects.get(pk=report.pk).summary == "初稿"


def test_the_author_submits_a_draft(client, supervisor_sue, manager_ann, manager_bob):
    month_data(manager_ann, manager_bob, supervisor_sue)
    report = draft(supervisor_sue)
    client.force_login(supervisor_sue)
    assert client.get(step_url("submit", report)).status_code == 200  # the page asking first
    response = client.post(step_url("submit", report))
    assert response.status_code == 302 and response.url == detail_url(report)
    stored_report = ManagementReport.objects.get(pk=report.pk)
    assert stored_report.status == Status.SUBMITTED
    assert stored_report.figures["losses"]["count"] == 1
    kind, year, number = this_month()
    assert followed_messages(client, response) == [
        f"The management report for {year}-{number:02d} was submitted: its figures are frozen."
    ]


def test_submitting_a_second_report_for_a_period_is_a_message(client, supervisor_sue, supervisor_sid):
    submitted(supervisor_sid, kind="quarter", year=2026, number=1)
    report = draft(supervisor_sue, kind="month", year=2026, number=1)
    ManagementReport.objects.filter(pk=report.pk).update(period_kind="quarter")  # a draft from before sid's
    before = stored()
    client.force_login(supervisor_sue)
    response = client.post(step_url("submit", report))
    assert response.status_code == 302
    assert followed_messages(client, response) == ["The management report for 2026 Q1 has already been submitted."]
    assert stored() == before


def test_the_author_deletes_a_draft(client, supervisor_sue):
    report = draft(supervisor_sue)
    client.force_login(supervisor_sue)
    assert client.get(step_url("delete", report)).status_code == 200
    response = client.post(step_url("delete", report))
    assert response.status_code == 302 and response.url == reverse("reports:management")
    assert stored() == []


@pytest.mark.parametrize(
    ("step", "data"),
    [("edit", {"summary": "伪造的修改"}), ("submit", {}), ("delete", {})],
    ids=["edit", "submit", "delete"],
)
def test_a_forged_step_on_a_submitted_report_is_a_message_and_changes_nothing(client, supervisor_sue, step, data):
    report = submitted(supervisor_sue, summary="定稿")
    before = stored()
    client.force_login(supervisor_sue)
    for method in (client.get, client.post):
        response = method(step_url(step, report), data)
        assert response.status_code == 302 and response.url == detail_url(report)
        assert followed_messages(client, response) == [
            "This management report has been submitted: it can no longer be changed."
        ]
    assert stored() == before


@pytest.mark.parametrize("step", ["edit", "submit", "delete"])
def test_a_step_on_a_report_that_is_not_yours_is_forbidden(client, supervisor_sue, superuser_sam, viewer_vic, step):
    draft_report = draft(supervisor_sue, kind="quarter", year=2026, number=1)
    done = submitted(supervisor_sue, kind="quarter", year=2026, number=2)
    before = stored()
    for user, report in ((superuser_sam, draft_report), (superuser_sam, done), (viewer_vic, done)):
        client.force_login(user)
        assert client.post(step_url(step, report), {"summary": "别人的"}).status_code == 403
    assert stored() == before


# --- the admin ------------------------------------------------------------------------------------


def test_the_admin_shows_a_submitted_report_and_changes_nothing(client, superuser_sam, supervisor_sue):
    report = submitted(supervisor_sue, summary="定稿")
    before = stored()
    client.force_login(superuser_sam)
    change = reverse("admin:reports_managementreport_change", args=[report.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode() and "定稿" in page.content.decode()
    assert client.post(change, {"summary": "后台改的", "status": "draft"}).status_code == 403
    assert client.get(reverse("admin:reports_managementreport_add")).status_code == 403
    delete = reverse("admin:reports_managementreport_delete", args=[report.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:reports_managementreport_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [report.pk]})  # no such action
    assert stored() == before


def test_an_administrator_finds_only_submitted_reports_in_the_admin(client, admin, supervisor_sue):
    shown = submitted(supervisor_sue, kind="quarter", year=2026, number=1)
    hidden = draft(supervisor_sue, kind="quarter", year=2026, number=2)
    client.force_login(admin)
    response = client.get(reverse("admin:reports_managementreport_changelist"))
    assert response.status_code == 200
    assert [report.pk for report in response.context["cl"].result_list] == [shown.pk]
    assert client.get(reverse("admin:reports_managementreport_change", args=[hidden.pk])).status_code == 302


def test_a_reports_page_shows_who_wrote_and_submitted_it(client, supervisor_sue, viewer_vic):
    report = draft(supervisor_sue, summary="初稿")
    actions.update_report(actor=supervisor_sue, report=report, summary="定稿")
    actions.submit_report(actor=supervisor_sue, report=report)
    client.force_login(viewer_vic)
    response = client.get(detail_url(report))
    panel = text(response).split('data-testid="history-panel"', 1)[1]
    assert panel.count("Supervisor Sue") == 3
    assert "定稿" in panel


ADDRESS = "10.20.30.40"


def audit_of(report_pk):
    """(action, actor's username, remote address, changed fields) of the report's audit rows."""
    rows = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ManagementReport), object_id=report_pk
    ).order_by("id")
    return [(row.action, row.actor.username, row.remote_addr, set(row.changes_dict)) for row in rows]


def test_each_step_through_its_page_is_audited_with_its_actor_and_address(client, supervisor_sue):
    client.force_login(supervisor_sue)
    data = {"kind": "quarter", "year": "2026", "number": "1", "summary": "初稿"}
    client.post(reverse("reports:management_create"), data, REMOTE_ADDR=ADDRESS)
    report = ManagementReport.objects.get()
    client.post(step_url("edit", report), {"summary": "定稿"}, REMOTE_ADDR=ADDRESS)
    client.post(step_url("submit", report), REMOTE_ADDR=ADDRESS)
    rows = audit_of(report.pk)
    assert [row[:3] for row in rows] == [
        (LogEntry.Action.CREATE, "supervisor_sue", ADDRESS),
        (LogEntry.Action.UPDATE, "supervisor_sue", ADDRESS),
        (LogEntry.Action.UPDATE, "supervisor_sue", ADDRESS),
    ]
    assert rows[1][3] == {"summary"} and {"status", "submitted_at"} <= rows[2][3]
    other = draft(supervisor_sue, kind="quarter", year=2026, number=2)
    client.post(step_url("delete", other), REMOTE_ADDR=ADDRESS)
    assert audit_of(other.pk)[-1][:3] == (LogEntry.Action.DELETE, "supervisor_sue", ADDRESS)
