import hashlib

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.dictionary import active_entries
from crm.display import display_name
from crm.formats import text_list
from crm.forms import safe_formfield, show_limit
from crm.models import DictionaryEntry
from customers import selectors
from customers.models import Activity, Contact, Customer, CustomerUserObjectPermission
from customers.validators import normalise_uscc, uscc_problem

REASON_LABELS = {
    "uscc": _("unified social credit code"),
    "name": _("name"),
    "phone": _("phone"),
}


class DictionaryChoiceIterator(forms.models.ModelChoiceIterator):
    """Reads the entries as plain values, in one query: Django's iterator reads a choice field's
    rows through a server-side cursor on PostgreSQL (DECLARE, FETCH, CLOSE: three round trips for
    a region filter's thirty entries on every list page) and builds an object for each."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        language = get_language()  # once, not for each entry
        for pk, label, label_en in self.queryset.values_list("pk", "label", "label_en"):
            yield (pk, DictionaryEntry.label_in_language(label, label_en, language))


class DictionaryChoiceField(forms.ModelChoiceField):
    iterator = DictionaryChoiceIterator

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
    """A contact. ``primary``: the customer's primary contact now, if another one; ticking "primary"
    then says whose badge moves, and static/js/app.js asks before the form is sent."""

    class Meta:
        model = Contact
        fields = ["name", "gender", "position", "office_phone", "mobile", "email", "is_primary", "memo"]
        formfield_callback = safe_formfield
        widgets = {"memo": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, primary=None, **kwargs):
        super().__init__(*args, **kwargs)
        if primary is not None and primary.pk != self.instance.pk:
            names = {"name": primary.name}
            field = self.fields["is_primary"]
            field.help_text = _("The primary contact now is %(name)s; ticking this moves the badge here.") % names
            field.widget.attrs["data-confirm-checked"] = (
                _("Make this contact the primary contact instead of %(name)s?") % names
            )


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and self.initial.get("occurred_at") is None:
            # A new activity is usually written down as it happens: now, in the user's time zone.
            self.initial["occurred_at"] = timezone.localtime().replace(second=0, microsecond=0)


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
    """Move customers from one account manager to another (superusers only), in two steps.

    A first submission is previewed: ``clean()`` finds the customers that would move and names the
    codes that won't (unknown, in the recycle bin, another manager's); nothing to move is an error.
    The preview's confirmation posts the same choice back with ``expected`` (how many customers it
    showed) and ``selection`` (a digest of which), so a selection that changed in between is
    refused instead of moved (``is_confirmed``).
    """

    from_manager = ManagerChoiceField(label=_("From account manager"), queryset=None)
    to_manager = ManagerChoiceField(label=_("To account manager"), queryset=None)
    codes = forms.CharField(
        label=_("Customer codes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "KH202611240001 KH202611240002"}),
        help_text=_(
            "Leave empty to move all of the first manager's customers; otherwise separate codes by spaces. "
            "You will see what moves and confirm it."
        ),
    )
    expected = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    selection = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    # How many of the customers that would move the preview lists.
    PREVIEW_ROWS = 100

    def __init__(self, *args, user, hidden=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["from_manager"].queryset = selectors.account_managers()
        self.fields["to_manager"].queryset = selectors.account_managers()
        if hidden:  # the preview's confirmation: the same choice, sent back as it was shown
            for field in self.fields.values():
                field.widget = forms.HiddenInput()

    def clean_codes(self):
        return sorted(set(self.cleaned_data["codes"].upper().split()))

    def clean(self):
        cleaned = super().clean()
        source, target = cleaned.get("from_manager"), cleaned.get("to_manager")
        if not source or not target or "codes" not in cleaned:
            return cleaned
        if source == target:
            raise forms.ValidationError(_("Choose two different account managers."))
        codes = cleaned["codes"]
        customers = selectors.customer_list(user=self.user).filter(account_manager=source)
        self.unknown, self.binned, self.elsewhere = [], [], []
        if codes:
            customers = customers.filter(code__in=codes)
            found = {
                customer.code: customer
                for customer in access.visible(
                    self.user, Customer, rows=Customer.all_objects.filter(code__in=codes)
                ).select_related("account_manager")
            }
            for code in codes:
                customer = found.get(code)
                if customer is None:
                    self.unknown.append(code)
                elif customer.is_deleted:
                    self.binned.append(code)
                elif customer.account_manager_id != source.pk:
                    self.elsewhere.append(customer)
        self.customers = customers
        self.pks = list(customers.order_by("pk").values_list("pk", flat=True))
        self.digest = hashlib.sha256(",".join(map(str, self.pks)).encode()).hexdigest()[:32]
        if not self.pks:
            self._nothing_to_move(source, codes)
        return cleaned

    def _nothing_to_move(self, source, codes):
        manager = display_name(source)
        if not codes:
            raise forms.ValidationError(
                _("%(manager)s has no customers: there is nothing to transfer.") % {"manager": manager}
            )
        errors = [
            _("None of these codes is a customer of %(manager)s: there is nothing to transfer.") % {"manager": manager}
        ]
        errors += self.code_problems()
        raise forms.ValidationError(errors)

    def code_problems(self):
        """What the codes that won't move are, one sentence each (after a successful ``clean``)."""
        problems = []
        if self.unknown:
            problems.append(_("No customer has these codes: %(codes)s.") % {"codes": text_list(self.unknown)})
        if self.binned:
            problems.append(_("These customers are in the recycle bin: %(codes)s.") % {"codes": text_list(self.binned)})
        if self.elsewhere:
            customers = text_list(
                _("%(code)s (%(manager)s)") % {"code": c.code, "manager": display_name(c.account_manager)}
                for c in self.elsewhere
            )
            problems.append(
                _("These customers are managed by someone else and stay as they are: %(customers)s.")
                % {"customers": customers}
            )
        return problems

    def is_confirmed(self):
        """True if the confirmation sent back exactly the selection this form finds now."""
        return self.cleaned_data.get("expected") == len(self.pks) and self.cleaned_data.get("selection") == self.digest

    def confirmation(self):
        """The hidden form that confirms this (valid) form's preview."""
        cleaned = self.cleaned_data
        return TransferForm(
            user=self.user,
            hidden=True,
            initial={
                "from_manager": cleaned["from_manager"].pk,
                "to_manager": cleaned["to_manager"].pk,
                "codes": " ".join(cleaned["codes"]),
                "expected": len(self.pks),
                "selection": self.digest,
            },
        )

    def preview(self):
        """What a confirmation would do (after a successful ``clean``), for the preview page: the
        first PREVIEW_ROWS customers, each with what happens to the shares around it."""
        source, target = self.cleaned_data["from_manager"], self.cleaned_data["to_manager"]
        shown = list(self.customers[: self.PREVIEW_ROWS])
        held = {}
        # One read of the shown customers' grants (as selectors.customer_grants reads one customer's).
        grants = CustomerUserObjectPermission.objects.filter(content_object__in=[c.pk for c in shown])
        for grant in grants.select_related("user", "permission"):
            held.setdefault(grant.content_object_id, {}).setdefault(grant.user, set()).add(grant.permission.codename)
        rows = []
        for customer in shown:
            people = held.get(customer.pk, {})
            rows.append(
                {
                    "customer": customer,
                    # a share the new manager holds is set aside while they manage the customer
                    "new_manager_share": share_level(people.get(target)),
                    # one the old manager held before they managed it is theirs again
                    "old_manager_share": share_level(people.get(source)),
                    "others": sorted(
                        (
                            (person, share_level(codenames))
                            for person, codenames in people.items()
                            if person not in (source, target) and share_level(codenames)
                        ),
                        key=lambda item: display_name(item[0]),
                    ),
                }
            )
        return {
            "from_manager": source,
            "to_manager": target,
            "count": len(self.pks),
            "everything": not self.cleaned_data["codes"],
            "rows": rows,
            "more": len(self.pks) - len(shown),
            "unknown": self.unknown,
            "binned": self.binned,
            "elsewhere": self.elsewhere,
            "problems": self.code_problems(),
        }


def share_level(codenames):
    """The level of a share ("view" or "edit") these grants give; None for none or for a manager's own grants."""
    if not codenames or "delete_customer" in codenames:
        return None
    return "edit" if "change_customer" in codenames else "view"


# --- loss records (the actions check the text again: customers.actions.losses) --------------------

LOSS_TEXT_LIMIT = 2000  # LossMeasure.text and LossRecord.reason


class PostponeLossForm(forms.Form):
    """暂缓流失: the measure taken to keep the customer, required, at most LOSS_TEXT_LIMIT characters."""

    measure = forms.CharField(
        label=_("Measure taken"),
        max_length=LOSS_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the measure taken to keep the customer.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_limit(self.fields["measure"])


class ConfirmLossForm(forms.Form):
    """确认流失: why the customer was lost, required, at most LOSS_TEXT_LIMIT characters."""

    reason = forms.CharField(
        label=_("Reason for the loss"),
        max_length=LOSS_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the loss.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_limit(self.fields["reason"])


class ImportForm(forms.Form):
    """A customer file to import (customers.imports): its kind and size are checked here, its rows
    by the preview that follows."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file in UTF-8 with the columns of the template."),
    )
    default_manager = ManagerChoiceField(
        label=_("Account manager of new customers whose row names none"), queryset=None, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_manager"].queryset = selectors.account_managers()
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Choose an Excel workbook (.xlsx) or a CSV file (.csv)."))
        if upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
            limit = {"size": settings.IMPORT_MAX_MB}
            raise forms.ValidationError(_("The file is larger than %(size)d MB: split it into smaller files.") % limit)
        return upload
