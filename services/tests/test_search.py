"""The services lists' search box (services.search): the title and the customer, the same rows on
SQLite and PostgreSQL, and on PostgreSQL each arm served by an index."""

import pytest
from django.db import connection

from customers.tests.factories import make_customer
from services import search
from services.models import ServiceRequest
from services.tests.factories import make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def requests(manager_ann, manager_bob):
    xinda = make_customer(manager_ann, name="北京鑫达科技有限公司")
    zengji = make_customer(manager_bob, name="重庆曾记物流有限公司")
    return {
        "invoice": make_request(manager_ann, xinda, title="发票开错了需要重开"),
        "delivery": make_request(manager_bob, zengji, title="送货延迟投诉"),
        "install": make_request(manager_ann, xinda, title="安装调试咨询"),
        "xinda": xinda,
    }


def _found(text):
    return set(ServiceRequest.objects.filter(search.search_q(text)).values_list("title", flat=True))


def test_a_title_is_found_by_two_three_or_more_characters(requests):
    assert _found("发票") == {"发票开错了需要重开"}
    assert _found("延迟投") == {"送货延迟投诉"}
    assert _found("调试咨询") == {"安装调试咨询"}
    assert _found("票开错了需") == {"发票开错了需要重开"}
    assert _found("发开") == set()  # not adjacent


@pytest.mark.parametrize("text", ["发票", "开错", "发开", "票开错", "投诉", "送货延迟投诉", "VPN", "vp"])
def test_a_narrowed_list_finds_the_same_titles(requests, manager_ann, text):
    """An account manager's parts test a two-character title on their rows instead of through the
    bigram index: the same requests either way."""
    make_request(manager_ann, requests["xinda"], title="VPN 连不上，发票也没收到")
    narrowed = ServiceRequest.objects.filter(search.search_q(text, narrowed=True))
    assert set(narrowed.values_list("pk", flat=True)) == set(
        ServiceRequest.objects.filter(search.search_q(text)).values_list("pk", flat=True)
    )


def test_a_customer_is_found_by_code_name_pinyin_and_initials(requests):
    xinda = requests["xinda"]
    both = {"发票开错了需要重开", "安装调试咨询"}
    for text in (xinda.code, "鑫达", "鑫达科技", "xinda", "bjxd"):
        assert _found(text) == both, text
    assert _found("cqzj") == {"送货延迟投诉"}
    assert _found("") == {"发票开错了需要重开", "送货延迟投诉", "安装调试咨询"}
    assert _found("没有这样的") == set()


def test_many_matching_customers_stay_a_subquery_with_the_same_rows(requests, monkeypatch):
    monkeypatch.setattr(search, "CUSTOMER_IDS_LIMIT", 0)
    assert _found("有限公司") == {"发票开错了需要重开", "送货延迟投诉", "安装调试咨询"}
    assert "IN (SELECT" in str(ServiceRequest.objects.filter(search.search_q("有限公司")).query)


def test_a_rare_customers_search_compares_its_ids(requests):
    sql = str(ServiceRequest.objects.filter(search.search_q("鑫达科技")).query)
    assert f"IN ({requests['xinda'].pk})" in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
@pytest.mark.parametrize("text, index", [("发票", "service_title_bigrams_gin"), ("延迟投", "service_title_trgm")])
def test_each_arm_of_the_title_search_is_served_by_its_index(requests, text, index):
    queryset = ServiceRequest.objects.filter(search.search_q(text)).order_by().values("pk")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    assert index in plan, plan
