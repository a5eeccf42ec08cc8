"""seed_demo's management reports: the supervisor's submitted report on the quarter before last,
so administrators and viewers find one to read (the last quarter is left for the demo's own
supervisor to write)."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from reports import actions
from reports.management_forms import last_quarter
from reports.models import ManagementReport

SUPERVISOR = "sue"
SUMMARY = (
    "本季度新增订单主要来自重点开发客户，服务请求以咨询为主，平均满意度保持在四星左右。"
    "流失预警集中在半年未下单的普通客户，客户经理已逐一回访，下季度重点跟进暂缓流失的客户。"
)


def seed(*, stdout, options):
    """Nothing before the other apps' data is in place: the report reads it (after_seed)."""


def after_seed(*, stdout, options):
    """Once the orders, services and losses are in place: the demo supervisor writes and submits
    the report on the quarter before last. Skipped when any management report exists, or without
    the demo supervisor."""
    if ManagementReport.objects.exists():
        stdout.write(f"Management reports: {ManagementReport.objects.count()} present, skipped.")
        return
    supervisor = get_user_model().objects.filter(username=SUPERVISOR, is_active=True).first()
    if supervisor is None:
        stdout.write("Management reports: no demo supervisor, skipped.")
        return
    year, quarter = last_quarter(timezone.localdate())
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    draft = actions.create_report(actor=supervisor, kind="quarter", year=year, number=quarter, summary=SUMMARY)
    actions.submit_report(actor=supervisor, report=draft)
    stdout.write(f"Management reports: {year} Q{quarter} submitted by {SUPERVISOR}.")
