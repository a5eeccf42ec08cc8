"""The named personas (STYLE §8) and a test world built once and shared by many tests.

A permission matrix runs hundreds of rows against the same world. Building it once per module
and rolling back each row's own writes is what Django's ``TestCase.setUpTestData`` does; this is
the pytest form of it:

    @pytest.fixture(scope="module")
    def built_world(django_db_setup, django_db_blocker):
        yield from shared_world(build_world, django_db_blocker)

    @pytest.fixture
    def world(built_world, db):
        return copy_world(built_world)

``shared_world`` builds inside a transaction that stays open until the module's last test and is
then rolled back; each test's ``db`` fixture nests a savepoint inside it and rolls that back, so a
row that POSTs and succeeds leaves the next row the world as built. The built world is read back
from the database once, and each test gets its own deep copy of it (as ``setUpTestData``'s
attributes are copied): what a row did to its objects (a logged-in user's ``last_login``,
Django's and guardian's permission caches kept on the user object) never reaches the next row.
Tests take the copy, never ``built_world`` itself. A module using this must not hold
``transactional_db`` tests: they would flush the tables under the open transaction.
"""

import copy

from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.test import override_settings

from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER, ADMINISTRATOR, SUPERVISOR, VIEWER, sync_roles

PASSWORD = "correct-horse-battery"  # noqa: S105 (the test personas' password)
# PBKDF2's deliberate slowness would dominate tests that make six personas each.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Every signed-in persona: its roles and flags. The matrix columns follow this order.
PERSONA_ACCOUNTS = {
    "admin": {"roles": [ADMINISTRATOR]},
    "supervisor_sue": {"roles": [SUPERVISOR]},
    "manager_ann": {"roles": [ACCOUNT_MANAGER]},
    "manager_bob": {"roles": [ACCOUNT_MANAGER]},
    "viewer_vic": {"roles": [VIEWER]},
    "superuser_sam": {"is_superuser": True},
}


def make_persona(username):
    """The persona ``username`` as a user made by ``create_user`` with its roles (which must exist)."""
    account = PERSONA_ACCOUNTS[username]
    return create_user(
        username=username,
        password=PASSWORD,
        full_name=username.replace("_", " ").title(),
        email=f"{username}@example.com",
        roles=account.get("roles", ()),
        is_superuser=account.get("is_superuser", False),
    )


def make_personas():
    """Every persona by name, plus None for the anonymous visitor (role groups synced first)."""
    sync_roles()
    return {"anonymous": None, **{username: make_persona(username) for username in PERSONA_ACCOUNTS}}


def shared_world(build, django_db_blocker, using=DEFAULT_DB_ALIAS):
    """Generator for a module-scoped fixture: yields ``build()``'s world, built once inside a
    transaction that is rolled back after the module's last test (see the module docstring)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic(using=using)
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
                world = read_again(build())
        except BaseException:
            transaction.set_rollback(True, using=using)
            outer.__exit__(None, None, None)
            raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True, using=using)
            outer.__exit__(None, None, None)


def copy_world(world):
    """A private copy of a shared world for one test (deep: its objects and their caches too)."""
    return copy.deepcopy(world)


def read_again(world):
    """A copy of ``world`` (a dict, possibly of dicts) with every model instance read again from
    the database: one query per model, through its base manager (so rows in a recycle bin too)."""
    wanted = {}
    _collect(world, wanted)
    found = {model: model._base_manager.in_bulk(pks) for model, pks in wanted.items()}
    return _rebuild(world, found)


def _collect(value, wanted):
    if isinstance(value, models.Model):
        wanted.setdefault(type(value), set()).add(value.pk)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, wanted)


def _rebuild(value, found):
    if isinstance(value, models.Model):
        return found[type(value)][value.pk]
    if isinstance(value, dict):
        return {key: _rebuild(item, found) for key, item in value.items()}
    return value
