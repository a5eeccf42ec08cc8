from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.dictionary import active_entries
from crm.forms import SaneDateFilter
from crm.models import DictionaryEntry
from crm.widgets import FastSelect
from customers.filters import DictionaryChoiceFilter, ManagerChoiceFilter
from opportunities import selectors
from opportunities.models import Opportunity, Status


def _sources(request):
    return active_entries(DictionaryEntry.Category.OPPORTUNITY_SOURCE)


def _assignees(request):
    return selectors.assignee_filter_choices(user=request.user)


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Summary, customer, pinyin, contact"), "type": "search"}),
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"), widget=FastSelect)
    source = DictionaryChoiceFilter(queryset=_sources, label=_("Source"), widget=FastSelect)
    assigned_to = ManagerChoiceFilter(queryset=_assignees, label=_("Assigned to"), widget=FastSelect)
    created_from = SaneDateFilter(
        method="created_since", label=_("Created from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = SaneDateFilter(
        method="created_until", label=_("Created to"), widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Opportunity
        fields = ["q", "status", "source", "assigned_to", "created_from", "created_to"]

    def search(self, queryset, name, value):
        return queryset.filter(selectors.search_q(value))

    # Local days compared with created_at's local bounds use its index (``__date`` would not).
    def created_since(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def created_until(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))
