"""What every list page (crm.mixins.ListPageMixin) does with what it can't show as asked (issue 10):

- a page number the list doesn't have redirects to the last page (or the first) with a message
  saying so, instead of showing page 1 under the wrong URL; only that path counts rows;
- a filter with an error keeps what was typed (a date box in error becomes a text box), shows the
  error, says it wasn't applied, and the list shows the other filters' rows instead of claiming
  that nothing matched;
- a reversed date range is an error on both dates, not a silent empty list;
- an empty filter choice reads "All" / "全部", not "---------".

The lists are found from the URLconf, so a new app's list is covered the day it arrives.
"""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from crm.mixins import ListPageMixin
from crm.paginators import MAX_PAGE
from customers.tests.factories import make_customer
from opportunities.tests.factories import make_opportunity
from sales.tests.factories import load, order, product

pytestmark = pytest.mark.django_db


def list_url_names(resolver=None, namespace=""):
    """Every URL name whose view is a list page (ListPageMixin), outside the admin."""
    names = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                names += list_url_names(pattern, inner)
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        if pattern.name and view_class and issubclass(view_class, ListPageMixin):
            names.append(namespace + pattern.name)
    return names


LISTS = list_url_names()


def test_the_lists_are_found():
    assert {"customers:list", "sales:product_list", "sales:stock_list", "sales:order_list", "audit"} <= set(LISTS)


@pytest.fixture
def world(manager_ann, manager_bob):
    customers = [make_customer(manager_ann, name=f"列表测试{number:02d}有限公司") for number in range(3)]
    make_customer(manager_bob, name="博远科技有限公司")
    make_opportunity(manager_ann, title="列表测试机会")
    load(
        products=[product("P-1"), product("P-2", name="交换机")],
        stock=[{"warehouse": "北京一号库", "location": "A-01", "product_code": "P-1", "quantity": "5"}],
        orders=[order(f"SO-{n}", customers[n % 3], order_date=f"2026-03-{10 + n:02d}") for n in range(4)],
    )
    return customers


def flash(response):
    texts = re.findall(r'role="alert">(.*?)<button', response.content.decode(), re.S)
    return [html.unescape(text).strip() for text in texts]


def rows_of(response):
    return list(response.context["table"].page.object_list)


def signed_in(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- pages the list doesn't have ---------------------------------------------------------------


@pytest.mark.parametrize("url_name", LISTS)
def test_a_page_past_the_end_redirects_to_the_last_page_and_says_so(client, world, superuser_sam, url_name):
    signed_in(client, superuser_sam)
    url = reverse(url_name)
    response = client.get(url, {"page": 999})
    assert response.status_code == 302
    # The audit log holds every write of this world (more than a page of it); the other lists fit
    # on one page, whose first is its last.
    last = re.fullmatch(re.escape(url) + r"(?:\?page=(\d+))?", response["Location"])
    assert last, response["Location"]
    pages = int(last.group(1) or 1)
    assert pages == 1 or url_name == "audit"
    page = client.get(response["Location"])
    if rows_of(page):
        shown = "1 page" if pages == 1 else f"{pages} pages"
        assert flash(page) == [f"Page 999 doesn't exist: the list has {shown}; here is the last one."]
    else:  # a list this world leaves empty (a later app's)
        assert url_name not in {"customers:list", "sales:product_list", "sales:stock_list", "sales:order_list"}
        assert flash(page) == ["Page 999 doesn't exist: the list is empty."]


def test_a_page_past_the_end_of_a_longer_list_goes_to_its_last_page_with_the_filters_kept(
    client, manager_ann, django_assert_max_num_queries
):
    for number in range(27):
        make_customer(manager_ann, name=f"翻页测试{number:02d}有限公司")
    signed_in(client, manager_ann)
    with django_assert_max_num_queries(12):
        response = client.get("/customers/", {"q": "翻页测试", "per_page": 25, "page": 16})
    assert response.status_code == 302
    assert response["Location"] == "/customers/?q=%E7%BF%BB%E9%A1%B5%E6%B5%8B%E8%AF%95&per_page=25&page=2"
    page = client.get(response["Location"])
    assert len(rows_of(page)) == 2
    assert flash(page) == ["Page 16 doesn't exist: the list has 2 pages; here is the last one."]


def test_the_orders_page_16_of_15_is_refused_in_chinese(client, manager_ann, superuser_sam):
    customer = make_customer(manager_ann)
    load(orders=[order(f"SO-{n:03d}", customer) for n in range(15 * 25)])
    signed_in(client, superuser_sam, "zh-hans")
    response = client.get("/sales/orders/", {"per_page": 25, "page": 16})
    assert response["Location"] == "/sales/orders/?per_page=25&page=15"
    assert flash(client.get(response["Location"])) == ["第 16 页不存在：列表共有 15 页，这是最后一页。"]


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("0", "Page 0 doesn't exist: here is the first page."),
        ("abc", "“abc” is not a page number: here is the first page."),
        ("2x", "“2x” is not a page number: here is the first page."),
        ("１", "“１” is not a page number: here is the first page."),
    ],
)
def test_a_page_that_is_no_page_number_goes_to_the_first_page_and_says_so(client, world, manager_ann, asked, message):
    signed_in(client, manager_ann)
    response = client.get("/customers/", {"page": asked, "level": 1})
    assert response.status_code == 302 and response["Location"] == "/customers/?level=1"
    assert flash(client.get(response["Location"])) == [message]


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("9" * 10_000, f"Page {'9' * 20}… doesn't exist: the list has 1 page; here is the last one."),
        ("0" * 12, f"Page {'0' * 12} doesn't exist: here is the first page."),
        ("0002", "Page 0002 doesn't exist: the list has 1 page; here is the last one."),
    ],
)
def test_page_numbers_of_any_length_are_answered(client, world, manager_ann, asked, message):
    # Python refuses int() of more than 4,300 digits: that was a 500.
    signed_in(client, manager_ann)
    response = client.get("/customers/", {"page": asked}, follow=True)
    assert response.redirect_chain[-1][0] == "/customers/"
    assert flash(response) == [message]


def test_a_page_of_an_empty_list_goes_to_the_first_page(client, world, manager_ann):
    signed_in(client, manager_ann)
    response = client.get("/customers/", {"q": "没有这个客户", "page": 3}, follow=True)
    assert flash(response) == ["Page 3 doesn't exist: the list is empty."]
    assert response.redirect_chain[-1][0] == "/customers/?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA%E5%AE%A2%E6%88%B7"


def test_a_page_deeper_than_numbered_pages_go_says_to_narrow_the_list(client, world, manager_ann):
    signed_in(client, manager_ann)
    response = client.get("/customers/", {"page": MAX_PAGE + 1}, follow=True)
    assert flash(response) == [f"Page {MAX_PAGE + 1} doesn't exist: the list has 1 page; here is the last one."]


def uncapped_counts(sql):
    """How many COUNTs of ``sql`` count more than a LIMITed subquery: a capped count ("1,000+",
    the loss list's counts per status) reads a bounded number of rows, any other a whole table."""
    total = len(re.findall(r"COUNT\(", sql, re.I))
    capped = 0
    for found in re.finditer(r"COUNT\(\*\) FROM \(", sql, re.I):
        depth, end = 1, found.end()
        while depth and end < len(sql):  # to the parenthesis closing the subquery
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        capped += bool(re.search(r"LIMIT \d+\s*\)$", sql[:end], re.I))
    return total - capped


def test_existing_pages_count_nothing_beyond_a_cap(client, world, manager_ann, supervisor_sue, superuser_sam):
    for user in (manager_ann, supervisor_sue, superuser_sam):
        signed_in(client, user)
        for url_name in LISTS:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse(url_name), {"page": 1})
            if response.status_code == 403:
                continue
            assert response.status_code == 200, (user, url_name)
            counts = [query["sql"] for query in queries.captured_queries if uncapped_counts(query["sql"])]
            assert not counts, (user, url_name, counts)


def test_the_cap_check_tells_a_capped_count_from_a_whole_one():
    assert uncapped_counts('SELECT COUNT(*) AS "__count" FROM "customers_customer"') == 1
    capped = 'SELECT (SELECT COUNT(*) FROM (SELECT "id" FROM "t" WHERE ("c" IN (SELECT (1) AS "a")) LIMIT 1001) capped)'
    assert uncapped_counts(capped) == 0
    assert uncapped_counts(capped.replace(" LIMIT 1001", "")) == 1


# --- filters with errors -----------------------------------------------------------------------


def date_box(response, name):
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', response.content.decode())
    assert tag, name
    return tag.group(0)


def test_an_invalid_date_keeps_what_was_typed_shows_the_error_and_claims_nothing(client, world, manager_ann):
    signed_in(client, manager_ann, "zh-hans")
    response = client.get("/customers/", {"created_from": "2026-13-45"})
    assert response.status_code == 200
    box = date_box(response, "created_from")
    assert 'value="2026-13-45"' in box and 'type="text"' in box and "is-invalid" in box
    page = response.content.decode()
    assert "输入一个有效的日期。" in page
    assert 'data-testid="filter-errors"' in page and "标红的筛选条件未生效" in page
    assert "没有符合筛选条件的客户。" not in page
    assert {row.record.pk for row in rows_of(response)} == {customer.pk for customer in world}


def test_an_invalid_filter_leaves_the_valid_ones_applied(client, world, manager_ann):
    signed_in(client, manager_ann)
    response = client.get("/customers/", {"created_from": "2026-13-45", "q": world[1].name})
    assert [row.record.pk for row in rows_of(response)] == [world[1].pk]


def test_a_valid_date_keeps_its_date_box(client, world, manager_ann):
    signed_in(client, manager_ann)
    response = client.get("/customers/", {"created_from": "2020-01-01"})
    assert 'type="date"' in date_box(response, "created_from")
    assert 'data-testid="filter-errors"' not in response.content.decode()


def date_ranges(url_name, client):
    """The (from, to) date filter pairs of a list's filter form."""
    names = list(client.get(reverse(url_name)).context["filter"].filters)
    return [(name, name.removesuffix("_from") + "_to") for name in names if name.endswith("_from")]


@pytest.mark.parametrize("url_name", LISTS)
def test_a_reversed_date_range_is_an_error_on_both_dates_and_filters_nothing_out(
    client, world, superuser_sam, url_name
):
    signed_in(client, superuser_sam)
    everything = {row.record.pk for row in rows_of(client.get(reverse(url_name)))}
    later, earlier = timezone.localdate() + timedelta(days=1), timezone.localdate() - timedelta(days=400)
    for start, end in date_ranges(url_name, client):
        response = client.get(reverse(url_name), {start: later.isoformat(), end: earlier.isoformat()})
        assert response.status_code == 200
        errors = response.context["filter"].form.errors
        labels = {name: response.context["filter"].filters[name].label for name in (start, end)}
        assert errors[start] == [f"This date is after “{labels[end]}” ({earlier}): swap the two dates."]
        assert errors[end] == [f"This date is before “{labels[start]}” ({later}): swap the two dates."]
        assert {row.record.pk for row in rows_of(response)} == everything
        assert f'value="{later.isoformat()}"' in date_box(response, start)


def test_the_lists_with_date_ranges_are_checked():
    # The reversed-range test above must not pass for want of date ranges.
    from customers.filters import CustomerFilter
    from sales.filters import OrderFilter

    assert {"created_from", "created_to"} <= set(CustomerFilter.base_filters)
    assert {"date_from", "date_to"} <= set(OrderFilter.base_filters)


def test_a_date_range_in_order_filters_as_before(client, world, manager_ann):
    signed_in(client, manager_ann)
    response = client.get("/sales/orders/", {"date_from": "2026-03-11", "date_to": "2026-03-12"})
    assert sorted(row.record.order_no for row in rows_of(response)) == ["SO-1", "SO-2"]
    assert not response.context["filter"].form.errors


# --- empty choices ------------------------------------------------------------------------------


def empty_options(response):
    form = response.content.decode().split('data-testid="filter-form"', 1)[1].split("</form>", 1)[0]
    selects = re.findall(r"<select[^>]*>(.*?)</select>", form, re.S)
    return [re.search(r'<option value=""[^>]*>(.*?)</option>', select).group(1) for select in selects]


@pytest.mark.parametrize(("language", "label"), [("en", "All"), ("zh-hans", "全部")])
def test_every_empty_filter_choice_reads_all(client, world, superuser_sam, language, label):
    signed_in(client, superuser_sam, language)
    seen = 0
    for url_name in LISTS:
        options = empty_options(client.get(reverse(url_name)))
        assert options == [label] * len(options), (url_name, options)
        seen += len(options)
    assert seen >= 7  # customers: region, level, manager, status; orders: status; audit: user, model, action


@pytest.mark.parametrize(("language", "label"), [("en", "All"), ("zh-hans", "全部")])
def test_the_export_filters_read_all_too(client, world, superuser_sam, language, label):
    signed_in(client, superuser_sam, language)
    page = client.get(reverse("customers:export")).content.decode()
    form = page.split('data-testid="export-form"', 1)[1]
    empties = re.findall(r'<option value=""[^>]*>(.*?)</option>', form)
    assert empties == [label] * 4
