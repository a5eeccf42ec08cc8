"""The search box's condition is worked out without the database; only plan_search may ask it
(one EXPLAIN on PostgreSQL, the ids of few matches on SQLite), and both shapes find the same
customers."""

import pytest
from django.db import connection

from customers.models import Customer
from customers.search import customer_search_q, plan_search, search_condition
from customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["", "鑫", "鑫达", "鑫达科", "bj", "xinda", "KH2026", "3m"])
def test_the_condition_is_built_without_a_query_and_the_plan_finds_the_same_rows(
    text, manager_ann, django_assert_num_queries
):
    for name in ("北京鑫达科技有限公司", "上海三木贸易有限公司", "鑫达（北京）科技有限公司"):
        make_customer(manager_ann, name=name)
    with django_assert_num_queries(0):
        condition, anchor = search_condition(text)
    # PostgreSQL asks the planner (one EXPLAIN); SQLite reads the ids of the matches (one query).
    with django_assert_num_queries(1 if text else 0):
        planned = plan_search(condition, anchor)
    found = set(Customer.objects.filter(planned).values_list("pk", flat=True))
    assert found == set(Customer.objects.filter(condition).values_list("pk", flat=True))
    assert found == set(Customer.objects.filter(customer_search_q(text)).values_list("pk", flat=True))
    expected = {"鑫达": 2, "xinda": 2, "bj": 1, "3m": 0, "": 3}
    if text in expected:
        assert len(found) == expected[text], text


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan: the ids of few matches")
def test_sqlite_reads_the_ids_of_few_matches_and_walks_for_many(manager_ann, monkeypatch):
    from customers import search

    matching = [make_customer(manager_ann, name=f"北京鑫达{n}号科技有限公司").pk for n in range(3)]
    make_customer(manager_ann, name="上海三木贸易有限公司")
    gone = make_customer(manager_ann, name="鑫达（北京）科技有限公司")
    gone.deleted_at = gone.created_at
    gone.save(update_fields=["deleted_at"])
    condition, anchor = search_condition("鑫达")
    planned = plan_search(condition, anchor)
    # Few: their ids, deleted ones included (the recycle bin searches with the same condition).
    [(lookup, ids)] = planned.children
    assert (lookup, sorted(ids)) == ("pk__in", sorted([*matching, gone.pk]))
    assert set(Customer.objects.filter(planned).values_list("pk", flat=True)) == set(matching)
    monkeypatch.setattr(search, "SQLITE_IDS_LIMIT", 3)
    walked = plan_search(condition, anchor)
    assert walked == condition
    assert set(Customer.objects.filter(walked).values_list("pk", flat=True)) == set(matching)
