from django.urls import path

from sales import views

app_name = "sales"

urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product_list"),
    path("stock/", views.StockListView.as_view(), name="stock_list"),
    path("orders/", views.OrderListView.as_view(), name="order_list"),
    path("orders/<path:order_no>/", views.order_detail, name="order_detail"),
]
