"""Spans of time as the product shows them (the rule lives in crm.formats.durations)."""

from django import template

from crm.formats.durations import duration as _duration

register = template.Library()


@register.filter
def duration(value):
    """``{{ figures.to_archive|duration }}`` → "2 days 3 hours" / "2 天 3 小时"; "—" for none."""
    return _duration(value)
