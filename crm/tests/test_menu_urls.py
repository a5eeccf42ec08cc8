"""The main menu's URLs are reversed once per process (crm.context_processors._url), not on every
page, and still follow the script prefix the app is served under and the URLconf in use."""

import pytest
from django.test import RequestFactory
from django.urls import clear_script_prefix, reverse, set_script_prefix

from crm.context_processors import _reversed, navigation

pytestmark = pytest.mark.django_db


def menu_urls(user):
    request = RequestFactory().get("/")
    request.user = user
    items = navigation(request)["nav_items"]
    return [item["url"] for item in items] + [child["url"] for item in items for child in item.get("children", [])]


def test_a_second_page_reverses_no_menu_url_again(supervisor_sue):
    first = menu_urls(supervisor_sue)
    misses = _reversed.cache_info().misses
    assert menu_urls(supervisor_sue) == first
    assert _reversed.cache_info().misses == misses
    assert reverse("customers:list") in first


def test_the_menu_follows_the_script_prefix(supervisor_sue):
    plain = menu_urls(supervisor_sue)
    set_script_prefix("/crm/")
    try:
        prefixed = menu_urls(supervisor_sue)
    finally:
        clear_script_prefix()
    assert prefixed == [f"/crm{url}" for url in plain]
    assert menu_urls(supervisor_sue) == plain
