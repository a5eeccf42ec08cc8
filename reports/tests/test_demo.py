"""seed_demo's management report: one submitted report, on the quarter before last, once."""

import io

from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from reports.models import ManagementReport


def test_demo_submits_the_supervisors_report_on_the_quarter_before_last_once(db):
    call_command("seed_demo", customers=12, stdout=io.StringIO())
    report = ManagementReport.objects.get()
    today = timezone.localdate()
    # Quarters counted from year 0: two before the current one.
    before_last = today.year * 4 + (today.month - 1) // 3 - 2
    assert (report.author.username, report.status, report.period_kind) == ("sue", "submitted", "quarter")
    assert (report.year, report.period_number) == (before_last // 4, before_last % 4 + 1)
    assert report.figures["composition"]["level"], "the figures of the period are frozen with it"
    assert report.summary.startswith("本季度")
    entries = LogEntry.objects.count()
    out = io.StringIO()
    call_command("seed_demo", customers=12, stdout=out)
    assert ManagementReport.objects.count() == 1 and LogEntry.objects.count() == entries
    assert "Management reports: 1 present, skipped." in out.getvalue()
