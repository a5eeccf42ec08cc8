"""Service requests made through the real actions, so tests exercise the code production runs:
the creator, the state, the timeline rows and the audit rows come from ``services.actions``."""

import itertools

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from crm.models import DictionaryEntry
from services import actions
from services.models import ServiceEvent, ServiceRequest

_serial = itertools.count(1)


def service_type(value="complaint"):
    """A service type of the data dictionary (the default entries exist after migrate)."""
    return DictionaryEntry.objects.get(category=DictionaryEntry.Category.SERVICE_TYPE, value=value)


def make_request(creator, customer, **fields):
    """A new service request for ``customer`` created by ``creator`` through ``create_service_request``."""
    serial = next(_serial)
    values = {
        "service_type": service_type(),
        "title": f"服务请求{serial}",
        "customer": customer,
        "request": f"客户反映的问题{serial}",
    }
    values.update(fields)
    return actions.create_service_request(actor=creator, service_request=ServiceRequest(**values))


def assigned(creator, customer, assignee, *, supervisor, **fields):
    """A request created by ``creator`` and assigned to ``assignee`` by ``supervisor``."""
    request = make_request(creator, customer, **fields)
    return actions.assign_service_request(actor=supervisor, service_request=request, assignee=assignee)


def handled(creator, customer, assignee, *, supervisor, handling="已电话回复客户", **fields):
    """A request assigned to ``assignee`` by ``supervisor`` and handled by ``assignee``."""
    request = assigned(creator, customer, assignee, supervisor=supervisor, **fields)
    return actions.handle_service_request(actor=assignee, service_request=request, handling=handling)


def archived(creator, customer, assignee, *, supervisor, satisfaction=4, **fields):
    """A request handled by ``assignee`` and archived by ``supervisor``'s feedback."""
    request = handled(creator, customer, assignee, supervisor=supervisor, **fields)
    return actions.give_feedback(
        actor=supervisor, service_request=request, result="客户满意", satisfaction=satisfaction
    )


def audit_rows(obj_or_model, pk=None):
    """The audit rows of one row (a model instance, or a model and a pk), oldest first, as
    (action, actor's username, set of changed field names)."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    pk = obj_or_model.pk if pk is None else pk
    rows = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_pk=str(pk)).order_by(
        "timestamp", "pk"
    )
    return [
        (row.action, row.actor.username if row.actor else None, set(row.changes or {}))
        for row in rows.select_related("actor")
    ]


def event_rows(service_request):
    """The timeline of ``service_request`` as stored, oldest first, as (kind, round, actor's
    username, assignee's username or None, text, satisfaction)."""
    events = ServiceEvent.objects.filter(service_request_id=service_request.pk).select_related("actor", "assignee")
    return [
        (
            event.kind,
            event.round,
            event.actor.username,
            event.assignee.username if event.assignee else None,
            event.text,
            event.satisfaction,
        )
        for event in events.order_by("at", "id")
    ]


CREATE, UPDATE, DELETE = LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE
