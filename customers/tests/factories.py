"""Customers, contacts and activities made through the real actions, so tests exercise the code
production runs: codes, pinyin keys and the manager's object permissions come from
``customers.actions`` and nowhere else."""

import itertools
from datetime import datetime

from django.utils import timezone

from crm.models import DictionaryEntry
from customers import actions
from customers.models import Activity, Contact, Customer, CustomerUserObjectPermission, Level

_serial = itertools.count(1)


def region(value="beijing"):
    """A region of the data dictionary (the default entries exist after migrate and after a flush)."""
    return DictionaryEntry.objects.get(category=DictionaryEntry.Category.REGION, value=value)


def unique_phone():
    """A mobile number no other factory customer has, so duplicate checks stay quiet."""
    return f"139{next(_serial):08d}"


def make_customer(manager, *, actor=None, name=None, **fields):
    """A customer of ``manager`` created by ``create_customer`` (``actor`` defaults to the manager)."""
    serial = next(_serial)
    values = {
        "name": name or f"测试客户{serial:04d}有限公司",
        "region": region(),
        "level": Level.ORDINARY,
        "address": f"北京市海淀区中关村大街{serial}号",
        "phone": f"139{serial:08d}",
    }
    values.update(fields)
    customer = Customer(account_manager=manager, **values)
    return actions.create_customer(actor=actor or manager, customer=customer)


def make_contact(customer, *, actor=None, name=None, **fields):
    """A contact of ``customer`` saved by ``save_contact`` (the first one becomes primary)."""
    contact = Contact(customer=customer, name=name or f"联系人{next(_serial)}", **fields)
    return actions.save_contact(actor=actor or customer.account_manager, contact=contact)


def make_activity(customer, *, actor=None, title=None, occurred_at=None, **fields):
    """An activity (交往记录) of ``customer`` saved by ``save_activity``."""
    activity = Activity(
        customer=customer,
        title=title or f"拜访{next(_serial)}",
        occurred_at=occurred_at or timezone.make_aware(datetime(2024, 5, 6, 10, 30)),
        **fields,
    )
    return actions.save_activity(actor=actor or customer.account_manager, activity=activity)


def share(customer, user, level="view", *, actor):
    """Share ``customer`` with ``user`` through ``share_customer`` (actor: a supervisor, usually)."""
    actions.share_customer(actor=actor, customer=customer, user=user, level=level)
    return customer


def grants(customer, user):
    """The codenames of the object permissions ``user`` holds on ``customer``."""
    return set(
        CustomerUserObjectPermission.objects.filter(content_object=customer, user=user).values_list(
            "permission__codename", flat=True
        )
    )


OWNER = {"view_customer", "change_customer", "delete_customer"}


# The world of the permission matrices (customers, sales), by key.
WORLD_CUSTOMERS = {
    "A": ("manager_ann", "安诚贸易有限公司", None),
    "B": ("manager_bob", "博远科技有限公司", None),
    "C": ("manager_bob", "昌盛物流有限公司", "view"),
    "D": ("manager_bob", "鼎新建材有限公司", "edit"),
    "E": ("manager_ann", "恩泽食品有限公司", None),
}


def customer_world(personas):
    """The customers every permission matrix runs against, added to ``personas`` (crm.testing.world):
    A is ann's own customer; B is bob's; C is bob's, shared with ann to view; D is bob's, shared
    with ann to edit (both shared by supervisor sue); E is ann's, in the recycle bin. Each has one
    contact (``world["contacts"][key]``) and one activity (``world["activities"][key]``)."""
    world = {**personas, "contacts": {}, "activities": {}}
    for key, (manager, name, shared_level) in WORLD_CUSTOMERS.items():
        customer = make_customer(personas[manager], name=name)
        if shared_level:
            share(customer, personas["manager_ann"], shared_level, actor=personas["supervisor_sue"])
        world[key] = customer
        world["contacts"][key] = make_contact(customer, name=f"{key}联系人")
        world["activities"][key] = make_activity(customer, title=f"{key}首次拜访")
    actions.delete_customer(actor=personas["manager_ann"], customer=world["E"])
    world["E"].refresh_from_db()
    return world
