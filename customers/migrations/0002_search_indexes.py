"""PostgreSQL-only indexes and statistics for the customer search box and list (customers/search.py).

SQLite has no trigram or GIN indexes; there the same queries scan, which is fine at the sizes
SQLite is meant for, and this migration does nothing.

- Trigram (pg_trgm) GIN indexes serve substring search of three or more characters in the
  name, pinyin and initials; GIN indexes on the arrays of the name's character bigrams and of
  its characters serve two- and one-character search; a btree ``varchar_pattern_ops`` index on
  the initials serves one- and two-letter prefixes. (The code prefix uses the ``…_like`` index
  Django makes for the unique code.)
- A larger statistics sample for the searched columns lets the planner estimate how many
  customers a search matches (customers.search decides "search first" from that estimate).
"""

from django.db import migrations

STATISTICS = 1000


def _indexes():
    return [
        ("customer_name_trgm", "USING gin (name gin_trgm_ops)"),
        ("customer_pinyin_trgm", "USING gin (name_pinyin gin_trgm_ops)"),
        ("customer_initials_trgm", "USING gin (name_initials gin_trgm_ops)"),
        ("customer_bigrams_gin", "USING gin (string_to_array(name_bigrams, ' '))"),
        ("customer_name_chars", "USING gin (string_to_array(name, NULL))"),
        ("customer_initials_prefix", "(name_initials varchar_pattern_ops)"),
    ]


COLUMNS = ["name", "name_pinyin", "name_initials"]
EXPRESSION_INDEXES = ["customer_bigrams_gin", "customer_name_chars"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in _indexes():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer {definition}")
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE customers_customer ALTER COLUMN {column} SET STATISTICS {STATISTICS}")
    for name in EXPRESSION_INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} ALTER COLUMN 1 SET STATISTICS {STATISTICS}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE customers_customer ALTER COLUMN {column} SET STATISTICS -1")
    for name, _definition in _indexes():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP INDEX IF EXISTS customer_code_prefix")  # made by earlier versions


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
