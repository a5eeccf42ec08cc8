import django_tables2 as tables
from auditlog.models import LogEntry
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.audit import action_label, actor_name, actor_was_deleted, describe_changes


class AuditLogTable(tables.Table):
    timestamp = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    actor = tables.Column(verbose_name=_("User"), order_by=("actor__username",), empty_values=())
    action = tables.Column(verbose_name=_("Action"))
    content_type = tables.Column(verbose_name=_("Model"), order_by=("content_type__model",))
    object_repr = tables.Column(verbose_name=_("Object"))
    changes = tables.Column(verbose_name=_("Changes"), orderable=False, empty_values=())
    remote_addr = tables.Column(verbose_name=_("IP address"), default="—")

    class Meta:
        model = LogEntry
        fields = ("timestamp", "actor", "action", "content_type", "object_repr", "changes", "remote_addr")
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("-timestamp",)

    def render_actor(self, record):
        name = actor_name(record)
        if not name:
            return "—"
        if actor_was_deleted(record):
            return format_html('{} <span class="text-muted">({})</span>', name, _("deleted user"))
        return name

    def render_action(self, record):
        return action_label(record)

    def render_content_type(self, value):
        model = value.model_class()
        return model._meta.verbose_name if model else value.model

    def render_changes(self, record):
        return describe_changes(record)
