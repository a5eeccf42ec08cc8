"""crm.backends.ModelPermissionBackend answers as Django's ModelBackend does, in one query."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from crm.backends import ModelPermissionBackend


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.django_db
def test_same_permissions_as_model_backend_for_every_persona(personas):
    user_with_own_permission = personas["viewer_vic"]
    user_with_own_permission.user_permissions.add(Permission.objects.get(codename="add_contact"))
    for name, persona in personas.items():
        if persona is None:
            continue
        ours = ModelPermissionBackend().get_all_permissions(_fresh(persona))
        django = ModelBackend().get_all_permissions(_fresh(persona))
        assert ours == django, name
    assert "customers.add_contact" in ModelPermissionBackend().get_all_permissions(_fresh(user_with_own_permission))
    assert "customers.view_customer" in ModelPermissionBackend().get_all_permissions(_fresh(personas["viewer_vic"]))


@pytest.mark.django_db
def test_one_query_then_cached(manager_ann, django_assert_num_queries):
    user = _fresh(manager_ann)
    with django_assert_num_queries(1):
        assert user.has_perm("customers.add_customer")
        assert not user.has_perm("customers.restore_customer")


@pytest.mark.django_db
def test_inactive_and_object_checks_get_nothing(supervisor_sue):
    backend = ModelPermissionBackend()
    user = _fresh(supervisor_sue)
    assert backend.get_all_permissions(user)
    assert backend.get_all_permissions(user, obj=object()) == set()
    user.is_active = False
    assert backend.get_all_permissions(_fresh(supervisor_sue)) and backend.get_all_permissions(user) == set()


@pytest.mark.django_db
def test_role_names_come_with_the_permissions(manager_ann, superuser_sam, django_assert_num_queries):
    from crm.actions import set_user_roles
    from crm.roles import ACCOUNT_MANAGER, VIEWER, role_names

    set_user_roles(user=manager_ann, roles=[VIEWER, ACCOUNT_MANAGER])
    user = _fresh(manager_ann)
    with django_assert_num_queries(1):
        assert user.has_perm("customers.add_customer")
        assert role_names(user) == sorted([ACCOUNT_MANAGER, VIEWER])
    superuser = _fresh(superuser_sam)
    with django_assert_num_queries(1):
        assert role_names(superuser) == []
        assert "customers.export_customer" in superuser.get_all_permissions()
