"""crm.renderers.FormRenderer draws the plain <input> widgets exactly as Django's templates do."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from crm.renderers import INPUT_TEMPLATES, FormRenderer

WIDGETS = [
    forms.TextInput(),
    forms.TextInput(attrs={"placeholder": gettext_lazy("Search"), "type": "search", "maxlength": 100}),
    forms.DateInput(attrs={"type": "date", "class": 'a "quoted" <class>'}),
    forms.DateTimeInput(),
    forms.TimeInput(),
    forms.NumberInput(attrs={"min": 0, "step": "0.01", "required": True, "disabled": False}),
    forms.EmailInput(),
    forms.URLInput(),
    forms.PasswordInput(render_value=True),
    forms.HiddenInput(),
    forms.SearchInput(),
    forms.TelInput(),
]
VALUES = [None, "", "plain", "<script>alert(\"x\")</script> & 'q'", mark_safe("<b>safe</b>"), 42, 0, "客户 名称"]


def test_the_project_uses_it():
    assert isinstance(get_default_renderer(), FormRenderer)


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda widget: type(widget).__name__)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_an_input_is_drawn_as_djangos_template_draws_it(widget, value):
    assert widget.template_name in INPUT_TEMPLATES
    attrs = {"id": "id_field", "class": "form-control", "aria-invalid": "true", "autofocus": True}
    ours = widget.render("field", value, attrs=attrs, renderer=FormRenderer())
    django = widget.render("field", value, attrs=attrs, renderer=DjangoTemplates())
    assert ours == django
    assert "<script>" not in ours


def test_other_widgets_keep_their_templates():
    widget = forms.Select(choices=[("a", "<A>"), ("b", "B")])
    assert widget.template_name not in INPUT_TEMPLATES
    assert widget.render("pick", "a", renderer=FormRenderer()) == widget.render("pick", "a", renderer=DjangoTemplates())


def test_a_bound_field_with_an_error_is_drawn_the_same():
    class Form(forms.Form):
        name = forms.CharField(max_length=5, help_text="at most five")
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    form = Form(data={"name": "too long <x>", "day": "not a day"})
    assert not form.is_valid()
    ours = [str(field) for field in form]
    form.renderer = DjangoTemplates()
    assert ours == [str(field) for field in form]
    assert 'aria-invalid="true"' in ours[0]
