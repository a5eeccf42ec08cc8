"""PostgreSQL's prepared statements (crm.postgresql): every statement is prepared after a few
runs except the searches and EXPLAINs, whose best plan depends on the searched text."""

import pytest
from django.db import connection

from crm.postgresql import planned_with_values
from customers.models import Customer
from customers.search import customer_search_q

pytestmark = pytest.mark.django_db


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
