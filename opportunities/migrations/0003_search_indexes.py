"""PostgreSQL-only indexes and statistics for the opportunities list's search box
(opportunities.selectors.search_q). SQLite has no trigram indexes; there the search scans, which
is fine at the sizes SQLite is meant for, and this migration does nothing.

- Trigram (pg_trgm) GIN indexes on the expressions the search compares — ``UPPER(title)``,
  ``UPPER(customer_name)``, ``UPPER(contact_name)`` (Django's ``icontains``) and the pinyin and
  initials keys (``contains``) — serve a search of three or more characters (鑫达科, bjxd): at
  100,000 opportunities, 1–2 ms instead of a scan of every row (about 140 ms).
- They also give the planner statistics on those expressions (a larger sample, as for the
  customers' search): without them it guessed that a common two-character search (科技, a
  quarter of all opportunities) matches 40 rows, sorted every match instead of walking the
  newest-first index, and took 140 ms; with them it reads about 200 rows of the index (1 ms).
  Two characters can't use a trigram, so a *rare* two-character search still scans (bench/README.md).
"""

from django.db import migrations

STATISTICS = 1000
TABLE = "opportunities_opportunity"
INDEXES = [
    ("opportunity_title_trgm", "USING gin (UPPER(title) gin_trgm_ops)"),
    ("opportunity_customer_trgm", "USING gin (UPPER(customer_name) gin_trgm_ops)"),
    ("opportunity_contact_trgm", "USING gin (UPPER(contact_name) gin_trgm_ops)"),
    ("opportunity_pinyin_trgm", "USING gin (customer_name_pinyin gin_trgm_ops)"),
    ("opportunity_initials_trgm", "USING gin (customer_name_initials gin_trgm_ops)"),
]
EXPRESSION_INDEXES = ["opportunity_title_trgm", "opportunity_customer_trgm", "opportunity_contact_trgm"]
COLUMNS = ["customer_name_pinyin", "customer_name_initials"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} {definition}")
    for name in EXPRESSION_INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} ALTER COLUMN 1 SET STATISTICS {STATISTICS}")
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN {column} SET STATISTICS {STATISTICS}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN {column} SET STATISTICS -1")
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0002_text_limit_validators")]

    operations = [migrations.RunPython(create, drop)]
