"""The list's search can use the trigram indexes of migration 0003 (PostgreSQL): each index is on
exactly the expression opportunities.selectors.search_q makes Django write, so a change to either
that no longer matches fails here rather than silently scanning every row."""

import pytest
from django.db import connection

from opportunities import selectors
from opportunities.models import Opportunity

EXPRESSION_INDEXES = ("opportunity_title_trgm", "opportunity_customer_trgm", "opportunity_contact_trgm")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="these indexes exist on PostgreSQL only"),
]


def _plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A tiny test table is cheaper to scan: ask whether the indexes *can* serve the search.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    "text, indexes",
    [
        ("鑫达科", ["opportunity_title_trgm", "opportunity_customer_trgm", "opportunity_contact_trgm"]),
        (
            "bjxd",
            [
                "opportunity_title_trgm",
                "opportunity_customer_trgm",
                "opportunity_contact_trgm",
                "opportunity_pinyin_trgm",
                "opportunity_initials_trgm",
            ],
        ),
    ],
)
def test_every_arm_of_the_search_is_served_by_its_trigram_index(text, indexes):
    plan = _plan(Opportunity.objects.filter(selectors.search_q(text)).order_by().values("pk"))
    assert "Seq Scan" not in plan, plan
    assert all(name in plan for name in indexes), plan


def test_the_searched_expressions_carry_a_larger_statistics_sample():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname, a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attnum > 0 AND (c.relname IN %s OR c.relname = 'opportunities_opportunity' AND a.attname IN %s)",
            [EXPRESSION_INDEXES, ("customer_name_pinyin", "customer_name_initials")],
        )
        targets = {(table, column): target for table, column, target in cursor.fetchall()}
    assert targets == {
        ("opportunity_title_trgm", "upper"): 1000,
        ("opportunity_customer_trgm", "upper"): 1000,
        ("opportunity_contact_trgm", "upper"): 1000,
        ("opportunities_opportunity", "customer_name_pinyin"): 1000,
        ("opportunities_opportunity", "customer_name_initials"): 1000,
    }
