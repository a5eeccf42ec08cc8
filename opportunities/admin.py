from django.contrib import admin, messages

from crm.admin import ReadOnlyAdminMixin
from opportunities import actions
from opportunities.models import Opportunity, PlanItem, Status


class PlanItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The plan, read-only here: it is kept on the opportunity's page, by its assignee."""

    model = PlanItem
    extra = 0
    fields = ("plan_date", "todo", "result", "created_by")
    readonly_fields = fields


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Opportunities in the admin follow the workflow's rules: created on the opportunities pages
    (creator, keys), edited and deleted only while unassigned and through the actions, read-only
    once assigned, closed ones included (SPEC §4)."""

    list_display = ("title", "customer_name", "status", "assigned_to", "created_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("assigned_to", "created_by")
    search_fields = ("title", "customer_name", "contact_name")
    fields = (
        *Opportunity.EDITABLE_FIELDS,
        "status",
        "created_by",
        "created_at",
        "assigned_to",
        "assigned_at",
        "closed_at",
        "failure_reason",
        "customer",
    )
    readonly_fields = fields[len(Opportunity.EDITABLE_FIELDS) :]
    inlines = [PlanItemInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Assigned or closed: read-only (closed ones are read-only everywhere).
        if obj is not None and obj.status != Status.UNASSIGNED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Status.UNASSIGNED:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Through the action: it keeps the pinyin keys, checks the state under a lock and audits.
        try:
            actions.update_opportunity(actor=request.user, opportunity=obj)
        except actions.ActionError as error:
            self.message_user(request, str(error), messages.ERROR)

    def delete_model(self, request, obj):
        try:
            actions.delete_opportunity(actor=request.user, opportunity=obj)
        except actions.ActionError as error:
            self.message_user(request, str(error), messages.ERROR)

    def get_actions(self, request):
        # The bulk delete would bypass the workflow's rules.
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found
