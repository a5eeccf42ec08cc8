"""The reports pages (issue 14) for bench/run.py ``--app reports``: the four analyses as each
persona opens them, and a management report made and submitted by the supervisor.

Submitting computes the four analyses of the period and freezes them (reports.actions.management.
submit_report), so it is timed as the supervisor does it: POST the new draft for last quarter
(``/reports/management/new/``), POST its submission, each without following the redirect. Each
round deletes the bench supervisor's reports of that period before and after (one report may be
submitted per period), so the figures are those of a first submission, and the bench leaves
nothing behind.
"""

import statistics
import time
from urllib.parse import urlencode

REPORTS = "/reports/"


def report_pages(*, year, supervisor):
    """(label, url) of each measured analysis page: this year unless said otherwise; for a
    ``supervisor`` also the figures of their dashboard card (loaded by htmx after the page)."""

    def q(path, **params):
        return f"{REPORTS}{path}?{urlencode(params)}"

    pages = [
        (f"reports: contribution, one year ({year})", q("contribution/", year=year)),
        ("reports: contribution, all years", q("contribution/", year="all")),
        ("reports: composition by level", q("composition/", dimension="level")),
        ("reports: composition by credit", q("composition/", dimension="credit")),
        ("reports: composition by satisfaction", q("composition/", dimension="satisfaction")),
        (f"reports: services ({year})", q("services/", year=year)),
        (f"reports: losses ({year})", q("losses/", year=year)),
        ("reports: dashboard", "/"),
    ]
    if supervisor:
        # The supervisor's card (reports.dashboard): this year's contribution, the open services.
        pages.append(("reports: dashboard card's figures", f"{REPORTS}dashboard/"))
    return pages


def _last_quarter(today):
    quarter = (today.month - 1) // 3 + 1
    return (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)


def draft_form():
    """The new-report form as posted for last quarter."""
    from django.utils import timezone

    year, quarter = _last_quarter(timezone.localdate())
    return {
        "kind": "quarter",
        "year": year,
        "number": quarter,
        "summary": "基准测试：上季度的客户贡献、构成、服务和流失。",
    }


def time_submit(*, client, user, warmup, repeat, recorder_class, connection, percentile):
    """Time making (POST new) and submitting (POST submit) a management report for last quarter
    ``repeat`` times as ``user`` after ``warmup`` untimed rounds; returns the result rows for
    run.py's table, the last submitted report's page URL (timed afterwards as a page) and the
    queryset of the user's reports of that period (for the clean-up)."""
    from django.utils import timezone

    from reports.models import ManagementReport

    year, quarter = _last_quarter(timezone.localdate())
    period = {"period_kind": ManagementReport.PeriodKind.QUARTER, "year": year, "period_number": quarter}
    mine = ManagementReport.objects.filter(author=user, **period)
    form = draft_form()
    label = f"Q{quarter} {year}"
    timings = {"create": [], "submit": [], "both": []}
    sql = {"create": [], "submit": []}
    queries = {}
    for number in range(warmup + repeat):
        mine.delete()
        parts = {}
        for step in ("create", "submit"):
            url = f"{REPORTS}management/new/"
            if step == "submit":
                url = f"{REPORTS}management/{mine.get().pk}/submit/"
            timer = recorder_class(connection)
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = client.post(url, form if step == "create" else {})
                parts[step] = (time.perf_counter() - started) * 1000
            if response.status_code != 302:
                raise SystemExit(f"{url} answered {response.status_code} for {user.username}")
            if number >= warmup:
                timings[step].append(parts[step])
                sql[step].append(timer.total * 1000)
                queries[step] = len(timer.queries)
        if mine.get().status != ManagementReport.Status.SUBMITTED:
            raise SystemExit(f"the report for {label} was not submitted")
        if number >= warmup:
            timings["both"].append(parts["create"] + parts["submit"])
    detail = f"{REPORTS}management/{mine.get().pk}/"
    rows = []
    for step, text in (("create", "new draft (POST)"), ("submit", "submit (POST)")):
        values = timings[step]
        rows.append(
            (
                f"reports: management report {label}, {text}",
                statistics.median(values),
                percentile(values, 0.95),
                statistics.median(sql[step]),
                queries[step],
            )
        )
    both = timings["both"]
    total_sql = [a + b for a, b in zip(sql["create"], sql["submit"], strict=True)]
    rows.append(
        (
            f"reports: management report {label}, new draft + submit",
            statistics.median(both),
            percentile(both, 0.95),
            statistics.median(total_sql),
            queries["create"] + queries["submit"],
        )
    )
    return rows, detail, mine
