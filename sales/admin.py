from django.contrib import admin

from crm.admin import ReadOnlyAdminMixin
from sales.models import CustomerMonthTotal, Order, OrderLine, Product, Stock


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The sales system owns these rows: the admin may look, never write."""


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "model", "batch", "unit", "price")
    search_fields = ("code", "name", "model")


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ("warehouse", "location", "product", "quantity")
    list_select_related = ("product",)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("order_no", "customer", "order_date", "status")
    list_select_related = ("customer",)
    inlines = [OrderLineInline]


@admin.register(CustomerMonthTotal)
class CustomerMonthTotalAdmin(ReadOnlyAdmin):
    """The month totals the import keeps (sales.actions.refresh_customer_totals): to look at only."""

    list_display = ("customer", "month", "amount", "orders", "lines")
    list_select_related = ("customer",)
    search_fields = ("customer__code",)
    # The table has a row per customer and month: no counting the whole of it for every page.
    show_full_result_count = False
