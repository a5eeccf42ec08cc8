"""PostgreSQL-only indexes for the customer search box and list (see customers/search.py).

SQLite has no trigram or GIN indexes; there the same queries scan, which is fine at the sizes
SQLite is meant for.
"""

from django.db import migrations

INDEXES = [
    ("customer_name_trgm", "USING gin (name gin_trgm_ops)"),
    ("customer_pinyin_trgm", "USING gin (name_pinyin gin_trgm_ops)"),
    ("customer_initials_trgm", "USING gin (name_initials gin_trgm_ops)"),
    ("customer_bigrams_gin", "USING gin (string_to_array(name_bigrams, ' '))"),
    ("customer_code_prefix", "(code varchar_pattern_ops)"),
    ("customer_initials_prefix", "(name_initials varchar_pattern_ops)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
