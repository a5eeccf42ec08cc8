from django.contrib import admin, messages

from crm.admin import ReadOnlyAdminMixin
from services import actions
from services.models import ServiceEvent, ServiceRequest, Status


class ServiceEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The request's timeline, read-only: every step is written by the workflow's actions."""

    model = ServiceEvent
    extra = 0
    fields = ("at", "kind", "round", "actor", "assignee", "text", "satisfaction")
    readonly_fields = fields
    ordering = ("at", "id")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Service requests in the admin, to look them up with their timeline. They are created,
    assigned, handled and given feedback on the service pages, through the actions (SPEC §4),
    never here: every request is read-only, archived ones included. A new request may be deleted
    here, through the action (its creator or a supervisor)."""

    list_display = ("title", "customer", "service_type", "status", "assigned_to", "created_by", "created_at")
    list_filter = ("status", "service_type")
    list_select_related = ("customer", "service_type", "assigned_to", "created_by")
    search_fields = ("title", "customer__name", "customer__code")
    fields = (
        "service_type",
        "title",
        "customer",
        "request",
        "status",
        "created_by",
        "created_at",
        "assigned_to",
        "assigned_at",
        "handling",
        "handled_by",
        "handled_at",
        "result",
        "satisfaction",
        "rounds",
        "first_assigned_at",
        "first_handled_at",
        "archived_at",
    )
    readonly_fields = fields
    inlines = [ServiceEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Only while new (the action checks who); assigned, handled and archived ones are kept.
        if obj is not None and obj.status != Status.NEW:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        try:
            actions.delete_service_request(actor=request.user, service_request=obj)
        except actions.ActionError as error:
            self.message_user(request, str(error), messages.ERROR)

    def get_actions(self, request):
        # The bulk delete would bypass the workflow's rules.
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found
