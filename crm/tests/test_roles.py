"""The role groups of SPEC §2: created by migration, idempotent, never holding superuser-only rights."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from crm.access import SUPERUSER_ONLY_PERMISSIONS
from crm.roles import ACCOUNT_MANAGER, ADMINISTRATOR, ROLE_PERMISSIONS, SUPERVISOR, VIEWER, sync_roles

ROLES = (ADMINISTRATOR, SUPERVISOR, ACCOUNT_MANAGER, VIEWER)


def perm_names(group):
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def permission(name):
    app_label, codename = name.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def snapshot():
    """Every group with its permission ids, and how many audit rows exist."""
    groups = {group.name: set(group.permissions.values_list("pk", flat=True)) for group in Group.objects.all()}
    return groups, LogEntry.objects.count()


@pytest.fixture
def superuser_only_permissions(db):
    """The superuser-only permissions as rows, before the customers app creates them itself."""
    rows = []
    for name in sorted(SUPERUSER_ONLY_PERMISSIONS):
        app_label, codename = name.split(".", 1)
        model = codename.split("_", 1)[1]
        content_type, _created = ContentType.objects.get_or_create(app_label=app_label, model=model)
        row, _created = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": codename}
        )
        rows.append(row)
    return rows


def test_the_four_role_groups_exist_after_migration(db):
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_holds_exactly_its_listed_permissions_after_migration(db, role):
    assert perm_names(Group.objects.get(name=role)) == set(ROLE_PERMISSIONS[role])


def test_administrator_role_may_manage_users_the_dictionary_and_read_the_audit_log(db):
    held = perm_names(Group.objects.get(name=ADMINISTRATOR))
    assert {
        "auth.change_user",
        "auth.change_group",
        "auditlog.view_logentry",
        "crm.change_dictionaryentry",
    } <= held


@pytest.mark.parametrize("role", [SUPERVISOR, ACCOUNT_MANAGER, VIEWER])
def test_other_roles_may_read_the_dictionary_but_not_manage_users_or_read_the_audit_log(db, role):
    held = perm_names(Group.objects.get(name=role))
    assert "crm.view_dictionaryentry" in held
    assert not held & {"auth.change_user", "auth.change_group", "auditlog.view_logentry"}
    assert "crm.change_dictionaryentry" not in held


def test_administrator_persona_holds_the_role_permissions(admin):
    assert admin.is_staff
    assert admin.has_perm("auth.change_user")
    assert admin.has_perm("auditlog.view_logentry")
    assert admin.has_perm("crm.change_dictionaryentry")


def test_syncing_roles_twice_changes_nothing(db):
    before = snapshot()
    sync_roles()
    sync_roles()
    assert snapshot() == before


def test_migrating_again_changes_nothing(db):
    before = snapshot()
    call_command("migrate", verbosity=0, interactive=False)
    assert snapshot() == before


def test_migrating_again_recreates_a_deleted_role_group(db):
    # Shows the migrate above really runs the post-migrate sync it is checked against.
    Group.objects.filter(name=VIEWER).delete()
    call_command("migrate", verbosity=0, interactive=False)
    assert perm_names(Group.objects.get(name=VIEWER)) == set(ROLE_PERMISSIONS[VIEWER])


def test_syncing_roles_keeps_a_permission_an_administrator_added_by_hand(db):
    viewers = Group.objects.get(name=VIEWER)
    extra = permission("crm.add_dictionaryentry")
    viewers.permissions.add(extra)
    sync_roles()
    assert viewers.permissions.filter(pk=extra.pk).exists()


def test_syncing_roles_restores_a_listed_permission_that_was_removed(db):
    viewers = Group.objects.get(name=VIEWER)
    viewers.permissions.remove(permission("crm.view_dictionaryentry"))
    sync_roles()
    assert "crm.view_dictionaryentry" in perm_names(viewers)


def test_syncing_roles_recreates_a_deleted_role_group(db):
    Group.objects.filter(name=SUPERVISOR).delete()
    sync_roles()
    assert perm_names(Group.objects.get(name=SUPERVISOR)) == set(ROLE_PERMISSIONS[SUPERVISOR])


def test_no_role_lists_a_superuser_only_permission():
    for role, perms in ROLE_PERMISSIONS.items():
        assert not set(perms) & SUPERUSER_ONLY_PERMISSIONS, role


def test_no_role_holds_a_superuser_only_permission_once_it_exists(superuser_only_permissions):
    sync_roles()
    ids = [row.pk for row in superuser_only_permissions]
    assert len(ids) == len(SUPERUSER_ONLY_PERMISSIONS)
    assert not Group.objects.filter(permissions__in=ids).exists()
