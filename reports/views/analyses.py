"""The four analyses (SPEC §5): each a filter form, an ECharts chart and a table, exportable by
those allowed.

Every signed-in role may open them (reports.view_analyses); the figures cover what the user may
see (reports.selectors, through the owning apps' selectors). One builder per analysis reads the
filters and computes the analysis once; the page, its chart and its export all come from what it
returns, so they can't disagree. Exporting the contribution or the losses copies customer data:
superusers alone (customers.export_customer); the aggregate analyses need reports.export_analyses.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from crm import access, replica
from crm.exports import refuse_over_limit
from crm.security import client_ip
from reports import selectors
from reports.actions.exports import export_analysis
from reports.forms import DIMENSIONS, CompositionForm, ContributionForm, ExportForm, LossesForm, ServicesForm
from reports.tables import CompositionTable, ContributionTable, LossesTable, ServicesTable

PER_PAGE = 50

TITLES = {
    "contribution": gettext_lazy("Customer contribution"),
    "composition": gettext_lazy("Customer composition"),
    "services": gettext_lazy("Customer services"),
    "losses": gettext_lazy("Customer losses"),
}
DESCRIPTIONS = {
    "contribution": gettext_lazy("Order amount per customer for a year or all years, largest first."),
    "composition": gettext_lazy("How many customers there are of each level, credit or satisfaction."),
    "services": gettext_lazy(
        "Service requests per type for a year, with average satisfaction, rounds and time to archive."
    ),
    "losses": gettext_lazy("Confirmed customer losses with their manager and reason, per month."),
}
ICONS = {"contribution": "cash-coin", "composition": "pie-chart", "services": "headset", "losses": "person-dash"}
COMPOSITION_TITLES = {
    "level": gettext_lazy("Customers by level"),
    "credit": gettext_lazy("Customers by credit"),
    "satisfaction": gettext_lazy("Customers by satisfaction"),
}
# Who may export each analysis: those listing customers copy customer data (superusers alone).
EXPORT_PERMISSIONS = {
    "contribution": "customers.export_customer",
    "composition": "reports.export_analyses",
    "services": "reports.export_analyses",
    "losses": "customers.export_customer",
}


# --- charts: the spec templates/reports/_chart.html hands to static/js/charts.js ---------------


def bar_chart(chart_id, title, categories, values, *, value_format="count", horizontal=False):
    """A one-series bar chart."""
    return {
        "id": chart_id,
        "kind": "bar",
        "title": str(title),
        "categories": [str(category) for category in categories],
        "series": [{"name": str(title), "data": [float(value or 0) for value in values]}],
        "value_format": value_format,
        "horizontal": horizontal,
    }


def contribution_chart(top, title=None, chart_id="chart-contribution"):
    """Top customers by amount (dicts with "name" and "amount": a live analysis's or a frozen
    report's ``top``), largest on top."""
    title = title or _("Top %(count)d customers by order amount") % {"count": selectors.TOP}
    return bar_chart(
        chart_id,
        title,
        [row["name"] for row in top],
        [row["amount"] for row in top],
        value_format="money",
        horizontal=True,
    )


def composition_chart(rows, kind="pie", title=None, chart_id="chart-composition"):
    """Customers per value (dicts with "label" and "count"), as a pie or bars."""
    chart = bar_chart(chart_id, title or _("Customers"), [row["label"] for row in rows], [row["count"] for row in rows])
    chart["kind"] = "pie" if kind == "pie" else "bar"
    return chart


def services_chart(rows, title=None, chart_id="chart-services"):
    """Service requests per type (dicts with "label" and "count")."""
    return bar_chart(
        chart_id,
        title or _("Service requests per type"),
        [row["label"] for row in rows],
        [row["count"] for row in rows],
    )


def _month_start(value):
    if isinstance(value, str):  # a frozen report's "2026-10"
        year, month = value.split("-")[:2]
        return datetime.date(int(year), int(month), 1)
    return datetime.date(value.year, value.month, 1)


def _next_month(day):
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def losses_chart(per_month, start=None, end=None, title=None, chart_id="chart-losses"):
    """Confirmed losses per month (dicts with "month": a date or "YYYY-MM", and "count"), every
    month from ``start`` (or the first with a loss) to ``end`` (or the last) shown, empty ones 0."""
    counts = {_month_start(row["month"]): row["count"] for row in per_month}
    first = _month_start(start) if start else min(counts, default=None)
    last = _month_start(end) if end else max(counts, default=None)
    months = []
    while first is not None and last is not None and first <= last and len(months) < 1200:
        months.append(first)
        first = _next_month(first)
    chart = bar_chart(
        chart_id,
        title or _("Confirmed losses per month"),
        [month.strftime("%Y-%m") for month in months],
        [counts.get(month, 0) for month in months],
    )
    return chart


# --- the analyses: filters in, everything the page, chart and export need out --------------------


def _year_span(year):
    return selectors.year_bounds(year) if year else (None, None)


def build_contribution(request, whole=False):
    form = ContributionForm(request.GET or None, user=request.user)
    values = form.values()
    start, end = _year_span(values["year"])
    # The first page (the one everybody opens) reads its rows once, with one more to know there
    # is a next page (LazyPaginator), and the chart's top 20 from them; an export (whole) all rows.
    first = PER_PAGE + 1 if not whole and request.GET.get("page", "1") == "1" else None
    analysis = selectors.contribution_analysis(user=request.user, start=start, end=end, q=values["q"], first=first)
    return {
        "form": form,
        "analysis": analysis,
        "table": ContributionTable(analysis["rows"], total=analysis["total"]),
        "chart": contribution_chart(analysis["top"]),
        "empty": not analysis["customers"],
        "year": values["year"],
    }


def build_composition(request, whole=False):
    form = CompositionForm(request.GET or None, user=request.user)
    values = form.values()
    analysis = selectors.composition_analysis(user=request.user, dimension=values["dimension"])
    label = dict(DIMENSIONS)[values["dimension"]]
    return {
        "form": form,
        "analysis": analysis,
        "table": CompositionTable(analysis["rows"], total=analysis["total"], dimension_label=label),
        "chart": composition_chart(analysis["rows"], values["chart"], title=COMPOSITION_TITLES[values["dimension"]]),
        "empty": not analysis["total"],
        "dimension_label": label,
    }


def build_services(request, whole=False):
    form = ServicesForm(request.GET or None, user=request.user)
    values = form.values()
    start, end = selectors.year_bounds(values["year"])
    analysis = selectors.service_analysis(user=request.user, start=start, end=end)
    return {
        "form": form,
        "analysis": analysis,
        "table": ServicesTable(analysis["rows"]),
        "chart": services_chart(analysis["rows"]),
        "empty": not analysis["total"],
        "year": values["year"],
    }


def build_losses(request, whole=False):
    form = LossesForm(request.GET or None, user=request.user)
    values = form.values()
    start, end = _year_span(values["year"])
    analysis = selectors.loss_analysis(
        user=request.user, start=start, end=end, q=values["q"], manager=values["manager"]
    )
    return {
        "form": form,
        "analysis": analysis,
        "table": LossesTable(analysis["rows"]),
        "chart": losses_chart(analysis["per_month"], start, end),
        "empty": not analysis["count"],
        "year": values["year"],
    }


BUILDERS = {
    "contribution": build_contribution,
    "composition": build_composition,
    "services": build_services,
    "losses": build_losses,
}
PAGED = {"contribution", "losses"}


def _require_analyses(user):
    access.require(user, "reports.view_analyses")


def _export_links(request, name):
    query = request.GET.copy()
    query.pop("page", None)
    links = []
    for file_format, label in ExportForm.base_fields["file_format"].choices:
        query["file_format"] = file_format
        links.append(
            {
                "format": file_format,
                "label": label,
                "url": f"{reverse('reports:export', args=[name])}?{query.urlencode()}",
            }
        )
    return links


def _analysis_page(request, name):
    _require_analyses(request.user)
    can_export = access.can(request.user, EXPORT_PERMISSIONS[name])
    # The figures come from the read replica if there is one (crm.replica); who may see them was
    # decided on the primary, above.
    with replica.reading():
        context = BUILDERS[name](request)
        table = context["table"]
        if name in PAGED:
            RequestConfig(request, paginate={"paginator_class": LazyPaginator, "per_page": PER_PAGE}).configure(table)
        else:
            RequestConfig(request, paginate=False).configure(table)
        context.update(
            name=name,
            title=TITLES[name],
            description=DESCRIPTIONS[name],
            filter={"form": context["form"], "is_bound": context["form"].is_bound},
            export_links=_export_links(request, name) if can_export else [],
        )
        return render(request, f"reports/analysis_{name}.html", context)


@login_required
@require_GET
def report_index(request):
    """The analyses (and the management reports, for those who may see them)."""
    _require_analyses(request.user)
    analyses = [
        {
            "name": name,
            "title": TITLES[name],
            "description": DESCRIPTIONS[name],
            "icon": ICONS[name],
            "url": reverse(f"reports:{name}"),
        }
        for name in BUILDERS
    ]
    context = {
        "analyses": analyses,
        "can_see_management": access.can(request.user, "reports.view_managementreport"),
    }
    return render(request, "reports/index.html", context)


@login_required
@require_GET
def contribution(request):
    return _analysis_page(request, "contribution")


@login_required
@require_GET
def composition(request):
    return _analysis_page(request, "composition")


@login_required
@require_GET
def services(request):
    return _analysis_page(request, "services")


@login_required
@require_GET
def losses(request):
    return _analysis_page(request, "losses")


@login_required
@require_GET
def export(request, analysis):
    """An analysis's whole table as XLSX or CSV, filtered as its page; audited (the action), and
    refused past the hourly limit (crm.exports), back on the analysis's page."""
    if analysis not in BUILDERS:
        raise Http404
    _require_analyses(request.user)
    access.require(request.user, EXPORT_PERMISSIONS[analysis])
    form = ExportForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose a file format for the export: XLSX or CSV."))
        return redirect(f"reports:{analysis}")
    refused = refuse_over_limit(request, reverse(f"reports:{analysis}"))
    if refused is not None:
        return refused
    file_format = form.cleaned_data["file_format"]
    # The rows from the read replica if there is one; the limit above and the audit row of the
    # export, below, on the primary (crm.replica).
    with replica.reading():
        context = BUILDERS[analysis](request, whole=True)
        values = list(context["table"].as_values())
        filters = context["form"].filters()
    content, content_type = export_analysis(
        actor=request.user,
        remote_addr=client_ip(request),
        analysis=analysis,
        rows=values[1:],
        headers=values[0],
        filters=filters,
        file_format=file_format,
    )
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{analysis}-{stamp}.{file_format}"'
    return response
