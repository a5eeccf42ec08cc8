"""Indexes on django-auditlog's table for the audit page at tens of millions of rows.

The page reads the newest rows first, unfiltered or by user, model, action or event, and by date:
each of these indexes gives one of them its rows already in (timestamp, id) order, so a page is
read from the index's end (bench/README.md, audit log at 20M rows). auditlog's model is not ours,
so these are SQL, not AddIndex: on PostgreSQL built CONCURRENTLY (the log stays writable while a
large table is indexed; the migration is therefore not atomic), and IF NOT EXISTS, so a run
stopped halfway can be run again (an invalid index left by a failed concurrent build is dropped
first). SQLite gets the same column indexes; the event index is PostgreSQL's (a JSON expression).
"""

from django.db import migrations

TABLE = "auditlog_logentry"
# name -> (indexed expressions, partial index condition or None, PostgreSQL only)
INDEXES = {
    "auditlog_time_id_idx": ('"timestamp", "id"', None, False),
    "auditlog_actor_time_idx": ('"actor_id", "timestamp", "id"', None, False),
    "auditlog_type_time_idx": ('"content_type_id", "timestamp", "id"', None, False),
    "auditlog_action_time_idx": ('"action", "timestamp", "id"', None, False),
    # The action filter's events (login, export, …) and the export log: rows that have one.
    "auditlog_event_time_idx": (
        '("additional_data" -> \'event\'), "timestamp", "id"',
        "(\"additional_data\" -> 'event') IS NOT NULL",
        True,
    ),
}


def create_indexes(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        for name, (columns, condition, postgresql_only) in INDEXES.items():
            if postgresql_only and not postgresql:
                continue
            if postgresql:
                cursor.execute("SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)", [name])
                invalid = cursor.fetchone()
                if invalid and invalid[0]:
                    cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
            where = f" WHERE {condition}" if condition else ""
            concurrently = " CONCURRENTLY" if postgresql else ""
            cursor.execute(f'CREATE INDEX{concurrently} IF NOT EXISTS "{name}" ON "{TABLE}" ({columns}){where}')


def drop_indexes(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f'DROP INDEX{concurrently} IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY can't run in a transaction

    dependencies = [
        ("crm", "0003_audit_actor_names"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
