from auditlog.models import LogEntry
from django import forms, template
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext

from crm.audit import actor_name, actor_was_deleted
from crm.audit_display import action_label, describe_changes, related_names
from crm.display import display_name
from crm.tables import cell_html

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


@register.simple_tag(takes_context=True)
def language_switch(context):
    """The language switch of every page's menu bar: a form posting to set_language with the
    page's path as ``next``, a select of the languages in their own names, and a button for
    browsers without JavaScript. Drawn here rather than by a template with a loop (on every page)."""
    request = context["request"]
    current = get_language()
    options = "".join(
        cell_html(
            '<option value="{}"{}>{}</option>',
            code,
            mark_safe(" selected") if code == current else "",
            get_language_info(code)["name_local"],
        )
        for code, _name in settings.LANGUAGES
    )
    token = context.get("csrf_token")
    csrf = (
        cell_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != "NOTPROVIDED"  # noqa: S105 - Django's marker for no token
        else ""
    )
    return cell_html(
        '<form action="{}" method="post" class="d-flex align-items-center me-lg-3 my-2 my-lg-0" '
        'data-testid="language-switch">{}<input name="next" type="hidden" value="{}">'
        '<label class="visually-hidden" for="language-select">{}</label>'
        '<i class="bi bi-translate text-white me-1" aria-hidden="true"></i>'
        '<select name="language" id="language-select" class="form-select form-select-sm" data-submit-on-change>'
        "{}</select>"
        '<noscript><button type="submit" class="btn btn-sm btn-light ms-1">{}</button></noscript></form>',
        reverse("set_language"),
        csrf,
        request.get_full_path(),
        gettext("Language"),
        mark_safe(options),  # noqa: S308 - each option went through cell_html
        gettext("Switch"),
    )
