"""Input of the management report pages: validation only; the steps are reports.actions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms import show_limit
from reports.actions.management import FIRST_YEAR, LAST_YEAR, PERIOD_NUMBERS
from reports.models import ManagementReport

Kind = ManagementReport.PeriodKind

YEAR_ERROR = _("Enter a year between 2000 and 2100.")


def last_quarter(today):
    """(year, quarter) of the quarter before the one ``today`` is in."""
    quarter = (today.month - 1) // 3 + 1
    return (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)


def summary_field():
    return show_limit(
        forms.CharField(
            label=_("Summary"),
            required=False,
            max_length=ManagementReport.SUMMARY_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 8}),
            help_text=_("What the figures say: trends, causes, what to do next."),
        )
    )


class PeriodForm(forms.Form):
    """A new report: the period it covers (a month or a quarter of a year) and, optionally, a first
    version of its summary."""

    kind = forms.ChoiceField(label=_("Period"), choices=Kind.choices)
    year = forms.IntegerField(
        label=_("Year"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={"invalid": YEAR_ERROR, "min_value": YEAR_ERROR, "max_value": YEAR_ERROR},
    )
    number = forms.IntegerField(
        label=_("Month or quarter"),
        min_value=1,
        help_text=_("1 to 12 for a month, 1 to 4 for a quarter."),
        error_messages={
            "invalid": _("Enter the number of the month (1 to 12) or of the quarter (1 to 4)."),
            "min_value": _("Enter the number of the month (1 to 12) or of the quarter (1 to 4)."),
        },
    )
    summary = summary_field()

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        year, quarter = last_quarter(today or timezone.localdate())
        self.fields["kind"].initial = Kind.QUARTER
        self.fields["year"].initial = year
        self.fields["number"].initial = quarter

    def clean(self):
        cleaned = super().clean()
        kind, number = cleaned.get("kind"), cleaned.get("number")
        if kind in PERIOD_NUMBERS and number is not None and number > PERIOD_NUMBERS[kind]:
            if kind == Kind.MONTH:
                self.add_error("number", _("A month is a number from 1 to 12."))
            else:
                self.add_error("number", _("A quarter is a number from 1 to 4."))
        return cleaned


class SummaryForm(forms.Form):
    """A draft's summary."""

    summary = summary_field()
