import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.forms import SaneDateFilter
from sales.models import Order, Product, Stock


def _date(label, lookup):
    return SaneDateFilter(
        field_name="order_date", lookup_expr=lookup, label=label, widget=forms.DateInput(attrs={"type": "date"})
    )


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name, model or batch"), max_length=100)

    class Meta:
        model = Product
        fields = ["q"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__contains=value) | Q(model__icontains=value) | Q(batch__icontains=value) | Q(code__iexact=value)
        )


class StockFilter(django_filters.FilterSet):
    product = django_filters.CharFilter(method="by_product", label=_("Product"), max_length=100)
    warehouse = django_filters.CharFilter(
        field_name="warehouse", lookup_expr="contains", label=_("Warehouse"), max_length=50
    )

    class Meta:
        model = Stock
        fields = ["product", "warehouse"]

    def by_product(self, queryset, name, value):
        return queryset.filter(
            Q(product__name__contains=value) | Q(product__model__icontains=value) | Q(product__code__iexact=value)
        )


class OrderFilter(django_filters.FilterSet):
    customer = django_filters.CharFilter(method="by_customer", label=_("Customer"), max_length=100)
    date_from = _date(_("From"), "gte")
    date_to = _date(_("To"), "lte")
    status = django_filters.ChoiceFilter(choices=Order.Status.choices, label=_("Status"))

    class Meta:
        model = Order
        fields = ["customer", "date_from", "date_to", "status"]

    def by_customer(self, queryset, name, value):
        return queryset.filter(
            Q(customer__code__iexact=value) | Q(customer__name__contains=value) | Q(order_no__iexact=value)
        )
