from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django_filters.views import FilterView

from crm.mixins import ListPageMixin, PermissionRequiredMixin
from sales import selectors
from sales.filters import OrderFilter, ProductFilter, StockFilter
from sales.tables import OrderTable, ProductTable, StockTable


class SalesListMixin(ListPageMixin):
    http_method_names = ["get", "head", "options"]  # read-only pages


class ProductListView(PermissionRequiredMixin, SalesListMixin, FilterView):
    permission = "sales.view_product"
    table_class = ProductTable
    filterset_class = ProductFilter
    template_name = "sales/product_list.html"

    def get_queryset(self):
        return selectors.product_list(user=self.request.user)


class StockListView(PermissionRequiredMixin, SalesListMixin, FilterView):
    permission = "sales.view_stock"
    table_class = StockTable
    filterset_class = StockFilter
    template_name = "sales/stock_list.html"

    def get_queryset(self):
        return selectors.stock_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = selectors.stock_totals(stock=self.object_list)
        return context


class OrderListView(LoginRequiredMixin, SalesListMixin, FilterView):
    """Orders of the customers the user may see (account managers: their own and shared ones)."""

    table_class = OrderTable
    filterset_class = OrderFilter
    template_name = "sales/order_list.html"

    def get_queryset(self):
        return selectors.order_list(user=self.request.user)


@login_required
@require_safe
def order_detail(request, order_no):
    order = selectors.order_by_number(user=request.user, order_no=order_no)
    lines = selectors.order_lines(user=request.user, order=order)
    return render(
        request,
        "sales/order_detail.html",
        {"order": order, "lines": lines, "total": selectors.order_total(lines=lines)},
    )
