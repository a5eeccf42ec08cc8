"""The main menu and the dashboard's role line, per persona and language (SPEC §2: unusable links hidden)."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse

from crm.actions import set_user_roles
from crm.apps import project_app_configs
from crm.context_processors import MENU_COUNTS, NAVIGATION, SUBMENUS
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


class MenuLinks(HTMLParser):
    """The links of the main menu (``<ul data-testid="main-menu">``), each with the entry it
    belongs to: None for an entry of the menu itself, else the href of the dropdown's toggle."""

    def __init__(self):
        super().__init__()
        self.lists = []  # for each open <ul>: True if it is the main menu or inside it
        self.toggle = None  # the open dropdown's toggle href
        self.link = None  # [href, text parts, dropdown] of the open <a>
        self.links = []

    def in_menu(self):
        return bool(self.lists) and self.lists[-1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ul":
            self.lists.append(attrs.get("data-testid") == "main-menu" or self.in_menu())
        elif tag == "a" and self.in_menu():
            nested = sum(self.lists) > 1
            self.link = [attrs.get("href"), [], self.toggle if nested else None]
            if "dropdown-toggle" in (attrs.get("class") or ""):
                self.toggle = attrs.get("href")

    def handle_endtag(self, tag):
        if tag == "ul" and self.lists:
            if sum(self.lists) == 2:
                self.toggle = None
            self.lists.pop()
        elif tag == "a" and self.link:
            href, parts, parent = self.link
            self.links.append((parent, href, " ".join("".join(parts).split())))
            self.link = None

    def handle_data(self, data):
        if self.link:
            self.link[1].append(data)


def menu_links(response):
    assert response.status_code == 200
    parser = MenuLinks()
    parser.feed(response.content.decode())
    assert parser.links, "the page has no main menu"
    return parser.links


def main_menu(response):
    """{href: link text} of the main menu's own entries (a dropdown's toggle, not its items)."""
    return {href: text for parent, href, text in menu_links(response) if parent is None}


def submenu(response, href):
    """[(href, text)] of the dropdown under the main menu entry ``href``."""
    return [(link, text) for parent, link, text in menu_links(response) if parent == href]


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
NOT_BUILT_YET = set()


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


# --- the services dropdown ------------------------------------------------------------------------

SERVICES = "/services/"
# The services dropdown per persona: (href, English, Chinese) of each page the persona has.
CREATE = ("/services/new/", "New service request", "服务创建")
ASSIGN = ("/services/assign/", "Assign requests", "服务分配")
HANDLE = ("/services/handle/", "Handle requests", "服务处理")
FEEDBACK = ("/services/feedback/", "Give feedback", "服务反馈")
ARCHIVE = ("/services/archive/", "Service archive", "服务归档")
EVERY = ("/services/", "All service requests", "全部服务请求")
SERVICES_DROPDOWN = {
    "supervisor_sue": [CREATE, ASSIGN, HANDLE, FEEDBACK, ARCHIVE, EVERY],
    "superuser_sam": [CREATE, ASSIGN, HANDLE, FEEDBACK, ARCHIVE, EVERY],
    "manager_ann": [CREATE, HANDLE, FEEDBACK, ARCHIVE, EVERY],
    "manager_bob": [CREATE, HANDLE, FEEDBACK, ARCHIVE, EVERY],
    "viewer_vic": [ARCHIVE, EVERY],
    "admin": [ARCHIVE, EVERY],
}


@pytest.mark.parametrize("persona", ALL_SIGNED_IN)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_services_entry_is_a_dropdown_of_the_pages_the_user_has(client, request, persona, language):
    response = get_dashboard(client, request.getfixturevalue(persona), language)
    assert main_menu(response)[SERVICES] == ("Services" if language == "en" else "客户服务")
    column = 1 if language == "en" else 2
    expected = [(entry[0], entry[column]) for entry in SERVICES_DROPDOWN[persona]]
    assert submenu(response, SERVICES) == expected


@pytest.mark.parametrize("persona", ALL_SIGNED_IN)
def test_every_page_of_the_services_dropdown_opens(client, request, persona):
    response = get_dashboard(client, request.getfixturevalue(persona), "en")
    for href, _text in submenu(response, SERVICES):
        assert client.get(href).status_code == 200, href


def test_the_services_entry_is_a_link_to_the_list_without_javascript(client, manager_ann):
    # Bootstrap's dropdown opens on the toggle; without JavaScript the toggle is a plain link.
    page = get_dashboard(client, manager_ann, "en").content.decode()
    toggles = re.findall(r'<a class="nav-link dropdown-toggle[^"]*" href="([^"]+)"', page)
    assert SERVICES in toggles


def test_the_menu_asks_for_the_queue_counts_once_after_the_page_and_has_a_badge_for_each(client, supervisor_sue):
    page = get_dashboard(client, supervisor_sue, "en").content.decode()
    # (The dashboard's reports card loads its figures after the page too: its own request.)
    assert page.count('hx-get="/services/counts/"') == 1
    assert re.search(
        r'hx-get="/services/counts/" hx-trigger="load, services-counts-changed from:body" hx-swap="none"', page
    )
    for name in ("services", "assign", "handle", "feedback"):
        assert f'id="menu-count-{name}"' in page, name


def test_a_user_without_queues_gets_no_queue_badges(client, viewer_vic):
    page = get_dashboard(client, viewer_vic, "en").content.decode()
    assert not re.search(r'id="menu-count-(assign|handle|feedback)"', page)


def test_the_services_entry_is_marked_current_on_each_services_page(client, manager_ann):
    client.force_login(manager_ann)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/services/handle/").content.decode()
    assert re.search(r'<a class="nav-link dropdown-toggle active" href="/services/"', page)
    assert re.search(r'<a class="dropdown-item[^"]* active" href="/services/handle/" aria-current="page"', page)


def test_every_dropdown_entry_and_count_names_a_url_and_permission_that_exist(db):
    for parent, children in SUBMENUS.items():
        assert parent in {name for _label, name, _icon, _need in NAVIGATION}
        for _label, name, _icon, need, _count in children:
            assert resolves(name), name
            if need is not None:
                app_label, codename = need.split(".", 1)
                assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), name
    assert all(resolves(name) for name in MENU_COUNTS.values())


# The menus are kept per process (crm.context_processors._menu), keyed by what decides them.


def test_a_user_whose_roles_change_gets_the_menu_of_the_new_roles_at_once(client, manager_ann):
    from crm.roles import SUPERVISOR

    before = submenu(get_dashboard(client, manager_ann, "en"), reverse("services:list"))
    assert reverse("services:assign_queue") not in [href for href, _text in before]
    set_user_roles(user=manager_ann, roles=[SUPERVISOR])
    after = submenu(get_dashboard(client, manager_ann, "en"), reverse("services:list"))
    assert reverse("services:assign_queue") in [href for href, _text in after]
    set_user_roles(user=manager_ann, roles=[ACCOUNT_MANAGER])
    assert submenu(get_dashboard(client, manager_ann, "en"), reverse("services:list")) == before


def test_the_same_menu_in_two_languages_and_on_two_pages(client, supervisor_sue):
    english = main_menu(get_dashboard(client, supervisor_sue, "en"))
    chinese = main_menu(get_dashboard(client, supervisor_sue, "zh-hans"))
    assert english.keys() == chinese.keys()
    assert "Customers" in english.values() and "客户" in chinese.values()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    on_customers = client.get(reverse("customers:list")).content.decode()
    current = r'class="nav-link dropdown-toggle active" href="/customers/"[^>]*aria-current="page"'
    assert re.search(current, on_customers)
    on_dashboard = get_dashboard(client, supervisor_sue, "en").content.decode()
    assert 'class="nav-link active" href="/" aria-current="page"' in on_dashboard
    assert 'dropdown-toggle active" href="/customers/"' not in on_dashboard
