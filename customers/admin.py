from django.contrib import admin

from crm.admin import ReadOnlyAdminMixin
from customers.models import LossMeasure, LossRecord


class LossMeasureInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The measures taken to keep the customer, as appended by postponing (never edited)."""

    model = LossMeasure
    extra = 0
    fields = ("created_at", "created_by", "text")
    readonly_fields = fields
    ordering = ("created_at", "id")


@admin.register(LossRecord)
class LossRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Loss records in the admin, to look them up with their measures. They are raised by
    detect_losses, postponed and confirmed on the loss pages and recovered by the sales import,
    through the actions (SPEC §4), never here: confirmed ones are final, open ones follow the
    workflow's rules."""

    list_display = ("customer", "account_manager", "status", "last_order_date", "raised_at")
    list_filter = ("status",)
    list_select_related = ("customer", "account_manager")
    search_fields = ("customer__name", "customer__code")
    fields = (
        "customer",
        "account_manager",
        "status",
        "last_order_date",
        "raised_at",
        "reason",
        "confirmed_at",
        "confirmed_by",
        "recovered_on",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [LossMeasureInline]
