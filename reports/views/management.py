"""The management report pages (客户管理报告, SPEC §5): the list, a new draft, a report's page (the
four analyses of its period: live for a draft, as frozen for a submitted report), and the steps on
a draft: edit its summary, submit it, delete it.

Who may do what is reports.rules: every page answers 403 to someone who may read no report (an
account manager) and 404 for a report outside what the user sees (someone else's draft). A step
that is the user's but that the report's state refuses (a submitted report is frozen) is a message
and a redirect to the report's page; the action checks again under its lock.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm import replica
from crm.security import client_ip
from reports import actions, rules, selectors
from reports.actions import ActionError
from reports.management_forms import PeriodForm, SummaryForm
from reports.models import ManagementReport
from reports.views import analyses as charts

# Reports on one page of the list (twelve months and four quarters a year).
PAGE_SIZE = 50


def _posted(request):
    return request.POST if request.method == "POST" else None


def _reader(request):
    if not rules.may_read(request.user):
        raise PermissionDenied
    return request.user


def _report(request, pk):
    """The report ``pk`` if the user sees it (404 otherwise; 403 for someone who reads no report)."""
    user = _reader(request)
    return get_object_or_404(rules.visible_reports(user).select_related("author"), pk=pk)


def _open(request, pk, step):
    """The report ``pk`` for ``step`` and None if the user may take it now; 403 if the step is not
    theirs in any state; else the report and a redirect to its page with a message saying why."""
    report = _report(request, pk)
    if not rules.writes(request.user, report, step):
        raise PermissionDenied
    if rules.may(request.user, report, step):
        return report, None
    messages.error(request, _("This management report has been submitted: it can no longer be changed."))
    return report, redirect(report)


@login_required
@require_GET
def report_list(request):
    """Every report the user sees: their drafts on top, then by period, newest first."""
    user = _reader(request)
    reports = (
        rules.visible_reports(user)
        .select_related("author")
        .annotate(
            draft_first=Case(
                When(status=ManagementReport.Status.DRAFT, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("draft_first", "-period_start", "period_kind", "-id")
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/management_list.html", {"page": page, "may_create": rules.may_create(user)})


@login_required
def report_create(request):
    """A new draft for a month or a quarter (the quarter before this one is proposed)."""
    if not rules.may_create(request.user):
        raise PermissionDenied
    form = PeriodForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = actions.create_report(
                actor=request.user,
                remote_addr=client_ip(request),
                kind=data["kind"],
                year=data["year"],
                number=data["number"],
                summary=data["summary"],
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The draft management report for %(period)s was saved.") % {"period": report.period_label}
            )
            return redirect(report)
    return render(request, "reports/management_form.html", {"form": form})


@login_required
@require_GET
def report_detail(request, pk):
    report = _report(request, pk)
    if report.is_submitted:
        figures = report.figures
    else:
        # A draft shows the analyses as they are now, as its author sees them: what submitting freezes.
        # Computed on the read replica if there is one (crm.replica); the report itself, above, and
        # the figures submitting freezes come from the primary.
        with replica.reading():
            figures = selectors.period_figures(user=request.user, start=report.period_start, end=report.period_end)
    context = {
        "report": report,
        "steps": rules.steps(request.user, report),
        **figures_context(report, figures),
    }
    return render(request, "reports/management_detail.html", context)


@login_required
def report_edit(request, pk):
    report, refused = _open(request, pk, "edit")
    if refused:
        return refused
    form = SummaryForm(_posted(request), initial={"summary": report.summary})
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_report(
                actor=request.user,
                remote_addr=client_ip(request),
                report=report,
                summary=form.cleaned_data["summary"],
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The summary was saved."))
            return redirect(report)
    return render(request, "reports/management_edit.html", {"report": report, "form": form})


@login_required
def report_submit(request, pk):
    report, refused = _open(request, pk, "submit")
    if refused:
        return refused
    if request.method == "POST":
        try:
            actions.submit_report(actor=request.user, remote_addr=client_ip(request), report=report)
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The management report for %(period)s was submitted: its figures are frozen.")
                % {"period": report.period_label},
            )
        return redirect(report)
    return render(request, "reports/management_submit.html", {"report": report})


@login_required
def report_delete(request, pk):
    report, refused = _open(request, pk, "delete")
    if refused:
        return refused
    if request.method == "POST":
        try:
            actions.delete_report(actor=request.user, remote_addr=client_ip(request), report=report)
        except ActionError as error:
            messages.error(request, str(error))
            return redirect(report)
        messages.success(
            request, _("The draft management report for %(period)s was deleted.") % {"period": report.period_label}
        )
        return redirect("reports:management")
    return render(request, "reports/management_delete.html", {"report": report})


# --- the report's figures as the page shows them -------------------------------------------------


def figures_context(report, figures):
    """What the report's page shows of ``figures`` (reports.selectors.period_figures' dict, live or
    as stored): its tables, and its charts drawn by the analyses' own chart builders (the spec of
    templates/reports/_chart.html), so a report's chart reads like its analysis's page."""
    top = figures["contribution"]["top"]
    contribution = {**figures["contribution"], "top": [{**row, "percent": 100 * (row["share"] or 0)} for row in top]}
    services = [{**row, "median_to_archive": _hours(row["median_to_archive_hours"])} for row in figures["services"]]
    losses = figures["losses"]
    composition = [
        {
            "key": key,
            "title": title,
            "rows": figures["composition"][key],
            "chart": charts.composition_chart(
                figures["composition"][key], "pie", title=title, chart_id=f"chart-composition-{key}"
            ),
        }
        for key, title in charts.COMPOSITION_TITLES.items()
    ]
    return {
        "contribution": contribution,
        "composition": composition,
        "services": services,
        "losses": losses,
        "losses_cut": losses["count"] > len(losses["rows"]),
        "charts": {
            "contribution": charts.contribution_chart(top),
            "services": charts.services_chart(services),
            "losses": charts.losses_chart(losses["per_month"], report.period_start, report.period_end),
        },
    }


def _hours(hours):
    return None if hours is None else datetime.timedelta(hours=hours)
