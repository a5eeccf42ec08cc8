"""Committed migrations are frozen: 0006 brings a PostgreSQL database migrated with an earlier
version of 0002 to the indexes 0002 now describes, and changes nothing on a current one."""

import importlib

import pytest
from django.db import connection

reconciling = importlib.import_module("customers.migrations.0006_reconcile_search_indexes")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="these indexes exist on PostgreSQL only"),
]


def _indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'customers_customer'")
        return {row[0] for row in cursor.fetchall()}


def _statistics(column):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'customers_customer'::regclass AND attname = %s",
            [column],
        )
        return cursor.fetchone()[0]


def _reconcile():
    with connection.schema_editor() as editor:
        reconciling.reconcile(None, editor)


def test_a_database_migrated_with_the_first_0002_is_brought_up_to_date():
    with connection.cursor() as cursor:  # what the first version of 0002 left behind
        cursor.execute("DROP INDEX customer_name_chars")
        cursor.execute("CREATE INDEX customer_code_prefix ON customers_customer (code varchar_pattern_ops)")
        cursor.execute(
            "CREATE INDEX customer_created_day ON customers_customer "
            "(((created_at AT TIME ZONE 'Asia/Shanghai')::date))"
        )
        cursor.execute("ALTER TABLE customers_customer ALTER COLUMN name SET STATISTICS -1")
    _reconcile()
    indexes = _indexes()
    assert {name for name, _definition in reconciling.INDEXES} <= indexes
    assert not set(reconciling.OBSOLETE_INDEXES) & indexes
    assert _statistics("name") == reconciling.STATISTICS


def test_a_current_database_is_left_as_it_is():
    before = _indexes()
    _reconcile()
    assert _indexes() == before
    assert {name for name, _definition in reconciling.INDEXES} <= before
