"""The Django admin shows loss records with their measures and changes nothing: records are
written by the workflow's actions only (detect_losses, postpone, confirm, the sales import's
recovery), and confirmed ones are final."""

import pytest
from django.urls import reverse

from crm.tests.test_admin_i18n import assert_chinese, visible_text
from customers.actions.losses import confirm_loss, postpone_loss
from customers.models import Customer, LossMeasure, LossRecord
from customers.tests.factories import make_customer
from customers.tests.loss_factories import everything, stale, warned

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:customers_lossrecord_changelist")


def change_url(record):
    return reverse("admin:customers_lossrecord_change", args=[record.pk])


def delete_url(record):
    return reverse("admin:customers_lossrecord_delete", args=[record.pk])


def form_data(record, **changes):
    data = {
        "customer": record.customer_id,
        "account_manager": record.account_manager_id,
        "status": record.status,
        "reason": record.reason,
        "measures-TOTAL_FORMS": "0",
        "measures-INITIAL_FORMS": "0",
        "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


@pytest.fixture
def records(manager_ann, manager_bob):
    """A postponed record of Ann's customer (with two measures) and a confirmed one of Bob's."""
    ann = warned(make_customer(manager_ann, name="安诚贸易有限公司"))
    postpone_loss(actor=manager_ann, record=ann, measure="电话回访，客户说在比价")
    postpone_loss(actor=manager_ann, record=ann, measure="上门拜访，提供九折报价")
    bob = warned(make_customer(manager_bob, name="博远科技有限公司"))
    bob = confirm_loss(actor=manager_bob, record=bob, reason="客户已转向竞争对手")
    return LossRecord.objects.get(pk=ann.pk), LossRecord.objects.get(pk=bob.pk)


def test_the_superuser_sees_the_loss_records_in_the_admin(client, superuser_sam, records):
    ann, bob = records
    client.force_login(superuser_sam)
    response = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "安诚贸易有限公司" in html and "博远科技有限公司" in html
    assert "Postponed" in html and "Lost" in html
    assert list(response.context["cl"].result_list) == [bob, ann]  # newest raised first
    assert reverse("admin:customers_lossrecord_add") not in html
    assert "delete_selected" not in html


@pytest.mark.parametrize(("status", "expected"), [("postponed", 0), ("confirmed", 1)])
def test_the_admin_list_filters_by_status(client, superuser_sam, records, status, expected):
    client.force_login(superuser_sam)
    response = client.get(CHANGELIST, {"status__exact": status})
    assert list(response.context["cl"].result_list) == [records[expected]]


@pytest.mark.parametrize("how", ["name", "code"])
def test_the_admin_list_searches_by_customer_name_or_code(client, superuser_sam, records, how):
    ann = records[0]
    client.force_login(superuser_sam)
    query = {"name": "安诚", "code": ann.customer.code}[how]
    response = client.get(CHANGELIST, {"q": query})
    assert list(response.context["cl"].result_list) == [ann]


def test_the_change_page_shows_the_record_and_its_measures_read_only(client, superuser_sam, records):
    ann, bob = records
    client.force_login(superuser_sam)
    page = client.get(change_url(ann), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "电话回访，客户说在比价" in html and "上门拜访，提供九折报价" in html
    assert 'name="_save"' not in html and "<textarea" not in html
    confirmed = client.get(change_url(bob), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "客户已转向竞争对手" in confirmed and 'name="_save"' not in confirmed


@pytest.mark.parametrize("which", [0, 1], ids=["postponed", "confirmed"])
def test_posting_a_change_or_a_delete_is_refused_and_changes_nothing(client, superuser_sam, records, which):
    record = records[which]
    client.force_login(superuser_sam)  # (signing in writes its own audit row)
    before = everything()
    change = client.post(change_url(record), form_data(record, status="recovered", reason="管理后台改"))
    assert change.status_code == 403
    delete = client.post(delete_url(record), {"post": "yes"})
    assert delete.status_code == 403
    bulk = client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    assert everything() == before


def test_adding_a_record_in_the_admin_is_refused(client, superuser_sam, manager_ann):
    customer = make_customer(manager_ann)
    client.force_login(superuser_sam)
    add = reverse("admin:customers_lossrecord_add")
    assert client.get(add).status_code == 403
    response = client.post(add, {"customer": customer.pk, "account_manager": manager_ann.pk, "status": "warning"})
    assert response.status_code == 403
    assert LossRecord.objects.count() == 0


def test_measures_have_no_admin_of_their_own(client, superuser_sam, records):
    client.force_login(superuser_sam)
    assert client.get("/admin/customers/lossmeasure/").status_code == 404
    assert LossMeasure.objects.count() == 2


def test_an_administrator_may_look_but_not_change(client, admin, records):
    ann = records[0]
    client.force_login(admin)
    before = everything()
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(change_url(ann)).status_code == 200
    assert client.post(change_url(ann), form_data(ann, reason="管理员改")).status_code == 403
    assert client.post(delete_url(ann), {"post": "yes"}).status_code == 403
    assert everything() == before


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "viewer_vic"])
def test_people_without_admin_access_do_not_reach_it(client, personas, records, persona):
    client.force_login(personas[persona])
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_loss_records_admin_speaks_chinese(client, superuser_sam, records):
    ann = records[0]
    client.force_login(superuser_sam)
    for url in (CHANGELIST, change_url(ann)):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200
        text = visible_text(response)
        assert_chinese(text)
        assert "Postponed" not in text and "Warning" not in text and "Lost" not in text
        assert "暂缓流失" in text


@pytest.mark.parametrize("count", [3, 30])
def test_the_admin_list_reads_a_fixed_number_of_statements(
    client, superuser_sam, manager_ann, django_assert_max_num_queries, count
):
    for _index in range(count):
        stale(make_customer(manager_ann))
    warned(make_customer(manager_ann))
    assert LossRecord.objects.count() == count + 1
    client.force_login(superuser_sam)
    with django_assert_max_num_queries(9):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert Customer.objects.count() == count + 1
