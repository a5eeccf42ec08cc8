"""The two-factor sign-in's forms (crm.two_factor): the code typed at sign-in and at enrolment."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

APP_CODE = re.compile(r"[0-9]{6}")
# django-otp's recovery codes: eight base32 characters (lower case; typed in either case).
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


def _typed_code(value):
    """The code without spaces, in lower case."""
    return "".join(value.split()).lower()


class SecondStepForm(forms.Form):
    """The code at sign-in: six digits from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=pgettext_lazy("sign-in", "Code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}),
    )

    def clean_code(self):
        code = _typed_code(self.cleaned_data["code"])
        if not (APP_CODE.fullmatch(code) or RECOVERY_CODE.fullmatch(code)):
            raise forms.ValidationError(
                _("Type the six digits your app shows, or a recovery code of eight letters and digits.")
            )
        return code


class EnrolForm(forms.Form):
    """The app's first code, proving it holds the secret."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=32,
        help_text=_("After adding the account, type the six digits the app shows for it."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        code = _typed_code(self.cleaned_data["code"])
        if not APP_CODE.fullmatch(code):
            raise forms.ValidationError(_("Type the six digits your app shows."))
        return code


class TurnOffForm(EnrolForm):
    """The app's current code, proving it is the user who turns two-factor sign-in off."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("The six digits your app shows now.")
