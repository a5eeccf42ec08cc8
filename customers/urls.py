from django.urls import path

from customers import views
from customers.views import losses

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("bin/", views.recycle_bin, name="bin"),
    path("export/", views.customer_export, name="export"),
    path("transfer/", views.customer_transfer, name="transfer"),
    path("losses/", losses.loss_list, name="losses"),
    path("losses/<int:pk>/", losses.loss_detail, name="loss_detail"),
    path("losses/<int:pk>/postpone/", losses.loss_postpone, name="loss_postpone"),
    path("losses/<int:pk>/confirm/", losses.loss_confirm, name="loss_confirm"),
    path("<str:code>/", views.customer_detail, name="detail"),
    path("<str:code>/edit/", views.CustomerUpdateView.as_view(), name="edit"),
    path("<str:code>/delete/", views.customer_delete, name="delete"),
    path("<str:code>/restore/", views.customer_restore, name="restore"),
    path("<str:code>/share/", views.customer_share, name="share"),
    path("<str:code>/share/<int:user_id>/revoke/", views.customer_unshare, name="unshare"),
    path("<str:code>/contacts/new/", views.contact_create, name="contact_create"),
    path("<str:code>/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("<str:code>/contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("<str:code>/activities/new/", views.activity_create, name="activity_create"),
    path("<str:code>/activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("<str:code>/activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
]
