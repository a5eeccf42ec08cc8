"""Keep the actor's name on audit rows written before the name was kept (crm.audit ACTOR_KEY), so
deleting a user later leaves their rows named. Rows that have it already are left alone."""

from django.conf import settings
from django.db import migrations

BATCH = 2_000


def name_actors(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    people = {
        pk: {"username": username, "name": f"{first} {last}".strip()}
        for pk, username, first, last in User.objects.values_list("pk", "username", "first_name", "last_name")
    }
    batch = []
    for entry in (
        LogEntry.objects.filter(actor__isnull=False)
        .only("pk", "actor_id", "additional_data")
        .iterator(chunk_size=BATCH)
    ):
        data = entry.additional_data if entry.additional_data is not None else {}
        if not isinstance(data, dict) or "actor" in data or entry.actor_id not in people:
            continue
        entry.additional_data = {**data, "actor": people[entry.actor_id]}
        batch.append(entry)
        if len(batch) >= BATCH:
            LogEntry.objects.bulk_update(batch, ["additional_data"])
            batch = []
    LogEntry.objects.bulk_update(batch, ["additional_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_roles_and_dictionary"),
        ("auditlog", "0017_add_actor_email"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(name_actors, migrations.RunPython.noop)]
