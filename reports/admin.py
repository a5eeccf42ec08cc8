from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm.admin import ReadOnlyAdminMixin
from reports import rules
from reports.models import ManagementReport


@admin.register(ManagementReport)
class ManagementReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Management reports in the admin, to look them up. They are written, submitted and deleted on
    the report pages through reports.actions, never here: a submitted report is frozen (its
    figures are its period's analyses at submission), and a draft belongs to its author. So the
    admin adds, changes and deletes nothing; it lists the drafts only to those who see them
    (reports.rules: their author, superusers)."""

    list_display = ("period", "status", "author", "submitted_at", "updated_at")
    list_filter = ("status", "period_kind")
    list_select_related = ("author",)
    fields = (
        "period_kind",
        "year",
        "period_number",
        "period_start",
        "period_end",
        "status",
        "author",
        "created_at",
        "updated_at",
        "submitted_at",
        "summary",
        "figures",
    )
    readonly_fields = fields

    @admin.display(description=_("period"), ordering="period_start")
    def period(self, report):
        return report.period_label

    def get_queryset(self, request):
        return rules.visible_reports(request.user)
