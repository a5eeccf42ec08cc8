from django import template
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from crm.display import display_name
from crm.tables import cell_html, url_of
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


@register.simple_tag
def board_cards(cards):
    """The cards of one board column (``<li>`` each; "None" for an empty column), drawn in Python:
    a column's template loop cost about 0.1 ms a card, and a board draws up to 80 of them. The
    cards say what the template said (title linked to the opportunity, customer, success rate, age
    in days, assignee), escaped as the template escaped them; opportunities/tests/test_views.py
    compares both in both languages."""
    if not cards:
        return cell_html('<li class="list-group-item small text-muted">{}</li>', gettext("None"))
    detail_url = url_of("opportunities:detail", "pk")
    items = []
    for card in cards:
        rate = gettext("%(rate)s%% likely") % {"rate": cell_html("{}", localize(card.success_rate))}
        days = cell_html("{}", localize(card.age))
        age = ngettext("%(days)s day old", "%(days)s days old", card.age) % {"days": days}
        assignee = (
            cell_html('<div class="text-muted">{}</div>', display_name(card.assigned_to)) if card.assigned_to_id else ""
        )
        items.append(
            cell_html(
                '<li class="list-group-item small" data-testid="board-card">'
                '<a class="fw-semibold text-break" href="{}">{}</a><div class="text-break">{}</div>'
                '<div class="d-flex flex-wrap justify-content-between text-muted gap-2"><span>{}</span>'
                '<span class="text-nowrap" data-testid="card-age">{}</span></div>{}</li>',
                detail_url(card.pk),
                card.title,
                card.customer_name,
                mark_safe(rate),  # noqa: S308 - the translation with its escaped number
                mark_safe(age),  # noqa: S308 - the translation with its escaped number
                assignee,
            )
        )
    return mark_safe("\n".join(items))  # noqa: S308 - every card went through cell_html
