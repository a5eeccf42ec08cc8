"""The form renderer: Django's own, with the plain <input> widgets drawn in Python."""

from html import escape

from django.forms.renderers import DjangoTemplates

# The widget templates that only include django/forms/widgets/input.html.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        *("input", "text", "date", "datetime", "time", "number"),
        *("email", "search", "password", "url", "tel", "hidden"),
    )
)


class FormRenderer(DjangoTemplates):
    """Django's default form renderer, except that the plain <input> widgets (text, date, number,
    password, hidden, …) are drawn here, to the character as Django's input.html and attrs.html
    draw them (crm/tests/test_renderers.py compares the two). Those two templates cost about 0.15 ms
    a field, and every list page draws a filter form; every other widget keeps its template."""

    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES:
            widget = context["widget"]
            return input_html(widget["type"], widget["name"], widget["value"], widget["attrs"])
        return super().render(template_name, context, request)


def _text(value):
    """``{{ value|stringformat:'s' }}`` under autoescaping: safe text as it is, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape("%s" % (value,))  # noqa: UP031 - stringformat's own formatting


def input_html(input_type, name, value, attrs):
    parts = [f'<input type="{_text(input_type)}" name="{_text(name)}"']
    if value is not None:
        parts.append(f' value="{_text(value)}"')
    for attr, attr_value in attrs.items():
        if attr_value is False:
            continue
        parts.append(f" {_text(attr)}" if attr_value is True else f' {_text(attr)}="{_text(attr_value)}"')
    parts.append(">")
    return "".join(parts)
