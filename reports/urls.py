from django.urls import path

from reports.views import analyses, dashboard, management

app_name = "reports"

urlpatterns = [
    path("", analyses.report_index, name="index"),
    path("contribution/", analyses.contribution, name="contribution"),
    path("composition/", analyses.composition, name="composition"),
    path("services/", analyses.services, name="services"),
    path("losses/", analyses.losses, name="losses"),
    path("dashboard/", dashboard.dashboard_figures, name="dashboard_figures"),
    path("<str:analysis>/export/", analyses.export, name="export"),
    path("management/", management.report_list, name="management"),
    path("management/new/", management.report_create, name="management_create"),
    path("management/<int:pk>/", management.report_detail, name="management_detail"),
    path("management/<int:pk>/edit/", management.report_edit, name="management_edit"),
    path("management/<int:pk>/submit/", management.report_submit, name="management_submit"),
    path("management/<int:pk>/delete/", management.report_delete, name="management_delete"),
]
