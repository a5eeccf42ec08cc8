from import_export import fields, resources

from customers.models import Customer


class CustomerResource(resources.ModelResource):
    """The columns of a customer export (superusers only)."""

    region = fields.Field(attribute="region__label", column_name="region")
    account_manager = fields.Field(attribute="account_manager__username", column_name="account_manager")

    class Meta:
        model = Customer
        fields = ("code", *Customer.EDITABLE_FIELDS, "status", "created_at", "last_order_date")
        export_order = fields
