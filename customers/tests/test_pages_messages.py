"""The rows of the loss pages' flash messages: crm/tests/test_flash_messages.py finds these call sites
in the source and runs the entries below, in English and in Chinese, on its world (manager_ann,
manager_bob, supervisor_sue, superuser_sam, and "A", 安诚贸易有限公司 of ann's). The customer pages'
own rows live in that file.

A scenario signs in, does what produces the message (following redirects) and returns the
response and the values the message interpolates (names), left out before the language is judged.
A race is a refusal the page shows as the action words it, reachable only when someone else acts
between the view's check and the action: it is called directly.
"""

import pytest
from django.urls import reverse

from crm.audit import system_actor
from customers.actions.losses import confirm_loss, detect_losses, postpone_loss
from customers.models import Customer, CustomerImport, LossRecord

pytestmark = pytest.mark.django_db

LOSSES = "customers/views/losses.py"
IMPORTS = "customers/views/imports.py"


def _warned(world):
    """The open loss record of ann's customer A, raised by the real detection."""
    Customer.all_objects.filter(pk=world["A"].pk).update(last_order_date="2024-03-01")
    detect_losses(actor=system_actor())
    return LossRecord.objects.select_related("customer").get(customer=world["A"])


def postpone(client, world):
    record = _warned(world)
    client.force_login(world["manager_ann"])
    url = reverse("customers:loss_postpone", args=[record.pk])
    return client.post(url, {"measure": "每周电话回访"}, follow=True), [record.customer.name]


def confirm(client, world):
    record = _warned(world)
    client.force_login(world["supervisor_sue"])
    url = reverse("customers:loss_confirm", args=[record.pk])
    return client.post(url, {"reason": "客户转向竞争对手"}, follow=True), [record.customer.name]


def postpone_a_confirmed_record(client, world):
    record = confirm_loss(actor=world["manager_ann"], record=_warned(world), reason="公司注销")
    client.force_login(world["manager_ann"])
    url = reverse("customers:loss_postpone", args=[record.pk])
    return client.post(url, {"measure": "晚了一步"}, follow=True), []


def _checked_import(world, **fields):
    """A checked import of sue's (no file behind it: these steps don't read it)."""
    values = {"status": CustomerImport.Status.PREVIEWED, "total_rows": 1, "created_count": 1, **fields}
    return CustomerImport.objects.create(file_name="客户.csv", created_by=world["supervisor_sue"], **values)


def confirm_an_import_with_rejected_rows(client, world):
    job = _checked_import(world, rejected_count=1)
    client.force_login(world["supervisor_sue"])
    return client.post(reverse("customers:import_confirm", args=[job.pk]), follow=True), []


def cancel_an_import(client, world):
    job = _checked_import(world)
    client.force_login(world["supervisor_sue"])
    return client.post(reverse("customers:import_cancel", args=[job.pk]), follow=True), []


def cancel_a_finished_import(client, world):
    job = _checked_import(world, status=CustomerImport.Status.DONE)
    client.force_login(world["superuser_sam"])
    return client.post(reverse("customers:import_cancel", args=[job.pk]), follow=True), []


SCENARIOS = {
    f"{IMPORTS}::import_confirm::str(error)": [confirm_an_import_with_rejected_rows],
    f"{IMPORTS}::import_cancel::str(error)": [cancel_a_finished_import],
    f"{IMPORTS}::import_cancel::_('The import was cancelled; nothing was written.')": [cancel_an_import],
    f"{LOSSES}::_authorised::_('This loss record is %(status)s: it can no longer be changed.') % "
    "{'status': record.get_status_display()}": [postpone_a_confirmed_record],
    f"{LOSSES}::loss_postpone::_('The measure was recorded: the loss of %(name)s is postponed.') % names": [postpone],
    f"{LOSSES}::loss_confirm::_('The loss of %(name)s was confirmed: the customer is now marked as lost.') % names": [
        confirm
    ],
}


# --- races: the view read the record open, then someone else confirmed it before the action ran --


def postpone_after_someone_confirmed(world):
    record = _warned(world)
    confirm_loss(actor=world["supervisor_sue"], record=LossRecord.objects.get(pk=record.pk), reason="主管确认")
    postpone_loss(actor=world["manager_ann"], record=record, measure="晚了一步")


def confirm_after_someone_confirmed(world):
    record = _warned(world)
    confirm_loss(actor=world["supervisor_sue"], record=LossRecord.objects.get(pk=record.pk), reason="主管确认")
    confirm_loss(actor=world["manager_ann"], record=record, reason="再确认一次")


RACES = {
    f"{LOSSES}::loss_postpone::str(error)": postpone_after_someone_confirmed,
    f"{LOSSES}::loss_confirm::str(error)": confirm_after_someone_confirmed,
}
