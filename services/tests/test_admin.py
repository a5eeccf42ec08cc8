"""The Django admin shows service requests with their timeline and changes nothing the workflow
owns: every request is read-only there (archived ones included), only a new one may be deleted,
through the action."""

import pytest
from django.urls import reverse

from crm.tests.test_admin_i18n import allowed_for, assert_chinese, visible_text
from services import actions
from services.models import ServiceRequest
from services.tests.factories import DELETE, assigned, audit_rows, event_rows, handled, make_request

pytestmark = pytest.mark.django_db


def change_url(service_request):
    return reverse("admin:services_servicerequest_change", args=[service_request.pk])


def delete_url(service_request):
    return reverse("admin:services_servicerequest_delete", args=[service_request.pk])


def form_data(service_request, **changes):
    data = {
        "service_type": service_request.service_type_id,
        "title": service_request.title,
        "customer": service_request.customer_id,
        "request": service_request.request,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def two_rounds(manager_ann, manager_bob, supervisor_sue, customer_a):
    """Archived after a second round: handled, unsatisfied (2), handled again, satisfied (4)."""
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue, handling="第一轮处理")
    request = actions.give_feedback(actor=manager_ann, service_request=request, result="不满意", satisfaction=2)
    request = actions.handle_service_request(actor=manager_bob, service_request=request, handling="第二轮处理")
    return actions.give_feedback(actor=supervisor_sue, service_request=request, result="满意", satisfaction=4)


def test_an_archived_request_is_read_only_in_the_admin_with_its_whole_timeline(
    client, superuser_sam, manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = two_rounds(manager_ann, manager_bob, supervisor_sue, customer_a)
    rows, events = audit_rows(request), event_rows(request)
    client.force_login(superuser_sam)
    page = client.get(change_url(request))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert "第一轮处理" in html and "第二轮处理" in html and "不满意" in html
    response = client.post(change_url(request), form_data(request, title="管理后台改"))
    assert response.status_code == 403
    delete = client.post(delete_url(request), {"post": "yes"})
    assert delete.status_code == 403
    assert ServiceRequest.objects.get(pk=request.pk).title == request.title
    assert (audit_rows(request), event_rows(request)) == (rows, events)


@pytest.mark.parametrize("state", ["new", "assigned", "handled"])
def test_an_open_request_is_not_changed_in_the_admin_either(
    client, superuser_sam, manager_ann, manager_bob, supervisor_sue, customer_a, state
):
    if state == "new":
        request = make_request(manager_ann, customer_a)
    elif state == "assigned":
        request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    else:
        request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    rows = audit_rows(request)
    client.force_login(superuser_sam)
    response = client.post(change_url(request), form_data(request, title="管理后台改"))
    assert response.status_code == 403
    assert ServiceRequest.objects.get(pk=request.pk).title == request.title
    assert audit_rows(request) == rows
    if state != "new":
        assert client.post(delete_url(request), {"post": "yes"}).status_code == 403
        assert ServiceRequest.objects.filter(pk=request.pk).exists()


def test_a_new_request_is_deleted_in_the_admin_through_the_action(client, superuser_sam, manager_ann, customer_a):
    request = make_request(manager_ann, customer_a)
    client.force_login(superuser_sam)
    response = client.post(delete_url(request), {"post": "yes"})
    assert response.status_code == 302
    assert not ServiceRequest.objects.filter(pk=request.pk).exists()
    assert audit_rows(ServiceRequest, request.pk)[-1][:2] == (DELETE, "superuser_sam")


def test_requests_are_not_added_or_bulk_deleted_in_the_admin(client, superuser_sam, manager_ann, customer_a):
    make_request(manager_ann, customer_a)
    client.force_login(superuser_sam)
    assert client.get(reverse("admin:services_servicerequest_add")).status_code == 403
    changelist = client.get(reverse("admin:services_servicerequest_changelist"))
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()


def test_an_administrator_looks_but_deletes_nothing(client, admin, manager_ann, customer_a):
    request = make_request(manager_ann, customer_a)
    client.force_login(admin)
    assert client.get(reverse("admin:services_servicerequest_changelist")).status_code == 200
    assert client.get(change_url(request)).status_code == 200
    assert client.post(delete_url(request), {"post": "yes"}).status_code == 403
    assert ServiceRequest.objects.filter(pk=request.pk).exists()


@pytest.mark.parametrize("persona", ["superuser_sam", "admin"])
def test_the_service_admin_pages_are_all_chinese(
    client, personas, manager_ann, manager_bob, supervisor_sue, customer_a, persona
):
    staff = personas[persona]
    request = two_rounds(manager_ann, manager_bob, supervisor_sue, customer_a)
    client.force_login(staff)
    # Besides the signed-in user: the people's names and usernames, and the customer's code (data).
    data = {"Manager", "Ann", "Bob", "Supervisor", "Sue", "manager", "ann", "bob", "supervisor", "sue", "KH"}
    for url in (
        "/admin/",
        reverse("admin:services_servicerequest_changelist"),
        change_url(request),
        "/admin/services/",
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        text = visible_text(response)
        assert_chinese(text, latin_allowed=allowed_for(staff) | data)
        assert "服务请求" in text, url
    text = visible_text(client.get(change_url(request), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    for label in ("服务类型", "概要", "服务请求内容", "处理结果", "满意度", "轮次", "已归档"):
        assert label in text, label
