"""The bigrams of an opportunity's title, customer name and contact, for a two-character search.

A two-character search (科技, 王强) has no trigram, so 0003's indexes can't serve it: a rare one
scanned every opportunity (130–275 ms at 100,000). The new column holds each searched field's
character bigrams; on PostgreSQL a GIN index on its array serves ``__has_bigram`` as the
customers' does (customers.fields). Existing rows are filled in batches of 2,000 by primary key.
"""

from django.db import migrations

import customers.fields
from opportunities.search import search_bigrams

TABLE = "opportunities_opportunity"
INDEX = "opportunity_bigrams_gin"
BATCH = 2_000
STATISTICS = 1000


def fill(apps, schema_editor):
    Opportunity = apps.get_model("opportunities", "Opportunity")
    last = 0
    while True:
        batch = list(
            Opportunity.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("title", "customer_name", "contact_name")[:BATCH]
        )
        if not batch:
            break
        for opportunity in batch:
            opportunity.search_bigrams = search_bigrams(opportunity)
        Opportunity.objects.bulk_update(batch, ["search_bigrams"])
        last = batch[-1].pk


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} USING gin (string_to_array(search_bigrams, ' '))"
    )
    schema_editor.execute(f"ALTER INDEX {INDEX} ALTER COLUMN 1 SET STATISTICS {STATISTICS}")
    schema_editor.execute(f"ANALYZE {TABLE}")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0004_owner_status_indexes")]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="search_bigrams",
            field=customers.fields.BigramsField(default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
