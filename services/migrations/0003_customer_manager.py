"""Each service request keeps a copy of its customer's account manager, kept by the database.

An account manager sees the requests of their customers (crm.access). Read as "customer in my
customers", a list probed ``service_customer_idx`` once for each of their ~3,300 customers to fill a
page (about 11 ms at 200,000 requests, most customers having none); with the manager on the request
it reads ``service_cmanager_idx`` in page order (about 1–3 ms).

The copy is kept by triggers, so every way a customer changes manager (the transfer page, the
customer form, an import, a bulk UPDATE, SQL typed by hand) and every way a request is written
keeps it right; the customers app, which may not import services, needs to know nothing:
- a request written (insert, or any update): its customer's current manager;
- a customer's manager changed: the copy on each of its requests.
Existing requests are filled after the triggers exist. The index is built CONCURRENTLY on
PostgreSQL (the table stays writable; the migration is therefore not atomic). crm.access checks
the customer's manager as well, so a wrong copy could hide a request but never show one.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "services_servicerequest"
INDEX = "service_cmanager_idx"

POSTGRESQL_TRIGGERS = """
CREATE OR REPLACE FUNCTION services_request_customer_manager() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.customer_manager_id := (SELECT account_manager_id FROM customers_customer WHERE id = NEW.customer_id);
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS services_request_customer_manager ON services_servicerequest;
CREATE TRIGGER services_request_customer_manager BEFORE INSERT OR UPDATE ON services_servicerequest
    FOR EACH ROW EXECUTE FUNCTION services_request_customer_manager();

CREATE OR REPLACE FUNCTION services_customer_manager_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE services_servicerequest SET customer_manager_id = NEW.account_manager_id
    WHERE customer_id = NEW.id AND customer_manager_id IS DISTINCT FROM NEW.account_manager_id;
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS services_customer_manager_moved ON customers_customer;
CREATE TRIGGER services_customer_manager_moved AFTER UPDATE OF account_manager_id ON customers_customer
    FOR EACH ROW WHEN (OLD.account_manager_id IS DISTINCT FROM NEW.account_manager_id)
    EXECUTE FUNCTION services_customer_manager_moved();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS services_customer_manager_moved ON customers_customer;
DROP FUNCTION IF EXISTS services_customer_manager_moved();
DROP TRIGGER IF EXISTS services_request_customer_manager ON services_servicerequest;
DROP FUNCTION IF EXISTS services_request_customer_manager();
"""

# SQLite's triggers can't change the row being written: they correct it right after. Its
# recursive triggers are off, so the corrections don't fire themselves again.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS services_request_customer_manager_insert AFTER INSERT ON services_servicerequest
    BEGIN
        UPDATE services_servicerequest SET customer_manager_id = (SELECT account_manager_id FROM customers_customer WHERE id = NEW.customer_id) WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS services_request_customer_manager_update
    AFTER UPDATE OF customer_id, customer_manager_id ON services_servicerequest
    WHEN NEW.customer_manager_id IS NOT (SELECT account_manager_id FROM customers_customer WHERE id = NEW.customer_id)
    BEGIN
        UPDATE services_servicerequest SET customer_manager_id = (SELECT account_manager_id FROM customers_customer WHERE id = NEW.customer_id) WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS services_customer_manager_moved
    AFTER UPDATE OF account_manager_id ON customers_customer
    WHEN OLD.account_manager_id IS NOT NEW.account_manager_id
    BEGIN
        UPDATE services_servicerequest SET customer_manager_id = NEW.account_manager_id WHERE customer_id = NEW.id;
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS services_customer_manager_moved",
    "DROP TRIGGER IF EXISTS services_request_customer_manager_update",
    "DROP TRIGGER IF EXISTS services_request_customer_manager_insert",
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_TRIGGERS)
    else:
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    else:
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


def fill(apps, schema_editor):
    """The copy on the requests written before the triggers."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE services_servicerequest AS r SET customer_manager_id = c.account_manager_id FROM customers_customer AS c "
            "WHERE c.id = r.customer_id AND r.customer_manager_id IS DISTINCT FROM c.account_manager_id"
        )
    else:
        schema_editor.execute(
            "UPDATE services_servicerequest SET customer_manager_id = "
            "(SELECT account_manager_id FROM customers_customer WHERE id = customer_id)"
        )


def create_index(apps, schema_editor):
    columns = '"customer_manager_id", "status", "created_at" DESC, "id" DESC'
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT NOT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)", [INDEX])
            invalid = cursor.fetchone()
            if invalid and invalid[0]:  # left by a concurrent build that failed
                cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{INDEX}"')
            cursor.execute(
                f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{INDEX}" ON "services_servicerequest" ({columns})'
            )
    else:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "services_servicerequest" ({columns})')


def drop_index(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f'DROP INDEX{concurrently} IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY can't run in a transaction

    dependencies = [
        ("customers", "0011_customer_import_confirmed_by"),
        ("services", "0002_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="customer_manager",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="servicerequest",
                    index=models.Index(
                        fields=["customer_manager", "status", "-created_at", "-id"], name="service_cmanager_idx"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(create_index, drop_index, elidable=False)],
        ),
    ]
