"""The search box's indexes for a request's title (services.search), on PostgreSQL.

- A trigram (pg_trgm) GIN index on ``UPPER(title)`` (Django's ``icontains``) serves a title search
  of three or more characters; two characters (发票, the usual Chinese word) have no trigram and
  are looked up in the new ``title_bigrams`` column through a GIN index on its array, as the
  customers' and opportunities' names are. Without them a rare title walked every archived
  request (193,000 of 200,000 in the benchmark).
- A larger statistics sample on both lets the planner tell a rare search from a common one.
Existing rows get their bigrams in batches of 2,000 by primary key. SQLite gets the column only.
"""

from django.db import migrations

import customers.fields
from customers.search import name_bigrams

TABLE = "services_servicerequest"
INDEXES = [
    ("service_title_trgm", "USING gin (UPPER(title) gin_trgm_ops)"),
    ("service_title_bigrams_gin", "USING gin (string_to_array(title_bigrams, ' '))"),
]
BATCH = 2_000
STATISTICS = 1000


def fill(apps, schema_editor):
    ServiceRequest = apps.get_model("services", "ServiceRequest")
    last = 0
    while batch := list(ServiceRequest.objects.filter(pk__gt=last).order_by("pk").only("title")[:BATCH]):
        for request in batch:
            request.title_bigrams = name_bigrams(request.title)
        ServiceRequest.objects.bulk_update(batch, ["title_bigrams"])
        last = batch[-1].pk


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} {definition}")
        schema_editor.execute(f"ALTER INDEX {name} ALTER COLUMN 1 SET STATISTICS {STATISTICS}")
    schema_editor.execute(f"ANALYZE {TABLE}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="title_bigrams",
            field=customers.fields.BigramsField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create, drop),
    ]
