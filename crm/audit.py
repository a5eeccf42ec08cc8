"""The audit trail: what auditlog records, login events, and the actor of commands.

Every business model is registered here, in one visible place, as its app arrives.
"""

import contextlib

from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermission, UserObjectPermission

from crm.security import client_ip

SYSTEM_USERNAME = "system"

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


def action_label(entry):
    """What an entry records, in the user's language: a login event, or created/changed/deleted."""
    event = (entry.additional_data or {}).get("event")
    if entry.action == LogEntry.Action.ACCESS and event in EVENT_LABELS:
        return EVENT_LABELS[event]
    return ACTION_LABELS.get(entry.action, entry.get_action_display())


# Values of LogEntry.additional_data["event"] for the ACCESS rows written here.
EVENT_LABELS = {
    "login": _("Logged in"),
    "logout": _("Logged out"),
    "login_failed": _("Failed login"),
    "export": _("Export"),
    "transfer": _("Transfer"),
    "import": _("Import"),
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
    # The sales mirror is written only by import_sales, which audits one summary row per file
    # (bulk writes bypass auditlog); registering it records deletions made anywhere else.
    "sales.Product": {},
    "sales.Stock": {},
    "sales.Order": {},
    "sales.OrderLine": {},
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
    with set_actor(system_actor()):
        yield


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


def record_bulk_event(*, event, actor, request, model, details):
    """An audit row for an action on many rows at once (export, transfer): who, what filter, how many."""
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="",
        object_repr=str(model._meta.verbose_name_plural)[:200],
        action=LogEntry.Action.ACCESS,
        actor=actor,
        remote_addr=client_ip(request) if request is not None else None,
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


def _fields(entry):
    model = entry.content_type.model_class()
    return {} if model is None else {field.name: field for field in model._meta.get_fields()}


def related_names(entries):
    """{(model, pk): str} for the foreign keys the entries' changes mention, one query per model."""
    wanted = {}
    for entry in entries:
        fields = _fields(entry)
        for name, change in (entry.changes or {}).items():
            field = fields.get(name)
            if field is None or not field.concrete or not field.many_to_one or not isinstance(change, list):
                continue
            for value in change:
                if value not in (None, "None", ""):
                    wanted.setdefault(field.related_model, set()).add(str(value))
    names = {}
    for model, pks in wanted.items():
        for obj in model._base_manager.filter(pk__in=list(pks)):
            names[(model, str(obj.pk))] = str(obj)
    return names


def describe_changes(entry, limit=300, names=None):
    """A one-line summary of an entry's field changes, using field names the user reads.

    ``names`` (from related_names) turns foreign-key ids into the objects' names. Creations are
    summarised by the page itself, so they get no summary.
    """
    changes = entry.changes or {}
    if not changes or entry.action == LogEntry.Action.CREATE:
        return ""
    names = names or {}
    fields = _fields(entry)
    parts = []
    for field_name, change in changes.items():
        field = fields.get(field_name)
        if field_name == "id" or (field is not None and not field.concrete and not field.many_to_many):
            continue
        label = str(getattr(field, "verbose_name", field_name))
        if isinstance(change, dict):  # many-to-many: {"type": "add", "objects": [...]}
            sign = "+" if change.get("operation", change.get("type")) == "add" else "−"
            parts.append(f"{label}: {sign}{', '.join(map(str, change.get('objects', [])))}")
        elif isinstance(change, (list, tuple)) and len(change) == 2:
            if field is not None and field.many_to_one:
                change = [names.get((field.related_model, str(value)), value) for value in change]
            parts.append(f"{label}: {change[0]} → {change[1]}")
        else:
            parts.append(f"{label}: {change}")
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
