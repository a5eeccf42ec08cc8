from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dictionary import active_entries
from crm.forms import SaneDateFilter
from crm.mixins import request_scope_parts
from crm.models import DictionaryEntry
from crm.widgets import FastSelect
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
    return selectors.manager_filter_choices(user=request.user, parts=request_scope_parts(request, Customer))


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Code, name, pinyin or initials"), "type": "search"}),
    )
    region = DictionaryChoiceFilter(queryset=_regions, label=_("Region"), widget=FastSelect)
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("Level"), widget=FastSelect)
    account_manager = ManagerChoiceFilter(queryset=_managers, label=_("Account manager"), widget=FastSelect)
    status = django_filters.ChoiceFilter(choices=Customer.Status.choices, label=_("Status"), widget=FastSelect)
    created_from = SaneDateFilter(
        method="entered_from",
        label=_("Entered from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = SaneDateFilter(
        method="entered_to",
        label=_("Entered to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Customer
        fields = ["q", "region", "level", "account_manager", "status", "created_from", "created_to"]

    # Entry dates are local days; comparing created_at with the day's local bounds uses its index
    # (a ``__date`` lookup would convert every row's timestamp first).
    def entered_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def entered_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))

    def search(self, queryset, name, value):
        # Worked out once per request (a search may cost an EXPLAIN), however many querysets the
        # list filters with it (an account manager's branches, CustomerListView.get_table_data).
        if getattr(self, "_search", (None,))[0] != value:
            self._search = (value, customer_search_q(value))
        return queryset.filter(self._search[1])


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))
