from django import template

from opportunities import selectors

register = template.Library()

# Opportunities the customer page lists before it points to the list.
PANEL_LIMIT = 10


@register.inclusion_tag("opportunities/_customer_panel.html", takes_context=True)
def opportunities_customer_panel(context, customer):
    """The opportunities panel of the customer 360° page: the opportunities the user may see that
    became ``customer`` (developed into it, or linked to it). Nothing for a user without the
    opportunities module. One query."""
    user = context["request"].user
    if not (user.is_superuser or user.has_module_perms("opportunities")):
        return {"shown": False}
    rows = list(selectors.opportunities_of_customer(user=user, customer=customer)[: PANEL_LIMIT + 1])
    return {"shown": True, "customer": customer, "opportunities": rows[:PANEL_LIMIT], "more": len(rows) > PANEL_LIMIT}
