"""Input of the service request pages: validation only; the steps are services.actions."""

import copy
import re

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm import access
from crm.dictionary import active_entries
from crm.forms import SingleLineField, safe_formfield, show_limit
from crm.models import DictionaryEntry
from customers.forms import DictionaryChoiceField, ManagerChoiceField
from customers.models import Customer, Rating
from customers.templatetags.customers_tags import stars
from services import selectors
from services.models import TEXT_LIMIT, ServiceRequest

# A customer code as the customers app makes them (KH and digits); other text is no code and is
# not looked up. The field takes a little more, so a name typed by mistake gets the message below.
CUSTOMER_CODE = re.compile(r"^KH\d{1,14}$")
CUSTOMER_TEXT_LIMIT = 100
CHOOSE_CUSTOMER = _("Choose a customer you can see.")


def seen_token(service_request):
    """What a step's page showed of ``service_request``: its status, assignee and round."""
    return f"{service_request.status}:{service_request.assigned_to_id or ''}:{service_request.rounds}"


class StepForm(forms.Form):
    """A step on one request. It carries what the page showed of the request (``seen``), so the
    action can refuse a step taken on a page someone else has overtaken since (see ``as_seen``)."""

    seen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, service_request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if service_request is not None:
            self.fields["seen"].initial = seen_token(service_request)

    def as_seen(self, stored):
        """``stored`` (the request as read now) as the page showed it, unsaved, for the action to
        compare; a form that didn't say what it showed (no ``seen``) takes the request as it is."""
        token = (self.cleaned_data.get("seen") or "").strip()
        if not token:
            return stored
        shown = copy.copy(stored)
        status, _sep, rest = token.partition(":")
        assignee, _sep, rounds = rest.partition(":")
        shown.status = status
        shown.assigned_to_id = int(assignee) if assignee.isdigit() else None
        shown.rounds = int(rounds) if rounds.isdigit() else -1
        return shown


class AssignForm(StepForm):
    """Choose the account manager to handle a request: active account managers only (the one it
    is already assigned to is left out)."""

    assignee = ManagerChoiceField(
        label=pgettext_lazy("service request", "Assign to"),
        queryset=None,
        help_text=_("Only active users with the account manager role can be chosen."),
        error_messages={
            "invalid_choice": _(
                "Choose an active account manager from the list (not the one it is assigned to already)."
            )
        },
    )

    def __init__(self, *args, service_request=None, **kwargs):
        super().__init__(*args, service_request=service_request, **kwargs)
        managers = selectors.assignable_managers()
        if service_request is not None and service_request.assigned_to_id:
            managers = managers.exclude(pk=service_request.assigned_to_id)
        self.fields["assignee"].queryset = managers


class ServiceRequestForm(forms.ModelForm):
    """Create a service request (服务创建): its type (active entries of the data dictionary), title,
    customer and request. The customer is given by its code (the page suggests customers as the
    user types: services.views.requests.customer_choices); a code of a customer the user can't
    see, one in the recycle bin or none at all is refused with the same words."""

    customer = SingleLineField(
        label=_("Customer"),
        max_length=CUSTOMER_TEXT_LIMIT,
        help_text=_("Type the customer's code, or part of its name, pinyin or initials and choose it below."),
        error_messages={"required": CHOOSE_CUSTOMER},
    )

    class Meta:
        model = ServiceRequest
        fields = ["service_type", "title", "customer", "request"]
        formfield_callback = safe_formfield
        field_classes = {"service_type": DictionaryChoiceField}
        widgets = {"request": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["service_type"].queryset = active_entries(DictionaryEntry.Category.SERVICE_TYPE)
        self.fields["customer"].widget.attrs.update(
            {
                "autocomplete": "off",
                "placeholder": "KH…",
                "hx-get": reverse_lazy("services:customer_choices"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#customer-choices",
                "hx-sync": "this:replace",
                "aria-controls": "customer-choices",
            }
        )

    def clean_customer(self):
        customer = visible_customer(self.user, self.cleaned_data["customer"])
        if customer is None:
            raise forms.ValidationError(CHOOSE_CUSTOMER, code="invisible")
        return customer

    def chosen_customer(self):
        """The customer the form names, once valid (the page shows its name beside the code)."""
        customer = (getattr(self, "cleaned_data", None) or {}).get("customer")
        return customer if isinstance(customer, Customer) else None


def visible_customer(user, code):
    """The customer of ``code`` (any case, spaces around ignored) if ``user`` may see it, else None
    (unknown, in the recycle bin or someone else's). One query; none for text that can't be a code."""
    code = (code or "").strip().upper()
    if not CUSTOMER_CODE.match(code):
        return None
    return access.visible(user, Customer).filter(code=code).first()


class HandleForm(StepForm):
    """What was done for the customer (服务处理): required, at most TEXT_LIMIT characters."""

    handling = forms.CharField(
        label=_("Handling"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Describe what was done for the customer.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_limit(self.fields["handling"])


def satisfaction_choices():
    """1 to 5 stars, each drawn as the stars filter draws a rating (with its words for screen
    readers), in the language of the request."""
    return [(value, stars(value)) for value in Rating.values]


class FeedbackForm(StepForm):
    """The result for the customer and their satisfaction, 1 to 5 stars (服务反馈). Anything but a
    whole number from 1 to 5 is refused with a message saying so."""

    result = forms.CharField(
        label=_("Result"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the result for the customer.")},
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Customer satisfaction"),
        coerce=int,
        choices=(),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Choose how satisfied the customer is, from 1 to 5 stars."),
            "invalid_choice": _("Satisfaction is a whole number from 1 to 5."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["satisfaction"].choices = satisfaction_choices()
        show_limit(self.fields["result"])
