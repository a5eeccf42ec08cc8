"""The search box's condition is worked out without the database; only plan_search may ask it
(one EXPLAIN on PostgreSQL), and both shapes find the same customers."""

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
    explains = 1 if connection.vendor == "postgresql" and text else 0
    with django_assert_num_queries(explains):
        planned = plan_search(condition, anchor)
    found = set(Customer.objects.filter(planned).values_list("pk", flat=True))
    assert found == set(Customer.objects.filter(condition).values_list("pk", flat=True))
    assert found == set(Customer.objects.filter(customer_search_q(text)).values_list("pk", flat=True))
    expected = {"鑫达": 2, "xinda": 2, "bj": 1, "3m": 0, "": 3}
    if text in expected:
        assert len(found) == expected[text], text
