"""Every write on opportunities and their development plans (SPEC §4).

Each action is keyword-only and runs in one transaction whose audit rows name the ``actor`` it is
given (crm.audit.audited_action); it re-reads the opportunity with ``select_for_update()`` before
looking at its state, so two people acting at once are served one after the other and the second
sees what the first did. A refused step raises ``ActionError`` (customers.actions) with a message
for the user, already translated; nothing is written then.

Order of the checks: a closed opportunity refuses everything; then the state the step needs; then
who may take it (opportunities.rules, the same predicates the pages ask for their buttons).
"""

import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.audit import audited_action
from crm.display import display_name
from customers.actions import ActionError, create_customer, is_account_manager
from customers.models import Contact, Customer, Level
from customers.pinyin import column_length, pinyin_keys
from customers.selectors import find_duplicates
from customers.validators import normalise_phone
from opportunities import rules
from opportunities.models import Opportunity, PlanItem, Status
from opportunities.search import DERIVED_FIELDS, search_bigrams

__all__ = ["ActionError", "DuplicateCustomerError"]

_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


class DuplicateCustomerError(ActionError):
    """Closing successfully would create a customer that probably exists already.

    ``duplicates``: the customers app's findings, a list of (customer, reasons) — whatever the
    user may see; the page decides what to reveal (the customer, or only who manages it), and may
    offer ``link_to_customer`` or ``succeed_opportunity(..., allow_duplicate=True)``.
    """

    def __init__(self, message, duplicates):
        super().__init__(message)
        self.duplicates = duplicates


def _locked(opportunity):
    """The opportunity's row as stored now, locked until the transaction ends."""
    try:
        return Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    except Opportunity.DoesNotExist:
        raise ActionError(_("This opportunity no longer exists.")) from None


def _refuse_closed(opportunity):
    if opportunity.is_closed:
        raise ActionError(
            _("This opportunity is already closed (%(status)s): it can no longer be changed.")
            % {"status": opportunity.get_status_display()}
        )


def _derive_keys(opportunity):
    opportunity.customer_name = opportunity.customer_name.strip()
    opportunity.search_bigrams = search_bigrams(opportunity)
    opportunity.customer_name_pinyin, opportunity.customer_name_initials = pinyin_keys(
        opportunity.customer_name,
        max_lengths=(
            column_length(Opportunity, "customer_name_pinyin"),
            column_length(Opportunity, "customer_name_initials"),
        ),
    )


def _validate(instance, exclude=()):
    """Model validation (lengths, the 0–100 success rate, phone): bad values from a caller that is
    not a form (a command, a script) are refused like a form's, before anything is written."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        raise ActionError(" ".join(message for message in error.messages)) from None


# --- the opportunity itself ----------------------------------------------------------------------


@audited_action
def create_opportunity(*, actor, opportunity):
    """Save a new opportunity (an unsaved instance from the form), unassigned, created by ``actor``.

    Account managers and supervisors may create; raises ActionError otherwise or on bad values.
    """
    if not rules.may_create(actor):
        raise ActionError(_("Only account managers and sales supervisors may create opportunities."))
    opportunity.created_by = actor
    opportunity.created_at = timezone.now()
    opportunity.status = Status.UNASSIGNED
    opportunity.assigned_to = None
    opportunity.assigned_at = None
    opportunity.closed_at = None
    opportunity.failure_reason = ""
    opportunity.customer = None
    _derive_keys(opportunity)
    _validate(opportunity)
    opportunity.save()
    return opportunity


@audited_action
def update_opportunity(*, actor, opportunity):
    """Save the edits of an opportunity (an instance modified by the form): only its editable
    fields, only while it is unassigned, by its creator or a supervisor."""
    locked = _locked(opportunity)
    _refuse_closed(locked)
    if locked.status != Status.UNASSIGNED:
        raise ActionError(_("An opportunity can only be edited or deleted while it is unassigned."))
    if not rules.may_edit(actor, locked):
        raise ActionError(_("Only the opportunity's creator or a sales supervisor may edit or delete it."))
    for name in Opportunity.EDITABLE_FIELDS:
        attname = Opportunity._meta.get_field(name).attname
        setattr(locked, attname, getattr(opportunity, attname))
    _derive_keys(locked)
    _validate(locked)
    locked.save(update_fields=[*Opportunity.EDITABLE_FIELDS, *DERIVED_FIELDS, "updated_at"])
    return locked


@audited_action
def delete_opportunity(*, actor, opportunity):
    """Delete an opportunity while it is unassigned: its creator or a supervisor."""
    locked = _locked(opportunity)
    _refuse_closed(locked)
    if locked.status != Status.UNASSIGNED:
        raise ActionError(_("An opportunity can only be edited or deleted while it is unassigned."))
    if not rules.may_delete(actor, locked):
        raise ActionError(_("Only the opportunity's creator or a sales supervisor may edit or delete it."))
    locked.delete()


@audited_action
def assign_opportunity(*, actor, opportunity, assignee):
    """Assign an unassigned opportunity to an account manager, or re-assign one in development
    (restamping ``assigned_at``): sales supervisors only.

    ``opportunity`` is the row as the caller saw it: if someone else assigned it since (its status
    or assignee changed), the step is refused, so two supervisors assigning at once can't both
    win. The assignee must be an active user with the account manager role. Account managers
    reach the opportunities assigned to them through the ``assigned_to`` field (crm.access), so
    the previous assignee's access ends in the same save.
    """
    locked = _locked(opportunity)
    _refuse_closed(locked)
    if not rules.may_assign(actor, locked):
        raise ActionError(_("Only a sales supervisor may assign opportunities."))
    if (locked.status, locked.assigned_to_id) != (opportunity.status, opportunity.assigned_to_id):
        raise ActionError(
            _("Someone else assigned this opportunity in the meantime, to %(name)s. Reload the page to see it.")
            % {"name": display_name(locked.assigned_to)}
        )
    if assignee is None or not is_account_manager(assignee):
        raise ActionError(_("Opportunities can only be assigned to active users with the account manager role."))
    if locked.assigned_to_id == assignee.pk:
        raise ActionError(_("This opportunity is already assigned to %(name)s.") % {"name": display_name(assignee)})
    locked.assigned_to = assignee
    locked.assigned_at = timezone.now()
    locked.status = Status.DEVELOPING
    locked.save(update_fields=["assigned_to", "assigned_at", "status", "updated_at"])
    return locked


# --- the development plan ------------------------------------------------------------------------


def _plan_opportunity(actor, opportunity_id):
    """The plan's opportunity, locked, if ``actor`` may change its plan now; else ActionError."""
    locked = _locked(Opportunity(pk=opportunity_id))
    _refuse_closed(locked)
    if locked.status != Status.DEVELOPING:
        raise ActionError(_("The development plan can only be changed while the opportunity is in development."))
    if not rules.may_plan(actor, locked):
        raise ActionError(
            _("Only the account manager the opportunity is assigned to, or a sales supervisor, may change its plan.")
        )
    return locked


def _stored_item(item):
    try:
        return PlanItem.objects.select_for_update().get(pk=item.pk)
    except PlanItem.DoesNotExist:
        raise ActionError(_("This plan item no longer exists.")) from None


@audited_action
def save_plan_item(*, actor, item):
    """Add a plan item (an unsaved instance with its opportunity) or save the date and what to do
    of an existing one, while the opportunity is in development: its assignee or a supervisor."""
    if item.pk is None:
        _plan_opportunity(actor, item.opportunity_id)
        item.created_by = actor
        item.created_at = timezone.now()
        item.result = ""
        item.result_recorded_at = None
        _validate(item)
        item.save()
        return item
    stored = PlanItem.objects.filter(pk=item.pk).values_list("opportunity_id", flat=True).first()
    if stored is None:
        raise ActionError(_("This plan item no longer exists."))
    # The stored opportunity decides: a plan item never moves to another opportunity.
    _plan_opportunity(actor, stored)
    current = _stored_item(item)
    current.plan_date, current.todo = item.plan_date, item.todo
    _validate(current)
    current.save(update_fields=["plan_date", "todo", "updated_at"])
    return current


@audited_action
def record_plan_result(*, actor, item, result):
    """Record (or correct) what came of a plan item (执行效果): its assignee or a supervisor, while
    the opportunity is in development. The result may not be empty."""
    stored = PlanItem.objects.filter(pk=item.pk).values_list("opportunity_id", flat=True).first()
    if stored is None:
        raise ActionError(_("This plan item no longer exists."))
    _plan_opportunity(actor, stored)
    result = (result or "").strip()
    if not result:
        raise ActionError(_("Describe the result of this step."))
    current = _stored_item(item)
    current.result = result
    current.result_recorded_at = timezone.now()
    _validate(current)
    current.save(update_fields=["result", "result_recorded_at", "updated_at"])
    return current


@audited_action
def delete_plan_item(*, actor, item):
    """Delete a plan item while the opportunity is in development: its assignee or a supervisor."""
    stored = PlanItem.objects.filter(pk=item.pk).values_list("opportunity_id", flat=True).first()
    if stored is None:
        raise ActionError(_("This plan item no longer exists."))
    _plan_opportunity(actor, stored)
    _stored_item(item).delete()


# --- closing -------------------------------------------------------------------------------------


def _closable(actor, opportunity):
    locked = _locked(opportunity)
    _refuse_closed(locked)
    if locked.status != Status.DEVELOPING:
        raise ActionError(_("Only an opportunity in development can be closed."))
    if not rules.may_close(actor, locked):
        raise ActionError(
            _("Only the account manager the opportunity is assigned to, or a sales supervisor, may close it.")
        )
    return locked


def _close(opportunity, status, **fields):
    opportunity.status = status
    opportunity.closed_at = timezone.now()
    for name, value in fields.items():
        setattr(opportunity, name, value)
    opportunity.save(update_fields=["status", "closed_at", *fields, "updated_at"])
    return opportunity


def _first_contact(opportunity):
    if not opportunity.contact_name.strip():
        return None
    phone = opportunity.contact_phone.strip()
    mobile = _MOBILE.match(normalise_phone(phone))
    return Contact(
        name=opportunity.contact_name.strip(),
        mobile=phone if mobile else "",
        office_phone="" if mobile else phone,
        is_primary=True,
    )


@audited_action
def succeed_opportunity(*, actor, opportunity, allow_duplicate=False):
    """Close an opportunity in development as developed successfully (开发成功): the assignee or a
    supervisor. In the same transaction the customer is created through
    customers.actions.create_customer, as by hand (code, grants, audit): named as the
    opportunity's customer name, managed by the assignee, level 普通客户, with the opportunity's
    contact as its primary contact; the opportunity links to it.

    If the customers app's duplicate rules find a likely existing customer, raises
    ``DuplicateCustomerError`` carrying them (nothing written), unless ``allow_duplicate``: then
    the user has confirmed it is another company. See ``link_to_customer``. Returns the
    opportunity; its ``customer`` is the new customer.
    """
    locked = _closable(actor, opportunity)
    if not allow_duplicate:
        duplicates = find_duplicates(name=locked.customer_name, phone=locked.contact_phone)
        if duplicates:
            raise DuplicateCustomerError(
                _(
                    "A customer like this one already exists. Link the opportunity to it, or confirm "
                    "that it is another company."
                ),
                duplicates,
            )
    customer = create_customer(
        actor=actor,
        customer=Customer(name=locked.customer_name, account_manager=locked.assigned_to, level=Level.ORDINARY),
        contact=_first_contact(locked),
    )
    return _close(locked, Status.SUCCEEDED, customer=customer)


@audited_action
def link_to_customer(*, actor, opportunity, customer):
    """Close an opportunity in development as developed successfully by linking it to an existing
    customer instead of creating one: the assignee or a supervisor. The customer must be one
    ``actor`` may see, or one the duplicate rules find for this opportunity (whose data the user
    may not see: the link reveals nothing more than "managed by X" did)."""
    locked = _closable(actor, opportunity)
    target = Customer.objects.filter(pk=getattr(customer, "pk", None)).first()
    if target is None:
        raise ActionError(_("This customer doesn't exist or is in the recycle bin."))
    found = {found.pk for found, _reasons in find_duplicates(name=locked.customer_name, phone=locked.contact_phone)}
    if target.pk not in found and not access.can(actor, "view", target):
        raise ActionError(_("Link only a customer you can see, or one found as a likely duplicate."))
    return _close(locked, Status.SUCCEEDED, customer=target)


@audited_action
def fail_opportunity(*, actor, opportunity, reason):
    """Terminate the development (终止开发) of an opportunity in development, with the reason
    (required): the assignee or a supervisor."""
    locked = _closable(actor, opportunity)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("Give the reason for terminating the development."))
    locked.failure_reason = reason
    _validate(locked)
    return _close(locked, Status.FAILED, failure_reason=reason)
