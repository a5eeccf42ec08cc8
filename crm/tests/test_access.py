import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404

from crm import access
from crm.models import DictionaryEntry

User = get_user_model()


def test_superuser_sees_every_user(superuser_sam, manager_ann):
    assert set(access.visible(superuser_sam, User)) >= {superuser_sam, manager_ann}


def test_administrator_sees_users_through_the_model_permission(admin, manager_ann):
    assert manager_ann in access.visible(admin, User)
    assert access.can(admin, "change", manager_ann)


def test_account_manager_sees_no_users_and_no_audit_rows(manager_ann, manager_bob):
    assert not access.visible(manager_ann, User).exists()
    assert not access.visible(manager_ann, LogEntry).exists()


def test_anonymous_and_inactive_users_see_nothing(django_user_model, manager_ann, admin):
    from django.contrib.auth.models import AnonymousUser

    assert not access.visible(AnonymousUser(), DictionaryEntry).exists()
    admin.is_active = False
    admin.save()
    assert not access.visible(admin, User).exists()
    assert not access.can(admin, "auditlog.view_logentry")


def test_get_or_404_hides_rows_out_of_scope(manager_ann, manager_bob):
    with pytest.raises(Http404):
        access.get_or_404(manager_ann, User, pk=manager_bob.pk)


def test_get_or_404_with_forbidden_action_on_visible_row_is_403(viewer_vic):
    entry = DictionaryEntry.objects.get(category="region", value="beijing")
    assert access.get_or_404(viewer_vic, DictionaryEntry, pk=entry.pk) == entry
    with pytest.raises(PermissionDenied):
        access.get_or_404(viewer_vic, DictionaryEntry, "change", pk=entry.pk)


def test_superuser_only_permissions_are_refused_to_everyone_else(personas):
    for name, user in personas.items():
        expected = name == "superuser_sam"
        assert access.can(user, "customers.export_customer") is expected, name
        assert access.can(user, "customers.transfer_customer") is expected, name


def test_require_raises_permission_denied(manager_ann):
    with pytest.raises(PermissionDenied):
        access.require(manager_ann, "auditlog.view_logentry")


def test_permitted_ids_answers_for_many_rows_in_one_query(admin, viewer_vic, django_assert_num_queries):
    ids = list(DictionaryEntry.objects.values_list("pk", flat=True)[:5])
    access.can(admin, "crm.change_dictionaryentry")  # loads the user's permission cache
    with django_assert_num_queries(1):
        assert access.permitted_ids(admin, DictionaryEntry, "change", ids) == set(ids)
    assert access.permitted_ids(viewer_vic, DictionaryEntry, "change", ids) == set()


def test_row_scopes_name_real_models():
    from django.apps import apps

    for label, scope in access.ROW_SCOPES.items():
        model = apps.get_model(label)
        if scope.through:
            model._meta.get_field(scope.through.split("__")[0])
        for field in scope.owner_fields:
            model._meta.get_field(field.split("__")[0])
