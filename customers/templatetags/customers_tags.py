from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def stars(value, out_of=5):
    """A rating (satisfaction, credit) as filled and empty stars, ``★★☆☆☆``, with the number in
    words for screen readers; "—" for no rating."""
    if value in (None, ""):
        return "—"
    try:
        filled = max(0, min(int(value), out_of))
    except (TypeError, ValueError):
        return "—"
    spoken = _("%(value)s of %(max)s stars") % {"value": filled, "max": out_of}
    return format_html(
        '<span class="rating" aria-hidden="true">{}{}</span><span class="visually-hidden">{}</span>',
        "★" * filled,
        "☆" * (out_of - filled),
        spoken,
    )
