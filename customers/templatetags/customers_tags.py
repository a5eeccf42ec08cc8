from datetime import timedelta

from django import template
from django.utils import timezone

from customers import selectors

register = template.Library()


@register.inclusion_tag("customers/_dashboard_follow_ups.html", takes_context=True)
def customers_dashboard_card(context, days=14):
    """The user's follow-ups due within ``days`` (overdue ones included), for the dashboard."""
    user = context["request"].user
    until = timezone.localdate() + timedelta(days=days)
    return {"follow_ups": selectors.follow_ups(user=user, until=until)[:10], "today": timezone.localdate()}
