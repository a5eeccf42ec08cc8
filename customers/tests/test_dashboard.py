from datetime import timedelta

from django.utils import timezone

from customers.tests.factories import make_activity, make_customer


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
        with django_assert_max_num_queries(9):
            assert client.get("/").status_code == 200
