"""The rows of the opportunities pages' flash messages: crm/tests/test_flash_messages.py finds these
call sites in the source and runs the entries below, in English and in Chinese, on its world
(manager_ann, manager_bob, supervisor_sue, superuser_sam, and "A", 安诚贸易有限公司 of ann's).

A scenario signs in, does what produces the message (following redirects) and returns the
response and the values the message interpolates (titles, names, codes), left out before the
language is judged. A race is a refusal the page shows as the action words it, reachable only when
someone else acts between the page's check and the action: it is called directly.
"""

import pytest
from django.urls import reverse

from crm.display import display_name
from opportunities import actions
from opportunities.tests.factories import add_plan_item, developing, make_opportunity, source

pytestmark = pytest.mark.django_db

VIEWS = "opportunities/views.py"
TITLE = "矩阵消息机会"


def _data(title=TITLE):
    return {
        "title": title,
        "customer_name": "消息测试有限公司",
        "source": source().pk,
        "success_rate": 30,
        "contact_name": "赵经理",
        "contact_phone": "13700001111",
    }


def _developing(world, assignee="manager_ann", **fields):
    sue = world["supervisor_sue"]
    return developing(sue, world[assignee], supervisor=sue, **fields)


def _closed(world):
    opportunity = _developing(world)
    actions.fail_opportunity(actor=world["manager_ann"], opportunity=opportunity, reason="客户放弃")
    return opportunity


# --- scenarios: (client, world) -> (response followed to its page, interpolated values) ----------


def edit_after_assignment(client, world):
    opportunity = developing(world["manager_ann"], world["manager_bob"], supervisor=world["supervisor_sue"])
    client.force_login(world["manager_ann"])
    return client.get(reverse("opportunities:edit", args=[opportunity.pk]), follow=True), []


def plan_a_closed_opportunity(client, world):
    opportunity = _closed(world)
    client.force_login(world["manager_ann"])
    return client.get(reverse("opportunities:plan_create", args=[opportunity.pk]), follow=True), []


def close_an_unassigned_opportunity(client, world):
    opportunity = make_opportunity(world["manager_ann"])
    client.force_login(world["supervisor_sue"])
    return client.post(reverse("opportunities:succeed", args=[opportunity.pk]), follow=True), []


def create_opportunity(client, world):
    client.force_login(world["manager_ann"])
    return client.post(reverse("opportunities:create"), _data(), follow=True), [TITLE]


def edit_opportunity(client, world):
    opportunity = make_opportunity(world["manager_ann"])
    client.force_login(world["manager_ann"])
    url = reverse("opportunities:edit", args=[opportunity.pk])
    return client.post(url, _data(), follow=True), [TITLE]


def delete_opportunity(client, world):
    opportunity = make_opportunity(world["manager_ann"], title=TITLE)
    client.force_login(world["manager_ann"])
    return client.post(reverse("opportunities:delete", args=[opportunity.pk]), follow=True), [TITLE]


def assign_from_a_stale_page(client, world):
    opportunity = make_opportunity(world["manager_ann"])
    client.force_login(world["supervisor_sue"])
    actions.assign_opportunity(actor=world["supervisor_sue"], opportunity=opportunity, assignee=world["manager_ann"])
    data = {"assigned_to": world["manager_bob"].pk, "shown_assignee": ""}
    response = client.post(reverse("opportunities:assign", args=[opportunity.pk]), data, follow=True)
    return response, [display_name(world["manager_ann"])]


def assign_opportunity(client, world):
    opportunity = make_opportunity(world["manager_ann"])
    client.force_login(world["supervisor_sue"])
    data = {"assigned_to": world["manager_bob"].pk, "shown_assignee": ""}
    response = client.post(reverse("opportunities:assign", args=[opportunity.pk]), data, follow=True)
    return response, [display_name(world["manager_bob"])]


def add_plan_item_page(client, world):
    opportunity = _developing(world)
    client.force_login(world["manager_ann"])
    data = {"plan_date": "2026-03-02", "todo": "电话回访"}
    return client.post(reverse("opportunities:plan_create", args=[opportunity.pk]), data, follow=True), []


def record_result(client, world):
    opportunity = _developing(world)
    item = add_plan_item(opportunity, actor=world["manager_ann"])
    client.force_login(world["manager_ann"])
    url = reverse("opportunities:plan_result", args=[opportunity.pk, item.pk])
    return client.post(url, {"result": "客户有意向"}, follow=True), []


def delete_plan_item(client, world):
    opportunity = _developing(world)
    item = add_plan_item(opportunity, actor=world["manager_ann"])
    client.force_login(world["manager_ann"])
    return client.post(reverse("opportunities:plan_delete", args=[opportunity.pk, item.pk]), follow=True), []


def succeed_as_the_assignee(client, world):
    opportunity = _developing(world, customer_name="消息成功有限公司")
    client.force_login(world["manager_ann"])
    response = client.post(reverse("opportunities:succeed", args=[opportunity.pk]), follow=True)
    opportunity.refresh_from_db()
    return response, [opportunity.customer.name, opportunity.customer.code]


def succeed_as_a_supervisor(client, world):
    opportunity = _developing(world, customer_name="消息成功有限公司")
    client.force_login(world["supervisor_sue"])
    response = client.post(reverse("opportunities:succeed", args=[opportunity.pk]), follow=True)
    opportunity.refresh_from_db()
    return response, [opportunity.customer.name, opportunity.customer.code]


def link_a_customer_not_offered(client, world):
    opportunity = _developing(world)
    client.force_login(world["manager_ann"])
    url = reverse("opportunities:link", args=[opportunity.pk])
    return client.post(url, {"customer": world["A"].pk}, follow=True), []


def link_to_the_existing_customer(client, world):
    opportunity = _developing(world, customer_name=world["A"].name)
    client.force_login(world["manager_ann"])
    url = reverse("opportunities:link", args=[opportunity.pk])
    return client.post(url, {"customer": world["A"].pk}, follow=True), []


def terminate(client, world):
    opportunity = _developing(world)
    client.force_login(world["manager_ann"])
    url = reverse("opportunities:fail", args=[opportunity.pk])
    return client.post(url, {"reason": "预算取消"}, follow=True), []


SCENARIOS = {
    f"{VIEWS}::_open::_refusal(opportunity, step)": [
        edit_after_assignment,
        plan_a_closed_opportunity,
        close_an_unassigned_opportunity,
    ],
    f"{VIEWS}::opportunity_create::_('Opportunity “%(title)s” was created.') % {{'title': opportunity.title}}": [
        create_opportunity
    ],
    f"{VIEWS}::opportunity_edit::_('Opportunity “%(title)s” was saved.') % {{'title': opportunity.title}}": [
        edit_opportunity
    ],
    f"{VIEWS}::opportunity_delete::_('Opportunity “%(title)s” was deleted.') % {{'title': opportunity.title}}": [
        delete_opportunity
    ],
    f"{VIEWS}::opportunity_assign::str(error)": [assign_from_a_stale_page],
    f"{VIEWS}::opportunity_assign::_('The opportunity was assigned to %(name)s.') % "
    "{'name': display_name(assignee)}": [assign_opportunity],
    f"{VIEWS}::_plan_form::_('The plan item was saved.')": [add_plan_item_page],
    f"{VIEWS}::plan_item_result::_('The result was recorded.')": [record_result],
    f"{VIEWS}::plan_item_delete::_('The plan item was deleted.')": [delete_plan_item],
    f"{VIEWS}::_created::message % values": [succeed_as_the_assignee, succeed_as_a_supervisor],
    f"{VIEWS}::opportunity_link::_('Choose one of the existing customers shown to link the opportunity to.')": [
        link_a_customer_not_offered
    ],
    f"{VIEWS}::opportunity_link::_('Developed successfully: the opportunity was linked to the existing customer.')": [
        link_to_the_existing_customer
    ],
    f"{VIEWS}::opportunity_fail::_('The development of this opportunity was terminated.')": [terminate],
}


# --- races: the page checked the step, then someone else acted before the action ran --------------


def delete_after_someone_assigned_it(world):
    opportunity = make_opportunity(world["manager_ann"])
    actions.assign_opportunity(actor=world["supervisor_sue"], opportunity=opportunity, assignee=world["manager_bob"])
    actions.delete_opportunity(actor=world["manager_ann"], opportunity=opportunity)


def plan_after_someone_closed_it(world):
    opportunity = _closed(world)
    add_plan_item(opportunity, actor=world["manager_ann"])


def record_a_result_after_someone_closed_it(world):
    opportunity = _developing(world)
    item = add_plan_item(opportunity, actor=world["manager_ann"])
    actions.fail_opportunity(actor=world["supervisor_sue"], opportunity=opportunity, reason="主管终止")
    actions.record_plan_result(actor=world["manager_ann"], item=item, result="晚了")


def delete_a_plan_item_someone_deleted(world):
    opportunity = _developing(world)
    item = add_plan_item(opportunity, actor=world["manager_ann"])
    actions.delete_plan_item(actor=world["supervisor_sue"], item=item)
    actions.delete_plan_item(actor=world["manager_ann"], item=item)


def succeed_after_someone_succeeded(world):
    opportunity = _developing(world)
    actions.succeed_opportunity(actor=world["supervisor_sue"], opportunity=opportunity)
    actions.succeed_opportunity(actor=world["manager_ann"], opportunity=opportunity)


def link_after_someone_closed_it(world):
    opportunity = _developing(world, customer_name=world["A"].name)
    actions.fail_opportunity(actor=world["supervisor_sue"], opportunity=opportunity, reason="主管终止")
    actions.link_to_customer(actor=world["manager_ann"], opportunity=opportunity, customer=world["A"])


def fail_after_someone_succeeded(world):
    opportunity = _developing(world)
    actions.succeed_opportunity(actor=world["supervisor_sue"], opportunity=opportunity)
    actions.fail_opportunity(actor=world["manager_ann"], opportunity=opportunity, reason="晚了")


RACES = {
    f"{VIEWS}::opportunity_delete::str(error)": delete_after_someone_assigned_it,
    f"{VIEWS}::_plan_form::str(error)": plan_after_someone_closed_it,
    f"{VIEWS}::plan_item_result::str(error)": record_a_result_after_someone_closed_it,
    f"{VIEWS}::plan_item_delete::str(error)": delete_a_plan_item_someone_deleted,
    f"{VIEWS}::opportunity_succeed::str(error)": succeed_after_someone_succeeded,
    f"{VIEWS}::opportunity_link::str(error)": link_after_someone_closed_it,
    f"{VIEWS}::opportunity_fail::str(error)": fail_after_someone_succeeded,
}
