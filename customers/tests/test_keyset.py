import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import actions
from customers.tests.factories import make_customer, region


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


# Keys-first pages (CustomerQuerySet.keys_first): the same rows, in the same order, as a plain slice.


def test_keys_first_slices_match_plain_slices_in_every_order(manager_ann, manager_bob, supervisor_sue):
    from customers import selectors
    from customers.tests.factories import share

    for number in range(12):
        # Repeated names give ties in pinyin, broken by id.
        make_customer(manager_ann if number % 3 else manager_bob, name=f"{'甲乙丙'[number % 3]}测试客户有限公司")
    share(make_customer(manager_bob, name="共享测试有限公司"), manager_ann, "view", actor=supervisor_sue)
    for user in (manager_ann, supervisor_sue):
        for order in (("name_pinyin", "id"), ("-created_at", "-id"), ("level", "name_pinyin", "id")):
            plain = selectors.customer_list(user=user).order_by(*order)
            keys_first = selectors.customer_list_page(user=user).order_by(*order)
            for window in (slice(0, 5), slice(5, 10), slice(10, 20), slice(40, 50)):
                expected = [customer.pk for customer in plain[window]]
                assert [customer.pk for customer in keys_first[window]] == expected, (user, order, window)


def test_an_account_managers_branches_give_the_same_pages(manager_ann, manager_bob, supervisor_sue):
    # Own customers and those shared with ann, read as two branches (a UNION ALL on PostgreSQL),
    # must page exactly like the plain scoped list, whatever the order and the filter: ties
    # (same name, level, status) are broken by id, regions may be missing.
    from customers import selectors
    from customers.models import Customer
    from customers.tests.factories import share

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

    shared_ids = selectors.shared_customer_ids(user=manager_ann)
    assert len(shared_ids) == 3
    assert deleted.pk not in set(Customer.objects.filter(pk__in=shared_ids).values_list("pk", flat=True))
    assert selectors.shared_customer_ids(user=supervisor_sue) is None
    orders = [
        ("name_pinyin", "id"),
        ("-name_pinyin", "-id"),
        ("-created_at",),
        ("level",),
        ("-status", "name_pinyin"),
        ("region_id", "code"),
    ]
    both = selectors.list_branches(user=manager_ann, shared_ids=shared_ids)
    assert (both is not None) == connection.features.supports_slicing_ordering_in_compound  # PostgreSQL: yes
    for restrict in (lambda qs: qs, lambda qs: qs.filter(level=2), lambda qs: qs.filter(name__contains="甲")):
        branches = [restrict(branch) for branch in both] if both else None
        for order in orders:
            total = order if "id" in {name.removeprefix("-") for name in order} else (*order, "id")
            plain = restrict(selectors.customer_list(user=manager_ann)).order_by(*total)
            paged = restrict(selectors.customer_list_page(user=manager_ann)).order_by(*order).keys_first(branches)
            everything = [customer.pk for customer in plain]
            assert everything, (order,)
            for window in (slice(0, 4), slice(4, 8), slice(8, 30), slice(5, 6)):
                assert [customer.pk for customer in paged[window]] == everything[window], (order, window)
    with CaptureQueriesContext(connection) as queries:
        paged[0:5]
    union_used = any("UNION ALL" in query["sql"] for query in queries.captured_queries)
    assert union_used == connection.features.supports_slicing_ordering_in_compound  # PostgreSQL: yes
    assert paged.filter(level=1).query.keys_branches is None  # a later filter drops the branches


def test_a_missing_grant_never_shortens_or_shifts_a_page(manager_ann, manager_bob, supervisor_sue):
    # The own-customers branch trusts that a manager holds grants on their customers; where one is
    # missing there are no branches and the pages come from the scoped list.
    from customers import selectors
    from customers.models import CustomerUserObjectPermission

    customers = [make_customer(manager_ann, name=f"缺授权测试{number:02d}有限公司") for number in range(8)]
    CustomerUserObjectPermission.objects.filter(content_object=customers[1]).delete()
    shared_ids = selectors.shared_customer_ids(user=manager_ann)
    branches = selectors.list_branches(user=manager_ann, shared_ids=shared_ids)
    assert branches is None
    paged = selectors.customer_list_page(user=manager_ann).keys_first(branches)
    first, second = [customer.pk for customer in paged[0:4]], [customer.pk for customer in paged[4:8]]
    expected = [customer.pk for customer in customers if customer != customers[1]]
    assert first == expected[:4] and second == expected[4:]


def test_keys_first_reads_keys_then_rows_and_never_widens_the_scope(
    manager_ann, manager_bob, django_assert_num_queries
):
    from customers import selectors

    mine = {make_customer(manager_ann).pk for _ in range(3)}
    make_customer(manager_bob)
    page = selectors.customer_list_page(user=manager_ann)
    with django_assert_num_queries(4):  # keys, rows, their regions, their managers
        rows = page[0:50]
    assert {customer.pk for customer in rows} == mine
    assert page.filter(pk__in=[]).keys_first()[0:50] == []
    assert page[0].pk in mine  # a single row is an ordinary lookup


def test_a_keyset_with_other_digits_is_ignored(client, manager_ann):
    make_customer(manager_ann, name="北京鑫达科技有限公司")
    client.force_login(manager_ann)
    for after in ("x~²", "x~١٢", "x~-1", "~"):
        response = client.get("/customers/", {"after": after})
        assert response.status_code == 200, after
        assert len(_codes(response.content.decode())) == 1
