from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django_filters.views import FilterView

from crm import access
from crm.dashboard import render_cards
from crm.filters import EXPORT_LOG_EVENTS, AuditLogFilter, ExportLogFilter
from crm.mixins import ListPageMixin, PermissionRequiredMixin
from crm.tables import AuditLogTable, ExportLogTable


@login_required
def dashboard(request):
    """The start page: where to go, and the cards the apps contribute (crm.dashboard)."""
    return render(request, "crm/dashboard.html", {"cards": render_cards(request)})


class AuditLogView(PermissionRequiredMixin, ListPageMixin, FilterView):
    """The audit trail for administrators: filter by user, model, action and date."""

    permission = "auditlog.view_logentry"
    template_name = "crm/audit_list.html"
    table_class = AuditLogTable
    filterset_class = AuditLogFilter

    def get_queryset(self):
        return access.visible(self.request.user, LogEntry).select_related("actor", "content_type")


class ExportLogView(AuditLogView):
    """Every export and transfer for administrators (the audit page's permission), newest first:
    their audit rows (crm.audit.record_bulk_event), filtered by user, event and date."""

    template_name = "crm/export_log.html"
    table_class = ExportLogTable
    filterset_class = ExportLogFilter

    def get_queryset(self):
        return (
            super().get_queryset().filter(action=LogEntry.Action.ACCESS, additional_data__event__in=EXPORT_LOG_EVENTS)
        )

    def scope_parts(self):
        """The log as one part per event, each read newest first from the event index: the page is
        their first rows merged (crm.paginators), instead of walking the whole audit log by time
        for its few export rows (bench/README.md, audit log at 20M rows)."""
        parts = [self.get_queryset().filter(additional_data__event=event) for event in EXPORT_LOG_EVENTS]
        filterset = getattr(self, "filterset", None)
        if filterset is not None and filterset.is_bound:
            filterset.is_valid()  # filters in error are left out of the parts as of the list
            parts = [filterset.filter_queryset(part) for part in parts]
        return parts


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login from a locked username and address: 429 and a clear page."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)
