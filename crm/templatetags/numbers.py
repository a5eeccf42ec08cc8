"""Money and quantities as the product shows them (the rule lives in crm.formats)."""

from django import template

from crm import formats

register = template.Library()


@register.filter
def money(value):
    """``{{ order.total|money }}`` → "815,585.95"; "—" for none."""
    return formats.money(value)


@register.filter
def quantity(value):
    """``{{ stock.quantity|quantity }}`` → "1,204" (whole units without decimals); "—" for none."""
    return formats.quantity(value)
