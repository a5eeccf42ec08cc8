"""Logging in and out, the login lockout (django-axes), sessions and password changes (SPEC §6).

``client.login()`` raises under axes (it needs a request), so logins post the form like a browser.
"""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.utils import timezone, translation

from conftest import PASSWORD
from crm.middleware import SessionRenewalMiddleware

LOGIN_URL = "/accounts/login/"
NEW_PASSWORD = "Blue-Kettle-Morning-93"


def post_login(client, username, password, address="10.0.0.1", **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def fail_until_locked(client, username, address="10.0.0.1"):
    """Fail the login as often as the limit allows; the last failure already answers 429."""
    statuses = [post_login(client, username, "wrong-password", address).status_code for _ in range(5)]
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert statuses == [200, 200, 200, 200, 429]


def locked_out_text(response):
    match = re.search(r'data-testid="locked-out">(.*?)</div>', response.content.decode(), re.S)
    assert match, "the lockout page is not shown"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def test_persona_logs_in_through_the_form_and_lands_on_the_dashboard(client, manager_ann):
    response = post_login(client, "manager_ann", PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    assert signed_in_user_id(client) == str(manager_ann.pk)
    assert client.get("/").status_code == 200


def test_wrong_password_shows_the_form_again_without_logging_in(client, manager_ann):
    response = post_login(client, "manager_ann", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("username", ["x" * 10_000, "9" * 10_000, "庄" * 151])
def test_an_overlong_username_is_a_form_error_and_never_reaches_the_lockout_table(client, manager_ann, username):
    response = post_login(client, username, "wrong-password")
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert signed_in_user_id(client) is None
    assert not AccessAttempt.objects.exists()


def test_login_is_locked_after_five_failures_even_with_the_right_password(client, manager_ann):
    fail_until_locked(client, "manager_ann")
    response = post_login(client, "manager_ann", PASSWORD)
    assert response.status_code == 429
    assert signed_in_user_id(client) is None


def test_lockout_page_is_in_chinese_by_default(client, manager_ann):
    fail_until_locked(client, "manager_ann")
    response = post_login(client, "manager_ann", PASSWORD)
    assert response.status_code == 429
    with translation.override("zh-hans"):
        heading = translation.gettext("Too many failed logins")
    assert heading != "Too many failed logins", "the lockout heading has no Chinese translation"
    text = locked_out_text(response)
    assert heading in text
    assert "Too many failed logins" not in text
    assert re.search(r"\b5\b", text)
    assert re.search(r"\b15\b", text)


def test_lockout_page_is_in_english_for_an_english_browser(client, manager_ann):
    fail_until_locked(client, "manager_ann")
    response = post_login(client, "manager_ann", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    text = " ".join(locked_out_text(response).split())
    assert "Too many failed logins" in text
    assert "after 5 failed logins" in text
    assert "Try again in 15 minutes" in text


def test_lockout_page_follows_the_language_cookie(client, manager_ann):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    fail_until_locked(client, "manager_ann")
    response = post_login(client, "manager_ann", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in locked_out_text(response)


def test_lockout_does_not_reach_the_same_user_from_another_address(client, manager_ann):
    fail_until_locked(client, "manager_ann", address="10.0.0.1")
    response = post_login(client, "manager_ann", PASSWORD, address="10.0.0.2")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(manager_ann.pk)


def test_lockout_does_not_reach_another_user_from_the_same_address(client, manager_ann, manager_bob):
    fail_until_locked(client, "manager_ann", address="10.0.0.1")
    response = post_login(client, "manager_bob", PASSWORD, address="10.0.0.1")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(manager_bob.pk)


def test_user_can_log_in_again_after_the_cool_off(client, manager_ann):
    fail_until_locked(client, "manager_ann")
    # Let the cool-off pass: the failures happened longer ago than AXES_COOLOFF_TIME.
    long_ago = timezone.now() - django_settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    assert AccessAttempt.objects.filter(username="manager_ann").update(attempt_time=long_ago) == 1
    response = post_login(client, "manager_ann", PASSWORD)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(manager_ann.pk)


def test_user_is_still_locked_just_before_the_cool_off_ends(client, manager_ann):
    fail_until_locked(client, "manager_ann")
    recently = timezone.now() - django_settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    AccessAttempt.objects.filter(username="manager_ann").update(attempt_time=recently)
    assert post_login(client, "manager_ann", PASSWORD).status_code == 429


def test_a_shorter_cool_off_setting_is_honoured(client, settings, manager_ann):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=2)
    fail_until_locked(client, "manager_ann")
    three_minutes_ago = timezone.now() - timedelta(minutes=3)
    AccessAttempt.objects.filter(username="manager_ann").update(attempt_time=three_minutes_ago)
    assert post_login(client, "manager_ann", PASSWORD).status_code == 302


def test_sessions_expire_after_the_idle_time_and_are_renewed_while_used():
    assert django_settings.SESSION_COOKIE_AGE == django_settings.SESSION_IDLE_MINUTES * 60
    assert "crm.middleware.SessionRenewalMiddleware" in django_settings.MIDDLEWARE
    assert 0 < django_settings.SESSION_RENEW_SECONDS < django_settings.SESSION_COOKIE_AGE


def _session_expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_requests_renew_the_session_at_most_once_a_minute(client, manager_ann):
    post_login(client, "manager_ann", PASSWORD)
    response = client.get("/")
    assert response.status_code == 200
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == django_settings.SESSION_COOKIE_AGE
    renewed_until = _session_expiry(client)
    assert renewed_until > timezone.now() + timedelta(seconds=django_settings.SESSION_COOKIE_AGE - 60)

    # Within the minute: the session row is not written again and no new cookie is sent.
    response = client.get("/")
    assert response.status_code == 200
    assert django_settings.SESSION_COOKIE_NAME not in response.cookies
    assert _session_expiry(client) == renewed_until

    # A minute later the next request renews it.
    session = client.session
    session[SessionRenewalMiddleware.KEY] -= django_settings.SESSION_RENEW_SECONDS
    session.save()
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() + timedelta(minutes=5))
    response = client.get("/")
    assert response.status_code == 200
    assert int(response.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"]) == django_settings.SESSION_COOKIE_AGE
    assert _session_expiry(client) > timezone.now() + timedelta(seconds=django_settings.SESSION_COOKIE_AGE - 60)


def test_anonymous_visitors_get_no_session_row(client, roles):
    assert client.get("/accounts/login/").status_code == 200
    assert not Session.objects.exists()


def test_an_idle_session_ends(client, manager_ann):
    post_login(client, "manager_ann", PASSWORD)
    session_key = client.session.session_key
    Session.objects.filter(session_key=session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_logout_by_post_ends_the_session(client, manager_ann):
    post_login(client, "manager_ann", PASSWORD)
    session_key = client.session.session_key
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/").status_code == 302


def test_logout_by_get_is_refused(client, manager_ann):
    post_login(client, "manager_ann", PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_password_change_works_and_the_new_password_logs_in(client, manager_ann):
    post_login(client, "manager_ann", PASSWORD)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == "/accounts/password/done/"
    assert client.get("/").status_code == 200  # still signed in after the change
    client.post("/accounts/logout/")

    assert post_login(client, "manager_ann", PASSWORD).status_code == 200
    response = post_login(client, "manager_ann", NEW_PASSWORD)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(manager_ann.pk)


def test_password_change_refuses_a_wrong_old_password(client, manager_ann):
    post_login(client, "manager_ann", PASSWORD)
    response = client.post(
        "/accounts/password/",
        {"old_password": "not-my-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    manager_ann.refresh_from_db()
    assert manager_ann.check_password(PASSWORD)


@pytest.mark.parametrize("weak", ["12345678", "manager_ann1", "short"])
def test_password_change_refuses_a_weak_password(client, manager_ann, weak):
    post_login(client, "manager_ann", PASSWORD)
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak}
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    manager_ann.refresh_from_db()
    assert manager_ann.check_password(PASSWORD)


def test_forged_forwarded_for_headers_do_not_dodge_the_lockout(client, settings, manager_ann):
    settings.PROXY_COUNT = 0
    statuses = [
        post_login(client, "manager_ann", "wrong-password", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(5)
    ]
    assert statuses[-1] == 429
    response = post_login(client, "manager_ann", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_lockout_is_by_the_forwarded_client_address(client, settings, manager_ann):
    settings.PROXY_COUNT = 1
    for _attempt in range(5):
        post_login(client, "manager_ann", "wrong-password", address="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.7")
    locked = post_login(client, "manager_ann", PASSWORD, address="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == 429
    # Another client behind the same proxy is a different address.
    other = post_login(client, "manager_ann", PASSWORD, address="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302
