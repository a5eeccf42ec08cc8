"""Actions own their audit (STYLE §10): every customers action records its rows with the actor it
is given, called as a plain function (no request, no actor in any thread-local state) and through
its view; views write no audit rows themselves."""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from auditlog.context import set_extra_data
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from crm.audit import as_system, system_actor
from crm.models import DictionaryEntry
from customers import actions
from customers.actions import losses
from customers.models import Activity, Contact, Customer, LossRecord
from customers.tests.factories import grants, make_activity, make_contact, make_customer, region, share

pytestmark = pytest.mark.django_db

ADDRESS = "10.20.30.40"


@pytest.fixture
def world(manager_ann, manager_bob, supervisor_sue, superuser_sam, viewer_vic):
    """Ann's customer A (shared with bob to view, with a contact and an activity) and her customer
    B in the recycle bin."""
    customer = share(make_customer(manager_ann, name="安诚贸易有限公司"), manager_bob, "view", actor=supervisor_sue)
    binned = make_customer(manager_ann, name="博远科技有限公司")
    actions.delete_customer(actor=manager_ann, customer=binned)
    return {
        "ann": manager_ann,
        "bob": manager_bob,
        "sue": supervisor_sue,
        "sam": superuser_sam,
        "vic": viewer_vic,
        "A": customer,
        "B": binned,
        "contact": make_contact(customer, name="王芳"),
        "activity": make_activity(customer, title="首次拜访"),
        "record": LossRecord.objects.create(customer=customer, account_manager=manager_ann),
    }


def customer_data(customer=None, **changes):
    """The customer form's fields: a new customer of ann's, or ``customer`` as it is."""
    data = {
        "name": customer.name if customer else "北京鑫达科技有限公司",
        "region": region().pk,
        "account_manager": customer.account_manager_id if customer else None,
        "level": customer.level if customer else 1,
        "address": customer.address if customer else "北京市海淀区中关村大街1号",
        "phone": customer.phone if customer else "13812345678",
    }
    data.update(changes)
    return data


def a_new_customer(world):
    return Customer(name="北京鑫达科技有限公司", account_manager=world["ann"], region=region(), phone="13812345678")


def edited(world):
    customer = Customer.objects.get(pk=world["A"].pk)
    customer.address = "北京市朝阳区建国路1号"
    return customer


def confirmed_transfer(client, data):
    """The transfer page's two steps: its preview, then the preview's confirmation."""
    preview = client.post(url("transfer"), data, REMOTE_ADDR=ADDRESS)
    form = preview.context["confirm_form"]
    confirmation = {name: form[name].value() for name in form.fields}
    return client.post(url("transfer"), {**confirmation, "confirm": "1"}, REMOTE_ADDR=ADDRESS)


@dataclass
class Case:
    """One action: who acts, the action called directly, and the same through its view."""

    action: str
    persona: str
    call: Callable  # (world, **arguments) -> None
    request: Callable  # (client, world) -> response

    def __str__(self):
        return self.action


def url(name, world=None, *args):
    return reverse(f"customers:{name}", args=[world["A"].code, *args] if world else args)


ACTIVITY_FIELDS = {"occurred_at": "2024-06-01T09:00", "title": "回访"}


def loss_url(name, world):
    return reverse(f"customers:{name}", args=[world["record"].pk])


CASES = [
    Case(
        "postpone_loss",
        "ann",
        lambda w, **a: losses.postpone_loss(record=w["record"], measure="上门拜访", **a),
        lambda c, w: c.post(loss_url("loss_postpone", w), {"measure": "上门拜访"}, REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "confirm_loss",
        "sue",
        lambda w, **a: losses.confirm_loss(record=w["record"], reason="客户已转向竞争对手", **a),
        lambda c, w: c.post(loss_url("loss_confirm", w), {"reason": "客户已转向竞争对手"}, REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "create_customer",
        "ann",
        lambda w, **a: actions.create_customer(customer=a_new_customer(w), **a),
        lambda c, w: c.post(url("create"), customer_data(account_manager=w["ann"].pk), REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "update_customer",
        "ann",
        lambda w, **a: actions.update_customer(customer=edited(w), **a),
        lambda c, w: c.post(url("edit", w), customer_data(edited(w)), REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "transfer_customers",
        "sam",
        lambda w, **a: actions.transfer_customers(
            customers=Customer.objects.filter(pk=w["A"].pk), to_manager=w["bob"], filters={"from": "manager_ann"}, **a
        ),
        lambda c, w: confirmed_transfer(
            c, {"from_manager": w["ann"].pk, "to_manager": w["bob"].pk, "codes": w["A"].code}
        ),
    ),
    Case(
        "export_customers",
        "sam",
        lambda w, **a: actions.export_customers(customers=Customer.objects.all(), file_format="csv", **a),
        lambda c, w: c.get(url("export"), {"file_format": "csv"}, REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "delete_customer",
        "ann",
        lambda w, **a: actions.delete_customer(customer=w["A"], **a),
        lambda c, w: c.post(url("delete", w), REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "restore_customer",
        "sue",
        lambda w, **a: actions.restore_customer(customer=w["B"], **a),
        lambda c, w: c.post(reverse("customers:restore", args=[w["B"].code]), REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "share_customer",
        "sue",
        lambda w, **a: actions.share_customer(customer=w["A"], user=w["bob"], level="edit", **a),
        lambda c, w: c.post(url("share", w), {"user": w["bob"].pk, "level": "edit"}, REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "revoke_share",
        "sue",
        lambda w, **a: actions.revoke_share(customer=w["A"], user=w["bob"], **a),
        lambda c, w: c.post(url("unshare", w, w["bob"].pk), REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "save_contact",
        "ann",
        lambda w, **a: actions.save_contact(contact=Contact(customer=w["A"], name="李雷"), **a),
        lambda c, w: c.post(url("contact_create", w), {"name": "李雷"}, REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "delete_contact",
        "ann",
        lambda w, **a: actions.delete_contact(contact=w["contact"], **a),
        lambda c, w: c.post(url("contact_delete", w, w["contact"].pk), REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "save_activity",
        "ann",
        lambda w, **a: actions.save_activity(
            activity=Activity(customer=w["A"], title="回访", occurred_at=timezone.make_aware(datetime(2024, 6, 1, 9))),
            **a,
        ),
        lambda c, w: c.post(url("activity_create", w), ACTIVITY_FIELDS, REMOTE_ADDR=ADDRESS),
    ),
    Case(
        "delete_activity",
        "ann",
        lambda w, **a: actions.delete_activity(activity=w["activity"], **a),
        lambda c, w: c.post(url("activity_delete", w, w["activity"].pk), REMOTE_ADDR=ADDRESS),
    ),
]


def new_rows(since):
    rows = list(LogEntry.objects.filter(pk__gt=since).select_related("actor").order_by("pk"))
    assert rows, "the action recorded no audit row"
    return rows


def last_pk():
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# Actions that only commands run, each tested with its command (the system actor it names).
RUN_BY_COMMANDS = {"detect_losses": "customers/tests/test_loss_detection.py"}


def test_every_customers_action_has_a_case():
    # An action is a function of customers.actions or its modules made one by audited_action.
    public = {
        name
        for module in (actions, losses)
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and hasattr(function, "__wrapped__")
    }
    assert public == {case.action for case in CASES} | set(RUN_BY_COMMANDS)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_an_action_called_outside_a_request_records_the_actor_it_was_given(world, case):
    actor = world[case.persona]
    since = last_pk()
    case.call(world, actor=actor)
    rows = new_rows(since)
    assert [row.actor for row in rows] == [actor] * len(rows)
    assert all(row.additional_data["actor"]["username"] == actor.username for row in rows)
    assert all(row.remote_addr is None for row in rows)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_an_action_records_the_client_address_it_was_given(world, case):
    since = last_pk()
    case.call(world, actor=world[case.persona], remote_addr=ADDRESS)
    assert {row.remote_addr for row in new_rows(since)} == {ADDRESS}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_an_action_in_a_request_records_the_signed_in_actor_and_address(client, world, case):
    actor = world[case.persona]
    client.force_login(actor)  # writes its own login row
    since = last_pk()
    response = case.request(client, world)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert response.get("Content-Disposition", "").startswith("attachment"), "the form was refused"
    rows = new_rows(since)
    assert [(row.actor, row.remote_addr) for row in rows] == [(actor, ADDRESS)] * len(rows)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_given_actor_wins_over_the_actor_of_the_surrounding_context(world, case):
    # auditlog's middleware keeps the request's user in thread-local state; an action names its own.
    actor = world[case.persona]
    since = last_pk()
    with set_extra_data({"actor": world["vic"], "remote_addr": "10.9.9.9", "remote_port": None}):
        case.call(world, actor=actor)
        rows = new_rows(since)
        # The context is intact after the action: later writes of the request still name its user.
        after = DictionaryEntry.objects.create(category="region", value="later", label="Later", label_en="Later")
    assert [row.actor for row in rows] == [actor] * len(rows)
    entry = LogEntry.objects.get_for_object(after).get()
    assert (entry.actor, entry.remote_addr) == (world["vic"], "10.9.9.9")


def test_an_action_given_no_actor_records_the_command_actor_around_it(world):
    # The demo data is written by actions called with actor=None inside as_system().
    since = last_pk()
    with as_system():
        actions.save_contact(actor=None, contact=Contact(customer=world["A"], name="李雷"))
    assert {row.actor for row in new_rows(since)} == {system_actor()}


def test_a_refused_action_records_nothing(world):
    since = last_pk()
    with pytest.raises(actions.ActionError):
        actions.transfer_customers(
            actor=world["sam"], customers=Customer.objects.filter(pk=world["A"].pk), to_manager=world["vic"]
        )
    assert last_pk() == since


def test_a_transfer_records_its_filter_new_manager_and_count(world):
    since = last_pk()
    moved = actions.transfer_customers(
        actor=world["sam"],
        customers=Customer.objects.filter(pk=world["A"].pk),
        to_manager=world["bob"],
        filters={"from": "manager_ann", "codes": [world["A"].code]},
    )
    assert moved == 1
    event = LogEntry.objects.filter(
        pk__gt=since, additional_data__event="transfer", action=LogEntry.Action.ACCESS
    ).get()
    assert event.actor == world["sam"]
    assert event.additional_data["filter"] == {"from": "manager_ann", "codes": [world["A"].code]}
    assert (event.additional_data["to"], event.additional_data["rows"]) == ("manager_bob", 1)
    # Bob manages A now; the view share sue gave him is set aside until A moves on (test_transfer).
    assert grants(world["A"], world["bob"]) == {"view_customer"}
    assert Customer.objects.get(pk=world["A"].pk).account_manager == world["bob"]


def test_the_transfer_page_records_the_filter_it_was_given(client, world):
    client.force_login(world["sam"])
    confirmed_transfer(
        client, {"from_manager": world["ann"].pk, "to_manager": world["bob"].pk, "codes": world["A"].code.lower()}
    )
    event = LogEntry.objects.get(additional_data__event="transfer", action=LogEntry.Action.ACCESS)
    assert event.additional_data["filter"] == {"from": "manager_ann", "codes": [world["A"].code]}
    assert (event.actor, event.remote_addr, event.additional_data["rows"]) == (world["sam"], ADDRESS, 1)


def test_an_export_records_its_filter_format_and_row_count(client, world):
    client.force_login(world["sam"])
    response = client.get(url("export"), {"file_format": "csv", "q": "安诚"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    event = LogEntry.objects.get(additional_data__event="export")
    assert event.additional_data["filter"] == {"q": "安诚"}
    assert (event.additional_data["rows"], event.additional_data["format"]) == (1, "csv")
    assert (event.actor, event.remote_addr) == (world["sam"], ADDRESS)
    assert "安诚贸易有限公司" in response.content.decode("utf-8-sig")
