"""Named personas (STYLE §8), made through the real actions so tests use production's access code.

Each test gets its own personas here; tests that share one world built once per module (the
permission matrices) use ``crm.testing.world`` instead.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from crm.roles import ROLE_PERMISSIONS, sync_roles
from crm.testing.two_factor import verifying_force_login
from crm.testing.world import FAST_PASSWORD_HASHERS, PASSWORD, make_persona

# Tests sign in with the personas' password, imported from here.
__all__ = ["PASSWORD"]


@pytest.fixture
def roles(db):
    # migrate and every test flush make the role groups (crm.apps.ensure_reference_data); this
    # is the safety net, checked with one query because nearly every test asks for it.
    if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() < len(ROLE_PERMISSIONS):
        sync_roles()


@pytest.fixture
def admin(roles):
    return make_persona("admin")


@pytest.fixture
def supervisor_sue(roles):
    return make_persona("supervisor_sue")


@pytest.fixture
def manager_ann(roles):
    return make_persona("manager_ann")


@pytest.fixture
def manager_bob(roles):
    return make_persona("manager_bob")


@pytest.fixture
def viewer_vic(roles):
    return make_persona("viewer_vic")


@pytest.fixture
def superuser_sam(roles):
    return make_persona("superuser_sam")


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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A "replica" database alias mirroring the test database (a second connection to it), with or
    without DATABASE_REPLICA_URL, so the read replica's tests (crm/tests/test_replica.py) run
    everywhere; nothing reads it unless a test sets DATABASE_REPLICA (crm.replica)."""
    import copy

    from django.conf import settings
    from django.db import connections

    settings.DATABASE_REPLICA = None  # even when DATABASE_REPLICA_URL is set: tests opt in
    replica = copy.deepcopy(connections.settings["default"])
    replica["TEST"] = {**replica["TEST"], "MIRROR": "default", "NAME": None}
    connections.settings["replica"] = replica


@pytest.fixture(autouse=True)
def verified_force_login(monkeypatch):
    # A forced login of a superuser or administrator is a verified one (crm.testing.two_factor);
    # the two-factor tests sign in through the forms instead.
    monkeypatch.setattr(Client, "force_login", verifying_force_login(Client.force_login))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness would dominate a suite that makes six personas per test.
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS
