"""Input of the service request pages: validation only; the steps are services.actions."""

import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms import ManagerChoiceField
from services import selectors


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
        label=_("Assign to"),
        queryset=None,
        help_text=_("Only active users with the account manager role can be chosen."),
    )

    def __init__(self, *args, service_request=None, **kwargs):
        super().__init__(*args, service_request=service_request, **kwargs)
        managers = selectors.assignable_managers()
        if service_request is not None and service_request.assigned_to_id:
            managers = managers.exclude(pk=service_request.assigned_to_id)
        self.fields["assignee"].queryset = managers
