"""Authentication backends."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Q, Value

# Marks the rows of the permission query that are role (group) names, not permissions.
_ROLE = "role:"  # no app label has a colon


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
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            roles = Group.objects.filter(user=user_obj).values_list(Value(_ROLE, output_field=CharField()), "name")
            rows = permissions.values_list("content_type__app_label", "codename").order_by().union(roles)
            perms, role_names = set(), []
            for app_label, name in rows:
                if app_label == _ROLE:
                    role_names.append(name)
                else:
                    perms.add(f"{app_label}.{name}")
            user_obj._perm_cache = perms
            user_obj._role_names = sorted(role_names)
        return user_obj._perm_cache
