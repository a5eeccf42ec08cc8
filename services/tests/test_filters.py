"""The services lists' search box and filter forms (services/filters.py), on the rows themselves."""

import pytest

from crm import access
from customers.models import Customer
from customers.search import customer_search_q
from customers.tests.factories import make_customer
from services.filters import ArchiveFilter, QueueFilter, ServiceFilter
from services.models import ServiceRequest
from services.search import search_q
from services.tests.factories import assigned, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(manager_ann, manager_bob, supervisor_sue):
    north = make_customer(manager_ann, name="北京鑫达科技有限公司")
    south = make_customer(manager_ann, name="深圳华光电子有限公司")
    bobs = make_customer(manager_bob, name="北辰博远贸易有限公司")
    return {
        "north": make_request(manager_ann, north, title="打印机卡纸"),
        "south": make_request(manager_ann, south, title="发票开具北京分公司"),
        "bobs": make_request(manager_bob, bobs, title="交货延迟"),
        "bobs_to_ann": assigned(manager_bob, bobs, manager_ann, supervisor=supervisor_sue, title="安装调试"),
    }


def found(user, text):
    return set(access.visible(user, ServiceRequest).filter(search_q(text)).values_list("title", flat=True))


TEXTS = ["北京", "北", "鑫达", "bjxd", "beijing", "bj", "hg", "sz", "打印", "KH", "kh2", "贸易", "  北京 ", "x"]


@pytest.mark.parametrize("text", TEXTS)
def test_the_search_finds_the_titles_and_the_customers_the_customer_search_finds(supervisor_sue, rows, text):
    customers = set(Customer.objects.filter(customer_search_q(text)).values_list("pk", flat=True))
    expected = {row.title for row in rows.values() if row.customer_id in customers or text.strip() in row.title}
    assert found(supervisor_sue, text) == expected


def test_the_search_matches_the_customers_code_initials_and_pinyin(supervisor_sue, rows):
    north = rows["north"].customer
    assert found(supervisor_sue, north.code) == {"打印机卡纸"}
    assert found(supervisor_sue, "bjxdkj") == {"打印机卡纸"}
    assert found(supervisor_sue, "shenzhen") == {"发票开具北京分公司"}
    # A title word is found whatever customer it belongs to.
    assert found(supervisor_sue, "北京") == {"打印机卡纸", "发票开具北京分公司"}


def test_an_empty_search_matches_every_visible_row(manager_ann, rows):
    assert found(manager_ann, "") == found(manager_ann, "   ") == {"打印机卡纸", "发票开具北京分公司", "安装调试"}


def test_the_search_never_widens_the_users_scope(manager_ann, rows):
    # Bob's customer: Ann finds the request assigned to her, not Bob's own.
    assert found(manager_ann, "博远") == {"安装调试"}
    assert found(manager_ann, "交货") == set()


def test_the_filter_forms_offer_their_fields_in_order():
    assert list(ServiceFilter.base_filters) == ["q", "service_type", "status", "created_from", "created_to"]
    assert list(ArchiveFilter.base_filters) == ["q", "service_type", "created_from", "created_to", "satisfaction"]
    assert list(QueueFilter.base_filters) == ["q", "service_type"]
