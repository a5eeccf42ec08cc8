"""PostgreSQL's cursor (crm.postgresql): every statement is prepared after a few runs except the
searches and EXPLAINs, whose best plan depends on the searched text; timestamps are read by
psycopg's own loader, with the values Django's gives."""

import datetime

import pytest
from django.db import connection
from psycopg import postgres
from psycopg.pq import Format

from crm.postgresql import planned_with_values
from customers.models import Customer
from customers.search import customer_search_q

pytestmark = pytest.mark.django_db

TIMESTAMPTZ_OID = postgres.types["timestamptz"].oid


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ('SELECT "id" FROM "customers_customer" WHERE "id" = %s', False),
        ('SELECT "id" FROM "customers_customer" WHERE UPPER("name"::text) LIKE UPPER(%s)', True),
        ("SELECT 1 WHERE string_to_array(\"name_bigrams\", ' ') @> ARRAY[%s]::text[]", True),
        ('EXPLAIN (FORMAT JSON) SELECT "id" FROM "customers_customer"', True),
        (b"  explain SELECT 1", True),
        ('SELECT "likes", "unlike_count" FROM "t"', False),
    ],
)
def test_which_statements_are_planned_with_their_values(statement, expected):
    assert planned_with_values(statement) is expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_searches_and_explains_are_never_prepared_and_other_statements_are():
    search = customer_search_q("科技")
    for _ in range(8):
        list(Customer.objects.filter(pk=1).values_list("pk"))
        list(Customer.objects.filter(search).values_list("pk")[:1])
        Customer.objects.filter(search).explain()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('"customers_customer"."id" = $1' in statement for statement in prepared), prepared
    assert not any(planned_with_values(statement) for statement in prepared), prepared


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders are PostgreSQL's")
def test_timestamps_read_through_psycopgs_own_loader_are_what_djangos_gives():
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    from crm.postgresql import TIMESTAMPTZ_LOADER

    moments = [
        datetime.datetime(2026, 12, 3, 5, 0, 0, 123456, tzinfo=datetime.UTC),
        datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
        datetime.datetime(2, 1, 1, tzinfo=datetime.UTC),
    ]
    with connection.cursor() as cursor:
        assert cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is TIMESTAMPTZ_LOADER
        assert not issubclass(TIMESTAMPTZ_LOADER, BaseTzLoader)
        read = [select(cursor, moment) for moment in moments]
        # The connection's loader: Django's, which the cursor replaced.
        django_loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        assert issubclass(django_loader, BaseTzLoader)
        cursor.cursor.adapters.register_loader("timestamptz", django_loader)
        by_django = [select(cursor, moment) for moment in moments]
    assert read == by_django == moments
    assert [value.tzinfo for value in read] == [value.tzinfo for value in by_django] == [datetime.UTC] * 3


def select(cursor, moment):
    cursor.execute("SELECT %s::timestamptz", [moment])
    return cursor.fetchone()[0]
