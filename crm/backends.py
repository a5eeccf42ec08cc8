"""Authentication backends."""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router


class ModelPermissionBackend(ModelBackend):
    """Django's ModelBackend, reading a user's own and role (group) permissions, and the names of
    their roles, in one query.

    Django reads the two sets of permissions in separate queries on every request that checks a
    permission, and every page of this app does (menu, buttons, row scope); every page also shows
    the user's roles. The permissions are the same as ModelBackend's; the role names are left on
    the user as ``_role_names`` (crm.roles.role_names reads them).
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            perms, role_names = set(), []
            connection = connections[router.db_for_read(Permission)]
            with connection.cursor() as cursor:
                sql = _permissions_sql(connection.alias, everything=user_obj.is_superuser)
                cursor.execute(sql, [user_obj.pk] * sql.count("%s"))
                for app_label, name in cursor.fetchall():
                    if app_label is None:
                        role_names.append(name)
                    else:
                        perms.add(f"{app_label}.{name}")
            user_obj._perm_cache = perms
            user_obj._role_names = sorted(role_names)
        return user_obj._perm_cache


@functools.cache
def _permissions_sql(alias, everything):
    """The statement reading a user's permissions as (app label, codename) rows and their roles as
    (NULL, role name) rows; ``everything``: every permission (a superuser).

    Written out rather than built by the ORM on every request: the ORM's "own OR role" filter over
    LEFT JOINs made PostgreSQL join every user's roles to every permission (1.5 ms of the database
    on every page), and building and compiling the UNION cost the app about as much again.
    Table and column names come from the models, quoted by the database ``alias``'s rules; the
    user's id is the statement's only parameter."""
    quote = connections[alias].ops.quote_name
    User = get_user_model()
    own = User.user_permissions.through
    granted = Group.permissions.through
    member = User.groups.through

    def table(model):
        return quote(model._meta.db_table)

    def column(model, field):
        return quote(model._meta.get_field(field).column)

    if everything:
        chosen = ""
    else:
        # Names from the models, quoted; the user's id a parameter.
        chosen = (
            f" WHERE p.{column(Permission, 'id')} IN ("  # noqa: S608
            f"SELECT {column(own, 'permission')} FROM {table(own)} WHERE {column(own, 'user')} = %s UNION "
            f"SELECT gp.{column(granted, 'permission')} FROM {table(granted)} gp JOIN {table(member)} ug"
            f" ON ug.{column(member, 'group')} = gp.{column(granted, 'group')} WHERE ug.{column(member, 'user')} = %s)"
        )
    return (
        f"SELECT ct.{column(ContentType, 'app_label')}, p.{column(Permission, 'codename')}"  # noqa: S608
        f" FROM {table(Permission)} p JOIN {table(ContentType)} ct"
        f" ON ct.{column(ContentType, 'id')} = p.{column(Permission, 'content_type')}{chosen}"
        f" UNION ALL SELECT NULL, g.{column(Group, 'name')} FROM {table(Group)} g JOIN {table(member)} ug"
        f" ON ug.{column(member, 'group')} = g.{column(Group, 'id')} WHERE ug.{column(member, 'user')} = %s"
    )
