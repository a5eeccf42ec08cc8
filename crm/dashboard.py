"""The dashboard's cards. The core shows other apps' numbers without importing them (STYLE §1):
each app lists its cards in its own ``dashboard.py`` with ``@card(...)``: a template and a
function of the request returning the template's context (None leaves the card out). The
function reads through the app's selectors, so crm.access scopes what each user sees; it should
cost a fixed number of queries whatever the number of rows (customers/tests/test_dashboard.py
counts them).
"""

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.template.loader import render_to_string
from django.utils.module_loading import module_has_submodule

from crm.apps import project_app_configs


@dataclass(frozen=True)
class Card:
    name: str
    template: str
    context: Callable
    order: int


_cards = {}


def card(name, *, template, order=100):
    """Register the decorated ``function(request) -> dict | None`` as dashboard card ``name``,
    drawn with ``template``; cards come in ``order`` (then by name). Registering a name again
    replaces the card."""

    def register(function):
        _cards[name] = Card(name=name, template=template, context=function, order=order)
        return function

    return register


def registered():
    """Every app's cards, in order (the project's apps' ``dashboard`` modules, imported once)."""
    for config in project_app_configs():
        if module_has_submodule(config.module, "dashboard"):
            import_module(f"{config.name}.dashboard")
    return sorted(_cards.values(), key=lambda c: (c.order, c.name))


def render_cards(request):
    """The HTML of each card the request's user gets."""
    drawn = []
    for each in registered():
        context = each.context(request)
        if context is not None:
            drawn.append(render_to_string(each.template, {**context, "request": request, "user": request.user}))
    return drawn
