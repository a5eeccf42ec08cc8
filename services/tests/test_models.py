"""The service request's status table and the database's own guards."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from services.models import OPEN_STATUSES, TRANSITIONS, ServiceEvent, ServiceRequest, Status
from services.tests.factories import handled, make_request


def test_the_status_table_follows_the_workflow():
    assert {
        Status.NEW: {Status.ASSIGNED},
        Status.ASSIGNED: {Status.ASSIGNED, Status.HANDLED},
        Status.HANDLED: {Status.ASSIGNED, Status.ARCHIVED},
        Status.ARCHIVED: set(),
    } == TRANSITIONS
    assert set(TRANSITIONS) == set(Status)
    assert OPEN_STATUSES == (Status.NEW, Status.ASSIGNED, Status.HANDLED)


@pytest.mark.parametrize(
    ("current", "allowed"),
    [
        (Status.NEW, {Status.ASSIGNED}),
        (Status.ASSIGNED, {Status.ASSIGNED, Status.HANDLED}),
        (Status.HANDLED, {Status.ASSIGNED, Status.ARCHIVED}),
        (Status.ARCHIVED, set()),
    ],
)
def test_can_move_to_answers_from_the_table(current, allowed):
    request = ServiceRequest(status=current)
    assert {status for status in Status if request.can_move_to(status)} == allowed
    assert request.is_archived == (current == Status.ARCHIVED)


def test_the_status_and_step_labels_read_as_the_product_names_them():
    assert [str(label) for label in Status.labels] == ["New", "Assigned", "Handled", "Archived"]
    with translation.override("zh-hans"):
        assert [str(label) for label in Status.labels] == ["新创建", "已分配", "已处理", "已归档"]
        assert [str(label) for label in ServiceEvent.Kind.labels] == ["创建", "分配", "处理", "反馈"]
        assert str(ServiceRequest._meta.verbose_name) == "服务请求"
        assert str(ServiceRequest._meta.get_field("result").verbose_name) == "处理结果"
        assert str(ServiceRequest._meta.get_field("request").verbose_name) == "服务请求内容"


@pytest.mark.django_db
@pytest.mark.parametrize("satisfaction", [0, 6])
def test_the_database_refuses_a_satisfaction_outside_1_to_5(
    manager_ann, manager_bob, supervisor_sue, customer_a, satisfaction
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.filter(pk=request.pk).update(satisfaction=satisfaction)
    assert ServiceRequest.objects.get(pk=request.pk).satisfaction is None


@pytest.mark.django_db
def test_the_database_refuses_a_request_past_new_without_an_assignee(manager_ann, customer_a):
    request = make_request(manager_ann, customer_a)
    for status in (Status.ASSIGNED, Status.HANDLED, Status.ARCHIVED):
        with pytest.raises(IntegrityError), transaction.atomic():
            ServiceRequest.objects.filter(pk=request.pk).update(status=status)
    assert ServiceRequest.objects.get(pk=request.pk).status == Status.NEW


@pytest.mark.django_db
def test_a_requests_timeline_never_outlives_it(manager_ann, manager_bob, supervisor_sue, customer_a):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    assert ServiceEvent.objects.filter(service_request=request).count() == 3
    # Only possible outside the workflow (it deletes new requests only): the steps go with it.
    ServiceRequest.objects.filter(pk=request.pk).delete()
    assert not ServiceEvent.objects.exists()
