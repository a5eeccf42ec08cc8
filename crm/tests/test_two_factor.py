"""Two-factor sign-in (issue 15, crm.two_factor): superusers and administrators can reach nothing
after the password alone until they have set up an authenticator app and typed its code; wrong
codes are refused, audited and throttled like wrong passwords; recovery codes work once; anyone
else may turn it on; a superuser's command resets it.

These tests sign in through the real forms, without the verified forced login of the root
conftest (crm.testing.two_factor).
"""

import io
import re
from base64 import b32decode
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_DB_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from crm.testing.two_factor import app_code
from crm.tests.test_audit import table_cells
from crm.two_factor import RECOVERY_CODE_COUNT, issue_recovery_codes

CACHED_DB = "django.contrib.sessions.backends.cached_db"

ADDRESS = "10.9.8.7"
LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/verify/"
ENROL = "/accounts/two-factor/"
QR = "/accounts/two-factor/qr.svg"
CODES = "/accounts/two-factor/recovery-codes/"
# Pages a session that owes the second step must not reach.
GATED = ["/", "/customers/", "/audit/", "/admin/", "/accounts/password/", CODES]


def post_login(client, username, password=PASSWORD, *, next_url=None, **extra):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data, REMOTE_ADDR=ADDRESS, **extra)


def post_code(client, code, **extra):
    return client.post(VERIFY, {"code": code}, REMOTE_ADDR=ADDRESS, **extra)


def enrolled(user):
    """An app device and recovery codes for ``user``; returns (device, codes)."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device, issue_recovery_codes(actor=user)


def events(event):
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__event=event)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def shown_secret(response):
    match = re.search(r'data-testid="two-factor-secret">([A-Z2-7 ]+)<', response.content.decode())
    assert match, "the secret is not shown for typing"
    return match.group(1)


def current_code(secret_text):
    key = b32decode(secret_text.replace(" ", ""))
    return f"{hotp(key, TOTP(key).t()):06d}"


def state(user):
    """What a refused code or form must leave as it was."""
    return {
        "app": list(TOTPDevice.objects.filter(user=user).values()),
        "recovery": list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)),
        "audit": LogEntry.objects.exclude(additional_data__event__in=["login", "logout"]).count(),
        "attempts": list(AccessAttempt.objects.values_list("failures_since_start", flat=True)),
    }


@pytest.fixture
def no_pause(settings):
    # django-otp pauses 1, 2, 4... seconds after each wrong code; tests that type several in a row
    # without waiting switch the pause off (test_a_wrong_code_pauses_the_next_one keeps it).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


# --- who must use it ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["superuser_sam", "admin"])
def test_superuser_and_administrator_without_a_device_reach_only_enrolment_after_the_password(client, request, persona):
    request.getfixturevalue(persona)
    response = post_login(client, persona)
    assert response.status_code == 302
    assert response.url == VERIFY
    assert client.get(VERIFY).url == ENROL
    for url in GATED:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(f"{VERIFY}?next="), url
    assert client.post("/customers/new/", {"name": "不该建立"}).url.startswith(VERIFY)
    page = client.get(ENROL)
    assert page.status_code == 200
    assert 'data-testid="main-menu"' not in page.content.decode()


@pytest.mark.parametrize("persona", ["superuser_sam", "admin"])
def test_superuser_and_administrator_enrol_with_the_shown_secret_and_then_reach_their_pages(client, request, persona):
    user = request.getfixturevalue(persona)
    post_login(client, persona, next_url="/audit/")
    page = client.get(VERIFY + "?next=/audit/", follow=True)
    assert page.redirect_chain[-1][0] == ENROL + "?next=%2Faudit%2F"
    secret = shown_secret(page)
    assert f'src="{QR}"' in page.content.decode()
    qr = client.get(QR)
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg")

    response = client.post(ENROL, {"code": current_code(secret), "next": "/audit/"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    assert response.url == CODES + "?next=%2Faudit%2F"
    codes_page = client.get(response.url).content.decode()
    codes = re.findall(r'<li class="list-group-item">([a-z2-7]{8})</li>', codes_page)
    assert len(codes) == RECOVERY_CODE_COUNT
    assert 'href="/audit/"' in codes_page
    assert client.get(CODES).status_code == 302  # shown once

    assert client.get("/audit/").status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert device.bin_key == b32decode(secret.replace(" ", ""))
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(codes)
    entry = events("two_factor_enrolled").get()
    assert entry.actor == user
    assert entry.object_pk == str(user.pk)
    assert entry.remote_addr == ADDRESS


def test_an_administrator_with_a_device_types_the_apps_code_and_goes_where_they_were_going(client, admin):
    device, _codes = enrolled(admin)
    response = post_login(client, "admin", next_url="/customers/")
    assert response.url == VERIFY + "?next=%2Fcustomers%2F"
    assert client.get("/customers/").url.startswith(VERIFY)
    response = client.post(VERIFY, {"code": app_code(device), "next": "/customers/"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    assert response.url == "/customers/"
    assert client.get("/customers/").status_code == 200
    assert not events("two_factor_failed").exists()


def test_a_viewer_without_a_device_logs_in_as_before(client, viewer_vic):
    response = post_login(client, "viewer_vic")
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200
    assert client.get("/customers/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_a_manager_who_turned_it_on_is_asked_for_the_code(client, manager_ann):
    post_login(client, "manager_ann")
    page = client.get(ENROL)
    assert 'data-testid="main-menu"' in page.content.decode()  # optional: the menu stays
    client.post(ENROL, {"code": current_code(shown_secret(page))})
    client.post("/accounts/logout/")

    assert post_login(client, "manager_ann").url == VERIFY
    assert client.get("/").url.startswith(VERIFY)
    assert post_code(client, app_code(TOTPDevice.objects.get(user=manager_ann))).url == "/"
    assert client.get("/").status_code == 200


def test_two_factor_can_be_switched_off_for_everyone_who_has_no_device(client, settings, superuser_sam):
    settings.TWO_FACTOR_REQUIRED = False
    assert post_login(client, "superuser_sam").url == "/"
    assert client.get("/customers/export/").status_code == 200


def test_a_superuser_signed_in_elsewhere_still_owes_the_step(client, superuser_sam):
    # The admin site's own login page knows nothing of the second step: the gate does.
    response = client.post("/admin/login/", {"username": "superuser_sam", "password": PASSWORD}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    assert client.get("/admin/").url.startswith(VERIFY)
    assert client.get("/").url.startswith(VERIFY)


# --- wrong codes ---------------------------------------------------------------------------------


def test_a_wrong_code_is_refused_audited_and_counted_as_a_failed_login(client, admin, no_pause):
    device, _codes = enrolled(admin)
    post_login(client, "admin")
    right = app_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = post_code(client, wrong, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "That code is not right." in response.content.decode()
    assert client.get("/").url.startswith(VERIFY)
    entry = events("two_factor_failed").get()
    assert entry.actor == admin
    assert entry.remote_addr == ADDRESS
    assert entry.additional_data["kind"] == "app"
    assert AccessAttempt.objects.get(username="admin", ip_address=ADDRESS).failures_since_start == 1
    assert post_code(client, right).url == "/"


def test_repeated_wrong_codes_lock_out_like_wrong_passwords(client, settings, admin, no_pause):
    device, _codes = enrolled(admin)
    post_login(client, "admin")
    statuses = [post_code(client, "000000").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert signed_in_user_id(client) is None  # signed out
    assert events("two_factor_failed").count() == settings.AXES_FAILURE_LIMIT
    # The password alone, even the right one, is refused now.
    assert post_login(client, "admin").status_code == 429


def test_wrong_codes_stay_counted_across_a_new_sign_in(client, settings, admin, no_pause):
    # A right password resets axes' count (AXES_RESET_ON_SUCCESS); the device's count of wrong
    # codes in a row is not reset by it, so signing in again buys no more guesses.
    device, _codes = enrolled(admin)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, "admin")
        post_code(client, "000000")
        client.post("/accounts/logout/")
        AccessAttempt.objects.all().delete()
    post_login(client, "admin")
    assert post_code(client, "000000").status_code == 429
    assert post_login(client, "admin").status_code == 302
    assert client.get(VERIFY).status_code == 429
    # After the cool-off the right code works again.
    long_ago = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=long_ago)
    AccessAttempt.objects.all().delete()
    post_login(client, "admin")
    assert post_code(client, app_code(device)).url == "/"


def test_a_wrong_code_pauses_the_next_one(client, admin):
    device, _codes = enrolled(admin)
    post_login(client, "admin")
    post_code(client, "000000")
    response = post_code(client, app_code(device), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Too many wrong codes in a row" in response.content.decode()
    assert client.get("/").url.startswith(VERIFY)
    # Once the pause is over, the right code is taken.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))
    assert post_code(client, app_code(device)).url == "/"


def test_a_code_is_taken_once(client, admin, no_pause):
    device, _codes = enrolled(admin)
    post_login(client, "admin")
    code = app_code(device)
    assert post_code(client, code).url == "/"
    client.post("/accounts/logout/")
    post_login(client, "admin")
    assert post_code(client, code).status_code == 200
    assert client.get("/").url.startswith(VERIFY)


# --- turning it off ------------------------------------------------------------------------------

TURN_OFF = "/accounts/two-factor/turn-off/"


def test_a_manager_turns_it_off_with_a_code_and_then_signs_in_with_the_password_alone(client, manager_ann):
    device, _codes = enrolled(manager_ann)
    post_login(client, "manager_ann")
    post_code(client, app_code(device))
    assert 'data-testid="two-factor-turn-off"' in client.get(ENROL).content.decode()
    response = client.post(TURN_OFF, {"code": app_code(device)}, REMOTE_ADDR=ADDRESS)
    assert response.url == ENROL
    assert not TOTPDevice.objects.filter(user=manager_ann).exists()
    assert not StaticDevice.objects.filter(user=manager_ann).exists()
    entry = events("two_factor_turned_off").get()
    assert (entry.actor, entry.remote_addr) == (manager_ann, ADDRESS)
    client.post("/accounts/logout/")
    assert post_login(client, "manager_ann").url == "/"


@pytest.mark.parametrize("code", ["", "12345", "x" * 100, "wrong"])
def test_turning_it_off_refuses_a_wrong_or_malformed_code_and_changes_nothing(client, manager_ann, no_pause, code):
    device, _codes = enrolled(manager_ann)
    post_login(client, "manager_ann")
    post_code(client, app_code(device))
    code = f"{(int(app_code(device)) + 1) % 1_000_000:06d}" if code == "wrong" else code
    before = state(manager_ann)
    response = client.post(TURN_OFF, {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    after = state(manager_ann)
    for row in before["app"] + after["app"]:  # a wrong code is counted on the device, nothing else
        for counter in ("throttling_failure_count", "throttling_failure_timestamp"):
            row.pop(counter)
    assert after == before
    assert not events("two_factor_turned_off").exists()


def test_a_superuser_or_administrator_cannot_turn_it_off(client, admin):
    device, _codes = enrolled(admin)
    post_login(client, "admin")
    post_code(client, app_code(device))
    assert 'data-testid="two-factor-turn-off"' not in client.get(ENROL).content.decode()
    response = client.post(TURN_OFF, {"code": app_code(device)}, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert response.redirect_chain == [(ENROL, 302)]
    with translation.override("zh-hans"):
        english = "Your account must sign in with two-factor sign-in: it can't be turned off."
        assert translation.gettext(english) != english
        assert translation.gettext(english) in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin).exists()


# --- recovery codes ------------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(client, superuser_sam, no_pause):
    _device, codes = enrolled(superuser_sam)
    post_login(client, "superuser_sam")
    assert post_code(client, codes[3].upper()).url == "/"
    assert client.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=superuser_sam).count() == RECOVERY_CODE_COUNT - 1
    client.post("/accounts/logout/")
    post_login(client, "superuser_sam")
    response = post_code(client, codes[3])
    assert response.status_code == 200
    assert events("two_factor_failed").get().additional_data["kind"] == "recovery"


def test_new_recovery_codes_replace_the_old_ones(client, admin):
    device, old = enrolled(admin)
    post_login(client, "admin")
    post_code(client, app_code(device))
    response = client.post(CODES)
    assert response.url == CODES
    new = re.findall(r'<li class="list-group-item">([a-z2-7]{8})</li>', client.get(CODES).content.decode())
    assert len(new) == RECOVERY_CODE_COUNT and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True)) == set(new)
    assert events("recovery_codes_issued").filter(actor=admin).count() == 2


def test_recovery_codes_need_an_app_first(client, manager_ann):
    post_login(client, "manager_ann")
    response = client.post(CODES, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Set up two-factor sign-in first." in response.content.decode()
    assert not StaticDevice.objects.exists()


# --- bad input -----------------------------------------------------------------------------------

BAD_CODES = ["", "   ", "12345", "1234567", "12a456", "x" * 10_000, "正确的验证码", "１２３４５６", "abcdefg!"]


def expected_error(code, language, english):
    """The message a malformed code gets, in ``language`` (which must have it translated)."""
    with translation.override(language):
        if not code.strip():
            return translation.gettext("This field is required.")
        if len(code) > 32:
            return translation.ngettext(
                "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
                "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
                32,
            ) % {"limit_value": 32, "show_value": len(code)}
        message = translation.gettext(english)
        assert language == "en" or message != english, "no Chinese translation"
        return message


@pytest.mark.parametrize("code", BAD_CODES)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_malformed_code_at_sign_in_is_a_clear_error_and_changes_nothing(client, admin, code, language):
    enrolled(admin)
    post_login(client, "admin")
    before = state(admin)
    response = post_code(client, code, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    errors = response.context["form"].errors["code"]
    message = expected_error(
        code, language, "Type the six digits your app shows, or a recovery code of eight letters and digits."
    )
    assert any(error.startswith(message) for error in errors), errors
    assert state(admin) == before
    assert client.get("/").url.startswith(VERIFY)


@pytest.mark.parametrize("code", [*BAD_CODES, "abcdefgh"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_malformed_code_at_enrolment_is_a_clear_error_and_changes_nothing(client, superuser_sam, code, language):
    post_login(client, "superuser_sam")
    client.get(ENROL)
    before = state(superuser_sam)
    response = client.post(ENROL, {"code": code}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    message = expected_error(code, language, "Type the six digits your app shows.")
    assert any(error.startswith(message) for error in response.context["form"].errors["code"])
    assert state(superuser_sam) == before
    assert client.get("/").url.startswith(VERIFY)


def test_a_wrong_code_at_enrolment_says_so_in_chinese_and_enrols_nothing(client, superuser_sam):
    post_login(client, "superuser_sam")
    secret = shown_secret(client.get(ENROL))
    wrong = f"{(int(current_code(secret)) + 500_000) % 1_000_000:06d}"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        english = "That code is not the one your app shows now. Check the app's clock and type the current code."
        chinese = translation.gettext(english)
    assert chinese != english
    assert chinese in response.content.decode()
    assert not TOTPDevice.objects.exists()
    assert not events("two_factor_enrolled").exists()
    # The same secret is offered again, so the app just set up still fits.
    assert shown_secret(client.get(ENROL)) == secret


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_a_foreign_next_address_is_not_followed(client, admin, next_url):
    device, _codes = enrolled(admin)
    post_login(client, "admin")
    response = client.post(VERIFY, {"code": app_code(device), "next": next_url}, REMOTE_ADDR=ADDRESS)
    assert response.url == "/"


def test_the_pages_are_in_english_and_chinese(client, admin):
    enrolled(admin)
    post_login(client, "admin")
    english = client.get(VERIFY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(VERIFY, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Enter your sign-in code" in english
    with translation.override("zh-hans"):
        heading = translation.gettext("Enter your sign-in code")
    assert heading != "Enter your sign-in code" and heading in chinese


# --- the recovery path: reset_two_factor -----------------------------------------------------------


# The database sessions, and the database sessions kept in the cache too (settings, CACHE_URL):
# there the cached copy must go as well, or the user would stay signed in.
@pytest.mark.parametrize("engine", ["django.contrib.sessions.backends.db", CACHED_DB])
def test_reset_command_removes_the_devices_ends_the_sessions_and_is_audited(
    client, admin, superuser_sam, settings, engine
):
    settings.SESSION_ENGINE = engine
    device, _codes = enrolled(admin)
    post_login(client, "admin")
    post_code(client, app_code(device))
    assert client.get("/").status_code == 200
    if engine == CACHED_DB:
        assert cache.get(CACHED_DB_PREFIX + client.cookies[settings.SESSION_COOKIE_NAME].value)
    other = Session.objects.count()

    out = io.StringIO()
    call_command("reset_two_factor", "admin", "--by", "superuser_sam", stdout=out)
    assert "admin" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert not StaticDevice.objects.filter(user=admin).exists()
    assert Session.objects.count() == other - 1
    assert client.get("/").status_code == 302  # signed out
    entry = events("two_factor_reset").get()
    assert entry.actor == superuser_sam
    assert entry.object_pk == str(admin.pk)
    assert entry.additional_data["devices"] == 2
    # At the next sign-in they set it up again.
    post_login(client, "admin")
    assert client.get(VERIFY).url == ENROL


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "--by", "superuser_sam"], "No user named"),
        (["admin", "--by", "admin"], "--by must name an active superuser"),
        (["admin", "--by", "nobody"], "--by must name an active superuser"),
    ],
)
def test_reset_command_refuses_an_unknown_user_or_a_non_superuser_and_changes_nothing(
    admin, superuser_sam, args, message
):
    enrolled(admin)
    before = state(admin)
    with pytest.raises(CommandError, match=message):
        call_command("reset_two_factor", *args, stdout=io.StringIO())
    assert state(admin) == before


# --- the demo --------------------------------------------------------------------------------------


def test_seed_demo_enrols_the_demo_administrator_and_superuser_with_printed_recovery_codes(db):
    out = io.StringIO()
    call_command("seed_demo", customers=0, stdout=out)
    text = out.getvalue()
    for username in ("admin", "sam"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert device.bin_key == b"crm-demo-second-step"
        codes = StaticToken.objects.filter(device__user__username=username).values_list("token", flat=True)
        assert len(codes) == RECOVERY_CODE_COUNT
        assert all(code in text for code in codes)
    assert not TOTPDevice.objects.filter(user__username__in=["sue", "ann", "bob", "vic"]).exists()
    assert "MNZG2LLEMVWW6LLTMVRW63TEFVZXIZLQ" in text

    old = set(StaticToken.objects.filter(device__user__username="admin").values_list("token", flat=True))
    again = io.StringIO()
    call_command("seed_demo", customers=0, recovery_codes=True, stdout=again)
    new = set(StaticToken.objects.filter(device__user__username="admin").values_list("token", flat=True))
    assert len(new) == RECOVERY_CODE_COUNT and new.isdisjoint(old)
    assert all(code in again.getvalue() for code in new)


# --- the audit page ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_audit_page_names_each_two_factor_event_in_the_users_language(
    client, admin, superuser_sam, manager_ann, no_pause, language
):
    post_login(client, "manager_ann")
    client.post(ENROL, {"code": current_code(shown_secret(client.get(ENROL)))}, REMOTE_ADDR=ADDRESS)
    client.post(CODES, REMOTE_ADDR=ADDRESS)
    client.post("/accounts/logout/")
    post_login(client, "manager_ann")
    post_code(client, "000000")
    call_command("reset_two_factor", "manager_ann", "--by", "superuser_sam", stdout=io.StringIO())

    client.force_login(admin)
    client.cookies["django_language"] = language
    offered = dict(client.get("/audit/").context["filter"].form.fields["action"].choices)
    expected = {
        "two_factor_enrolled": ("Manager Ann", "Two-factor sign-in set up", "两步验证登录"),
        "recovery_codes_issued": ("Manager Ann", "New recovery codes", "恢复码"),
        "two_factor_failed": ("Manager Ann", "Wrong sign-in code", "验证码"),
        "two_factor_reset": ("Superuser Sam", "Two-factor sign-in reset", "两步验证登录"),
    }
    for event, (actor, english, chinese) in expected.items():
        label = english if language == "en" else chinese
        assert label in str(offered[event])
        response = client.get(f"/audit/?action={event}")
        rows = table_cells(response)
        assert len(rows) == 1, event
        text = " | ".join(rows[0].values())
        assert actor in text and label in text, text
        assert "None" not in text and "{" not in text, text
        assert 'data-testid="main-menu"' in response.content.decode()


# --- cost ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "superuser_sam", "manager_ann"])
def test_the_gate_reads_no_device_on_a_signed_in_page(client, request, persona):
    # The session says whether it passed the step (crm.two_factor.is_verified): no query per page.
    client.force_login(request.getfixturevalue(persona))  # verified for admin and sam (conftest)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/customers/").status_code == 200
    assert not [query["sql"] for query in queries if "otp_" in query["sql"]]
