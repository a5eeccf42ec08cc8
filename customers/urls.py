from django.urls import path

from customers import views
from customers.views import imports, losses

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("bin/", views.recycle_bin, name="bin"),
    path("export/", views.customer_export, name="export"),
    path("transfer/", views.customer_transfer, name="transfer"),
    path("import/", imports.import_upload, name="import"),
    path("import/template/", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("import/<int:pk>/cancel/", imports.import_cancel, name="import_cancel"),
    path("import/<int:pk>/errors/", imports.import_errors, name="import_errors"),
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
