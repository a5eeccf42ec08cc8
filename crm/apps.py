import contextlib
from pathlib import Path

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_reference_data(sender, **kwargs):
    """After every migrate (and test flush): role groups and dictionary entries are in place.

    post_migrate is sent once per app that has models; acting on the last one means every
    permission exists.
    """
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender.label != with_models[-1].label:
        return
    from crm.audit import as_system
    from crm.dictionary import seed_dictionary
    from crm.roles import sync_roles

    with as_system():
        sync_roles()
        seed_dictionary()


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM core")

    def ready(self):
        from django.contrib.auth import get_user_model, signals
        from django.contrib.auth.models import Group

        from crm import audit, guards

        audit.register_models()
        signals.user_logged_in.connect(audit.on_logged_in, dispatch_uid="crm_login")
        signals.user_logged_out.connect(audit.on_logged_out, dispatch_uid="crm_logout")
        signals.user_login_failed.connect(audit.on_login_failed, dispatch_uid="crm_login_failed")
        User = get_user_model()
        for through in (Group.permissions.through, User.user_permissions.through):
            m2m_changed.connect(
                guards.refuse_superuser_only_grants,
                sender=through,
                dispatch_uid=f"crm_guard_{through._meta.label_lower}",
            )
        post_migrate.connect(ensure_reference_data, dispatch_uid="crm_reference_data")
        name_third_party_apps()


# The admin shows these apps' names; theirs are English only ("Axes", "Guardian").
THIRD_PARTY_APP_NAMES = {
    "axes": _("Login protection"),
    "guardian": _("Object permissions"),
    "otp_totp": _("Authenticator apps"),
    "otp_static": _("Recovery codes"),
}


def name_third_party_apps():
    from django.apps import apps

    for label, name in THIRD_PARTY_APP_NAMES.items():
        with contextlib.suppress(LookupError):  # not installed
            apps.get_app_config(label).verbose_name = name


def project_app_configs():
    """This project's own apps (not Django's or third parties'), in INSTALLED_APPS order."""
    from django.apps import apps
    from django.conf import settings

    return [config for config in apps.get_app_configs() if Path(config.path).parent == settings.BASE_DIR]
