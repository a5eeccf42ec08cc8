"""The PostgreSQL indexes of migrations 0003, 0004 and 0005 serve the queries they were made for: the
list's search (each trigram index is on exactly the expression opportunities.selectors.search_q
makes Django write, so a change to either that no longer matches fails here rather than silently
scanning every row) and an account manager's board columns."""

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
    """EXPLAIN of ``queryset`` with scans of the whole table and plain index walks disabled."""
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


def test_a_two_character_search_is_served_by_the_bigram_index():
    plan = _plan(Opportunity.objects.filter(selectors.search_q("鑫达")).order_by().values("pk"))
    assert "Seq Scan" not in plan, plan
    assert "opportunity_bigrams_gin" in plan, plan


def test_the_searched_expressions_carry_a_larger_statistics_sample():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname, a.attstattarget FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attnum > 0 AND (c.relname = ANY(%s) OR c.relname = 'opportunities_opportunity' "
            "AND a.attname = ANY(%s))",
            [list(EXPRESSION_INDEXES), ["customer_name_pinyin", "customer_name_initials"]],
        )
        targets = {(table, column): target for table, column, target in cursor.fetchall()}
    assert targets == {
        ("opportunity_title_trgm", "upper"): 1000,
        ("opportunity_customer_trgm", "upper"): 1000,
        ("opportunity_contact_trgm", "upper"): 1000,
        ("opportunities_opportunity", "customer_name_pinyin"): 1000,
        ("opportunities_opportunity", "customer_name_initials"): 1000,
    }


def test_an_account_managers_board_column_reads_their_rows_of_that_status_from_the_owner_indexes(
    manager_ann, manager_bob
):
    # Thousands of ann's, few of them terminated. Rows inserted in bulk (the planner's statistics
    # need thousands, not the actions' audit trail).
    def rows(owner, count, status):
        return [
            Opportunity(
                title=f"机会{n}",
                customer_name=f"客户{n}",
                success_rate=10,
                contact_name="联系人",
                status=status,
                created_by=owner,
                assigned_to=owner,
                failure_reason="预算取消" if status == "failed" else "",
            )
            for n in range(count)
        ]

    Opportunity.objects.bulk_create(
        rows(manager_bob, 20000, "succeeded") + rows(manager_ann, 100, "failed") + rows(manager_ann, 2000, "succeeded"),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE opportunities_opportunity")
    # Whether the planner walks an index in date order instead depends on its guess of where the
    # matches are (on the benchmark's data it walked the status index: 14 ms); read through an
    # index, both conditions are met in the two owner indexes alone.
    plan = _plan(selectors.board_column(user=manager_ann, status="failed"))
    assert "opportunity_creator_status_idx" in plan and "opportunity_assignee_status_idx" in plan, plan
