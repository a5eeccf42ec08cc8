import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.dictionary import active_entries
from crm.models import DictionaryEntry
from customers import selectors
from customers.forms import DictionaryChoiceField, ManagerChoiceField
from customers.models import Customer, Level
from customers.search import customer_search_q


class DictionaryChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = DictionaryChoiceField


class ManagerChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ManagerChoiceField


def _regions(request):
    return active_entries(DictionaryEntry.Category.REGION)


def _managers(request):
    return selectors.manager_filter_choices(user=request.user)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Code, name, pinyin or initials"), "type": "search"}),
    )
    region = DictionaryChoiceFilter(queryset=_regions, label=_("Region"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"))
    account_manager = ManagerChoiceFilter(queryset=_managers, label=_("Account manager"))
    status = django_filters.ChoiceFilter(choices=Customer.Status.choices, label=_("Status"))
    created_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Entered from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Entered to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Customer
        fields = ["q", "region", "level", "account_manager", "status", "created_from", "created_to"]

    def search(self, queryset, name, value):
        return queryset.filter(customer_search_q(value))
