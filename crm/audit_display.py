"""How the audit trail reads: the history panel's and /audit/'s words for auditlog's rows.

crm.audit records; this module only reads what it recorded.
"""

import re
from collections import defaultdict
from datetime import UTC, date, datetime

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm.audit import ACTION_LABELS, EVENT_LABELS
from crm.display import display_name
from crm.formats import labelled, money, quantity, text_list
from crm.roles import role_label

# --- how the trail reads --------------------------------------------------------------------------
#
# auditlog keeps each changed field as text: str() of the value, so a foreign key is its id, an empty
# value "None", a date-time naive UTC with microseconds, a choice its code. The history panel and
# /audit/ turn them back into what people read: names, local times in the product's format, labels,
# "—". The names a page needs are read once per model for the whole page (related_names).

EMPTY = "—"
_EMPTY_VALUES = (None, "None", "")

# A customer moved to the recycle bin, or back, is an UPDATE of this field.
RECYCLE_FIELD = "deleted_at"
RECYCLE_LABELS = {True: _("Moved to the recycle bin"), False: _("Restored from the recycle bin")}

# Object permission grants read as shares of their object: "Shared · 王五: view".
GRANT_MODELS = {
    "customers.customeruserobjectpermission",
    "guardian.userobjectpermission",
    "guardian.groupobjectpermission",
}
GRANT_LABELS = {LogEntry.Action.CREATE: _("Shared"), LogEntry.Action.DELETE: _("Share revoked")}
PERMISSION_VERBS = {"view": _("view"), "change": _("edit"), "delete": _("delete"), "add": _("add")}

# Rows of a child model name their parent on /audit/: model label -> the foreign key to it.
PARENT_FIELDS = {
    "opportunities.planitem": "opportunity",
    "services.servicerequest": "customer",
    "services.serviceevent": "service_request",
    "customers.contact": "customer",
    "customers.activity": "customer",
    "customers.customeruserobjectpermission": "content_object",
    "sales.order": "customer",
    "sales.orderline": "order",
    "sales.stock": "product",
}

# Events about many rows at once (record_bulk_event), described from their details.
BULK_EVENTS = {"export", "transfer", "import", "archive_audit"}
# What a bulk row's filter keys mean when they aren't a field of its model; keys not worth showing.
FILTER_LABELS = {
    "q": _("search"),
    "created_from": _("entered from"),
    "created_to": _("entered to"),
    "from": pgettext_lazy("transfer", "from"),
    "codes": _("customer codes"),
    # the reports' analyses (reports.actions.exports)
    "year": _("Year"),
    "dimension": _("Grouped by"),
    "chart": _("Chart"),
}
# An analysis export's audit row names the analysis (its "analysis" detail).
ANALYSIS_LABELS = {
    "contribution": _("Customer contribution"),
    "composition": _("Customer composition"),
    "services": _("Customer services"),
    "losses": _("Customer losses"),
}
FILTER_IGNORED = {"page", "per_page", "sort", "after"}
QUANTITY_FIELDS = {"quantity"}

# guardian's models have no translatable names (Django derives them from the class name); the
# project's catalogue translates them (model_label).
GUARDIAN_MODEL_NAMES = (
    gettext_noop("user object permission"),
    gettext_noop("group object permission"),
)


def model_label(model):
    """A model's name in the user's language."""
    return gettext(str(model._meta.verbose_name))


def _data(entry):
    return entry.additional_data if isinstance(entry.additional_data, dict) else {}


def _is_bulk(entry):
    return entry.action == LogEntry.Action.ACCESS and _data(entry).get("event") in BULK_EVENTS


def _usernames(value):
    """The usernames a bulk row names in one value ("ann" or, for several, "ann, bob")."""
    return [name for name in str(value or "").split(", ") if name]


def _label_of(model):
    return model._meta.label_lower if model is not None else ""


def _model_fields(model):
    return {} if model is None else {field.name: field for field in model._meta.get_fields()}


def _is_key(field):
    return field is not None and field.concrete and (field.many_to_one or field.one_to_one)


def _empty(value):
    return value in _EMPTY_VALUES or value == []


def _pks(model, values):
    """The values that are valid primary keys of ``model``, as text."""
    pks = set()
    for value in values:
        try:
            pks.add(str(model._meta.pk.to_python(value)))
        except (ValidationError, TypeError, ValueError):
            continue
    return pks


class PageNames:
    """The names of the rows and people an audit page mentions (built by related_names)."""

    def __init__(self, objects, usernames, parents):
        self._objects, self._usernames, self._parents = objects, usernames, parents

    def of(self, model, pk):
        """The name of ``model`` row ``pk``; for a row that is gone, its kind, marked deleted."""
        name = self._objects.get((model, str(pk)))
        if name is None:
            return gettext("deleted %(model)s") % {"model": model_label(model)}
        return name

    def known(self, model, pk):
        """The name of ``model`` row ``pk``, or None if the page didn't find it."""
        return self._objects.get((model, str(pk)))

    def user(self, username):
        """A person named in a bulk row by username: their display name, else the username kept."""
        return self._usernames.get(username, username)

    def parent(self, model, pk):
        """The parent key of a child row whose changes don't carry it, or None."""
        return self._parents.get((model, str(pk)))


def _name(obj):
    if isinstance(obj, get_user_model()):
        return display_name(obj)
    if isinstance(obj, Permission):
        return _permission_words(obj.codename, obj.name)
    if isinstance(obj, Group):
        return str(role_label(obj.name))
    return str(obj)


def _permission_words(codename, name=""):
    verb, _sep, _rest = codename.partition("_")
    return str(PERMISSION_VERBS[verb]) if verb in PERMISSION_VERBS else gettext(name or codename)


def related_names(entries, loaded=()):
    """PageNames for the entries: the rows their changes and bulk filters point to, the people
    named in bulk rows and on user rows, the parents of child rows. One query per model (and one
    per child model whose parent a row doesn't carry), however many entries; ``loaded``: rows the
    page has read already (a customer's manager and region), named without reading them again."""
    User = get_user_model()
    wanted, usernames, children = defaultdict(set), set(), defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        fields = _model_fields(model)
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        for name, change in changes.items():
            if _is_key(fields.get(name)) and isinstance(change, list):
                wanted[fields[name].related_model].update(v for v in change if not _empty(v))
        data = _data(entry)
        if _is_bulk(entry):
            filters = data.get("filter") if isinstance(data.get("filter"), dict) else {}
            for name, value in filters.items():
                if _is_key(fields.get(name)):
                    wanted[fields[name].related_model].add(value)
            for value in (filters.get("from"), data.get("from"), data.get("to")):
                usernames.update(_usernames(value))
        if model is User and entry.object_pk:
            wanted[User].add(entry.object_pk)
        parent = PARENT_FIELDS.get(_label_of(model))
        if parent and not isinstance(changes.get(parent), list) and entry.object_pk:
            children[model].add(entry.object_pk)

    parents = {}
    for model, pks in children.items():
        field = model._meta.get_field(PARENT_FIELDS[_label_of(model)])
        for pk, parent_pk in model._base_manager.filter(pk__in=_pks(model, pks)).values_list("pk", field.attname):
            parents[(model, str(pk))] = parent_pk
        # A row deleted since: its creation's audit row recorded the parent.
        gone = {pk for pk in pks if (model, pk) not in parents}
        if gone:
            created = LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_pk__in=gone,
                action=LogEntry.Action.CREATE,
            )
            for pk, changes in created.values_list("object_pk", "changes"):
                change = changes.get(field.name) if isinstance(changes, dict) else None
                if isinstance(change, list) and not _empty(change[-1]):
                    parents[(model, pk)] = change[-1]
        for parent_pk in (parents[(model, pk)] for pk in pks if (model, pk) in parents):
            wanted[field.related_model].add(parent_pk)

    objects, by_username = {}, {}
    for obj in loaded:
        model = obj._meta.concrete_model
        if str(obj.pk) in {str(value) for value in wanted.get(model, ())}:
            objects[(model, str(obj.pk))] = _name(obj)
            wanted[model] = {value for value in wanted[model] if str(value) != str(obj.pk)}
    wanted = {model: values for model, values in wanted.items() if values}
    if usernames:
        wanted.setdefault(User, set())
    for model, values in wanted.items():
        condition = Q(pk__in=_pks(model, values))
        if model is User and usernames:
            condition |= Q(username__in=usernames)
        for obj in model._base_manager.filter(condition):
            objects[(model, str(obj.pk))] = _name(obj)
            if model is User:
                by_username[obj.get_username()] = display_name(obj)
    return PageNames(objects, by_username, parents)


def _local_datetime(raw):
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        return str(raw)
    if timezone.is_naive(value):  # auditlog keeps date-times as naive UTC
        value = value.replace(tzinfo=UTC)
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _date(raw):
    try:
        return formats.date_format(date.fromisoformat(str(raw)), "SHORT_DATE_FORMAT")
    except ValueError:
        return str(raw)


def value_text(field, raw, names):
    """One stored value as people read it: a name, a label, a local time, a grouped amount, "—"."""
    if _empty(raw):
        return EMPTY
    if field is None:
        return str(raw)
    if _is_key(field):
        return names.of(field.related_model, raw)
    if field.choices:
        return str({str(key): label for key, label in field.flatchoices}.get(str(raw), raw))
    if isinstance(field, models.BooleanField):
        return gettext("yes") if str(raw) == "True" else gettext("no")
    if isinstance(field, models.DateTimeField):
        return _local_datetime(raw)
    if isinstance(field, models.DateField):
        return _date(raw)
    if isinstance(field, models.DecimalField):
        return quantity(raw) if field.name in QUANTITY_FIELDS else money(raw)
    return str(raw)


def _m2m_object(field, text):
    """One object of a many-to-many change (auditlog keeps its str()): a role by its label, a
    permission in words."""
    related = getattr(field, "related_model", None)
    if related is Group:
        return str(role_label(text))
    if related is Permission:
        # "Customers | customer | Can view customer": Django's default permission names are English.
        parts = str(text).split(" | ")
        if len(parts) != 3:
            return str(text)
        matched = re.fullmatch(r"Can (add|change|delete|view) (.+)", parts[2])
        if matched:
            return labelled(gettext(parts[1]), PERMISSION_VERBS[matched[1]])
        return gettext(parts[2])
    return str(text)


def _changes_list(parts):
    return pgettext("list of changes", "; ").join(parts)


def _field_label(fields, name):
    field = fields.get(name)
    return str(getattr(field, "verbose_name", name))


def action_label(entry):
    """What an entry records, in the user's language: an event (login, export, transfer...), a
    share given or revoked, a move to the recycle bin or back, else created/changed/deleted."""
    data = _data(entry)
    if data.get("event") in EVENT_LABELS:
        return EVENT_LABELS[data["event"]]
    model = entry.content_type.model_class()
    if _label_of(model) in GRANT_MODELS and entry.action in GRANT_LABELS:
        return GRANT_LABELS[entry.action]
    change = (entry.changes or {}).get(RECYCLE_FIELD) if isinstance(entry.changes, dict) else None
    if entry.action == LogEntry.Action.UPDATE and RECYCLE_FIELD in _model_fields(model) and isinstance(change, list):
        return RECYCLE_LABELS[_empty(change[0]) and not _empty(change[-1])]
    label = ACTION_LABELS.get(entry.action)
    # Django's get_FOO_display() rebuilds a dictionary of the field's choices at each call.
    return label if label is not None else entry.get_action_display()


def action_condition(value):
    """The rows one choice of the audit page's action filter means: an event's rows, or the
    created/changed/deleted rows that are no event."""
    if value in EVENT_LABELS:
        return Q(additional_data__event=value)
    return Q(action=int(value)) & (Q(additional_data__isnull=True) | ~Q(additional_data__has_key="event"))


def action_choices():
    """The audit page's action filter: created, changed, deleted, then each event."""
    plain = [(str(action), label) for action, label in ACTION_LABELS.items() if action != LogEntry.Action.ACCESS]
    return plain + list(EVENT_LABELS.items())


def object_text(entry, names):
    """What a row is about, by name: a bulk row's kind of rows, a grant's object, a person."""
    model = entry.content_type.model_class()
    if model is None:
        return entry.object_repr
    if _is_bulk(entry):
        return gettext(str(model._meta.verbose_name_plural))
    if _label_of(model) in GRANT_MODELS and PARENT_FIELDS.get(_label_of(model)):
        parent = parent_of(entry, names)
        return parent[1] if parent else entry.object_repr
    if model is get_user_model():
        return names.known(model, entry.object_pk) or entry.object_repr
    if model is Group:
        return str(role_label(entry.object_repr))
    return entry.object_repr


def parent_of(entry, names):
    """(label, name) of a child row's parent, e.g. ("customer", "重庆曾记物流 (KH…)"); None for others."""
    model = entry.content_type.model_class()
    name = PARENT_FIELDS.get(_label_of(model))
    if name is None:
        return None
    field = model._meta.get_field(name)
    change = (entry.changes or {}).get(name) if isinstance(entry.changes, dict) else None
    if isinstance(change, list):
        pk = next((value for value in reversed(change) if not _empty(value)), None)
    else:
        pk = names.parent(model, entry.object_pk)
    if pk is None:
        return None
    return str(field.verbose_name), names.of(field.related_model, pk)


def _describe_grant(entry, fields, changes, names):
    side = -1 if entry.action == LogEntry.Action.CREATE else 0
    grantee_field = "user" if "user" in changes else "group"

    def value(name):
        change = changes.get(name)
        return change[side] if isinstance(change, list) and len(change) == 2 else None

    permission = value("permission")
    if entry.action not in GRANT_LABELS or _empty(permission) or _empty(value(grantee_field)):
        return None
    return labelled(
        value_text(fields.get(grantee_field), value(grantee_field), names),
        value_text(fields.get("permission"), permission, names),
    )


def describe_filter(model, filters, names):
    """A bulk row's filter as people read it ("search: 安诚, year: 2025"): each key by its field's
    or FILTER_LABELS' name, values by value_text; "" for no filter. The audit page and the export
    log (crm.tables.ExportLogTable) word it alike."""
    fields = _model_fields(model)
    parts = []
    for key, value in filters.items():
        if key in FILTER_IGNORED or _empty(value):
            continue
        field = fields.get(key)
        if key in FILTER_LABELS:
            label = str(FILTER_LABELS[key])
            if key == "from":
                value = text_list(names.user(name) for name in _usernames(value))
            elif isinstance(value, list):
                value = text_list(value)
            elif key.endswith(("_from", "_to")):
                value = _date(value)
        elif field is not None and field.concrete:
            label, value = str(field.verbose_name), value_text(field, value, names)
        else:
            label = key
        parts.append(labelled(label, value))
    return text_list(parts)


def _describe_bulk(entry, model, data, names):
    event = data["event"]
    filters = dict(data["filter"]) if isinstance(data.get("filter"), dict) else {}
    parts = []
    if event == "transfer":
        sources = _usernames(data.get("from") or filters.get("from"))
        filters.pop("from", None)
        if sources:
            parts.append(labelled(FILTER_LABELS["from"], text_list(names.user(name) for name in sources)))
        if data.get("to"):
            parts.append(labelled(pgettext("transfer", "to"), names.user(str(data["to"]))))
        codes = data.get("codes") or filters.get("codes")
        filters.pop("codes", None)
        if codes and isinstance(codes, list):
            parts.append(labelled(FILTER_LABELS["codes"], text_list(codes)))
        else:
            parts.append(gettext("all of their customers"))
    if event == "archive_audit":
        # crm.actions.archive_audit_log: the entries before the cutoff went into the file.
        parts.append(labelled(gettext("entries before"), _local_datetime(data.get("cutoff"))))
        parts.append(labelled(gettext("file"), data.get("file", "")))
    if event == "import" and data.get("file"):
        parts.append(labelled(gettext("file"), data["file"]))
    if event == "export" and data.get("analysis"):
        analysis = data["analysis"]
        parts.append(labelled(gettext("analysis"), str(ANALYSIS_LABELS.get(analysis, analysis))))
    described = describe_filter(model, filters, names)
    if event == "export" or described:
        parts.append(labelled(gettext("filter"), described or gettext("none")))
    rows = data.get("rows")
    if isinstance(rows, int):
        parts.append(ngettext("%(count)s row", "%(count)s rows", rows) % {"count": quantity(rows)})
    if event == "export" and data.get("format"):
        parts.append(labelled(gettext("format"), str(data["format"]).upper()))
    kinds = data.get("kinds") if event == "import" and isinstance(data.get("kinds"), dict) else {}
    counts = [kind for kind in kinds.values() if isinstance(kind, dict)]
    if counts:
        total = {key: sum(int(kind.get(key) or 0) for kind in counts) for key in ("created", "updated", "unchanged")}
        parts.append(
            gettext("%(created)s new, %(updated)s changed, %(unchanged)s unchanged")
            % {key: quantity(value) for key, value in total.items()}
        )
    updated = data.get("customers_updated")
    if event == "import" and isinstance(updated, int) and updated:
        parts.append(
            ngettext(
                "last order date of %(count)s customer updated",
                "last order dates of %(count)s customers updated",
                updated,
            )
            % {"count": quantity(updated)}
        )
    return _changes_list(parts)


def describe_changes(entry, limit=300, names=None):
    """A one-line summary of what an entry changed, as people read it (see value_text).

    ``names`` (related_names of the page's entries) names the rows and people it mentions; without
    it they are read for this entry alone. A creation gets no summary (the page shows the row);
    a deletion lists the values it removed; a bulk row describes its filter, count and target.
    """
    names = names if names is not None else related_names([entry])
    model = entry.content_type.model_class()
    data = _data(entry)
    if _is_bulk(entry):
        text = _describe_bulk(entry, model, data, names)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    fields = _model_fields(model)
    if _label_of(model) in GRANT_MODELS:
        grant = _describe_grant(entry, fields, changes, names)
        if grant is not None:
            return grant
    if not changes or entry.action == LogEntry.Action.CREATE:
        return ""
    parts = []
    for field_name, change in changes.items():
        field = fields.get(field_name)
        if field_name == "id" or (field is not None and not field.concrete and not field.many_to_many):
            continue
        label = _field_label(fields, field_name)
        if isinstance(change, dict):  # many-to-many: {"type": "add", "objects": [...]}
            sign = "+" if change.get("operation", change.get("type")) == "add" else "−"
            objects = [_m2m_object(field, text) for text in change.get("objects", [])]
            parts.append(labelled(label, sign + text_list(objects)))
        elif isinstance(change, (list, tuple)) and len(change) == 2:
            old, new = (value_text(field, value, names) for value in change)
            if entry.action == LogEntry.Action.DELETE:
                if old != EMPTY:
                    parts.append(labelled(label, old))
            elif old != new:
                parts.append(labelled(label, f"{old} → {new}"))
        else:
            parts.append(labelled(label, change))
    text = _changes_list(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
