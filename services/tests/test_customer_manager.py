"""The copy of the customer's account manager on each service request (migration 0003): kept by the
database whoever writes, read by crm.access for "the requests of my customers", and never trusted
alone."""

import pytest
from auditlog.models import LogEntry
from django.db import connection

from crm import access
from customers.actions import transfer_customers
from customers.models import Customer
from customers.tests.factories import make_customer
from services import actions
from services.models import ServiceRequest
from services.tests.factories import make_request, service_type

pytestmark = pytest.mark.django_db


def _copy(service_request):
    return ServiceRequest.objects.filter(pk=service_request.pk).values_list("customer_manager_id", flat=True).get()


def _seen_by(user):
    """The requests ``user`` reaches: by visible() and by the list's parts (which must agree)."""
    seen = set(access.visible(user, ServiceRequest).values_list("pk", flat=True))
    parts = [set(part.values_list("pk", flat=True)) for part in access.scope_parts(user, ServiceRequest)]
    assert set().union(*parts) == seen and sum(map(len, parts)) == len(seen)
    return seen


def test_a_request_carries_its_customers_manager_however_it_is_written(manager_ann, supervisor_sue):
    customer = make_customer(manager_ann)
    made = make_request(supervisor_sue, customer)
    assert _copy(made) == manager_ann.pk
    # Written around the actions (a bulk load): the database fills it in all the same.
    [bulk] = ServiceRequest.objects.bulk_create(
        [
            ServiceRequest(
                service_type=service_type(), title="批量", customer=customer, request="…", created_by=supervisor_sue
            )
        ]
    )
    assert _copy(bulk) == manager_ann.pk


def test_a_transfer_moves_the_requests_with_the_customer(manager_ann, manager_bob, supervisor_sue, superuser_sam):
    customer = make_customer(manager_ann)
    request = make_request(supervisor_sue, customer)
    assert request.pk in _seen_by(manager_ann) and request.pk not in _seen_by(manager_bob)
    transfer_customers(actor=superuser_sam, customers=Customer.objects.filter(pk=customer.pk), to_manager=manager_bob)
    assert _copy(request) == manager_bob.pk
    assert request.pk not in _seen_by(manager_ann)
    assert request.pk in _seen_by(manager_bob)
    # Any other way of changing the manager (a bulk UPDATE) is followed too. (It moves no grants:
    # Bob keeps the ones the transfer gave him, and with them the request.)
    Customer.objects.filter(pk=customer.pk).update(account_manager=manager_ann)
    assert _copy(request) == manager_ann.pk
    assert request.pk in _seen_by(manager_ann)


def test_saving_a_stale_instance_keeps_the_right_copy(manager_ann, manager_bob, supervisor_sue, superuser_sam):
    customer = make_customer(manager_ann)
    request = make_request(supervisor_sue, customer)
    transfer_customers(actor=superuser_sam, customers=Customer.objects.filter(pk=customer.pk), to_manager=manager_bob)
    assert request.customer_manager_id == manager_ann.pk  # the instance in memory is behind
    request.save()  # every column, the stale copy included
    assert _copy(request) == manager_bob.pk


def test_the_copy_is_not_audited_as_a_change_of_the_request(manager_ann, manager_bob, supervisor_sue, superuser_sam):
    customer = make_customer(manager_ann)
    request = make_request(supervisor_sue, customer)
    transfer_customers(actor=superuser_sam, customers=Customer.objects.filter(pk=customer.pk), to_manager=manager_bob)
    actions.assign_service_request(actor=supervisor_sue, service_request=request, assignee=manager_bob)
    changes = LogEntry.objects.get_for_object(request).values_list("changes", flat=True)
    assert changes and not any("customer_manager" in (change or {}) for change in changes)


def _drop_the_triggers():
    """Inside the test's transaction (rolled back after it): a copy the database no longer keeps."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER services_request_customer_manager ON services_servicerequest")
            cursor.execute("DROP TRIGGER services_customer_manager_moved ON customers_customer")
        else:
            for name in ("insert", "update"):
                cursor.execute(f"DROP TRIGGER services_request_customer_manager_{name}")
            cursor.execute("DROP TRIGGER services_customer_manager_moved")


def test_a_wrong_copy_hides_a_request_but_never_shows_one(manager_ann, manager_bob, supervisor_sue):
    make_customer(manager_ann)
    bobs = make_customer(manager_bob)
    request = make_request(supervisor_sue, bobs)
    _drop_the_triggers()
    ServiceRequest.objects.filter(pk=request.pk).update(customer_manager=manager_ann)
    assert _copy(request) == manager_ann.pk
    # Ann's name on Bob's customer's request shows her nothing: the customer's manager is checked.
    assert request.pk not in _seen_by(manager_ann)
    assert not access.can(manager_ann, "view", request)
    # Bob still opens it (his grants on his customer), but his lists miss it while the copy is wrong.
    assert access.can(manager_bob, "view", request)
    parts = access.scope_parts(manager_bob, ServiceRequest)
    listed = set().union(*(part.values_list("pk", flat=True) for part in parts))
    assert request.pk not in listed
    ServiceRequest.objects.filter(pk=request.pk).update(customer_manager=manager_bob)
    assert request.pk in _seen_by(manager_bob)
