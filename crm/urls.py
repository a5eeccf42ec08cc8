from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm import csp, two_factor_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/login/", two_factor_views.LoginView.as_view(), name="login"),
    path("accounts/two-factor/", two_factor_views.enrol, name="two_factor_enrol"),
    path("accounts/two-factor/qr.svg", two_factor_views.qr_code, name="two_factor_qr"),
    path("accounts/two-factor/verify/", two_factor_views.verify, name="two_factor_verify"),
    path("accounts/two-factor/recovery-codes/", two_factor_views.recovery_codes, name="two_factor_recovery_codes"),
    path("accounts/two-factor/turn-off/", two_factor_views.turn_off, name="two_factor_turn_off"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("audit/", views.AuditLogView.as_view(), name="audit"),
    path("audit/exports/", views.ExportLogView.as_view(), name="exports"),
    path("csp-report/", csp.csp_report, name="csp_report"),
    path("customers/", include("customers.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("services/", include("services.urls")),
    path("sales/", include("sales.urls")),
    path("reports/", include("reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
