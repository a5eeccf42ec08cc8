"""Lists and labels as the user's language writes them (the rule lives in crm.formats)."""

from django import template

from crm import formats

register = template.Library()


@register.filter
def text_list(items):
    """``{{ reasons|text_list }}`` → "名称、电话" in Chinese, "name, phone" in English."""
    return formats.text_list(items)
