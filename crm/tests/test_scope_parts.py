"""The parts of a row scope (access.scope_parts) add up exactly to visible(), for every persona,
every scoped model and action, also when a scope is widened; lists page through them.

The fast paths (a UNION ALL of the parts) run on PostgreSQL; SQLite checks the same sets.
"""

import re

import pytest

from crm import access
from crm.testing.matrix import PERSONAS
from customers import actions
from customers.models import Activity, Contact, Customer, LossMeasure, LossRecord
from customers.tests.factories import make_activity, make_contact, make_customer, share
from opportunities.models import Opportunity, PlanItem
from sales.models import Order, OrderLine
from sales.tests.factories import line, load, order, product
from services import actions as service_actions
from services.models import ServiceEvent, ServiceRequest
from services.tests.factories import make_request

SCOPED_MODELS = (
    Customer,
    Contact,
    Activity,
    LossRecord,
    LossMeasure,
    Order,
    OrderLine,
    Opportunity,
    PlanItem,
    ServiceRequest,
    ServiceEvent,
)
ACTIONS = ("view", "change", "delete", "share", "restore")


@pytest.fixture
def world(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    own = make_customer(ann, name="甲自有客户有限公司")
    theirs = make_customer(bob, name="乙别人客户有限公司")
    shared_view = make_customer(bob, name="丙共享查看有限公司")
    shared_edit = make_customer(bob, name="丁共享编辑有限公司")
    share(shared_view, ann, "view", actor=sue)
    share(shared_edit, ann, "edit", actor=sue)
    # Entered by ann for bob: reached by ann only under a scope widened to created_by.
    entered = make_customer(bob, actor=personas["superuser_sam"], name="戊代录客户有限公司")
    Customer.objects.filter(pk=entered.pk).update(created_by=ann)
    deleted = make_customer(ann, name="己已删除客户有限公司")
    for customer in (own, theirs, shared_view, shared_edit, entered, deleted):
        make_contact(customer)
        make_activity(customer)
        record = LossRecord.objects.create(customer=customer, account_manager=customer.account_manager)
        LossMeasure.objects.create(record=record, text="回访", created_by=sue)
    load(
        products=[product("P-1")],
        orders=[order(f"SO-{number}", customer) for number, customer in enumerate((own, theirs, shared_view, deleted))],
        order_lines=[line(f"SO-{number}", 1, "P-1", 2, "3.50") for number in range(4)],
    )
    # Service requests reached every way: created by ann, assigned to ann, of her own customer,
    # of customers shared with her, of neither, of a customer in the recycle bin.
    for creator, customer, assignee in (
        (sue, theirs, None),  # made ann's below: her customer once, moved to bob since
        (sue, theirs, ann),
        (sue, own, bob),
        (bob, shared_view, None),
        (bob, shared_edit, bob),
        (bob, theirs, bob),
        (ann, deleted, None),
    ):
        request = make_request(creator, customer)
        if assignee is not None:
            service_actions.assign_service_request(actor=sue, service_request=request, assignee=assignee)
        elif customer == theirs and creator == sue:
            ServiceRequest.objects.filter(pk=request.pk).update(created_by=ann)
    actions.delete_customer(actor=ann, customer=deleted)
    return {**personas, "entered": entered, "deleted": deleted, "own": own}


def _assert_parts_add_up(user, model, action):
    parts = access.scope_parts(user, model, action)
    expected = set(access.visible(user, model, action).values_list("pk", flat=True))
    seen = []
    for part in parts:
        seen.extend(part.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)), (user, model, action, "parts overlap")
    assert set(seen) == expected, (user, model, action)
    return parts


@pytest.mark.django_db
def test_scope_parts_add_up_to_visible_for_every_persona_model_and_action(world):
    for persona in PERSONAS[1:]:
        user = world[persona]
        for model in SCOPED_MODELS:
            for action in ACTIONS:
                _assert_parts_add_up(user, model, action)
    ann = world["manager_ann"]
    assert len(access.scope_parts(ann, Customer)) == 2  # own, shared
    assert len(access.scope_parts(world["supervisor_sue"], Customer)) == 1
    # the records of her own customers, of the customers shared with her
    assert len(access.scope_parts(ann, LossRecord)) == 2
    assert access.visible(ann, LossRecord).count() == 3
    # created, assigned, of own customers, of shared customers
    assert len(access.scope_parts(ann, ServiceRequest)) == 4
    assert access.visible(ann, ServiceRequest).count() == 5


@pytest.mark.django_db
def test_a_widened_scope_is_listed_in_full(world, client, monkeypatch):
    # A scope widened in the one declaration (here: customers also reach whoever entered them)
    # widens visible(), the parts, the list and its manager filter alike.
    ann, entered = world["manager_ann"], world["entered"]
    widened = access.RowScope(
        owner_fields=("account_manager", "created_by"), guarded=True, alive=(("deleted_at__isnull", True),)
    )
    assert entered not in access.visible(ann, Customer)
    monkeypatch.setitem(access.ROW_SCOPES, "customers.customer", widened)
    assert entered in access.visible(ann, Customer)
    parts = _assert_parts_add_up(ann, Customer, "view")
    assert len(parts) == 3  # own, entered by her, shared
    for model in SCOPED_MODELS:
        _assert_parts_add_up(ann, model, "view")
    client.force_login(ann)
    page = client.get("/customers/").content.decode()
    listed = set(re.findall(r">(KH\d{12})<", page))
    assert listed == set(access.visible(ann, Customer).values_list("code", flat=True))
    assert entered.code in listed
    manager_filter = page.split('name="account_manager"', 1)[1].split("</select>", 1)[0]
    assert "Manager Bob" in manager_filter


@pytest.mark.django_db
def test_rows_hanging_off_a_deleted_customer_are_hidden_from_everyone(world):
    deleted = world["deleted"]
    for persona in PERSONAS[1:]:
        user = world[persona]
        assert not access.visible(user, Order).filter(customer=deleted).exists(), persona
        assert not access.visible(user, OrderLine).filter(order__customer=deleted).exists(), persona
        assert not access.visible(user, Contact).filter(customer=deleted).exists(), persona
    # ... while the recycle bin shows the customer itself to those who may restore it.
    assert deleted in access.visible(world["supervisor_sue"], Customer, "restore", rows=Customer.all_objects.all())
    assert deleted not in access.visible(world["manager_ann"], Customer, "restore", rows=Customer.all_objects.all())
