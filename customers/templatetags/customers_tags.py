from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from customers import selectors

register = template.Library()


@register.inclusion_tag("customers/_dashboard_follow_ups.html", takes_context=True)
def customers_dashboard_card(context, days=14):
    """The user's follow-ups due within ``days`` (overdue ones included), for the dashboard."""
    user = context["request"].user
    until = timezone.localdate() + timedelta(days=days)
    return {"follow_ups": selectors.follow_ups(user=user, until=until)[:10], "today": timezone.localdate()}


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
