"""access.rows_of: the rows hanging off a parent. A parent read through the user's scope
(customers.selectors.customer_by_code marks it with access.reached) gives all its rows with a plain
foreign-key filter; any other parent goes through visible(), so an unmarked, foreign or
wrongly-marked parent reveals nothing more than visible() does."""

import pytest

from crm import access
from customers.models import Contact, Customer
from customers.selectors import contacts_of, customer_by_code
from customers.tests.factories import make_contact, make_customer
from services.models import ServiceRequest
from services.selectors import requests_of_customer
from services.tests.factories import make_request

pytestmark = pytest.mark.django_db


def _ids(rows):
    return sorted(rows.values_list("pk", flat=True))


def test_a_reached_parent_gives_every_row_without_the_scope_subqueries(manager_ann, supervisor_sue):
    customer = make_customer(manager_ann)
    contacts = [make_contact(customer).pk for _ in range(2)]
    # A request the supervisor created for Ann's customer: Ann reaches it through the customer.
    request = make_request(supervisor_sue, customer)
    reached = customer_by_code(user=manager_ann, code=customer.code)
    rows = contacts_of(user=manager_ann, customer=reached)
    assert "SELECT" not in str(rows.query).split("WHERE", 1)[1]
    assert _ids(rows) == sorted(contacts) == _ids(access.visible(manager_ann, Contact).filter(customer=customer))
    requests = requests_of_customer(user=manager_ann, customer=reached)
    assert _ids(requests) == [request.pk]
    assert _ids(requests) == _ids(access.visible(manager_ann, ServiceRequest).filter(customer=customer))


def test_an_unmarked_or_foreign_parent_goes_through_the_scope(manager_ann, manager_bob):
    bobs = make_customer(manager_bob)
    make_contact(bobs)
    # Read without the scope: nothing marks it, so Ann gets what visible() gives her (nothing).
    unmarked = Customer.objects.get(pk=bobs.pk)
    assert list(access.rows_of(manager_ann, Contact, unmarked)) == []
    # Marked for Bob, who reaches it: still nothing for Ann.
    bobs_view = customer_by_code(user=manager_bob, code=bobs.code)
    assert _ids(access.rows_of(manager_bob, Contact, bobs_view)) == _ids(Contact.objects.filter(customer=bobs))
    assert list(access.rows_of(manager_ann, Contact, bobs_view)) == []


def test_a_mark_holds_for_its_action_and_an_active_user_only(manager_ann, viewer_vic):
    customer = make_customer(manager_ann)
    make_contact(customer)
    seen = customer_by_code(user=viewer_vic, code=customer.code)
    # A viewer reaches the customer to view it, not to change its contacts.
    assert access.rows_of(viewer_vic, Contact, seen).count() == 1
    assert list(access.rows_of(viewer_vic, Contact, seen, action="change")) == []
    viewer_vic.is_active = False
    assert list(access.rows_of(viewer_vic, Contact, seen)) == []


def test_only_models_with_a_direct_through_scope_have_rows_of_a_parent(manager_ann):
    customer = make_customer(manager_ann)
    with pytest.raises(ValueError):
        access.rows_of(manager_ann, Customer, customer)
