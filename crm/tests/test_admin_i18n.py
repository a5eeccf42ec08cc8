"""The Django admin in Chinese says everything the project controls in Chinese (issue 10): the
apps' and models' names (axes' too), roles as 角色 by their translated names, permissions in words.
"""

import html
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import translation

from crm.admin import permission_label
from crm.roles import ACCOUNT_MANAGER, ADMINISTRATOR, ROLE_PERMISSIONS, SUPERVISOR, VIEWER, role_label
from crm.tests.test_admin_escalation import read_form

pytestmark = pytest.mark.django_db

# English the admin used to show in Chinese, for things the project controls or can translate.
ENGLISH = [
    "Axes",
    "Guardian",
    "Access attempts",
    "Access failures",
    "Access logs",
    "access attempt",
    "access log",
    "Model name",
    "Add link",
    "Change or view list link",
    ACCOUNT_MANAGER,
    ADMINISTRATOR,
    SUPERVISOR,
    VIEWER,
    "Can add",
    "Can change",
    "Can delete",
    "Can view",
    "Can see",
    "Can share",
    "code sequence",
    "object permission",
    "dictionary entry",
    "Login protection",
]
# On pages without people's data, any Latin word at all must be one of these.
LATIN_ALLOWED = {"Control", "Command", "Mac", "IP", "GET", "POST", "HTTP", "SHA"}


def visible_text(response):
    """What a reader sees or hears: text, and the title, placeholder and aria-label attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    attributes = re.findall(r'\b(?:title|placeholder|aria-label)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", "\n", page)
    return html.unescape("\n".join([text, *attributes]))


def allowed_for(user):
    """The Latin words a page may hold besides LATIN_ALLOWED: the signed-in user's name (data)."""
    return LATIN_ALLOWED | set(user.get_full_name().split()) | {user.get_username()}


def page(client, user, url, language="zh-hans"):
    client.force_login(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return visible_text(response)


def assert_chinese(text, *, latin_allowed=None):
    found = [word for word in ENGLISH if word in text]
    assert not found, found
    assert "组" not in text  # a role is 角色
    if latin_allowed is not None:
        latin = set(re.findall(r"[A-Za-z]{2,}", text)) - latin_allowed
        assert not latin, latin


@pytest.fixture(params=["superuser_sam", "admin"])
def staff(request):
    return request.getfixturevalue(request.param)


def test_the_admin_index_is_all_chinese(client, staff):
    text = page(client, staff, "/admin/")
    assert_chinese(text, latin_allowed=allowed_for(staff))
    assert "角色" in text
    if staff.is_superuser:
        assert "登录保护" in text and "登录尝试" in text


def test_every_roles_change_page_is_all_chinese_with_permissions_in_words(client, staff):
    for name in ROLE_PERMISSIONS:
        group = Group.objects.get(name=name)
        text = page(client, staff, f"/admin/auth/group/{group.pk}/change/")
        assert_chinese(text, latin_allowed=allowed_for(staff))
        with translation.override("zh-hans"):
            assert str(role_label(name)) in text
        assert "可以查看客户" in text


def test_the_role_list_names_roles_in_chinese(client, staff):
    text = page(client, staff, "/admin/auth/group/")
    for name in ROLE_PERMISSIONS:
        with translation.override("zh-hans"):
            assert str(role_label(name)) in text
    # the row checkboxes' labels for screen readers still name the group key; the visible list doesn't
    visible = re.sub(r"选择此对象执行操作 - [^\n]*", "", text)
    assert_chinese(visible, latin_allowed=allowed_for(staff))


def test_a_users_change_page_is_all_chinese(client, staff, manager_ann):
    text = page(client, staff, f"/admin/auth/user/{manager_ann.pk}/change/")
    assert_chinese(text)
    assert "客户经理" in text  # the role, in the groups box


def test_english_pages_keep_english_names(client, superuser_sam):
    text = page(client, superuser_sam, "/admin/", language="en")
    assert "Login protection" in text and "Access attempts" in text
    group = Group.objects.get(name=ACCOUNT_MANAGER)
    text = page(client, superuser_sam, f"/admin/auth/group/{group.pk}/change/", language="en")
    assert "Account manager" in text and "Can view customer" in text


@pytest.mark.parametrize(
    ("permission", "expected"),
    [
        ("customers.view_customer", "客户 | 客户 | 可以查看客户"),
        ("customers.share_customer", "客户 | 客户 | 可以将客户共享给其他客户经理"),
        ("auth.change_group", "认证和授权 | 角色 | 可以修改角色"),
        ("axes.view_accessattempt", "登录保护 | 登录尝试 | 可以查看登录尝试"),
        ("customers.view_codesequence", "客户 | 客户编号序列 | 可以查看客户编号序列"),
    ],
)
def test_a_permission_reads_in_the_users_language(permission, expected):
    app_label, codename = permission.split(".")
    row = Permission.objects.select_related("content_type").get(content_type__app_label=app_label, codename=codename)
    with translation.override("zh-hans"):
        assert permission_label(row) == expected


def test_a_built_in_roles_name_is_a_key_that_cannot_be_renamed(client, admin):
    group = Group.objects.get(name=VIEWER)
    url = f"/admin/auth/group/{group.pk}/change/"
    client.force_login(admin)
    data, _options = read_form(client.get(url), "group_form")
    assert "name" not in data
    response = client.post(url, {**data, "name": "Hacked", "_save": "1"})
    assert response.status_code == 302
    assert Group.objects.filter(pk=group.pk, name=VIEWER).exists()


def test_another_group_is_named_freely(client, admin):
    client.force_login(admin)
    assert client.post("/admin/auth/group/add/", {"name": "华东区", "_save": "1"}).status_code == 302
    group = Group.objects.get(name="华东区")
    text = page(client, admin, f"/admin/auth/group/{group.pk}/change/")
    assert "华东区" in text


def test_the_user_list_filters_by_role_in_chinese(client, admin, manager_ann, viewer_vic):
    managers = Group.objects.get(name=ACCOUNT_MANAGER)
    client.force_login(admin)
    response = client.get("/admin/auth/user/", {"role": managers.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    listed = {user.username for user in response.context["cl"].result_list}
    assert "manager_ann" in listed and "viewer_vic" not in listed
    assert "客户经理" in visible_text(response)
    assert client.get("/admin/auth/user/", {"role": "x"}).status_code in (200, 302)


def test_the_pickers_javascript_help_is_chinese(client, admin):
    # The role and permission pickers draw their help with the admin's JavaScript catalogue;
    # Django's own Chinese one lacks these (locale/zh_Hans/LC_MESSAGES/djangojs.po adds them).
    client.force_login(admin)
    catalogue = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode("unicode_escape")
    for english, chinese in (
        ("Choose all %s", "选择全部%s"),
        ("Remove selected %s", "移除选中的%s"),
        ("(click to clear)", "（点击清除）"),
    ):
        assert f'"{english}": "{chinese}"' in catalogue
