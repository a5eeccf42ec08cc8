"""Opportunities and plan items made through the real actions, so tests exercise the code
production runs: the pinyin keys, the creator, the state and the audit rows come from
``opportunities.actions`` and nowhere else."""

import itertools
from datetime import date

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from crm.models import DictionaryEntry
from opportunities import actions
from opportunities.models import Opportunity, PlanItem

_serial = itertools.count(1)


def source(value="exhibition"):
    """An opportunity source of the data dictionary (the default entries exist after migrate)."""
    return DictionaryEntry.objects.get(category=DictionaryEntry.Category.OPPORTUNITY_SOURCE, value=value)


def make_opportunity(creator, **fields):
    """An unassigned opportunity created by ``creator`` through ``create_opportunity``."""
    serial = next(_serial)
    values = {
        "title": f"采购意向{serial}",
        "customer_name": f"机会客户{serial:04d}有限公司",
        "source": source(),
        "success_rate": 40,
        "contact_name": f"联系人{serial}",
        "contact_phone": f"137{serial:08d}",
        "description": "",
    }
    values.update(fields)
    return actions.create_opportunity(actor=creator, opportunity=Opportunity(**values))


def assign(opportunity, assignee, *, actor):
    """``opportunity`` assigned to ``assignee`` by ``actor`` (a supervisor) through ``assign_opportunity``."""
    return actions.assign_opportunity(actor=actor, opportunity=opportunity, assignee=assignee)


def developing(creator, assignee, *, supervisor, **fields):
    """An opportunity created by ``creator`` and assigned to ``assignee`` by ``supervisor``."""
    return assign(make_opportunity(creator, **fields), assignee, actor=supervisor)


def add_plan_item(opportunity, *, actor, plan_date=None, todo=None):
    """A plan item of ``opportunity`` added by ``actor`` through ``save_plan_item``."""
    item = PlanItem(opportunity=opportunity, plan_date=plan_date or date(2026, 3, 2), todo=todo or "电话回访")
    return actions.save_plan_item(actor=actor, item=item)


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


CREATE, UPDATE, DELETE = LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE
