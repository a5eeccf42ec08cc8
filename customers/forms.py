from django import forms
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.dictionary import active_entries
from crm.display import display_name
from crm.forms import safe_formfield
from crm.models import DictionaryEntry
from customers import selectors
from customers.models import Activity, Contact, Customer
from customers.validators import normalise_uscc, uscc_problem

REASON_LABELS = {
    "uscc": _("unified social credit code"),
    "name": _("name"),
    "phone": _("phone"),
}


class DictionaryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_label


class ManagerChoiceIterator(forms.models.ModelChoiceIterator):
    """Reads the managers as plain values: a list filter offering hundreds of account managers
    would otherwise build a User object for each option on every page."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, first_name, last_name, username in self.queryset.values_list(
            "pk", "first_name", "last_name", "username"
        ):
            yield (pk, f"{first_name} {last_name}".strip() or username)


class ManagerChoiceField(forms.ModelChoiceField):
    iterator = ManagerChoiceIterator

    def label_from_instance(self, obj):
        return display_name(obj)


class CustomerForm(forms.ModelForm):
    """The customer edit form. Besides field validation it looks for likely duplicates and a
    USCC whose check digit fails; both are shown as warnings the user must confirm. Every one-line
    text field refuses control and bidi characters and text of only invisible ones
    (crm.forms.safe_formfield)."""

    website = forms.URLField(label=_("website"), required=False, max_length=200, assume_scheme="https")
    confirm = forms.BooleanField(label=_("I have checked the warnings above; save anyway"), required=False)

    class Meta:
        model = Customer
        fields = list(Customer.EDITABLE_FIELDS)
        formfield_callback = safe_formfield
        field_classes = {"region": DictionaryChoiceField, "account_manager": ManagerChoiceField}

    REQUIRED = ("name", "region", "account_manager", "level", "address", "phone")
    FIELDSETS = Customer.FIELDSETS

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.warnings = []
        self.duplicates = []
        for name in self.REQUIRED:
            self.fields[name].required = True
        self.fields["region"].queryset = active_entries(DictionaryEntry.Category.REGION)
        if self.instance.pk and not user.is_superuser:
            # Only a superuser moves a customer to another manager (crm.access: transfer).
            managers = selectors.account_managers().filter(pk=self.instance.account_manager_id)
        else:
            managers = selectors.manager_choices(user=user)
        self.fields["account_manager"].queryset = managers
        if not self.instance.pk and not user.is_superuser:
            self.fields["account_manager"].initial = user.pk
        self.fields["satisfaction"].required = False
        self.fields["credit"].required = False
        self.fields["website"].widget.attrs["placeholder"] = "https://"
        self.fields["phone"].widget.attrs["placeholder"] = "010-88886666"

    def clean_uscc(self):
        value = normalise_uscc(self.cleaned_data.get("uscc"))
        if not value:
            return None
        problem = uscc_problem(value)
        if problem:
            self.warnings.append(problem)
        return value

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self._check_duplicates(cleaned)
        if (self.warnings or self.duplicates) and not cleaned.get("confirm"):
            raise forms.ValidationError(
                _("Please review the warnings below, then confirm to save."), code="unconfirmed"
            )
        return cleaned

    def _check_duplicates(self, cleaned):
        renamed = not self.instance.pk or any(name in self.changed_data for name in ("name", "phone", "uscc"))
        if not renamed:
            return
        found = selectors.find_duplicates(
            name=cleaned.get("name", ""),
            phone=cleaned.get("phone", ""),
            uscc=cleaned.get("uscc") or "",
            exclude_pk=self.instance.pk,
        )
        visible_ids = access.permitted_ids(self.user, Customer, "view", [c.pk for c, _r in found])
        for customer, reasons in found:
            if "uscc" in reasons:
                self.add_error(
                    "uscc",
                    _("A customer with this unified social credit code already exists, managed by %(manager)s.")
                    % {"manager": display_name(customer.account_manager)},
                )
            self.duplicates.append(
                {
                    "customer": customer if customer.pk in visible_ids else None,
                    "manager": display_name(customer.account_manager),
                    "reasons": [REASON_LABELS[r] for r in reasons],
                }
            )


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "gender", "position", "office_phone", "mobile", "email", "is_primary", "memo"]
        formfield_callback = safe_formfield
        widgets = {"memo": forms.Textarea(attrs={"rows": 3})}


class ActivityForm(forms.ModelForm):
    """An activity; its time and follow-up date must lie within 1900-2100 (crm.forms.safe_formfield)."""

    class Meta:
        model = Activity
        fields = ["occurred_at", "place", "title", "detail", "remark", "next_follow_up"]
        formfield_callback = safe_formfield
        widgets = {
            "occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "next_follow_up": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "detail": forms.Textarea(attrs={"rows": 4}),
        }


class ShareForm(forms.Form):
    LEVELS = [("view", _("View")), ("edit", _("View and edit"))]

    user = ManagerChoiceField(label=_("Account manager"), queryset=None)
    level = forms.ChoiceField(label=_("Access"), choices=LEVELS)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = selectors.account_managers().exclude(pk=customer.account_manager_id)


class ExportForm(forms.Form):
    FORMATS = [("xlsx", "Excel (XLSX)"), ("csv", "CSV")]

    file_format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="xlsx")


class TransferForm(forms.Form):
    """Move customers from one account manager to another (superusers only)."""

    from_manager = ManagerChoiceField(label=_("From account manager"), queryset=None)
    to_manager = ManagerChoiceField(label=_("To account manager"), queryset=None)
    codes = forms.CharField(
        label=_("Customer codes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "KH202611240001 KH202611240002"}),
        help_text=_("Leave empty to move all of the first manager's customers; otherwise separate codes by spaces."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_manager"].queryset = selectors.account_managers()
        self.fields["to_manager"].queryset = selectors.account_managers()

    def clean_codes(self):
        return sorted(set(self.cleaned_data["codes"].upper().split()))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("from_manager") and cleaned.get("from_manager") == cleaned.get("to_manager"):
            raise forms.ValidationError(_("Choose two different account managers."))
        return cleaned
