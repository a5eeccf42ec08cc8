"""Who reaches which opportunities and plan items (crm.access: creator and assignee for account
managers, everyone for supervisors, administrators and viewers), what the selectors read, and
which steps a page may offer to whom."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from crm import access
from crm.testing.matrix import PERSONAS
from opportunities import actions, selectors
from opportunities.models import Opportunity, PlanItem, Status
from opportunities.tests.factories import add_plan_item, developing, make_opportunity

pytestmark = pytest.mark.django_db

ACTIONS = ("view", "change", "delete", "assign")


@pytest.fixture
def world(personas):
    """ann's own unassigned one; one sue created and assigned to ann; one ann created and bob
    develops; bob's own; one closed for ann; each in development with a plan item."""
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    world = dict(personas)
    world["ann_new"] = make_opportunity(ann, title="安的新机会")
    world["to_ann"] = developing(sue, ann, supervisor=sue, title="指派给安")
    world["ann_for_bob"] = developing(ann, bob, supervisor=sue, title="安录入博开发")
    world["bob_own"] = developing(bob, bob, supervisor=sue, title="博自己的")
    world["ann_closed"] = developing(ann, ann, supervisor=sue, title="安已终止")
    for key in ("to_ann", "ann_for_bob", "bob_own", "ann_closed"):
        opportunity = world[key]
        add_plan_item(opportunity, actor=opportunity.assigned_to, todo=f"{key}的计划")
    actions.fail_opportunity(actor=ann, opportunity=world["ann_closed"], reason="客户放弃")
    return world


def titles(queryset):
    return set(queryset.values_list("title", flat=True))


ALL = {"安的新机会", "指派给安", "安录入博开发", "博自己的", "安已终止"}


def test_an_account_manager_sees_what_she_created_or_was_assigned(world):
    assert titles(access.visible(world["manager_ann"], Opportunity)) == ALL - {"博自己的"}
    assert titles(access.visible(world["manager_bob"], Opportunity)) == {"安录入博开发", "博自己的"}


@pytest.mark.parametrize("persona", ["supervisor_sue", "admin", "viewer_vic", "superuser_sam"])
def test_supervisors_administrators_and_viewers_see_every_opportunity(world, persona):
    assert titles(access.visible(world[persona], Opportunity)) == ALL
    assert access.visible(world[persona], PlanItem).count() == 4


def test_anonymous_and_inactive_users_see_none(world):
    assert not access.visible(None, Opportunity).exists()
    ann = world["manager_ann"]
    ann.is_active = False
    assert not access.visible(ann, Opportunity).exists()


def test_plan_items_follow_their_opportunity(world):
    todos = set(access.visible(world["manager_bob"], PlanItem).values_list("todo", flat=True))
    assert todos == {"ann_for_bob的计划", "bob_own的计划"}
    todos = set(access.visible(world["manager_ann"], PlanItem).values_list("todo", flat=True))
    assert todos == {"to_ann的计划", "ann_for_bob的计划", "ann_closed的计划"}


def test_another_managers_opportunity_looks_missing(world):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.opportunity_detail(user=world["manager_ann"], pk=world["bob_own"].pk)
    assert selectors.opportunity_detail(user=world["manager_bob"], pk=world["bob_own"].pk) == world["bob_own"]


def test_viewers_and_administrators_read_but_may_not_change(world):
    for persona in ("viewer_vic", "admin"):
        user = world[persona]
        assert not access.visible(user, Opportunity, "change").exists()
        assert not access.visible(user, Opportunity, "delete").exists()
        assert not access.can(user, "opportunities.assign_opportunity")
        assert not access.can(user, "opportunities.add_opportunity")


def test_scope_parts_add_up_to_visible_for_every_persona_and_action(world):
    for persona in PERSONAS[1:]:
        for model in (Opportunity, PlanItem):
            for action in ACTIONS:
                user = world[persona]
                parts = access.scope_parts(user, model, action)
                seen = [pk for part in parts for pk in part.values_list("pk", flat=True)]
                assert len(seen) == len(set(seen)), (persona, model, action)
                assert set(seen) == set(access.visible(user, model, action).values_list("pk", flat=True))
    assert len(access.scope_parts(world["manager_ann"], Opportunity)) == 2  # created, assigned


# --- selectors ---------------------------------------------------------------------------------


def test_search_finds_by_title_customer_name_its_pinyin_and_initials_and_contact(personas):
    ann = personas["manager_ann"]
    target = make_opportunity(ann, title="年度采购", customer_name="重庆曾记物流有限公司", contact_name="李娜")
    make_opportunity(ann, title="别的", customer_name="北京鑫达科技有限公司", contact_name="张伟")
    for text in ("年度", "曾记物流", "zengji", "cqzj", "CQZJ", "李娜", "chongqing"):
        found = selectors.opportunity_list(user=ann).filter(selectors.search_q(text))
        assert list(found) == [target], text
    assert selectors.opportunity_list(user=ann).filter(selectors.search_q("")).count() == 2


def test_a_two_character_search_finds_each_searched_field_and_follows_an_edit(personas):
    # Two characters have no trigram: PostgreSQL looks their bigram up (migration 0005), SQLite
    # compares substrings; both must find the same rows.
    ann = personas["manager_ann"]
    target = make_opportunity(ann, title="年度采购计划", customer_name="重庆曾记物流有限公司", contact_name="李娜")
    make_opportunity(ann, title="别的", customer_name="北京鑫达科技有限公司", contact_name="张伟")
    for text in ("采购", "曾记", "物流", "李娜", "度采"):
        found = selectors.opportunity_list(user=ann).filter(selectors.search_q(text))
        assert list(found) == [target], text
    for text in ("年采", "李张", "司李"):  # not adjacent in any one field
        assert not selectors.opportunity_list(user=ann).filter(selectors.search_q(text)).exists(), text
    target.title = "季度维护"
    actions.update_opportunity(actor=ann, opportunity=target)
    assert not selectors.opportunity_list(user=ann).filter(selectors.search_q("采购")).exists()
    assert list(selectors.opportunity_list(user=ann).filter(selectors.search_q("维护"))) == [target]


def test_my_developing_lists_each_with_its_next_open_plan_item_in_one_query(personas, django_assert_num_queries):
    _check_my_developing(personas, django_assert_num_queries, 3)


def test_my_developing_stays_one_query_with_30_opportunities(personas, django_assert_num_queries):
    _check_my_developing(personas, django_assert_num_queries, 30)


def _check_my_developing(personas, django_assert_num_queries, count):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    expected = {}
    for number in range(count):
        opportunity = developing(sue, ann, supervisor=sue, title=f"开发{number:02d}")
        done = add_plan_item(opportunity, actor=ann, plan_date=date(2026, 1, 1), todo="已完成的")
        actions.record_plan_result(actor=ann, item=done, result="完成")
        add_plan_item(opportunity, actor=ann, plan_date=date(2026, 2, 1 + number % 20), todo=f"下一步{number}")
        add_plan_item(opportunity, actor=ann, plan_date=date(2026, 5, 1), todo="以后的")
        expected[opportunity.pk] = (date(2026, 2, 1 + number % 20), f"下一步{number}")
    nothing_left = developing(sue, ann, supervisor=sue, title="无计划")
    expected[nothing_left.pk] = (None, None)
    developing(sue, bob, supervisor=sue, title="博的")  # not ann's
    closed = developing(sue, ann, supervisor=sue, title="已关闭")
    actions.fail_opportunity(actor=ann, opportunity=closed, reason="不做了")
    ann.get_all_permissions()  # the user's permissions, read once per request anyway
    with django_assert_num_queries(1):
        rows = list(selectors.my_developing(user=ann))
    assert {row.pk: (row.next_plan_date, row.next_plan_todo) for row in rows} == expected


def test_todays_plan_items_are_the_open_ones_due_today_of_ones_own_opportunities(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    today = timezone.localdate()
    mine = developing(sue, ann, supervisor=sue)
    due = add_plan_item(mine, actor=ann, plan_date=today, todo="今天打电话")
    done = add_plan_item(mine, actor=ann, plan_date=today, todo="今天已做")
    actions.record_plan_result(actor=ann, item=done, result="已做")
    add_plan_item(mine, actor=ann, plan_date=today + timedelta(days=1), todo="明天")
    add_plan_item(developing(sue, bob, supervisor=sue), actor=bob, plan_date=today, todo="博今天")
    assert list(selectors.todays_plan_items(user=ann)) == [due]


def test_board_counts_every_status_of_what_the_user_sees(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = selectors.board_counts(user=world["supervisor_sue"])
    assert counts == {Status.UNASSIGNED: 1, Status.DEVELOPING: 3, Status.SUCCEEDED: 0, Status.FAILED: 1}
    assert selectors.board_counts(user=world["manager_bob"]) == {
        Status.UNASSIGNED: 0,
        Status.DEVELOPING: 2,
        Status.SUCCEEDED: 0,
        Status.FAILED: 0,
    }
    column = selectors.board_column(user=world["manager_bob"], status=Status.DEVELOPING)
    assert {card.title for card in column} == {"安录入博开发", "博自己的"}


def test_the_customer_panel_shows_the_opportunity_a_customer_came_from_to_those_who_see_it(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    opportunity = developing(bob, ann, supervisor=sue)
    customer = actions.succeed_opportunity(actor=ann, opportunity=opportunity).customer
    developing(ann, ann, supervisor=sue)  # another, not this customer's
    for user in (ann, bob, sue):
        assert list(selectors.opportunities_of_customer(user=user, customer=customer)) == [opportunity]
    # Re-assigned away from ann before closing, created by sue: ann would no longer see it.
    other = developing(sue, ann, supervisor=sue)
    actions.assign_opportunity(actor=sue, opportunity=other, assignee=bob)
    actions.link_to_customer(actor=sue, opportunity=Opportunity.objects.get(pk=other.pk), customer=customer)
    assert list(selectors.opportunities_of_customer(user=ann, customer=customer)) == [opportunity]
    assert set(selectors.opportunities_of_customer(user=sue, customer=customer)) == {opportunity, other}


def test_the_assignee_choices_are_active_account_managers_only(personas):
    bob = personas["manager_bob"]
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert list(selectors.assignable_managers()) == [personas["manager_ann"]]


# --- steps a page may offer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "persona", "steps"),
    [
        ("ann_new", "manager_ann", {"edit", "delete"}),
        ("ann_new", "supervisor_sue", {"edit", "delete", "assign"}),
        ("ann_new", "manager_bob", set()),
        ("ann_new", "viewer_vic", set()),
        ("ann_new", "admin", set()),
        ("to_ann", "manager_ann", {"plan", "close"}),
        ("to_ann", "supervisor_sue", {"assign", "plan", "close"}),
        ("ann_for_bob", "manager_ann", set()),
        ("ann_for_bob", "manager_bob", {"plan", "close"}),
        ("ann_closed", "manager_ann", set()),
        ("ann_closed", "supervisor_sue", set()),
        ("ann_closed", "superuser_sam", set()),
    ],
)
def test_the_steps_offered_are_those_the_actions_allow(world, key, persona, steps):
    opportunity = Opportunity.objects.get(pk=world[key].pk)
    assert selectors.opportunity_steps(user=world[persona], opportunity=opportunity) == steps
