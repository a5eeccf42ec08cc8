from auditlog.models import LogEntry
from django import forms, template

from crm.audit import actor_name, actor_was_deleted
from crm.audit_display import action_label, describe_changes, related_names
from crm.display import display_name

register = template.Library()


@register.filter
def add_class(bound_field, css):
    """Render a form field with Bootstrap classes; selects get form-select instead of form-control."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        css = css.replace("form-control", "form-select")
    existing = widget.attrs.get("class", "")
    return bound_field.as_widget(attrs={"class": f"{existing} {css}".strip()})


def _loaded_relations(obj):
    """The rows ``obj``'s foreign keys point to that the page has read with it already."""
    return [
        getattr(obj, field.name)
        for field in obj._meta.concrete_fields
        if field.is_relation and field.many_to_one and field.is_cached(obj) and getattr(obj, field.name) is not None
    ]


@register.inclusion_tag("includes/history_panel.html")
def history_panel(obj, limit=20):
    """The audit history of one object, newest first, for any detail page."""
    entries = []
    queryset = LogEntry.objects.get_for_object(obj).select_related("actor", "content_type")
    recent = list(queryset.order_by("-timestamp")[:limit])
    names = related_names(recent, loaded=_loaded_relations(obj))
    for entry in recent:
        entries.append(
            {
                "timestamp": entry.timestamp,
                "actor": actor_name(entry),
                "actor_deleted": actor_was_deleted(entry),
                "label": action_label(entry),
                "summary": describe_changes(entry, names=names),
            }
        )
    return {"entries": entries}


@register.filter
def person(user):
    """A user's full name, else the username; an empty string for no user."""
    if user is None:
        return ""
    return display_name(user)
