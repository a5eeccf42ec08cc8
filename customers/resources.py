from import_export import fields, resources, widgets

from crm.spreadsheets import neutralise
from customers.models import Customer


class CustomerResource(resources.ModelResource):
    """The columns of a customer export (superusers only)."""

    region = fields.Field(attribute="region__label", column_name="region")
    account_manager = fields.Field(attribute="account_manager__username", column_name="account_manager")

    class Meta:
        model = Customer
        fields = ("code", *Customer.EDITABLE_FIELDS, "status", "created_at", "last_order_date")
        export_order = fields

    def export_field(self, field, instance, **kwargs):
        """Every text cell as plain text: an address typed as ``=HYPERLINK(...)`` must not become a
        live formula in the CSV or XLSX. Numbers keep their sign (a negative amount is no formula)."""
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, widgets.NumberWidget):
            return value
        return neutralise(value)
