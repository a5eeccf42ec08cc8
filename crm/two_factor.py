"""Two-factor sign-in (issue 15): who must use it, the sign-in's second step, and its writes.

After the password (crm.two_factor_views.LoginView), a user with a confirmed device, and every
superuser and administrator, has one more step: a code from an authenticator app (django-otp's
TOTP device) or one of ten single-use recovery codes (its static device). A superuser or
administrator without a device enrols first. Until the step is done, crm.middleware's
TwoFactorMiddleware lets the session reach only the step's own pages, logout, language and CSP
reports.

A session is verified when it holds django-otp's device key (``django_otp.login``). It is read from
the session alone: django-otp's OTPMiddleware reads the device back on every request, one query on
every page of every verified user, and the session is the server's own record of a sign-in that
passed the step. reset_two_factor ends the user's sessions, so a reset takes effect at once.

Wrong codes count as failed logins for django-axes (the same limit and cool-off, shared with wrong
passwords), and django-otp's own throttling (a pause doubling after each wrong code) keeps counting
across sign-ins until a right code; each is an audit row, as are enrolment and reset.
"""

from base64 import b32encode
from binascii import unhexlify
from importlib import import_module
from io import BytesIO

import segno
from auditlog.models import LogEntry
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from crm.audit import acting_as, audited_action
from crm.roles import ADMINISTRATOR, role_names
from crm.security import client_ip

# The session's marks: the second step is owed; the secret offered at enrolment (until confirmed);
# the recovery codes just issued (shown once, then dropped).
PENDING_KEY = "two_factor_pending"
NEW_SECRET_KEY = "two_factor_new_secret"  # noqa: S105 (a session key's name)
NEW_CODES_KEY = "two_factor_new_codes"

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class TwoFactorError(Exception):
    """A refused step; its text is a translated message for the user."""


# --- who, and where a session stands -------------------------------------------------------------


def requires_two_factor(user):
    """Whether ``user`` must sign in with a second factor: superusers, staff (the Django admin,
    where rights are granted) and administrators, while TWO_FACTOR_REQUIRED is on."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or ADMINISTRATOR in role_names(user)


def app_device(user):
    """The user's confirmed authenticator-app device, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_device(user):
    """Whether ``user`` has a confirmed device of either kind (app or recovery codes)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True).exists()
    )


def is_verified(request):
    """Whether this session passed the second step (django_otp.login put the device's key in it)."""
    return DEVICE_ID_SESSION_KEY in request.session


def owes_second_step(request):
    """Whether the signed-in session must still pass the second step before anything else: it was
    marked at sign-in (begin_second_step), or its user is a superuser or staff member (a session
    begun elsewhere, such as the admin's login page, or a user made superuser since).

    Asked on every request, so it reads only the session and the user's own row: an administrator's
    role is read once, at sign-in (administrators are staff anyway: crm.actions.create_user).
    """
    if is_verified(request):
        return False
    if request.session.get(PENDING_KEY):
        return True
    user = request.user
    return settings.TWO_FACTOR_REQUIRED and (user.is_superuser or user.is_staff)


def begin_second_step(request, user):
    """Called right after the password was accepted: mark the session if the user owes the second
    step. Returns whether they do."""
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    owed = requires_two_factor(user) or has_device(user)
    if owed:
        request.session[PENDING_KEY] = True
    return owed


def _finish_second_step(request, device):
    otp_login(request, device)
    request.session.pop(PENDING_KEY, None)
    request.session.cycle_key()


# --- enrolment's secret ----------------------------------------------------------------------------


def offered_secret(request):
    """The secret (hex) offered to this session for enrolment, made on first use and kept in the
    session until it is confirmed: the page, its QR code and the confirmation read the same one."""
    secret = request.session.get(NEW_SECRET_KEY)
    if not secret:
        secret = random_hex(20)
        request.session[NEW_SECRET_KEY] = secret
    return secret


def secret_for_typing(secret):
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    text = b32encode(unhexlify(secret)).decode()
    return " ".join(text[start : start + 4] for start in range(0, len(text), 4))


def setup_url(user, secret):
    """The otpauth:// URL an authenticator app reads from the QR code (issuer OTP_TOTP_ISSUER)."""
    return TOTPDevice(user=user, key=secret).config_url


def qr_svg(text):
    """``text`` as a QR code in SVG (black on white, scalable)."""
    buffer = BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=6, border=2, dark="#000", light="#fff", xmldecl=False)
    return buffer.getvalue()


def _matching_step(secret, code):
    """The TOTP time step at which ``code`` (six digits) is right for ``secret``, or None."""
    totp = TOTP(unhexlify(secret))
    return totp.t() if totp.verify(int(code), tolerance=1) else None


# --- audit ---------------------------------------------------------------------------------------


def _record(*, event, user, details=None):
    """An audit row about ``user``'s two-factor sign-in; actor and address from acting_as."""
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_pk=str(user.pk),
        object_id=user.pk,
        object_repr=user.get_username()[:200],
        action=LogEntry.Action.ACCESS,
        changes={},
        additional_data={"event": event, "username": user.get_username(), **(details or {})},
    )


# --- actions -------------------------------------------------------------------------------------


def _new_recovery_codes(user):
    """Replace ``user``'s recovery codes with RECOVERY_CODE_COUNT new ones; returns them."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return device, codes


@audited_action
def enrol_two_factor(*, actor, secret, code):
    """Turn on two-factor sign-in for ``actor`` (who enrols themself): ``code`` must be the app's
    current code for ``secret``. Replaces any device they had, issues new recovery codes and
    records the enrolment. Returns (app device, recovery codes); raises TwoFactorError for a wrong
    code, changing nothing."""
    step = _matching_step(secret, code)
    if step is None:
        raise TwoFactorError(
            _("That code is not the one your app shows now. Check the app's clock and type the current code.")
        )
    TOTPDevice.objects.filter(user=actor).delete()
    device = TOTPDevice.objects.create(user=actor, name=APP_DEVICE_NAME, key=secret, confirmed=True, last_t=step)
    _static, codes = _new_recovery_codes(actor)
    _record(event="two_factor_enrolled", user=actor)
    return device, codes


@audited_action
def issue_recovery_codes(*, actor):
    """Give ``actor`` (enrolled) RECOVERY_CODE_COUNT new recovery codes; the old ones stop working.
    Returns the codes; raises TwoFactorError if they have no authenticator app set up."""
    if app_device(actor) is None:
        raise TwoFactorError(_("Set up two-factor sign-in first."))
    _device, codes = _new_recovery_codes(actor)
    _record(event="recovery_codes_issued", user=actor)
    return codes


def turn_off_two_factor(*, actor, code, remote_addr=None):
    """Turn off two-factor sign-in for ``actor``, who may go without it (requires_two_factor is
    false) and proves it is them with their app's current code: removes their app and recovery
    codes, recorded as ``actor``. Raises TwoFactorError (translated) for a user who must keep it or
    a wrong code, changing nothing but django-otp's count of wrong codes on the device."""
    if requires_two_factor(actor):
        raise TwoFactorError(_("Your account must sign in with two-factor sign-in: it can't be turned off."))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=True).order_by("pk").first()
        if device is None:
            raise TwoFactorError(_("Two-factor sign-in is not on."))
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            raise TwoFactorError(_("Too many wrong codes in a row: wait a minute, then try again."))
        right = device.verify_token(code)
    if not right:
        raise TwoFactorError(_("That code is not right. Type the code your app shows now."))
    _remove_devices(actor=actor, remote_addr=remote_addr)


@audited_action
def _remove_devices(*, actor):
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=actor).delete()
    _record(event="two_factor_turned_off", user=actor)


@audited_action
def reset_two_factor(*, actor, user):
    """Remove every two-factor device of ``user`` and end their sessions, so they set it up again
    at their next sign-in (a lost phone). For a superuser's command (reset_two_factor); recorded
    with ``actor``. Returns how many devices were removed."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    ended = _end_sessions(user)
    _record(event="two_factor_reset", user=user, details={"devices": removed, "sessions": ended})
    return removed


def _end_sessions(user):
    """Delete ``user``'s sessions (database rows: each is read to find its user), through the
    session store: with sessions kept in the shared cache too (settings, CACHE_URL), deleting the
    rows alone would leave the cached copies signed in."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key in ended:
        store.delete(key)
    return len(ended)


def locked_out(request, user):
    """Whether second steps for ``user`` from this client are refused: django-axes' lockout (wrong
    passwords and codes together), or as many wrong codes in a row on one of their devices, the
    last within the cool-off (a new sign-in resets axes' count, not the devices')."""
    if AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()}):
        return True
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return any(
        model.objects.filter(
            user=user,
            throttling_failure_count__gte=settings.AXES_FAILURE_LIMIT,
            throttling_failure_timestamp__gt=since,
        ).exists()
        for model in (TOTPDevice, StaticDevice)
    )


def verify_second_factor(*, request, code):
    """Check ``code`` for the signed-in user of ``request``: six digits against their authenticator
    app, anything else against their recovery codes (a used one is gone). A right code verifies
    the session; a wrong one is an audit row and a failed login for django-axes.

    Returns the device that accepted it; raises TwoFactorError (translated) for a wrong code or
    while django-otp's pause after wrong codes lasts. Not one transaction: a failure's audit row
    and counters must stay.
    """
    user = request.user
    code = "".join(code.split()).lower()
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if device is not None:
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                raise TwoFactorError(_("Too many wrong codes in a row: wait a minute, then try again."))
            if device.verify_token(code):
                _finish_second_step(request, device)
                return device
    with acting_as(user, remote_addr=client_ip(request)):
        _record(event="two_factor_failed", user=user, details={"kind": "app" if model is TOTPDevice else "recovery"})
    credentials = {"username": user.get_username()}
    AxesProxyHandler.user_login_failed(sender=verify_second_factor, credentials=credentials, request=request)
    raise TwoFactorError(_("That code is not right. Type the code your app shows now, or a recovery code."))


def verify_after_enrolment(request, device):
    """The enrolment's code proved the app: the session is verified with it."""
    _finish_second_step(request, device)
