"""The customer spreadsheet: exported for office users, and importable again.

The export speaks the user's language: column headers are the fields' names, choices their labels
(levels, satisfaction, credit, status), the region its label, account managers their display
names. The import reads such a file back in either language, and also the stored codes
(``level`` = 3, a region's value, a username), so a file made by hand or by another system works
too. A row whose customer code is known updates that customer; a row without a code creates one;
both go through the customer actions, so keys, numbering, grants and audit rows are the same as
in the forms.
"""

import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from crm import access
from crm.display import display_name
from crm.models import DictionaryEntry
from crm.spreadsheets import FORMULA_STARTS, neutralise
from customers.models import Customer, Level, Rating

EXPORTED = ("code", *Customer.EDITABLE_FIELDS, "status", "created_at", "last_order_date")
# Shown in the file, never written by an import: the numbering, loss handling, the stamps and
# the sales import own them.
READ_ONLY = ("code", "status", "created_at", "last_order_date")


def _in_every_language(text):
    """``text`` (a lazy translation) as each of the product's languages says it."""
    said = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            said.add(str(text))
    return said


def _key(text):
    """How a typed cell or header is compared: case, outer spaces and full-width forms don't count."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def _blank(value):
    return value is None or _key(value) == ""


class ChoiceLabelWidget(widgets.Widget):
    """A choice by its label in the user's language; read back from its label in any language
    or from its stored value."""

    def __init__(self, choices):
        super().__init__(coerce_to_string=True)
        self.choices = choices

    def render(self, value, obj=None, **kwargs):
        if value in (None, ""):
            return ""
        return str(self.choices(value).label)

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        typed = _key(value)
        if isinstance(value, float) and value.is_integer():  # a spreadsheet's number 3 reads as 3.0
            typed = str(int(value))
        for choice in self.choices:
            if typed == _key(choice.value) or typed in {_key(label) for label in _in_every_language(choice.label)}:
                return choice.value
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s")
            % {"value": value, "choices": " / ".join(str(choice.label) for choice in self.choices)}
        )


class RegionWidget(widgets.Widget):
    """A region by its label in the user's language; read back from either label or its value."""

    def render(self, value, obj=None, **kwargs):
        return value.display_label if value is not None else ""

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        typed = _key(value)
        for entry in DictionaryEntry.objects.filter(category=DictionaryEntry.Category.REGION):
            if typed in {_key(entry.value), _key(entry.label), _key(entry.label_en)}:
                return entry
        raise ValueError(_("There is no region “%(value)s”.") % {"value": value})


class PersonWidget(widgets.Widget):
    """A person by display name; read back from a username or a display name that only one user has."""

    def render(self, value, obj=None, **kwargs):
        return display_name(value)

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        typed = str(value).strip()
        User = get_user_model()
        by_username = User.objects.filter(**{User.USERNAME_FIELD: typed}).first()
        if by_username is not None:
            return by_username
        named = [user for user in User.objects.filter(is_active=True) if _key(display_name(user)) == _key(typed)]
        if len(named) == 1:
            return named[0]
        if named:
            raise ValueError(_("Several users are called “%(value)s”: write the username instead.") % {"value": value})
        raise ValueError(_("There is no user “%(value)s”.") % {"value": value})


class CustomerResource(resources.ModelResource):
    """The columns of a customer export (superusers only), and the import that reads them back.

    ``actor``: who imports (their scope decides which customers a code may update, the actions
    record them). Not needed to export.
    """

    region = fields.Field(attribute="region", column_name="region", widget=RegionWidget())
    account_manager = fields.Field(attribute="account_manager", column_name="account_manager", widget=PersonWidget())
    level = fields.Field(attribute="level", column_name="level", widget=ChoiceLabelWidget(Level))
    satisfaction = fields.Field(attribute="satisfaction", column_name="satisfaction", widget=ChoiceLabelWidget(Rating))
    credit = fields.Field(attribute="credit", column_name="credit", widget=ChoiceLabelWidget(Rating))
    status = fields.Field(
        attribute="status", column_name="status", widget=ChoiceLabelWidget(Customer.Status), readonly=True
    )

    class Meta:
        model = Customer
        fields = EXPORTED
        export_order = EXPORTED
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *, actor=None, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor
        for name in READ_ONLY:
            self.fields[name].readonly = True

    # Export

    def get_export_headers(self, selected_fields=None):
        """The fields' names in the active language (the import reads either language back)."""
        return [
            str(capfirst(Customer._meta.get_field(field.attribute).verbose_name))
            for field in self.get_export_fields(selected_fields)
        ]

    def export_field(self, field, instance, **kwargs):
        """Every text cell as plain text: an address typed as ``=HYPERLINK(...)`` must not become a
        live formula in the CSV or XLSX. Numbers keep their sign (a negative amount is no formula)."""
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, widgets.NumberWidget):
            return value
        return neutralise(value)

    # Import

    def before_import(self, dataset, **kwargs):
        """Headers in either language, or the fields' own names, become the fields' names."""
        names = {}
        for name in EXPORTED:
            for said in {name, *_in_every_language(Customer._meta.get_field(name).verbose_name)}:
                names[_key(said)] = name
        dataset.headers = [names.get(_key(header), header) for header in dataset.headers]
        if "code" not in dataset.headers:  # rows from elsewhere: every one a new customer
            dataset.append_col([""] * len(dataset), header="code")

    def get_queryset(self):
        """The customers an import may update: those the importing user may change."""
        if self.actor is None:
            return Customer.objects.none()
        return access.visible(self.actor, Customer, "change")

    def get_instance(self, instance_loader, row):
        """The customer the row's code names; a row without a code is a new customer, and a code
        the user can't change (or that doesn't exist) is refused rather than taken as new."""
        code = row.get("code")
        if _blank(code):
            return None
        code = _key(code).upper()
        instance = self.get_queryset().filter(code=code).first()
        if instance is None:
            raise ValidationError({"code": _("There is no customer %(code)s that you may change.") % {"code": code}})
        return instance

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # Text comes back as it was typed: the quote the export put before formula-like text goes.
        value = row.get(field.column_name)
        if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
            row[field.column_name] = value[1:]
        super().import_field(field, instance, row, is_m2m, **kwargs)
        # An empty cell of a column that may be empty (the credit code) is no value, as the form saves it.
        attribute = field.attribute
        if attribute and getattr(instance, attribute, None) == "" and Customer._meta.get_field(attribute).null:
            setattr(instance, attribute, None)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's own rules (phone, postcode, lengths) for the fields people type in."""
        errors = dict(import_validation_errors or {})
        typed_in = set(Customer.EDITABLE_FIELDS)
        exclude = [field.name for field in Customer._meta.fields if field.name not in typed_in] + list(errors)
        try:
            instance.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        """Save through the customer actions (numbering, keys, grants, audit as the importing user)."""
        from customers import actions  # actions import this module for the export

        try:
            if is_create:
                actions.create_customer(actor=self.actor, customer=instance)
            else:
                actions.update_customer(actor=self.actor, customer=instance)
        except actions.ActionError as error:
            raise ValidationError({NON_FIELD_ERRORS: [str(error)]}) from None
