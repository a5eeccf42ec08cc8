import django_tables2 as tables
from auditlog.models import LogEntry
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.audit import actor_name, actor_was_deleted
from crm.audit_display import action_label, describe_changes, model_label, object_text, parent_of, related_names
from crm.formats import labelled

NOWRAP = {"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}


class AuditLogTable(tables.Table):
    timestamp = tables.Column(verbose_name=_("Time"), attrs=NOWRAP)
    actor = tables.Column(verbose_name=_("User"), order_by=("actor__username",), empty_values=())
    action = tables.Column(verbose_name=_("Action"), attrs=NOWRAP)
    content_type = tables.Column(verbose_name=_("Model"), order_by=("content_type__model",))
    object_repr = tables.Column(verbose_name=_("Object"))
    changes = tables.Column(verbose_name=_("Changes"), orderable=False, empty_values=())
    remote_addr = tables.Column(verbose_name=_("IP address"), default="—")

    class Meta:
        model = LogEntry
        fields = ("timestamp", "actor", "action", "content_type", "object_repr", "changes", "remote_addr")
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("-timestamp",)

    @cached_property
    def names(self):
        """The names the page's rows mention, read once for the page (one query per model)."""
        return related_names([row.record for row in self.paginated_rows])

    def render_timestamp(self, value):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

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
        return model_label(model) if model else value.model

    def render_object_repr(self, record):
        text = object_text(record, self.names)
        parent = parent_of(record, self.names)
        if parent is None or parent[1] == text:
            return text
        return format_html('{}<div class="small text-muted">{}</div>', text, labelled(*parent))

    def render_changes(self, record):
        return describe_changes(record, names=self.names) or "—"
