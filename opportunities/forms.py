from django import forms
from django.utils.translation import gettext_lazy as _

from crm.dictionary import active_entries
from crm.forms import safe_formfield, show_limit
from crm.models import DictionaryEntry
from customers.forms import DictionaryChoiceField, ManagerChoiceField
from opportunities import selectors
from opportunities.models import Opportunity, PlanItem, Status


class OpportunityForm(forms.ModelForm):
    """Create or edit an opportunity (while unassigned). One-line text refuses control and bidi
    characters (crm.forms.safe_formfield); the success rate is a whole number from 0 to 100."""

    class Meta:
        model = Opportunity
        fields = list(Opportunity.EDITABLE_FIELDS)
        formfield_callback = safe_formfield
        field_classes = {"source": DictionaryChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "success_rate": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = active_entries(DictionaryEntry.Category.OPPORTUNITY_SOURCE)
        self.fields["contact_phone"].widget.attrs["placeholder"] = "13812345678"


class AssignForm(forms.Form):
    """Choose the account manager to develop an opportunity: active account managers only."""

    assigned_to = ManagerChoiceField(
        label=_("Assign to"),
        queryset=None,
        help_text=_("Only active users with the account manager role can be chosen."),
    )

    # The assignee the page was shown with (none: unassigned), so the action can tell a page
    # someone else has assigned since from the row as it is now (see shown_as).
    shown_assignee = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, opportunity=None, **kwargs):
        super().__init__(*args, **kwargs)
        managers = selectors.assignable_managers()
        if opportunity is not None and opportunity.assigned_to_id:
            managers = managers.exclude(pk=opportunity.assigned_to_id)
            self.fields["shown_assignee"].initial = opportunity.assigned_to_id
        self.fields["assigned_to"].queryset = managers

    def shown_as(self, opportunity):
        """``opportunity`` as the page showed it (unsaved): unassigned, or in development with the
        assignee it named. The action refuses the step if the row has changed since."""
        shown = self.cleaned_data.get("shown_assignee")
        return Opportunity(
            pk=opportunity.pk,
            status=Status.DEVELOPING if shown else Status.UNASSIGNED,
            assigned_to_id=shown,
        )


class PlanItemForm(forms.ModelForm):
    """A step of the development plan: its date (within 1900–2100) and what to do."""

    class Meta:
        model = PlanItem
        fields = ["plan_date", "todo"]
        formfield_callback = safe_formfield
        widgets = {"plan_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PlanResultForm(forms.ModelForm):
    """What came of a plan item (执行效果): required."""

    class Meta:
        model = PlanItem
        fields = ["result"]
        formfield_callback = safe_formfield
        widgets = {"result": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].required = True


class FailForm(forms.Form):
    """Terminate the development: the reason is required."""

    reason = forms.CharField(
        label=_("Reason for termination"),
        max_length=Opportunity._meta.get_field("failure_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_limit(self.fields["reason"])


class SucceedForm(forms.Form):
    """Close as developed successfully; after a likely duplicate was shown, the user may confirm
    that the opportunity's customer is another company."""

    allow_duplicate = forms.BooleanField(label=_("It is another company: create a new customer anyway"), required=False)


class LinkCustomerForm(forms.Form):
    """Close as developed successfully by linking an existing customer: one of the likely
    duplicates the page offered (``customers``); any other id is refused."""

    customer = forms.TypedChoiceField(label=_("Customer"), coerce=int, choices=())

    def __init__(self, *args, customers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.customers = {customer.pk: customer for customer in customers}
        self.fields["customer"].choices = [(pk, pk) for pk in self.customers]

    def chosen(self):
        return self.customers[self.cleaned_data["customer"]]
