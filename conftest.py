"""Named personas (STYLE §8), made through the real actions so tests use production's access code."""

import pytest

from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER, ADMINISTRATOR, SUPERVISOR, VIEWER, sync_roles

PASSWORD = "correct-horse-battery"


@pytest.fixture
def roles(db):
    # Transactional tests flush the database; the role groups come back with this.
    sync_roles()


def _persona(username, role_names=(), **kwargs):
    return create_user(
        username=username,
        password=PASSWORD,
        full_name=username.replace("_", " ").title(),
        email=f"{username}@example.com",
        roles=role_names,
        **kwargs,
    )


@pytest.fixture
def admin(roles):
    return _persona("admin", [ADMINISTRATOR])


@pytest.fixture
def supervisor_sue(roles):
    return _persona("supervisor_sue", [SUPERVISOR])


@pytest.fixture
def manager_ann(roles):
    return _persona("manager_ann", [ACCOUNT_MANAGER])


@pytest.fixture
def manager_bob(roles):
    return _persona("manager_bob", [ACCOUNT_MANAGER])


@pytest.fixture
def viewer_vic(roles):
    return _persona("viewer_vic", [VIEWER])


@pytest.fixture
def superuser_sam(roles):
    return _persona("superuser_sam", is_superuser=True)


@pytest.fixture
def personas(admin, supervisor_sue, manager_ann, manager_bob, viewer_vic, superuser_sam):
    """Every persona by name, plus None for the anonymous visitor."""
    return {
        "anonymous": None,
        "admin": admin,
        "supervisor_sue": supervisor_sue,
        "manager_ann": manager_ann,
        "manager_bob": manager_bob,
        "viewer_vic": viewer_vic,
        "superuser_sam": superuser_sam,
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness would dominate a suite that makes six personas per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
