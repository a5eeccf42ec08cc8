"""The audit trail: what auditlog records, login events, and who each row names as its actor.

Every business model is registered here, in one visible place, as its app arrives.
"""

import contextlib
import functools
from contextvars import ContextVar
from dataclasses import dataclass

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission, UserObjectPermission

from crm.display import SYSTEM_USERNAME, display_name
from crm.security import client_ip

# auditlog's own action names have no Chinese translation; these are ours.
ACTION_LABELS = {
    LogEntry.Action.CREATE: _("Created"),
    LogEntry.Action.UPDATE: _("Changed"),
    LogEntry.Action.DELETE: _("Deleted"),
    LogEntry.Action.ACCESS: _("Accessed"),
}


def mask_secret(value):
    """Hide a secret (the password hash) completely; auditlog's default keeps half of it."""
    return "********" if value else ""


# Values of LogEntry.additional_data["event"]: the ACCESS rows written here, and the UPDATE row a
# transfer writes on each customer it moves. Each has its own name and choice on /audit/.
EVENT_LABELS = {
    "login": _("Logged in"),
    "logout": _("Logged out"),
    "login_failed": _("Failed login"),
    "export": _("Export"),
    "transfer": _("Transfer"),
    "import": _("Import"),
    "detect_losses": _("Loss detection"),
    "recover_losses": _("Losses recovered"),
    "archive_audit": _("Audit log archived"),  # crm.actions.archive_audit_log
    # two-factor sign-in (crm.two_factor)
    "two_factor_enrolled": _("Two-factor sign-in set up"),
    "two_factor_failed": _("Wrong sign-in code"),
    "two_factor_reset": _("Two-factor sign-in reset"),
    "two_factor_turned_off": _("Two-factor sign-in turned off"),
    "recovery_codes_issued": _("New recovery codes"),
}


# Business models, by label so the core imports no domain app: label -> auditlog options.
AUDITED_MODELS = {
    "crm.DictionaryEntry": {},
    "customers.Customer": {
        "exclude_fields": [
            "name_pinyin",
            "name_initials",
            "name_bigrams",
            "name_normalized",
            "phone_normalized",
            "updated_at",
            # kept current in bulk by the sales import, which audits one summary row per file
            "last_order_date",
        ]
    },
    "customers.CustomerUserObjectPermission": {},
    "customers.Contact": {"exclude_fields": ["updated_at"]},
    "customers.Activity": {"exclude_fields": ["updated_at"]},
    # Raised in bulk by detect_losses and recovered in bulk by the sales import, each of which
    # audits one summary row; postponing and confirming are audited row by row.
    "customers.LossRecord": {"exclude_fields": ["updated_at"]},
    "customers.LossMeasure": {},
    # The sales mirror is written only by import_sales, which audits one summary row per file
    # (bulk writes bypass auditlog); registering it records deletions made anywhere else.
    # The pinyin keys are derived from customer_name by the actions.
    "opportunities.Opportunity": {
        "exclude_fields": ["customer_name_pinyin", "customer_name_initials", "search_bigrams", "updated_at"]
    },
    "opportunities.PlanItem": {"exclude_fields": ["updated_at"]},
    # A service request's steps are also rows of their own (ServiceEvent): the timeline.
    # The customer's manager is the database's copy (services 0003), not a change of the request.
    "services.ServiceRequest": {"exclude_fields": ["title_bigrams", "customer_manager", "updated_at"]},
    "services.ServiceEvent": {},
    # Drafts are edited field by field; submission freezes the figures (stored, not diffed).
    "reports.ManagementReport": {"exclude_fields": ["updated_at", "figures"]},
    "sales.Product": {},
    "sales.Stock": {},
    "sales.Order": {},
    "sales.OrderLine": {},
}

# Models of the project's apps deliberately not audited, with the reason. Every model of a project
# app is in AUDITED_MODELS or here (crm/tests/test_audit_registry.py fails on one in neither).
AUDIT_EXEMPT = {
    "customers.CodeSequence": (
        "the per-day counter behind customer codes: bumped inside create_customer, whose audit row "
        "for the new customer records the code it handed out"
    ),
    "customers.CustomerImport": (
        "an import job's state and progress; the customers, contacts and grants it writes are audited "
        "row by row, with one summary row per import"
    ),
    "sales.CustomerMonthTotal": "derived from the orders, recomputed by the sales import (its summary audit row)",
}


def register_models():
    from django.apps import apps

    User = get_user_model()
    auditlog.register(
        User,
        m2m_fields={"groups", "user_permissions"},
        mask_fields=["password"],
        mask_callable="crm.audit.mask_secret",
        exclude_fields=["last_login"],
    )
    auditlog.register(Group, m2m_fields={"permissions"})
    auditlog.register(UserObjectPermission)
    auditlog.register(GroupObjectPermission)
    for label, options in AUDITED_MODELS.items():
        auditlog.register(apps.get_model(label), **options)


# --- who acts -----------------------------------------------------------------------------------
#
# Every audit row names its actor. An action is given its actor and writes its rows under it, in a
# request or not (a command, a test). auditlog's set_actor() doesn't serve for this: it replaces
# the middleware's context and never puts it back, so in a request the rows written after it lose
# their actor and address (and the middleware's signal receiver stays connected), and it records
# remote_addr=None over the request's address. acting_as() nests, and names the actor in our own
# pre_save receiver (below).


@dataclass(frozen=True)
class _Acting:
    actor: object
    remote_addr: str | None


_acting = ContextVar("crm_audit_acting", default=None)


@contextlib.contextmanager
def acting_as(actor, *, remote_addr=None):
    """Audit rows written in this block name ``actor`` and the client address ``remote_addr``.

    A row given its actor explicitly keeps it. Blocks nest: the innermost actor wins and the outer
    one is back when the block ends; ``None`` (actor or address) keeps the outer block's. In a
    request, auditlog's middleware still records the request's address.
    """
    outer = _acting.get()
    if outer is not None:
        actor = outer.actor if actor is None else actor
        remote_addr = remote_addr or outer.remote_addr
    token = _acting.set(_Acting(actor, remote_addr))
    try:
        yield
    finally:
        _acting.reset(token)


def audited_action(function):
    """Make ``function`` an action: one transaction, whose audit rows name the ``actor`` it is given.

    Call it with keyword arguments only. ``actor`` is the user who acts, or None to keep the actor
    around the call (a command's system user, see as_system). The caller may add ``remote_addr``,
    the client's address for the audit rows (a view passes ``client_ip(request)``); the action
    itself doesn't receive it.
    """

    @functools.wraps(function)
    def action(*, actor, remote_addr=None, **kwargs):
        # acting_as outside the transaction: what runs on commit still acts as ``actor``.
        with acting_as(actor, remote_addr=remote_addr), transaction.atomic():
            return function(actor=actor, **kwargs)

    return action


def system_actor():
    """The named, inactive user that commands act as, so their changes have an actor."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "System"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@contextlib.contextmanager
def as_system():
    """Run a block of writes with the system user recorded as their actor."""
    with acting_as(system_actor()):
        yield


# --- the actor's name, kept on the row ------------------------------------------------------------
#
# LogEntry.actor is SET_NULL: deleting a user would leave their rows without a name. Each row keeps
# the actor's username and full name in additional_data["actor"] when it is written. (actor_email
# holds an address, not a name, and is left as auditlog fills it; a second foreign key or a custom
# LogEntry model would be a migration of auditlog's table for two strings.)

ACTOR_KEY = "actor"


def _keep_actor_name(entry):
    """Put the actor's name into ``entry.additional_data``; False when there is nothing to add."""
    data = entry.additional_data if entry.additional_data is not None else {}
    if entry.actor_id is None or not isinstance(data, dict) or ACTOR_KEY in data:
        return False
    actor = entry.actor
    entry.additional_data = {**data, ACTOR_KEY: {"username": actor.get_username(), "name": actor.get_full_name()}}
    return True


@receiver(pre_save, sender=LogEntry, dispatch_uid="crm_audit_actor")
def _name_the_actor(sender, instance, raw=False, **kwargs):
    """A new row: the enclosing action's actor and address (acting_as), then the actor's name."""
    if raw or not instance._state.adding:
        return
    acting = _acting.get()
    if acting is not None:
        if instance.actor_id is None and isinstance(acting.actor, get_user_model()):
            instance.actor = acting.actor
            instance.actor_email = getattr(acting.actor, "email", None)
        if instance.remote_addr is None and acting.remote_addr:
            instance.remote_addr = acting.remote_addr
    _keep_actor_name(instance)


@receiver(post_save, sender=LogEntry, dispatch_uid="crm_audit_actor_late")
def _name_a_late_actor(sender, instance, created, raw=False, **kwargs):
    """auditlog's middleware names the actor of a request's other writes (the Django admin's) in a
    pre_save receiver it connects per request, so Django calls it after ours: keep that actor's
    name with one more UPDATE. Actions never take this path."""
    if not raw and created and _keep_actor_name(instance):
        LogEntry.objects.filter(pk=instance.pk).update(additional_data=instance.additional_data)


def actor_name(entry):
    """Who wrote an audit row, by display name; for a deleted user, the name the row kept; "" for nobody."""
    if entry.actor_id is not None:
        return display_name(entry.actor)
    data = entry.additional_data
    kept = data.get(ACTOR_KEY) if isinstance(data, dict) else None
    if not isinstance(kept, dict):
        return ""
    return kept.get("name") or kept.get("username") or ""


def actor_was_deleted(entry):
    """Whether the row's actor is a user who no longer exists (their name is kept on the row)."""
    return entry.actor_id is None and bool(actor_name(entry))


# --- rows the project writes itself ---------------------------------------------------------------


def _record(*, event, request, user=None, username=""):
    User = get_user_model()
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(user.pk) if user else "",
        object_id=user.pk if user else None,
        object_repr=(user.get_username() if user else username)[:200],
        action=LogEntry.Action.ACCESS,
        actor=user if event != "login_failed" else None,
        remote_addr=client_ip(request) if request is not None else None,
        changes={},
        additional_data={"event": event, "username": username or (user and user.get_username())},
    )


def record_bulk_event(*, event, actor, model, details):
    """An audit row for an action on many rows at once (export, transfer, import): who, what filter,
    how many. Called by that action; the client address is the action's (acting_as)."""
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="",
        object_repr=str(model._meta.verbose_name_plural)[:200],
        action=LogEntry.Action.ACCESS,
        actor=actor,
        changes={},
        additional_data={"event": event, **details},
    )


def on_logged_in(sender, request, user, **kwargs):
    _record(event="login", request=request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        _record(event="logout", request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model()._default_manager.filter(username=username).first()
    _record(event="login_failed", request=request, user=user, username=username)
