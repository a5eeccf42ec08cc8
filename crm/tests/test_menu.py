"""The main menu and the dashboard's role line, per persona and language (SPEC §2: unusable links hidden)."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse

from crm.actions import set_user_roles
from crm.apps import project_app_configs
from crm.context_processors import NAVIGATION
from crm.roles import ACCOUNT_MANAGER, VIEWER

ALL_SIGNED_IN = ("admin", "supervisor_sue", "manager_ann", "manager_bob", "viewer_vic", "superuser_sam")
WITH_ADMIN_LINKS = {"admin", "superuser_sam"}

# SPEC §2's Chinese role names.
ROLE_NAMES = {
    "admin": ("Administrator", "系统管理员"),
    "supervisor_sue": ("Sales supervisor", "销售主管"),
    "manager_ann": ("Account manager", "客户经理"),
    "manager_bob": ("Account manager", "客户经理"),
    "viewer_vic": ("Viewer", "查询用户"),
    "superuser_sam": ("Superuser", "超级管理员"),
}


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def main_menu(response):
    """{href: link text} of the main menu."""
    assert response.status_code == 200
    block = re.search(r'<ul[^>]*data-testid="main-menu"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    assert block, "the page has no main menu"
    return {
        href: text_of(label)
        for href, label in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>(.*?)</a>', block.group(1), re.S)
    }


def dashboard_roles(response):
    match = re.search(r'data-testid="dashboard-roles">(.*?)</span>', response.content.decode(), re.S)
    assert match, "the dashboard shows no roles"
    return text_of(match.group(1))


def get_dashboard(client, user, language=None, how="cookie"):
    client.force_login(user)
    if language and how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client.get("/")
    if language:
        return client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    return client.get("/")


@pytest.mark.parametrize("persona", ALL_SIGNED_IN)
def test_main_menu_shows_audit_and_administration_only_to_administrators(client, request, persona):
    menu = main_menu(get_dashboard(client, request.getfixturevalue(persona), "en"))
    assert menu.get("/") == "Dashboard"
    if persona in WITH_ADMIN_LINKS:
        assert menu.get("/audit/") == "Audit log"
        assert menu.get("/admin/") == "Administration"
    else:
        assert "/audit/" not in menu
        assert "/admin/" not in menu
        assert "Audit log" not in menu.values()
        assert "Administration" not in menu.values()


@pytest.mark.parametrize("persona", ["admin", "superuser_sam"])
def test_main_menu_is_in_chinese_by_default(client, request, persona):
    menu = main_menu(get_dashboard(client, request.getfixturevalue(persona)))
    assert menu.get("/") == "工作台"
    assert menu.get("/audit/") == "审计日志"
    assert menu.get("/admin/") == "系统管理"


def test_main_menu_follows_the_browsers_language(client, admin):
    menu = main_menu(get_dashboard(client, admin, "en", how="header"))
    assert menu.get("/audit/") == "Audit log"


def test_chinese_browser_gets_the_chinese_menu(client, admin):
    menu = main_menu(get_dashboard(client, admin, "zh-CN,zh;q=0.9", how="header"))
    assert menu.get("/audit/") == "审计日志"


def test_language_switch_changes_the_menu_language(client, admin):
    client.force_login(admin)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert main_menu(client.get("/")).get("/audit/") == "Audit log"


def test_anonymous_visitor_is_redirected_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ALL_SIGNED_IN)
def test_dashboard_shows_the_users_role_name_in_chinese(client, request, persona):
    _english, chinese = ROLE_NAMES[persona]
    roles = dashboard_roles(get_dashboard(client, request.getfixturevalue(persona)))
    assert roles == chinese


@pytest.mark.parametrize("persona", ALL_SIGNED_IN)
def test_dashboard_shows_the_users_role_name_in_english(client, request, persona):
    english, _chinese = ROLE_NAMES[persona]
    roles = dashboard_roles(get_dashboard(client, request.getfixturevalue(persona), "en"))
    assert roles == english


def test_dashboard_lists_every_role_a_user_holds(client, manager_ann):
    set_user_roles(user=manager_ann, roles=[ACCOUNT_MANAGER, VIEWER])
    roles = dashboard_roles(get_dashboard(client, manager_ann, "en"))
    assert sorted(part.strip() for part in roles.split("·")) == ["Account manager", "Viewer"]


# Every menu entry's URL name and permission (crm/context_processors.py NAVIGATION). The menu
# leaves out an entry whose URL doesn't resolve, so a typo would hide it without an error.

# Entries for pages that don't exist yet; each shows up in the menu once its URL does. Take an
# entry off this list when its page arrives (a test below fails until you do).
NOT_BUILT_YET = {"services:list", "customers:loss_list", "reports:index"}


def resolves(url_name):
    try:
        reverse(url_name)
    except NoReverseMatch:
        return False
    return True


def test_every_menu_entry_names_a_url_that_resolves():
    broken = [name for _label, name, _icon, _need in NAVIGATION if name not in NOT_BUILT_YET and not resolves(name)]
    assert not broken, f"menu entries whose URL name doesn't resolve: {broken}"


def test_menu_entries_waiting_for_their_page_are_still_waiting():
    assert NOT_BUILT_YET.issubset(name for _label, name, _icon, _need in NAVIGATION)
    arrived = sorted(name for name in NOT_BUILT_YET if resolves(name))
    assert not arrived, f"these pages exist now; take them off NOT_BUILT_YET: {arrived}"


def test_every_menu_entry_needs_a_permission_or_module_that_exists(db):
    apps_with_menus = {config.label for config in project_app_configs()}
    for _label, name, _icon, need in NAVIGATION:
        if need is None:
            continue
        if need.startswith("module:"):
            assert need.removeprefix("module:") in apps_with_menus, name
        else:
            app_label, codename = need.split(".", 1)
            assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), name


def test_superuser_menu_holds_every_built_entry_and_each_opens(client, superuser_sam):
    built = {reverse(name): str(label) for label, name, _icon, _need in NAVIGATION if name not in NOT_BUILT_YET}
    menu = main_menu(get_dashboard(client, superuser_sam, "en"))
    assert {href: text for href, text in menu.items() if href != "/admin/"} == built
    for url in built:
        assert client.get(url).status_code == 200, url
