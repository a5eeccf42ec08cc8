"""Two-factor sign-in in tests (crm.two_factor).

Hundreds of tests sign in a superuser or administrator with ``client.force_login``: the root
conftest wraps it with ``verifying_force_login`` so such a login is also a verified one, as
``django_otp.login`` leaves it after a right code (a confirmed app device, its key in the session).
The two-factor tests themselves sign in through the real forms, with codes from ``app_code``.
"""

import functools
import time

from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

TEST_DEVICE_NAME = "Test app"


def must_verify(user):
    """Whether the gate (crm.two_factor.owes_second_step) stops a forced login of ``user``."""
    return settings.TWO_FACTOR_REQUIRED and (user.is_superuser or user.is_staff)


def mark_verified(client, user):
    """Give ``user`` a confirmed app device (if they have none) and mark ``client``'s session as
    verified by it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TEST_DEVICE_NAME, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def verifying_force_login(force_login):
    """``Client.force_login`` that leaves a user who must use two-factor sign-in verified."""

    @functools.wraps(force_login)
    def wrapper(client, user, backend=None):
        force_login(client, user, backend)
        if must_verify(user):
            mark_verified(client, user)

    return wrapper


def app_code(device):
    """The code ``device``'s authenticator app shows for the first time step it will still accept:
    now, or the next step if a code of this step was used already (django-otp takes each step once),
    waiting for the clock when even that one is taken."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    step = max(totp.t(), device.last_t + 1)
    while step > totp.t() + device.tolerance:
        time.sleep(1)
    return f"{hotp(device.bin_key, step, device.digits):0{device.digits}d}"
