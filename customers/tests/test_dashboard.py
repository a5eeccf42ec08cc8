import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from crm import access
from customers.models import Customer
from customers.selectors import customer_count
from customers.tests.factories import make_activity, make_customer, share


def test_dashboard_lists_the_account_managers_own_follow_ups_soonest_first(client, manager_ann, manager_bob):
    today = timezone.localdate()
    mine = make_customer(manager_ann, name="安宁跟进客户有限公司")
    theirs = make_customer(manager_bob, name="鲍波跟进客户有限公司")
    make_activity(mine, title="报价跟进", next_follow_up=today + timedelta(days=3))
    make_activity(mine, title="逾期回访", next_follow_up=today - timedelta(days=1))
    make_activity(mine, title="明年计划", next_follow_up=today + timedelta(days=60))
    make_activity(theirs, title="别人的跟进", next_follow_up=today + timedelta(days=1))

    client.force_login(manager_ann)
    html = client.get("/").content.decode()
    card = html.split('data-testid="follow-ups"', 1)[1]
    assert card.index("逾期回访") < card.index("报价跟进")
    assert "明年计划" not in card  # beyond two weeks
    assert "别人的跟进" not in card and "鲍波跟进客户有限公司" not in card


def test_dashboard_follow_ups_take_a_fixed_number_of_queries(client, manager_ann, django_assert_max_num_queries):
    today = timezone.localdate()
    client.force_login(manager_ann)
    for count in (3, 30):
        customer = make_customer(manager_ann)
        for day in range(count):
            make_activity(customer, next_follow_up=today + timedelta(days=day % 10))
        # The whole dashboard: 10 for customers' cards and the shell (the customer count reads
        # the ids shared with her first: customers.selectors.customer_count), 2 for the
        # opportunities card and 2 for the services card (their own counts:
        # <app>/tests/test_panels.py), 1 for the losses card (customers/tests/test_loss_panels.py).
        with django_assert_max_num_queries(14 + 1):
            assert client.get("/").status_code == 200


# --- the counts and the team view (crm.dashboard cards of customers/dashboard.py) ---------------


def card(html, testid):
    found = re.search(rf'data-testid="{testid}">(.*?)</div>\s*</div>\s*</div>', html, re.S)
    return found.group(1) if found else None


def count(html, name):
    return re.search(rf'data-testid="count-{name}">([^<]*)<', html).group(1)


def team_rows(html):
    rows = re.findall(r'<tr data-testid="team-row">(.*?)</tr>', html, re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows
    ]


@pytest.fixture
def follow_up_world(manager_ann, manager_bob, supervisor_sue):
    today = timezone.localdate()
    ann_customers = [make_customer(manager_ann, name=f"安宁计数{n}有限公司") for n in range(2)]
    bob_customers = [make_customer(manager_bob, name=f"鲍波计数{n}有限公司") for n in range(3)]
    make_activity(ann_customers[0], next_follow_up=today + timedelta(days=2))
    make_activity(ann_customers[1], next_follow_up=today - timedelta(days=3))
    make_activity(ann_customers[1], next_follow_up=today + timedelta(days=40))  # not due yet
    for customer in bob_customers:
        make_activity(customer, next_follow_up=today - timedelta(days=1))
    make_activity(bob_customers[0], next_follow_up=today)
    return {"ann": ann_customers, "bob": bob_customers}


def dashboard(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_account_manager_sees_their_own_counts_and_no_team(client, manager_ann, follow_up_world):
    html = dashboard(client, manager_ann)
    assert (count(html, "customers"), count(html, "due"), count(html, "overdue")) == ("2", "1", "1")
    assert "My customers" in html
    assert 'data-testid="team"' not in html and "鲍波" not in html
    assert 'data-testid="follow-ups"' in html


def test_a_shared_customer_counts_for_the_colleague_it_was_shared_with(
    client, manager_ann, supervisor_sue, follow_up_world
):
    share(follow_up_world["bob"][0], manager_ann, actor=supervisor_sue)
    html = dashboard(client, manager_ann)
    assert count(html, "customers") == "3"
    # Follow-ups stay those of ann's own customers and of what she recorded.
    assert (count(html, "due"), count(html, "overdue")) == ("1", "1")


@pytest.mark.parametrize("persona", ["supervisor_sue", "admin", "viewer_vic", "superuser_sam"])
def test_those_who_see_every_customer_get_the_team_view(client, request, persona, follow_up_world):
    html = dashboard(client, request.getfixturevalue(persona))
    assert (count(html, "customers"), count(html, "due"), count(html, "overdue")) == ("5", "2", "4")
    assert "All customers" in html
    rows = {row[0]: row[1:] for row in team_rows(html)}
    assert rows["Manager Ann"] == ["2", "1", "1"]
    assert rows["Manager Bob"] == ["3", "1", "3"]
    assert "No follow-ups due in the next two weeks." not in html


def test_the_team_view_lists_account_managers_without_customers(client, supervisor_sue, manager_ann):
    rows = {row[0]: row[1:] for row in team_rows(dashboard(client, supervisor_sue))}
    assert rows["Manager Ann"] == ["0", "0", "0"]


def test_the_dashboard_cards_speak_chinese(client, supervisor_sue, follow_up_world):
    html = dashboard(client, supervisor_sue, "zh-hans")
    assert "全部客户" in html and "客户经理" in html and "逾期" in html
    assert "14 天内到期" in html


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_dashboard_takes_a_fixed_number_of_queries(
    client, request, persona, manager_ann, manager_bob, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    today = timezone.localdate()
    client.force_login(user)
    client.get("/")  # renews the session (crm.middleware), as a signed-in user's first page does
    measured = []
    for rows in (3, 30):
        for number in range(rows):
            customer = make_customer(manager_ann if number % 2 else manager_bob)
            make_activity(customer, next_follow_up=today + timedelta(days=number % 20 - 5))
        with django_assert_max_num_queries(12) as queries:
            assert client.get("/").status_code == 200
        measured.append(len(queries.captured_queries))
    assert measured[0] == measured[1]


@pytest.mark.parametrize("persona", ["manager_ann", "manager_bob", "supervisor_sue", "viewer_vic", "admin"])
def test_the_customer_count_is_the_number_of_customers_the_user_sees(personas, persona):
    ann, bob = personas["manager_ann"], personas["manager_bob"]
    make_customer(ann)
    share(make_customer(bob), ann, actor=personas["supervisor_sue"])
    make_customer(bob)
    user = personas[persona]
    assert customer_count(user=user) == access.visible(user, Customer).count()
    assert customer_count(user=ann) == 2
    assert customer_count(user=bob) == 2
