"""Every write on customers, contacts and activities.

Each action is keyword-only, runs in a transaction and records its audit rows with the ``actor``
it is given (crm.audit.audited_action; a view adds ``remote_addr``, the client's address), saves
through ``save()`` so auditlog records the diff, and raises ``ActionError`` with a translated
message when the rules refuse it. Views check access (crm.access) before calling an action;
actions check the rules of the domain (roles of the people involved, states).
"""

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm
from import_export.formats import base_formats as formats

from crm import replica
from crm.audit import audited_action, record_bulk_event
from crm.roles import ACCOUNT_MANAGER
from customers.models import CodeSequence, Contact, Customer, CustomerUserObjectPermission
from customers.pinyin import pinyin_keys
from customers.resources import CustomerResource
from customers.search import name_bigrams
from customers.validators import normalise_name, normalise_phone, normalise_uscc

OWNER_PERMISSIONS = ("view_customer", "change_customer", "delete_customer")
SHARE_PERMISSIONS = {"view": ("view_customer",), "edit": ("view_customer", "change_customer")}


class ActionError(Exception):
    """A change the rules refuse; ``str()`` is a message for the user, already translated."""


def _next_code(today):
    """The next KH+yyyyMMdd+NNNN code; runs inside the caller's transaction and locks the day row."""
    CodeSequence.objects.bulk_create([CodeSequence(day=today, last=0)], ignore_conflicts=True)
    sequence = CodeSequence.objects.select_for_update().get(day=today)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"KH{today:%Y%m%d}{sequence.last:04d}"


def _derive_keys(customer):
    customer.name = customer.name.strip()
    customer.name_pinyin, customer.name_initials = pinyin_keys(customer.name)
    customer.name_bigrams = name_bigrams(customer.name)
    customer.name_normalized = normalise_name(customer.name)[:100]
    customer.phone_normalized = normalise_phone(customer.phone)[:32]
    customer.uscc = normalise_uscc(customer.uscc) or None


def is_account_manager(user):
    return user.is_active and user.groups.filter(name=ACCOUNT_MANAGER).exists()


def _held(customer, user):
    return set(
        CustomerUserObjectPermission.objects.filter(content_object=customer, user=user).values_list(
            "permission__codename", flat=True
        )
    )


# A manager's own grants hold delete_customer; a share never does (SHARE_PERMISSIONS). So a manager
# whose grants lack it holds a share they were given before they managed the customer: it is set
# aside while they manage it (managing gives every owner right, crm.access.OWNER_ACTIONS, through
# the account_manager field) and is theirs again when the customer moves on.


def _grant_owner(customer, user):
    """Give ``user``, the customer's new manager, the manager's grants; a share they hold is set aside."""
    held = _held(customer, user)
    if held and "delete_customer" not in held:
        return
    for perm in OWNER_PERMISSIONS:
        if perm not in held:
            assign_perm(f"customers.{perm}", user, customer)


def _release_owner(customer, user):
    """Take the manager's grants from ``user``, whom the customer leaves; a share they held before
    they managed it (see _grant_owner) is theirs again."""
    if "delete_customer" in _held(customer, user):
        _revoke_all(customer, user)


def _revoke_all(customer, user):
    grants = CustomerUserObjectPermission.objects.filter(content_object=customer, user=user)
    for grant in grants:  # one by one, so each revocation is audited
        grant.delete()


@audited_action
def create_customer(*, actor, customer, contact=None):
    """Save a new customer (an unsaved instance from the form) with a fresh code.

    The account manager gets view/change/delete object permissions on it. Optionally saves a
    first contact as the primary one. Raises ActionError if the manager isn't an account
    manager or the code or USCC collides.
    """
    if not is_account_manager(customer.account_manager):
        raise ActionError(_("The account manager must be an active user with the account manager role."))
    try:
        with transaction.atomic():
            customer.code = _next_code(timezone.localdate())
            customer.created_by = actor
            _derive_keys(customer)
            customer.save()
            _grant_owner(customer, customer.account_manager)
            if contact is not None:
                contact.customer = customer
                contact.is_primary = True
                contact.save()
    except IntegrityError:
        raise ActionError(_("A customer with this unified social credit code already exists.")) from None
    return customer


@audited_action
def update_customer(*, actor, customer):
    """Save edits to a customer (an instance modified by the form) and keep its keys in step.

    A change of account manager moves the manager's object permissions to the new one.
    """
    previous = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.code = previous.code  # codes are immutable, whatever the caller set
    if customer.account_manager_id != previous.account_manager_id and not is_account_manager(customer.account_manager):
        raise ActionError(_("The account manager must be an active user with the account manager role."))
    _derive_keys(customer)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise ActionError(_("A customer with this unified social credit code already exists.")) from None
    if customer.account_manager_id != previous.account_manager_id:
        _release_owner(customer, previous.account_manager)
        _grant_owner(customer, customer.account_manager)
    return customer


@audited_action
def transfer_customers(*, actor, customers, to_manager, filters=None, expected=None):
    """Move customers to another account manager (superusers only; the view checks).

    Only the managers' own grants move: shares with colleagues stay, and a share the new manager
    held is set aside while they manage the customer and is theirs again when it moves on (see
    _grant_owner). ``filters`` describes how the customers were chosen (the transfer page's
    ``from`` manager and codes). ``expected``: the pks the user confirmed; if the customers to move
    are no longer exactly those, nothing moves. Each customer moved gets one audit row (its
    manager's change, with ``event`` "transfer"), and the transfer one summary row: who, from and to
    whom, which codes, how many. Returns how many moved. Raises ActionError if the new manager
    isn't an active account manager, if no customer needs moving, or if the selection changed.
    """
    if not is_account_manager(to_manager):
        raise ActionError(_("The account manager must be an active user with the account manager role."))
    # A plain, pk-ordered locking query: FOR UPDATE can't lock the nullable side of the list's
    # outer joins, and a fixed lock order keeps two transfers from deadlocking.
    locked = Customer.objects.filter(pk__in=customers.values("pk")).order_by("pk").select_for_update(of=("self",))
    moving = [c for c in locked.select_related("account_manager") if c.account_manager_id != to_manager.pk]
    if expected is not None and {c.pk for c in moving} != set(expected):
        raise ActionError(
            _("The customers to transfer changed since the preview; nothing was transferred. Check the new preview.")
        )
    if not moving:
        raise ActionError(_("There is no customer to transfer."))
    sources = set()
    for customer in moving:
        old = customer.account_manager
        sources.add(old.get_username())
        customer.account_manager = to_manager
        # The manager's change and the grants that follow it are one event: one audit row below
        # instead of one for the customer and one for each grant taken or given.
        with disable_auditlog():
            customer.save(update_fields=["account_manager", "updated_at"])
            _release_owner(customer, old)
            _grant_owner(customer, to_manager)
        LogEntry.objects.log_create(
            customer,
            action=LogEntry.Action.UPDATE,
            changes={"account_manager": [str(old.pk), str(to_manager.pk)]},
            additional_data={"event": "transfer"},
        )
    filters = filters or {}
    record_bulk_event(
        event="transfer",
        actor=actor,
        model=Customer,
        details={
            "filter": filters,
            # the manager the customers came from (the page moves one manager's customers)
            "from": ", ".join(sorted(sources)),
            "to": to_manager.get_username(),
            "codes": list(filters.get("codes", [])),
            "rows": len(moving),
        },
    )
    return len(moving)


@audited_action
def export_customers(*, actor, customers, file_format, filters=None):
    """The customers as a file of ``file_format`` ("csv" or "xlsx"), audited: who, what filter, how many.

    Superusers only (the view checks). ``filters`` describes how the customers were chosen (the
    list's filter parameters). Returns ``(content, content_type)``.
    """
    # The rows from the read replica if there is one (crm.replica): nothing they hold is written
    # in this transaction, which writes the audit row alone, on the primary.
    with replica.reading(in_transaction=True):
        dataset = CustomerResource().export(customers, force_native_type=file_format == "xlsx")
    if file_format == "xlsx":
        content, content_type = formats.XLSX().export_data(dataset), formats.XLSX.CONTENT_TYPE
    else:
        # the BOM makes Excel read UTF-8
        content, content_type = "\ufeff" + formats.CSV().export_data(dataset), "text/csv; charset=utf-8"
    record_bulk_event(
        event="export",
        actor=actor,
        model=Customer,
        details={"filter": filters or {}, "rows": len(dataset), "format": file_format},
    )
    return content, content_type


@audited_action
def delete_customer(*, actor, customer):
    """Move a customer to the recycle bin; it disappears everywhere until restored."""
    customer = Customer.all_objects.select_for_update().get(pk=customer.pk)
    if customer.is_deleted:
        raise ActionError(_("This customer is already in the recycle bin."))
    customer.deleted_at = timezone.now()
    customer.deleted_by = actor
    customer.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return customer


@audited_action
def restore_customer(*, actor, customer):
    """Bring a customer back from the recycle bin, with its grants (which were kept)."""
    customer = Customer.all_objects.select_for_update().get(pk=customer.pk)
    if not customer.is_deleted:
        raise ActionError(_("This customer is not in the recycle bin."))
    customer.deleted_at = None
    customer.deleted_by = None
    customer.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return customer


@audited_action
def share_customer(*, actor, customer, user, level):
    """Let another account manager see ("view") or also edit ("edit") a customer.

    Sharing again with another level replaces the colleague's level. Raises ActionError for an
    unknown level, the customer's own manager, or a user who isn't an active account manager.
    """
    if level not in SHARE_PERMISSIONS:
        raise ActionError(_("Choose whether the colleague may view or edit."))
    if not is_account_manager(user):
        raise ActionError(_("Customers can only be shared with active account managers."))
    # The manager as it is now (locked), not as the caller read it: a transfer may have come between.
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    if user.pk == current.account_manager_id:
        raise ActionError(_("The account manager already has full access to this customer."))
    wanted = set(SHARE_PERMISSIONS[level])
    held = _held(customer, user)
    for perm in held - wanted:
        remove_perm(f"customers.{perm}", user, customer)
    for perm in wanted - held:
        assign_perm(f"customers.{perm}", user, customer)


@audited_action
def revoke_share(*, actor, customer, user):
    """Take back what was shared with ``user``; the account manager's own access can't be revoked
    (nor a share they held before they managed the customer, until it moves on: see _grant_owner)."""
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    if user.pk == current.account_manager_id:
        raise ActionError(_("The account manager's access can't be revoked; transfer the customer instead."))
    _revoke_all(customer, user)


@audited_action
def save_contact(*, actor, contact):
    """Create or update a contact. Making it primary demotes the customer's other primary contact."""
    Customer.objects.select_for_update().get(pk=contact.customer_id)
    if contact.is_primary:
        for other in Contact.objects.filter(customer_id=contact.customer_id, is_primary=True).exclude(pk=contact.pk):
            other.is_primary = False
            other.save(update_fields=["is_primary", "updated_at"])
    elif not Contact.objects.filter(customer_id=contact.customer_id, is_primary=True).exclude(pk=contact.pk).exists():
        # The first contact of a customer is its primary one.
        contact.is_primary = True
    contact.save()
    return contact


@audited_action
def delete_contact(*, actor, contact):
    """Delete a contact; if it was primary, the next contact (by name) becomes primary."""
    Customer.objects.select_for_update().get(pk=contact.customer_id)
    was_primary = contact.is_primary
    customer_id = contact.customer_id
    contact.delete()
    if was_primary:
        successor = Contact.objects.filter(customer_id=customer_id).order_by("name", "id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary", "updated_at"])


@audited_action
def save_activity(*, actor, activity):
    """Create or update an activity (交往记录)."""
    if activity.pk is None:
        activity.created_by = actor
    activity.save()
    return activity


@audited_action
def delete_activity(*, actor, activity):
    """Delete an activity."""
    activity.delete()


def record_order_dates(*, dates, actor=None):
    """Move each customer's ``last_order_date`` forward to the newest order date given, and mark
    recovered the open loss records of those who ordered again (losses.recover_losses).

    ``dates`` maps customer id -> newest order date seen by a sales import. Runs in bulk: the
    import records one summary audit row instead of one per customer, so ``last_order_date`` is
    not audited field by field. ``actor``: the import's, named by the recovery's summary row
    (None: whoever acts around the call, see crm.audit.acting_as). Returns how many customers changed.
    """
    from customers.actions.losses import recover_losses  # it imports this module

    changed_ids = []
    ids = sorted(dates)
    for start in range(0, len(ids), 2000):
        batch = Customer.all_objects.filter(pk__in=ids[start : start + 2000]).only("id", "last_order_date")
        changed = []
        for customer in batch:
            newest = dates[customer.pk]
            if customer.last_order_date is None or newest > customer.last_order_date:
                customer.last_order_date = newest
                changed.append(customer)
        Customer.all_objects.bulk_update(changed, ["last_order_date"])
        changed_ids.extend(customer.pk for customer in changed)
    if changed_ids:
        recover_losses(customer_ids=changed_ids, actor=actor)
    return len(changed_ids)
