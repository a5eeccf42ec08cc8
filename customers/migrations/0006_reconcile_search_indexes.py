"""Bring every PostgreSQL database to the search indexes 0002 now describes, whatever version of
0002 it was migrated with.

0002 was edited after it was committed: a database migrated at an earlier commit may lack
``customer_name_chars`` and the statistics targets, and may still hold ``customer_code_prefix``
(a copy of Django's own ``…_like`` index) or ``customer_created_day`` (the entry-date filter now
compares the indexed ``created_at`` itself). Every step here is idempotent, so a database that
has them already is left as it is. SQLite has none of these indexes.
"""

from django.db import migrations

STATISTICS = 1000

INDEXES = [
    ("customer_name_trgm", "USING gin (name gin_trgm_ops)"),
    ("customer_pinyin_trgm", "USING gin (name_pinyin gin_trgm_ops)"),
    ("customer_initials_trgm", "USING gin (name_initials gin_trgm_ops)"),
    ("customer_bigrams_gin", "USING gin (string_to_array(name_bigrams, ' '))"),
    ("customer_name_chars", "USING gin (string_to_array(name, NULL))"),
    ("customer_initials_prefix", "(name_initials varchar_pattern_ops)"),
]
COLUMNS = ["name", "name_pinyin", "name_initials"]
EXPRESSION_INDEXES = ["customer_bigrams_gin", "customer_name_chars"]
OBSOLETE_INDEXES = ["customer_code_prefix", "customer_created_day"]


def reconcile(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name in OBSOLETE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer {definition}")
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE customers_customer ALTER COLUMN {column} SET STATISTICS {STATISTICS}")
    for name in EXPRESSION_INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} ALTER COLUMN 1 SET STATISTICS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_list_keys_indexes")]

    # Going back leaves the indexes: 0002's reverse drops them.
    operations = [migrations.RunPython(reconcile, migrations.RunPython.noop)]
