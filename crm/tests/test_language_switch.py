"""The language switch (crm_tags.language_switch) draws what its template drew, on every page."""

import re

import pytest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.utils import translation

from crm.templatetags.crm_tags import language_switch

# The switch as its template (includes/language_switch.html) drew it before it was drawn in Python.
AS_TEMPLATE = """{% load i18n %}{% get_current_language as LANGUAGE_CODE %}{% get_available_languages as LANGUAGES %}\
{% get_language_info_list for LANGUAGES as languages %}
<form action="{% url 'set_language' %}" method="post" class="d-flex align-items-center me-lg-3 my-2 my-lg-0" \
data-testid="language-switch">{% csrf_token %}
  <input name="next" type="hidden" value="{{ request.get_full_path }}">
  <label class="visually-hidden" for="language-select">{% translate "Language" %}</label>
  <i class="bi bi-translate text-white me-1" aria-hidden="true"></i>
  <select name="language" id="language-select" class="form-select form-select-sm" data-submit-on-change>
    {% for language in languages %}
    <option value="{{ language.code }}"{% if language.code == LANGUAGE_CODE %} selected{% endif %}>\
{{ language.name_local }}</option>
    {% endfor %}
  </select>
  <noscript><button type="submit" class="btn btn-sm btn-light ms-1">{% translate "Switch" %}</button></noscript>
</form>"""


def squeezed(markup):
    """Without the white space next to tags, and with the CSRF token (masked anew each time) as TOKEN."""
    markup = re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="TOKEN"', str(markup)
    )
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", markup)).strip()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("path", ["/customers/", '/customers/?q="><script>alert(1)</script>&page=2'])
def test_the_switch_is_drawn_as_its_template_drew_it(language, path):
    request = RequestFactory().get(path)
    with translation.override(language):
        context = RequestContext(request, {"request": request})
        expected = Template(AS_TEMPLATE).render(context)
        with context.bind_template(Template("")):
            ours = language_switch(context)
    assert squeezed(ours) == squeezed(expected)
    assert "<script>" not in ours
    assert 'name="csrfmiddlewaretoken"' in ours
    assert " selected>English<" in ours if language == "en" else " selected>简体中文<" in ours


def test_without_a_token_there_is_no_token_field():
    request = RequestFactory().get("/")
    assert "csrfmiddlewaretoken" not in language_switch(Context({"request": request}))
