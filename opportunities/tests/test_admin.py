"""The Django admin follows the workflow: opportunities are edited there only while unassigned,
through the actions; assigned and closed ones (and their plans) are read-only."""

import pytest
from django.urls import reverse

from opportunities import actions
from opportunities.models import Opportunity, Status
from opportunities.tests.factories import UPDATE, add_plan_item, audit_rows, developing, make_opportunity

pytestmark = pytest.mark.django_db


def change_url(opportunity):
    return reverse("admin:opportunities_opportunity_change", args=[opportunity.pk])


def form_data(opportunity, **changes):
    data = {
        "title": opportunity.title,
        "customer_name": opportunity.customer_name,
        "source": opportunity.source_id or "",
        "success_rate": opportunity.success_rate,
        "contact_name": opportunity.contact_name,
        "contact_phone": opportunity.contact_phone,
        "description": opportunity.description,
        "plan_items-TOTAL_FORMS": "0",
        "plan_items-INITIAL_FORMS": "0",
        "plan_items-MIN_NUM_FORMS": "0",
        "plan_items-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("close", ["succeed", "fail"])
def test_a_closed_opportunity_is_read_only_in_the_admin(client, superuser_sam, manager_ann, supervisor_sue, close):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    add_plan_item(opportunity, actor=manager_ann, todo="关闭前")
    if close == "succeed":
        actions.succeed_opportunity(actor=manager_ann, opportunity=opportunity)
    else:
        actions.fail_opportunity(actor=manager_ann, opportunity=opportunity, reason="放弃")
    rows = audit_rows(opportunity)
    client.force_login(superuser_sam)
    page = client.get(change_url(opportunity))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(change_url(opportunity), form_data(opportunity, title="管理后台改"))
    assert response.status_code == 403
    assert Opportunity.objects.get(pk=opportunity.pk).title != "管理后台改"
    assert audit_rows(opportunity) == rows
    delete = client.post(reverse("admin:opportunities_opportunity_delete", args=[opportunity.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_an_assigned_opportunity_is_read_only_in_the_admin(client, superuser_sam, manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    client.force_login(superuser_sam)
    response = client.post(change_url(opportunity), form_data(opportunity, title="管理后台改"))
    assert response.status_code == 403
    assert Opportunity.objects.get(pk=opportunity.pk).status == Status.DEVELOPING


def test_an_unassigned_opportunity_is_edited_in_the_admin_through_the_action(client, superuser_sam, manager_ann):
    opportunity = make_opportunity(manager_ann)
    client.force_login(superuser_sam)
    response = client.post(change_url(opportunity), form_data(opportunity, customer_name="上海华联商贸有限公司"))
    assert response.status_code == 302
    after = Opportunity.objects.get(pk=opportunity.pk)
    assert after.customer_name == "上海华联商贸有限公司"
    assert after.customer_name_initials == "shhlsmyxgs"
    assert audit_rows(opportunity)[-1] == (UPDATE, "superuser_sam", {"customer_name"})


def test_opportunities_are_not_added_in_the_admin(client, superuser_sam):
    client.force_login(superuser_sam)
    assert client.get(reverse("admin:opportunities_opportunity_add")).status_code == 403
