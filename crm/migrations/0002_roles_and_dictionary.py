"""Create the role groups with their permissions and the default dictionary entries.

Idempotent: both steps only add what is missing. The post-migrate hook in crm.apps runs the same
functions again once later apps' permissions exist.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    from crm.dictionary import seed_dictionary
    from crm.roles import sync_roles

    # Permissions are normally created after migrate; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps=apps)
    seed_dictionary(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
