from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.dictionary import active_entries
from crm.forms import SaneDateFilter
from crm.mixins import request_scope_parts
from crm.models import DictionaryEntry
from crm.widgets import FastSelect
from customers import selectors
from customers.forms import DictionaryChoiceField, ManagerChoiceField
from customers.models import Customer, Level, LossRecord
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


# --- loss records -------------------------------------------------------------------------------


def _loss_managers(request):
    return selectors.account_managers()


class LossFilter(django_filters.FilterSet):
    """The loss list's filters (流失预警): the customer (code, name, pinyin or initials, as the
    customer list's search box), the record's account manager (only for those who see every
    record), the status and a range of last order dates."""

    customer = django_filters.CharFilter(
        method="search_customer",
        label=_("Customer"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Code, name, pinyin or initials"), "type": "search"}),
    )
    manager = ManagerChoiceFilter(
        field_name="account_manager", queryset=_loss_managers, label=_("Account manager"), widget=FastSelect
    )
    status = django_filters.ChoiceFilter(choices=LossRecord.Status.choices, label=_("Status"), widget=FastSelect)
    last_order_from = SaneDateFilter(
        field_name="last_order_date",
        lookup_expr="gte",
        label=_("Last order from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    last_order_to = SaneDateFilter(
        field_name="last_order_date",
        lookup_expr="lte",
        label=_("Last order to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = LossRecord
        fields = ["customer", "manager", "status", "last_order_from", "last_order_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        # An account manager's records are their customers': a choice of managers says nothing.
        if not access.sees_all(user, LossRecord):
            self.filters.pop("manager")

    def search_customer(self, queryset, name, value):
        # Worked out once per request, however many querysets the list filters with it (the
        # scope's parts, the counts per status).
        if getattr(self, "_search", (None,))[0] != value:
            customers = Customer.objects.filter(customer_search_q(value)).order_by().values("pk")
            self._search = (value, Q(customer__in=customers))
        return queryset.filter(self._search[1])
