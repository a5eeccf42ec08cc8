"""A non-superuser administrator cannot hand out what only superusers hold (SPEC §2).

``customers.export_customer`` is created here by hand because the customers app has no models
yet; the rule that guards it lives in ``crm.access.SUPERUSER_ONLY_PERMISSIONS``.
"""

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction

from conftest import PASSWORD
from crm import access
from crm.roles import ADMINISTRATOR, VIEWER

User = get_user_model()

SKIPPED_INPUT_TYPES = {"submit", "button", "image", "reset", "file"}


class _FormReader(HTMLParser):
    """Reads one <form> the way a browser would submit it, plus every <select>'s offered values."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = {}
        self.options = {}
        self._select = None
        self._select_multiple = False
        self._select_chosen = False
        self._select_first = None
        self._textarea = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "name" not in attrs and tag in {"input", "select", "textarea"}:
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in SKIPPED_INPUT_TYPES:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self._add(attrs["name"], attrs.get("value") or "on")
                return
            self._add(attrs["name"], attrs.get("value") or "")
        elif tag == "select":
            self._select = attrs["name"]
            self._select_multiple = "multiple" in attrs
            self._select_chosen = False
            self._select_first = None
            self.options.setdefault(self._select, [])
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self.options[self._select].append(value)
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._select_chosen = True
                self._add(self._select, value)
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._add(self._textarea, "")

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "select" and self._select is not None:
            if not self._select_multiple and not self._select_chosen and self._select_first is not None:
                self._add(self._select, self._select_first)
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self._textarea is not None:
            self.data[self._textarea][-1] += data


def read_form(response, form_id):
    """(data a browser would post, {select name: offered option values}) of one rendered form."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    return reader.data, reader.options


def user_change_url(user):
    return f"/admin/auth/user/{user.pk}/change/"


def group_change_url(group):
    return f"/admin/auth/group/{group.pk}/change/"


@pytest.fixture
def export_permission(db):
    content_type, _created = ContentType.objects.get_or_create(app_label="customers", model="customer")
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename="export_customer", defaults={"name": "Can export customers"}
    )
    return permission


@pytest.fixture
def change_user_permission(db):
    return Permission.objects.get(content_type__app_label="auth", codename="change_user")


def holds(user, perm):
    # A fresh instance: has_perm caches the permissions of the instance it was asked on.
    return User.objects.get(pk=user.pk).has_perm(perm)


@pytest.mark.parametrize("persona", ["admin", "superuser_sam"])
def test_nobody_is_offered_the_export_permission_in_the_user_form(
    client, request, persona, manager_ann, export_permission, change_user_permission
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(user_change_url(manager_ann))
    assert response.status_code == 200
    _data, options = read_form(response, "user_form")
    assert str(change_user_permission.pk) in options["user_permissions"]
    assert str(export_permission.pk) not in options["user_permissions"]


@pytest.mark.parametrize("persona", ["admin", "superuser_sam"])
def test_nobody_is_offered_the_export_permission_in_the_group_form(
    client, request, persona, export_permission, change_user_permission
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(group_change_url(Group.objects.get(name=VIEWER)))
    assert response.status_code == 200
    _data, options = read_form(response, "group_form")
    assert str(change_user_permission.pk) in options["permissions"]
    assert str(export_permission.pk) not in options["permissions"]


def test_administrator_can_save_the_user_form_as_rendered(client, admin, manager_ann):
    # The control for the forged posts below: the form data read from the page is complete.
    client.force_login(admin)
    data, _options = read_form(client.get(user_change_url(manager_ann)), "user_form")
    data["first_name"] = "Ann Renamed"
    response = client.post(user_change_url(manager_ann), {**data, "_save": "1"})
    assert response.status_code == 302
    manager_ann.refresh_from_db()
    assert manager_ann.first_name == "Ann Renamed"


def test_administrator_cannot_grant_export_permission_by_a_forged_user_form(
    client, admin, manager_ann, export_permission
):
    client.force_login(admin)
    data, _options = read_form(client.get(user_change_url(manager_ann)), "user_form")
    data["user_permissions"] = [str(export_permission.pk)]
    response = client.post(user_change_url(manager_ann), {**data, "_save": "1"})
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"user_permissions"}
    assert not manager_ann.user_permissions.filter(pk=export_permission.pk).exists()
    assert not holds(manager_ann, "customers.export_customer")


def test_administrator_cannot_grant_export_permission_by_a_forged_group_form(
    client, admin, manager_ann, export_permission
):
    viewers = Group.objects.get(name=VIEWER)
    client.force_login(admin)
    data, _options = read_form(client.get(group_change_url(viewers)), "group_form")
    data["permissions"] = [*data.get("permissions", []), str(export_permission.pk)]
    response = client.post(group_change_url(viewers), {**data, "_save": "1"})
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"permissions"}
    assert not viewers.permissions.filter(pk=export_permission.pk).exists()


def test_administrator_cannot_make_another_user_superuser_by_a_forged_post(client, admin, manager_ann):
    client.force_login(admin)
    data, _options = read_form(client.get(user_change_url(manager_ann)), "user_form")
    assert "is_superuser" not in data
    data.update(is_superuser="on", first_name="Ann Forged")
    response = client.post(user_change_url(manager_ann), {**data, "_save": "1"})
    assert response.status_code == 302
    manager_ann.refresh_from_db()
    assert manager_ann.first_name == "Ann Forged"  # the post was saved, the flag ignored
    assert not manager_ann.is_superuser


def test_administrator_cannot_make_themselves_superuser_by_a_forged_post(client, admin):
    client.force_login(admin)
    data, _options = read_form(client.get(user_change_url(admin)), "user_form")
    data["is_superuser"] = "on"
    response = client.post(user_change_url(admin), {**data, "_save": "1"})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert not admin.is_superuser


def test_superuser_can_make_a_user_superuser(client, superuser_sam, manager_ann):
    # The control for the two tests above: the flag is in the form, just not for administrators.
    client.force_login(superuser_sam)
    data, _options = read_form(client.get(user_change_url(manager_ann)), "user_form")
    data["is_superuser"] = "on"
    response = client.post(user_change_url(manager_ann), {**data, "_save": "1"})
    assert response.status_code == 302
    manager_ann.refresh_from_db()
    assert manager_ann.is_superuser


def test_administrator_sees_a_superusers_account_read_only(client, admin, superuser_sam):
    client.force_login(admin)
    response = client.get(user_change_url(superuser_sam))
    assert response.status_code == 200
    data, _options = read_form(response, "user_form")
    assert "username" not in data  # no editable fields, only the read-only display
    assert b'name="_save"' not in response.content


def test_administrator_cannot_change_a_superuser_by_post(client, admin, superuser_sam, manager_ann):
    client.force_login(admin)
    # Data of a valid form, as a superuser's page would have had it if it were editable.
    data, _options = read_form(client.get(user_change_url(manager_ann)), "user_form")
    data.update(username=superuser_sam.username, first_name="Taken Over", email="evil@example.com")
    response = client.post(user_change_url(superuser_sam), {**data, "_save": "1"})
    assert response.status_code == 403
    superuser_sam.refresh_from_db()
    assert superuser_sam.first_name != "Taken Over"
    assert superuser_sam.email == "superuser_sam@example.com"


def test_administrator_cannot_delete_a_superuser(client, admin, superuser_sam):
    client.force_login(admin)
    url = f"/admin/auth/user/{superuser_sam.pk}/delete/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=superuser_sam.pk).exists()


def test_administrator_cannot_change_a_superusers_password(client, admin, superuser_sam):
    client.force_login(admin)
    url = f"/admin/auth/user/{superuser_sam.pk}/password/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": "a-new-Secret-42", "password2": "a-new-Secret-42"})
    assert response.status_code == 403
    superuser_sam.refresh_from_db()
    assert superuser_sam.check_password(PASSWORD)
    assert not superuser_sam.check_password("a-new-Secret-42")


def test_administrator_can_change_an_ordinary_users_password(client, admin, manager_ann):
    # The control for the test above: the password page itself works for administrators.
    client.force_login(admin)
    url = f"/admin/auth/user/{manager_ann.pk}/password/"
    response = client.post(url, {"password1": "a-new-Secret-42", "password2": "a-new-Secret-42"})
    assert response.status_code == 302
    manager_ann.refresh_from_db()
    assert manager_ann.check_password("a-new-Secret-42")


def test_export_permission_cannot_be_added_to_a_group_directly(export_permission):
    group = Group.objects.get(name=ADMINISTRATOR)
    with pytest.raises(PermissionDenied), transaction.atomic():
        group.permissions.add(export_permission)
    assert not group.permissions.filter(pk=export_permission.pk).exists()


def test_export_permission_cannot_be_added_to_a_user_directly(manager_ann, export_permission):
    with pytest.raises(PermissionDenied), transaction.atomic():
        manager_ann.user_permissions.add(export_permission)
    assert not holds(manager_ann, "customers.export_customer")


def test_export_permission_cannot_be_set_on_a_group_from_the_permission_side(export_permission):
    group = Group.objects.get(name=ADMINISTRATOR)
    with pytest.raises(PermissionDenied), transaction.atomic():
        export_permission.group_set.add(group)
    with pytest.raises(PermissionDenied), transaction.atomic():
        group.permissions.set([export_permission])
    assert not group.permissions.filter(pk=export_permission.pk).exists()


def test_export_permission_cannot_be_set_on_a_user_from_the_permission_side(manager_ann, export_permission):
    with pytest.raises(PermissionDenied), transaction.atomic():
        export_permission.user_set.add(manager_ann)
    assert not holds(manager_ann, "customers.export_customer")


def test_ordinary_permissions_can_still_be_granted_directly(manager_ann, change_user_permission):
    # The control for the guard tests above: only superuser-only permissions are refused.
    manager_ann.user_permissions.add(change_user_permission)
    assert holds(manager_ann, "auth.change_user")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", False),
        ("supervisor_sue", False),
        ("manager_ann", False),
        ("manager_bob", False),
        ("viewer_vic", False),
        ("superuser_sam", True),
    ],
)
@pytest.mark.parametrize("perm", sorted(access.SUPERUSER_ONLY_PERMISSIONS))
def test_only_the_superuser_may_export_or_transfer(request, persona, expected, perm, export_permission):
    assert access.can(request.getfixturevalue(persona), perm) is expected
