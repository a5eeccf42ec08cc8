"""Demo users, one per role; their passwords are printed by seed_demo and listed in the README.

The demo administrator and superuser sign in with a second factor like real ones (crm.two_factor):
seed_demo sets up an authenticator app for them with DEMO_TWO_FACTOR_KEY, a key published in the
README (so it is for the demo alone), and prints ten recovery codes each, which sign in without
a phone; ``seed_demo --recovery-codes`` prints new ones.
"""

from base64 import b32decode

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER, ADMINISTRATOR, SUPERVISOR, VIEWER
from crm.two_factor import APP_DEVICE_NAME, issue_recovery_codes, requires_two_factor

# username, password, full name, roles, superuser
DEMO_USERS = [
    ("admin", "crm-demo-admin", "王立", [ADMINISTRATOR], False),
    ("sue", "crm-demo-sue", "苏梅", [SUPERVISOR], False),
    ("ann", "crm-demo-ann", "安宁", [ACCOUNT_MANAGER], False),
    ("bob", "crm-demo-bob", "鲍波", [ACCOUNT_MANAGER], False),
    ("vic", "crm-demo-vic", "魏成", [VIEWER], False),
    ("sam", "crm-demo-sam", "沈默", [], True),
]


# The demo's authenticator key (base32, as an app takes it typed in). Published: never for real users.
DEMO_TWO_FACTOR_KEY = "MNZG2LLEMVWW6LLTMVRW63TEFVZXIZLQ"


def seed(*, stdout, options):
    """Create the demo users that are missing; existing accounts (and passwords) are left alone."""
    User = get_user_model()
    for username, password, full_name, roles, superuser in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        create_user(
            username=username,
            password=password,
            full_name=full_name,
            email=f"{username}@example.com",
            roles=roles,
            is_superuser=superuser,
        )
    stdout.write("Demo logins (username / password / role):")
    for username, password, _full_name, roles, superuser in DEMO_USERS:
        role = "Superuser" if superuser else ", ".join(roles)
        stdout.write(f"  {username:<6} {password:<16} {role}")
    seed_two_factor(stdout=stdout, new_codes=options.get("recovery_codes", False))


def seed_two_factor(*, stdout, new_codes=False):
    """Give each demo user who must sign in with a second factor an authenticator app with the demo
    key and recovery codes, printing the codes; with ``new_codes``, new codes for those who have it."""
    User = get_user_model()
    key = b32decode(DEMO_TWO_FACTOR_KEY).hex()
    printed = False
    for username, *_rest in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None or not requires_two_factor(user):
            continue
        has_app = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        if has_app and not new_codes:
            continue
        if not has_app:
            TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, key=key, confirmed=True)
        codes = issue_recovery_codes(actor=user)
        if not printed:
            stdout.write(
                "Two-factor sign-in (admin, sam): add the key "
                f"{DEMO_TWO_FACTOR_KEY} to an authenticator app (time-based, 6 digits), or type a recovery code:"
            )
            printed = True
        stdout.write(f"  {username:<6} {' '.join(codes)}")
