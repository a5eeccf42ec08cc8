import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import access
from crm.paginators import KeysFirstPaginator
from customers import actions, selectors
from customers.models import Customer, CustomerUserObjectPermission
from customers.tests.factories import make_customer, region, share


def _codes(html):
    table = html.split('data-testid="customer-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r">(KH\d{12})<", table)


def test_next_link_continues_the_list_where_the_page_ended_without_offset(
    client, manager_ann, django_assert_max_num_queries
):
    for number in range(55):
        make_customer(manager_ann, name=f"测试{'甲乙丙丁戊'[number % 5]}客户{number:02d}有限公司")
    client.force_login(manager_ann)

    first = client.get("/customers/").content.decode()
    second_by_offset = _codes(client.get("/customers/?page=2").content.decode())
    link = re.search(r'href="([^"]+)" data-testid="keyset-next"', first).group(1).replace("&amp;", "&")
    assert "after=" in link
    with django_assert_max_num_queries(12):
        second = client.get(f"/customers/{link}").content.decode()

    assert len(_codes(first)) == 50
    assert _codes(second) == second_by_offset and len(second_by_offset) == 5
    assert not set(_codes(second)) & set(_codes(first))
    assert 'data-testid="keyset-next"' not in second  # a short page is the last


def test_keyset_link_keeps_the_search_and_is_absent_for_other_sorts(client, manager_ann):
    for number in range(51):
        make_customer(manager_ann, name=f"鑫达测试{number:02d}有限公司")
    client.force_login(manager_ann)
    first = client.get("/customers/?q=鑫达").content.decode()
    link = re.search(r'href="([^"]+)" data-testid="keyset-next"', first).group(1)
    assert "q=%E9%91%AB%E8%BE%BE" in link
    assert 'data-testid="keyset-next"' not in client.get("/customers/?sort=-code").content.decode()


def test_a_malformed_keyset_is_ignored(client, manager_ann):
    make_customer(manager_ann, name="北京鑫达科技有限公司")
    client.force_login(manager_ann)
    response = client.get("/customers/?after=nonsense")
    assert response.status_code == 200
    assert len(_codes(response.content.decode())) == 1


# Keys-first pages (crm.paginators.KeysFirstPaginator): the same rows, in the same order, as a
# plain slice of the scoped list, for both roles, in every order, with ties and filters.


def _window(queryset, window, parts=None):
    return [customer.pk for customer in KeysFirstPaginator(queryset, 50, parts=parts).window(window)]


def test_paginator_windows_match_plain_slices_in_every_order(manager_ann, manager_bob, supervisor_sue):
    # An account manager's page is read out of their scope's parts (own customers, those shared
    # with them: a UNION ALL on PostgreSQL); ties (same name, level, status) are broken by id,
    # regions may be missing, and a filter applies to the list and to each part alike.
    for number in range(14):
        make_customer(
            manager_ann,
            name=f"{'甲乙丙'[number % 3]}测试客户有限公司",
            level=1 + number % 2,
            status="lost" if number % 4 == 0 else "active",
            region=None if number % 5 == 0 else region(),
        )
    for number in range(6):
        customer = make_customer(manager_bob, name=f"{'甲乙丁'[number % 3]}共享客户有限公司", level=1 + number % 2)
        if number % 2:
            share(customer, manager_ann, "view", actor=supervisor_sue)
    deleted = make_customer(manager_ann, name="甲已删除有限公司")
    actions.delete_customer(actor=manager_ann, customer=deleted)
    orders = [
        ("name_pinyin", "id"),
        ("-name_pinyin", "-id"),
        ("-created_at",),
        ("level",),
        ("-status", "name_pinyin"),
        ("region_id", "code"),
    ]
    restrictions = (lambda qs: qs, lambda qs: qs.filter(level=2), lambda qs: qs.filter(name__contains="甲"))
    for user in (manager_ann, supervisor_sue):
        parts = access.scope_parts(user, Customer)
        assert len(parts) == (2 if user == manager_ann else 1)
        for restrict in restrictions:
            for order in orders:
                total = order if "id" in {name.removeprefix("-") for name in order} else (*order, "id")
                everything = [c.pk for c in restrict(selectors.customer_list(user=user)).order_by(*total)]
                assert everything and deleted.pk not in everything, (user, order)
                page = restrict(selectors.customer_list_page(user=user)).order_by(*order)
                restricted_parts = [restrict(part) for part in parts]
                for window in (slice(0, 4), slice(4, 8), slice(8, 30), slice(5, 6)):
                    assert _window(page, window, restricted_parts) == everything[window], (user, order, window)
    page = selectors.customer_list_page(user=manager_ann)
    with CaptureQueriesContext(connection) as queries:
        _window(page, slice(0, 5), access.scope_parts(manager_ann, Customer))
    union_used = any("UNION ALL" in query["sql"] for query in queries.captured_queries)
    assert union_used == connection.features.supports_slicing_ordering_in_compound  # PostgreSQL: yes


def test_a_part_offering_rows_the_list_refuses_never_shortens_or_widens_a_page(manager_ann, manager_bob):
    # Parts that are not the list's (here: bob's customers) can't bring a row into ann's page,
    # nor leave it short: the page is then read from the list alone.
    mine = [make_customer(manager_ann, name=f"甲测试{number:02d}有限公司").pk for number in range(6)]
    theirs = [make_customer(manager_bob, name=f"甲别人{number:02d}有限公司").pk for number in range(6)]
    page = selectors.customer_list_page(user=manager_ann)
    wrong_parts = [Customer.objects.filter(pk__in=theirs), Customer.objects.filter(pk__in=mine[:2])]
    assert _window(page, slice(0, 4), wrong_parts) == mine[:4]
    assert _window(page, slice(4, 10), wrong_parts) == mine[4:]


def test_the_paginator_reads_keys_then_rows_and_the_list_stays_a_plain_queryset(
    manager_ann, manager_bob, django_assert_num_queries
):
    mine = {make_customer(manager_ann).pk for _ in range(3)}
    make_customer(manager_bob)
    page = selectors.customer_list_page(user=manager_ann)
    with django_assert_num_queries(2):  # keys, then the rows with their regions and managers joined
        rows = KeysFirstPaginator(page, 50).page(1).object_list
    with django_assert_num_queries(0):
        shown = {(customer.region.label, customer.account_manager.username) for customer in rows}
    assert {customer.pk for customer in rows} == mine
    stored = Customer.objects.filter(pk__in=mine).values_list("region__label", "account_manager__username")
    assert shown == set(stored) and {username for _, username in shown} == {manager_ann.username}
    assert KeysFirstPaginator(page.filter(pk__in=[]), 50).page(1).object_list == []
    codes = list(page.values_list("code", flat=True)[0:2])
    assert len(codes) == 2 and all(code.startswith("KH") for code in codes)
    assert page[0].pk in mine


def test_page_sizes_and_depths_are_bounded(client, manager_ann):
    from django.core.paginator import EmptyPage

    from crm.paginators import DEFAULT_PAGE_SIZE, MAX_PAGE, PAGE_SIZES

    for number in range(60):
        make_customer(manager_ann, name=f"分页测试{number:02d}有限公司")
    page = selectors.customer_list_page(user=manager_ann)
    assert KeysFirstPaginator(page, 25).per_page == 25 and 25 in PAGE_SIZES
    for asked in (-5, 0, 7, 100_000):
        assert KeysFirstPaginator(page, asked).per_page == DEFAULT_PAGE_SIZE
    with pytest.raises(EmptyPage):
        KeysFirstPaginator(page, 50).page(MAX_PAGE + 1)
    client.force_login(manager_ann)
    for query, rows in (
        ("per_page=-5", 50),
        ("per_page=100000", 50),
        ("per_page=25", 25),
        ("page=2", 10),
    ):
        response = client.get(f"/customers/?{query}")
        assert response.status_code == 200, query
        assert len(_codes(response.content.decode())) == rows, query
    # Pages the list doesn't have go to its last page (or the first), with a message saying so
    # (crm/tests/test_list_pages.py), never to page 1 under the asked-for URL.
    for query, location in (
        ("page=99999999999999999999999", "/customers/?page=2"),
        ("page=-3", "/customers/"),
        ("page=3", "/customers/?page=2"),
        (f"page={MAX_PAGE + 1}", "/customers/?page=2"),
    ):
        response = client.get(f"/customers/?{query}")
        assert response.status_code == 302 and response["Location"] == location, query


def test_a_manager_sees_their_own_customers_without_a_grant(client, manager_ann):
    # Ownership is the account_manager field (crm.access ROW_SCOPES); grants are for sharing.
    customers = [make_customer(manager_ann, name=f"缺授权测试{number:02d}有限公司") for number in range(3)]
    CustomerUserObjectPermission.objects.filter(content_object=customers[1]).delete()
    client.force_login(manager_ann)
    listed = _codes(client.get("/customers/").content.decode())
    assert listed == [customer.code for customer in customers]
    assert client.get(customers[1].get_absolute_url()).status_code == 200


def test_a_keyset_with_other_digits_is_ignored(client, manager_ann):
    make_customer(manager_ann, name="北京鑫达科技有限公司")
    client.force_login(manager_ann)
    for after in ("x~²", "x~١٢", "x~-1", "~"):
        response = client.get("/customers/", {"after": after})
        assert response.status_code == 200, after
        assert len(_codes(response.content.decode())) == 1
