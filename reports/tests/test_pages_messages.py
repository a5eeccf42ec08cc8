"""The rows of the reports pages' flash messages: crm/tests/test_flash_messages.py finds these call
sites in the source and runs the entries below, in English and in Chinese, on its world
(manager_ann, manager_bob, supervisor_sue, superuser_sam, and "A", 安诚贸易有限公司 of ann's).

A scenario signs in, does what produces the message (following redirects) and returns the
response and the values the message interpolates (a period's label, in both languages), left out
before the language is judged. A race is a refusal the page shows as the action words it, reachable
only when someone else acts between the page's check and the action: it is called directly.
"""

import pytest
from django.urls import reverse

from reports import actions

pytestmark = pytest.mark.django_db

MANAGEMENT = "reports/views/management.py"
ANALYSES = "reports/views/analyses.py"
# 2025 Q1 as each language labels it.
Q1 = ["2025 Q1", "2025年第1季度"]


def _draft(author, number=1):
    return actions.create_report(actor=author, kind="quarter", year=2025, number=number, summary="消息测试")


def _url(step, report):
    return reverse(f"reports:management_{step}", args=[report.pk])


# --- scenarios: (client, world) -> (response followed to its page, interpolated values) ----------


def create_report(client, world):
    client.force_login(world["supervisor_sue"])
    data = {"kind": "quarter", "year": "2025", "number": "1"}
    return client.post(reverse("reports:management_create"), data, follow=True), Q1


def edit_summary(client, world):
    report = _draft(world["supervisor_sue"])
    client.force_login(world["supervisor_sue"])
    return client.post(_url("edit", report), {"summary": "第二稿"}, follow=True), []


def submit_report(client, world):
    report = _draft(world["supervisor_sue"])
    client.force_login(world["supervisor_sue"])
    return client.post(_url("submit", report), follow=True), Q1


def submit_a_period_submitted_meanwhile(client, world):
    report = _draft(world["supervisor_sue"])
    actions.submit_report(actor=world["superuser_sam"], report=_draft(world["superuser_sam"]))
    client.force_login(world["supervisor_sue"])
    return client.post(_url("submit", report), follow=True), Q1


def delete_draft(client, world):
    report = _draft(world["supervisor_sue"])
    client.force_login(world["supervisor_sue"])
    return client.post(_url("delete", report), follow=True), Q1


def edit_a_submitted_report(client, world):
    report = actions.submit_report(actor=world["supervisor_sue"], report=_draft(world["supervisor_sue"]))
    client.force_login(world["supervisor_sue"])
    return client.post(_url("edit", report), {"summary": "伪造的修改"}, follow=True), []


def export_without_a_format(client, world):
    client.force_login(world["supervisor_sue"])
    # The formats' names read the same in both languages.
    return client.get(reverse("reports:export", args=["composition"]), follow=True), ["XLSX", "CSV"]


SCENARIOS = {
    f"{MANAGEMENT}::_open::_('This management report has been submitted: it can no longer be changed.')": [
        edit_a_submitted_report
    ],
    f"{MANAGEMENT}::report_create::_('The draft management report for %(period)s was saved.') % "
    "{'period': report.period_label}": [create_report],
    f"{MANAGEMENT}::report_edit::_('The summary was saved.')": [edit_summary],
    f"{MANAGEMENT}::report_submit::str(error)": [submit_a_period_submitted_meanwhile],
    f"{MANAGEMENT}::report_submit::_('The management report for %(period)s was submitted: its figures are frozen.') % "
    "{'period': report.period_label}": [submit_report],
    f"{MANAGEMENT}::report_delete::_('The draft management report for %(period)s was deleted.') % "
    "{'period': report.period_label}": [delete_draft],
    f"{ANALYSES}::export::_('Choose a file format for the export: XLSX or CSV.')": [export_without_a_format],
}


def delete_a_draft_submitted_meanwhile(world):
    report = _draft(world["supervisor_sue"])
    actions.submit_report(actor=world["supervisor_sue"], report=report)
    actions.delete_report(actor=world["supervisor_sue"], report=report)


RACES = {
    f"{MANAGEMENT}::report_delete::str(error)": delete_a_draft_submitted_meanwhile,
}
