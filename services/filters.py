"""The filter forms of the services lists: every request, the three work queues and the archive."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.dictionary import active_entries
from crm.forms import SaneDateFilter
from crm.models import DictionaryEntry
from crm.widgets import FastSelect
from customers.filters import DictionaryChoiceFilter
from customers.models import Rating
from services.models import ServiceRequest, Status
from services.search import search_q


def _service_types(request):
    return active_entries(DictionaryEntry.Category.SERVICE_TYPE)


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class QueueFilter(django_filters.FilterSet):
    """A work queue's filters: the search box and the service type."""

    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Summary, customer, pinyin"), "type": "search"}),
    )
    service_type = DictionaryChoiceFilter(queryset=_service_types, label=_("Service type"), widget=FastSelect)

    class Meta:
        model = ServiceRequest
        fields = ["q", "service_type"]

    def search(self, queryset, name, value):
        # Worked out once per request (it reads the matching customers, on PostgreSQL with an
        # EXPLAIN), however many querysets the list filters with it (an account manager's parts).
        if getattr(self, "_search", (None,))[0] != value:
            user = getattr(self.request, "user", None)
            narrowed = not access.sees_all(user, ServiceRequest)
            self._search = (value, search_q(value, narrowed=narrowed))
        return queryset.filter(self._search[1])


class CreatedRangeMixin(django_filters.FilterSet):
    created_from = SaneDateFilter(
        method="created_since", label=_("Created from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = SaneDateFilter(
        method="created_until", label=_("Created to"), widget=forms.DateInput(attrs={"type": "date"})
    )

    # Local days compared with created_at's local bounds use its index (``__date`` would not).
    def created_since(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def created_until(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))


class ServiceFilter(QueueFilter, CreatedRangeMixin):
    """The list of every request the user may see."""

    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"), widget=FastSelect)

    class Meta:
        model = ServiceRequest
        fields = ["q", "service_type", "status", "created_from", "created_to"]


class ArchiveFilter(QueueFilter, CreatedRangeMixin):
    """The archive (服务归档): read-only, searched by customer, title, type, date and satisfaction."""

    satisfaction = django_filters.ChoiceFilter(choices=Rating.choices, label=_("Satisfaction"), widget=FastSelect)

    class Meta:
        model = ServiceRequest
        fields = ["q", "service_type", "created_from", "created_to", "satisfaction"]
