"""crm.tables.cell_html draws exactly what django.utils.html.format_html draws."""

import pytest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, override

from crm.tables import cell_html, nowrap


@pytest.mark.parametrize(
    "args",
    [
        ("plain",),
        ("<script>alert(\"x\")</script> & 'quoted'",),
        (mark_safe("<b>safe</b>"),),
        (42, None),
        (gettext_lazy("Customers"),),
        ("北京鑫达科技有限公司", "KH202612010001"),
    ],
)
def test_cell_html_is_format_html(args):
    template = "".join('<span title="{}">{}</span>' for _ in range(len(args)))
    doubled = [value for value in args for _ in (0, 1)]
    with override("zh-hans"):
        drawn = cell_html(template, *doubled)
        assert drawn == format_html(template, *doubled)
    assert isinstance(drawn, SafeString)


def test_named_arguments_are_escaped_as_format_html_does():
    template = '<form action="{action}"><button name="{name}">{label}</button></form>'
    values = {"action": "/services/1/assign/?a=1&b=2", "name": '"x"', "label": mark_safe("<i>分配</i>")}
    assert cell_html(template, **values) == format_html(template, **values)


def test_an_unsafe_value_never_comes_through_as_markup():
    drawn = nowrap('<img src=x onerror="alert(1)">')
    assert "<img" not in drawn
    assert drawn == '<span class="text-nowrap">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</span>'
