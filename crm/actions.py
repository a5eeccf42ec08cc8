"""Writes of the core: user accounts and their roles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from crm.roles import ADMINISTRATOR, ROLE_PERMISSIONS


@transaction.atomic
def set_user_roles(*, user, roles):
    """Make ``user`` hold exactly the named roles; raises ValueError for an unknown role."""
    unknown = set(roles) - set(ROLE_PERMISSIONS)
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
    groups = list(Group.objects.filter(name__in=roles))
    if len(groups) != len(set(roles)):
        raise ValueError("role groups are missing: run migrate")
    user.groups.set(groups)
    return user


@transaction.atomic
def create_user(*, username, password, full_name="", email="", roles=(), is_staff=False, is_superuser=False):
    """Create an active user with the given roles. Administrators also get admin-site access."""
    user = get_user_model()(
        username=username,
        first_name=full_name,
        email=email,
        is_staff=is_staff or is_superuser or ADMINISTRATOR in roles,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    set_user_roles(user=user, roles=roles)
    return user
