"""The analyses' filter forms (GET). Input validation only.

A filter in error is shown with its message and left out: the analysis then uses that filter's
default (the current year, the level grouping, every manager), so a bad address still shows a
page, never a 500 (``AnalysisForm.values``).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import selectors as customer_selectors
from customers.forms import ManagerChoiceField

YEAR_MIN, YEAR_MAX = 2000, 2100
ALL_YEARS = "all"
YEAR_ERROR = _("Enter a year between 2000 and 2100.")
# Customer search: the customer list's box takes as much.
SEARCH_MAX_LENGTH = 100

# What the composition counts customers by; the labels are customers.selectors'
# COMPOSITION_DIMENSIONS, spelt here too so the form needs nothing at import time.
DIMENSIONS = [("level", _("Level")), ("credit", _("Credit")), ("satisfaction", _("Satisfaction"))]
CHART_KINDS = [("pie", _("Pie")), ("bar", _("Bars"))]
FILE_FORMATS = [("xlsx", "Excel (XLSX)"), ("csv", "CSV")]


class YearField(forms.CharField):
    """A year 2000–2100, typed or picked; ``allow_all``: also "all" (every year), cleaned to None."""

    def __init__(self, *, allow_all=False, **kwargs):
        self.allow_all = allow_all
        kwargs.setdefault("label", _("Year"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "size": 6})
        if allow_all:
            self.widget.attrs["list"] = "report-years"

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return timezone.localdate().year
        if self.allow_all and text.lower() == ALL_YEARS:
            return None
        # The length first: int() of thousands of digits is refused by Python itself (a 500).
        if not (text.isascii() and text.isdigit()) or len(text) > 4 or not YEAR_MIN <= int(text) <= YEAR_MAX:
            raise ValidationError(YEAR_ERROR, code="year")
        return int(text)

    def validate(self, value):
        # to_python has checked it all; a CharField's own checks would refuse None ("all").
        pass

    def run_validators(self, value):
        pass


class AnalysisForm(forms.Form):
    """Base of the analyses' forms: ``values()`` are the cleaned filters, each filter in error
    replaced by its default."""

    def __init__(self, data=None, *, user, **kwargs):
        self.user = user
        super().__init__(data, **kwargs)
        if "year" in self.fields:
            # An unfiltered page shows the year it covers.
            self.initial.setdefault("year", timezone.localdate().year)

    def defaults(self):
        return {"year": timezone.localdate().year, "q": "", "dimension": "level", "chart": "pie", "manager": None}

    def values(self):
        self.is_valid()
        defaults = self.defaults()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned[name] if name in cleaned else defaults.get(name) for name in self.fields}

    def filters(self):
        """The filters as typed (for the audit trail of an export and the export link)."""
        if not self.is_bound:
            return {}
        return {name: self.data.get(name) for name in self.fields if self.data.get(name)}


class ContributionForm(AnalysisForm):
    year = YearField(allow_all=True, help_text=_('A year, or "all" for every year.'))
    q = forms.CharField(label=_("Customer"), required=False, max_length=SEARCH_MAX_LENGTH)


class CompositionForm(AnalysisForm):
    dimension = forms.ChoiceField(label=_("Grouped by"), choices=DIMENSIONS, required=False)
    chart = forms.ChoiceField(label=_("Chart"), choices=CHART_KINDS, required=False)

    def clean_dimension(self):
        return self.cleaned_data["dimension"] or "level"

    def clean_chart(self):
        return self.cleaned_data["chart"] or "pie"


class ServicesForm(AnalysisForm):
    year = YearField()


class LossesForm(AnalysisForm):
    year = YearField(allow_all=True, help_text=_('A year, or "all" for every year.'))
    q = forms.CharField(label=_("Customer"), required=False, max_length=SEARCH_MAX_LENGTH)
    manager = ManagerChoiceField(label=_("Account manager"), queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["manager"].queryset = customer_selectors.manager_filter_choices(user=user)
        self.fields["manager"].empty_label = _("All")

    def filters(self):
        # Named as the loss record's field, so the audit trail names the manager (crm.audit_display).
        filters = super().filters()
        if "manager" in filters:
            filters["account_manager"] = filters.pop("manager")
        return filters


class ExportForm(forms.Form):
    file_format = forms.ChoiceField(label=_("Format"), choices=FILE_FORMATS)
