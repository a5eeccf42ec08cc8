"""The opportunities pages as their users meet them: the list (search, filters, sorting, bounded
queries), create and edit, the detail page with its plan and its buttons, each workflow step,
"my opportunities in development" and the board."""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from crm.actions import set_user_roles
from customers.models import Customer
from customers.tests.factories import make_customer
from opportunities import actions
from opportunities.models import Opportunity, PlanItem, Status
from opportunities.tables import OpportunityTable
from opportunities.tests.factories import add_plan_item, audit_rows, developing, make_opportunity, source

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")
# Queries of a list, board or detail page, whatever the number of rows (measured: see the tests).
LIST_QUERY_BOUND = 12
PAGE_QUERY_BOUND = 12


@pytest.fixture
def client(client):
    """Pages in English unless a test asks for Chinese (in_chinese); the product's default is Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_text(response):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def flash(response):
    texts = re.findall(r'role="alert">(.*?)<button', response.content.decode(), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) for text in texts]


def listed_titles(response):
    return [row.record.title for row in response.context["table"].page.object_list]


def stored(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


def in_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def opportunity_data(**changes):
    data = {
        "title": "年度网络设备采购",
        "customer_name": "北京鑫达科技有限公司",
        "source": source().pk,
        "success_rate": "60",
        "contact_name": "王经理",
        "contact_phone": "13812345678",
        "description": "客户计划明年扩建机房",
    }
    data.update(changes)
    return data


def actions_bar(response):
    """The hrefs and test ids of the buttons above an opportunity's fields."""
    block = response.content.decode().split('data-testid="opportunity-actions"', 1)[1].split("</div>", 1)[0]
    return set(re.findall(r'data-testid="([^"]+)"', block))


# --- the list ----------------------------------------------------------------------------------


@pytest.fixture
def listed(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    return {
        "ann_new": make_opportunity(ann, title="安的新机会", customer_name="曾氏贸易有限公司", contact_name="李雷"),
        "to_ann": developing(sue, ann, supervisor=sue, title="指派给安", customer_name="华光电子有限公司"),
        "bob_own": make_opportunity(bob, title="博自己的", customer_name="博远科技有限公司"),
    }


def test_an_account_manager_lists_what_she_created_or_develops_newest_first(client, listed, manager_ann):
    client.force_login(manager_ann)
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed_titles(response) == ["指派给安", "安的新机会"]


def test_a_supervisor_lists_every_opportunity(client, listed, supervisor_sue):
    client.force_login(supervisor_sue)
    assert sorted(listed_titles(client.get(LIST))) == sorted(["安的新机会", "指派给安", "博自己的"])


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("新机会", ["安的新机会"]),  # title
        ("曾氏", ["安的新机会"]),  # customer name
        ("zsmy", ["安的新机会"]),  # its initials (曾 read as zeng)
        ("huaguang", ["指派给安"]),  # its pinyin
        ("李雷", ["安的新机会"]),  # contact
        ("博远", []),  # bob's: not in her scope
    ],
)
def test_the_search_box_finds_title_customer_name_pinyin_initials_and_contact(
    client, listed, manager_ann, search, found
):
    client.force_login(manager_ann)
    assert listed_titles(client.get(LIST, {"q": search})) == found


def test_the_filters_narrow_by_status_source_assignee_and_created_date(client, listed, supervisor_sue, manager_ann):
    client.force_login(supervisor_sue)
    assert listed_titles(client.get(LIST, {"status": Status.DEVELOPING})) == ["指派给安"]
    assert listed_titles(client.get(LIST, {"assigned_to": manager_ann.pk})) == ["指派给安"]
    assert len(listed_titles(client.get(LIST, {"source": source().pk}))) == 3
    assert listed_titles(client.get(LIST, {"source": source("telemarketing").pk})) == []
    today = timezone.localdate()
    assert len(listed_titles(client.get(LIST, {"created_from": today.isoformat()}))) == 3
    assert listed_titles(client.get(LIST, {"created_to": (today - timedelta(days=1)).isoformat()})) == []


def options(response, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', response.content.decode(), re.S)
    return [html.unescape(label) for label in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1))]


def test_the_filter_dropdowns_offer_all_then_the_choices(client, listed, supervisor_sue, manager_bob):
    client.force_login(supervisor_sue)
    response = client.get(LIST)
    assert options(response, "status") == [
        "All",
        "Unassigned",
        "In development",
        "Developed successfully",
        "Development terminated",
    ]
    assert options(response, "assigned_to") == ["All", "Manager Ann", "Manager Bob"]
    assert options(response, "source")[0] == "All"


def test_an_account_manager_is_offered_only_the_assignees_of_what_she_sees(client, listed, manager_bob):
    client.force_login(manager_bob)
    assert options(client.get(LIST), "assigned_to") == ["All"]


@pytest.mark.parametrize("column", [column for column in OpportunityTable.Meta.fields if column != "contact_name"])
def test_every_sortable_column_sorts_both_ways(client, listed, supervisor_sue, column):
    client.force_login(supervisor_sue)
    ascending = listed_titles(client.get(LIST, {"sort": column}))
    descending = listed_titles(client.get(LIST, {"sort": f"-{column}"}))
    assert sorted(ascending) == sorted(descending) == sorted(["安的新机会", "指派给安", "博自己的"])
    if column in ("title", "customer_name", "success_rate", "created_at"):
        assert ascending == list(reversed(descending))


def test_the_table_draws_a_cell_for_every_column():
    assert set(OpportunityTable([]).cell_renderers()) == set(OpportunityTable.Meta.fields)


def test_the_list_offers_new_opportunity_to_account_managers_and_supervisors_only(client, personas):
    for persona, offered in [("manager_ann", True), ("supervisor_sue", True), ("viewer_vic", False), ("admin", False)]:
        client.force_login(personas[persona])
        assert ('data-testid="new-opportunity"' in client.get(LIST).content.decode()) is offered, persona


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_list_runs_a_fixed_number_of_queries(client, personas, persona, count, django_assert_max_num_queries):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    for number in range(count):
        if number % 3 == 0:
            make_opportunity(ann, title=f"安录入{number:02d}")
        elif number % 3 == 1:
            developing(sue, ann, supervisor=sue, title=f"指派给安{number:02d}")
        else:
            developing(ann, bob, supervisor=sue, title=f"安录入博开发{number:02d}")
    client.force_login(personas[persona])
    client.get(LIST)
    for query in ({}, {"q": "安录入"}, {"status": Status.DEVELOPING}, {"sort": "assigned_to"}):
        with django_assert_max_num_queries(LIST_QUERY_BOUND):
            response = client.get(LIST, query)
        assert response.status_code == 200
    assert len(listed_titles(client.get(LIST))) == count


def test_the_list_counts_no_rows(client, listed, manager_ann, django_assert_max_num_queries):
    client.force_login(manager_ann)
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as captured:
        client.get(LIST)
    assert not [query for query in captured.captured_queries if "COUNT(" in query["sql"].upper()]
