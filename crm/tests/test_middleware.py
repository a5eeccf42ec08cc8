"""The NUL guard (crm.middleware.ControlCharacterMiddleware): NUL bytes never reach a view.

PostgreSQL refuses a NUL in text (a 500 before the guard), SQLite stores it; these tests run on
both. Paths with control characters are 404, query and form fields with a NUL are a 400 page
that changes nothing, a cookie with a NUL is ignored.
"""

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from customers.models import Customer
from customers.tests.factories import make_customer

REASON = "The request contained a NUL character, which no field accepts. Nothing was changed."


@pytest.fixture
def ann_client(manager_ann):
    client = Client(raise_request_exception=False)
    client.force_login(manager_ann)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def customer(manager_ann):
    return make_customer(manager_ann, name="安诚贸易有限公司")


def reason_shown(response):
    match = re.search(r'data-testid="error-400-reason">(.*?)</p>', response.content.decode(), re.S)
    assert match, "the 400 page is not shown"
    return match.group(1).strip()


def customer_row(customer):
    return Customer.all_objects.filter(pk=customer.pk).values().get()


@pytest.mark.parametrize("character", ["%00", "%01", "%08", "%0B", "%0C", "%0E", "%1F"])
def test_a_path_with_a_control_character_is_not_found(ann_client, customer, character):
    for path in (f"/customers/{character}/", f"/customers/{customer.code}{character}/", f"/sales/orders/{character}/"):
        response = ann_client.get(path)
        assert response.status_code == 404, path
        assert 'data-testid="error-404"' in response.content.decode()


def test_tab_in_a_path_is_left_to_the_view(ann_client, customer):
    # Tab, LF and CR are not refused by the guard: the customer lookup answers, and finds nothing.
    response = ann_client.get(f"/customers/{customer.code}%09/")
    assert response.status_code == 404
    assert ann_client.get(f"/customers/{customer.code}/").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["q=%00", "q=abc%00def", "after=a%00~1", "%00=1", "q%00x=1", "q=ok&q=%00", "created_to=2024-01-01%00"],
)
def test_a_nul_in_the_query_string_gets_the_400_page(ann_client, customer, query):
    response = ann_client.get(f"/customers/?{query}")
    assert response.status_code == 400
    assert reason_shown(response) == REASON


def test_other_control_characters_in_the_query_string_reach_the_list(ann_client, customer):
    response = ann_client.get("/customers/?q=%01%1F")
    assert response.status_code == 200
    assert response.context["filter"].data["q"] == "\x01\x1f"


def test_the_400_page_speaks_the_users_language(manager_ann, customer):
    client = Client(raise_request_exception=False)
    client.force_login(manager_ann)
    response = client.get("/customers/?q=%00", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert '<html lang="zh-hans">' in response.content.decode()
    with translation.override("zh-hans"):
        assert reason_shown(response) == translation.gettext(REASON)


@pytest.mark.parametrize("field", ["name", "address", "phone", "region"])
def test_a_nul_in_a_posted_field_changes_nothing(ann_client, customer, field):
    before = customer_row(customer)
    data = {
        "name": customer.name,
        "region": str(customer.region_id),
        "account_manager": str(customer.account_manager_id),
        "level": str(customer.level),
        "address": "上海市浦东新区世纪大道100号",
        "phone": customer.phone,
    }
    data[field] = data[field] + "\x00"
    response = ann_client.post(f"/customers/{customer.code}/edit/", data)
    assert response.status_code == 400
    assert reason_shown(response) == REASON
    assert customer_row(customer) == before


def test_the_same_post_without_the_nul_is_saved(ann_client, customer):
    # The refusal above is the guard's doing, not a form error the edit would have had anyway.
    data = {
        "name": customer.name,
        "region": str(customer.region_id),
        "account_manager": str(customer.account_manager_id),
        "level": str(customer.level),
        "address": "上海市浦东新区世纪大道100号",
        "phone": customer.phone,
    }
    response = ann_client.post(f"/customers/{customer.code}/edit/", data)
    assert response.status_code == 302
    assert customer_row(customer)["address"] == "上海市浦东新区世纪大道100号"


def test_a_nul_in_a_urlencoded_body_is_refused_before_the_login_form(client, manager_ann):
    client.raise_request_exception = False
    response = client.post(
        "/accounts/login/", "username=manager%00ann&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert client.session.get("_auth_user_id") is None


def test_a_session_cookie_with_a_nul_is_ignored(customer):
    client = Client(raise_request_exception=False)
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "\x00" + "a" * 31
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_nul_in_another_cookie_leaves_the_session_alone(ann_client, customer):
    ann_client.cookies["tracking"] = "x\x00y"
    response = ann_client.get("/customers/")
    assert response.status_code == 200
    assert customer.name in response.content.decode()


def test_djangos_own_bad_requests_use_the_same_page_with_a_general_reason(ann_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    response = ann_client.get("/customers/?a=1&b=2&c=3")
    assert response.status_code == 400
    assert reason_shown(response) == "Nothing was changed. Please go back and try again."


def test_the_guard_runs_after_the_language_is_chosen_and_before_the_session_is_read():
    middleware = django_settings.MIDDLEWARE
    guard = middleware.index("crm.middleware.ControlCharacterMiddleware")
    assert middleware.index("django.middleware.locale.LocaleMiddleware") < guard
    assert guard < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
