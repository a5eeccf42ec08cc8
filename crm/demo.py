"""Demo users, one per role; their passwords are printed by seed_demo and listed in the README."""

from django.contrib.auth import get_user_model

from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER, ADMINISTRATOR, SUPERVISOR, VIEWER

# username, password, full name, roles, superuser
DEMO_USERS = [
    ("admin", "crm-demo-admin", "王立", [ADMINISTRATOR], False),
    ("sue", "crm-demo-sue", "苏梅", [SUPERVISOR], False),
    ("ann", "crm-demo-ann", "安宁", [ACCOUNT_MANAGER], False),
    ("bob", "crm-demo-bob", "鲍波", [ACCOUNT_MANAGER], False),
    ("vic", "crm-demo-vic", "魏成", [VIEWER], False),
    ("sam", "crm-demo-sam", "沈默", [], True),
]


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
