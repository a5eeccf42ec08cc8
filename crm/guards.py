"""A backstop under the admin forms: superuser-only permissions can't be granted at all.

The admin forms don't offer these permissions; this refuses them however the grant is attempted
(a forged POST, a shell, a future form), since holding one would let a non-superuser export or
move every customer.
"""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from crm.access import SUPERUSER_ONLY_PERMISSIONS


def superuser_only_permission_ids(pk_set=None):
    queryset = Permission.objects.all()
    if pk_set is not None:
        queryset = queryset.filter(pk__in=pk_set)
    ids = set()
    for pk, app_label, codename in queryset.values_list("pk", "content_type__app_label", "codename"):
        if f"{app_label}.{codename}" in SUPERUSER_ONLY_PERMISSIONS:
            ids.add(pk)
    return ids


def refuse_superuser_only_grants(sender, action, pk_set, reverse, **kwargs):
    if action != "pre_add" or not pk_set:
        return
    if reverse:
        # permission.group_set.add(...) / permission.user_set.add(...)
        instance = kwargs["instance"]
        if superuser_only_permission_ids({instance.pk}):
            raise PermissionDenied("superuser-only permissions cannot be granted")
        return
    if superuser_only_permission_ids(pk_set):
        raise PermissionDenied("superuser-only permissions cannot be granted")
