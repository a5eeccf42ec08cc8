"""Satisfaction and credit as stars: the empty ones too (★★☆☆☆), and the number for screen readers."""

import re

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from customers.tests.factories import make_customer

SPOKEN = {"zh-hans": "{} 星（满分 5 星）", "en": "{} of 5 stars"}


def render(value):
    return Template("{% load customers_tags %}{{ value|stars }}").render(Context({"value": value}))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("value", "shown"), [(1, "★☆☆☆☆"), (2, "★★☆☆☆"), (4, "★★★★☆"), (5, "★★★★★")])
def test_a_rating_shows_filled_and_empty_stars_and_says_the_number(language, value, shown):
    with translation.override(language):
        html = render(value)
    assert re.search(rf'<span class="rating" aria-hidden="true">{shown}</span>', html)
    assert f'<span class="visually-hidden">{SPOKEN[language].format(value)}</span>' in html


@pytest.mark.parametrize("value", [None, ""])
def test_no_rating_is_a_dash(value):
    assert render(value) == "—"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_customer_page_shows_filled_and_empty_stars_with_the_number(client, manager_ann, language):
    customer = make_customer(manager_ann, satisfaction=4, credit=2)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(manager_ann)
    html = client.get(customer.get_absolute_url()).content.decode()
    fields = html.split('data-testid="customer-fields"')[1].split("</dl>")[0]
    assert '<span class="rating" aria-hidden="true">★★★★☆</span>' in fields
    assert '<span class="rating" aria-hidden="true">★★☆☆☆</span>' in fields
    assert SPOKEN[language].format(4) in fields and SPOKEN[language].format(2) in fields
