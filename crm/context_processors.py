import functools
from html import escape
from types import MappingProxyType

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm import access
from crm.roles import role_label, role_names

# (label, url name, icon, permission or module needed). Entries whose URL doesn't exist yet are
# left out, so each app's menu appears with its pages.
NAVIGATION = [
    (_("Dashboard"), "dashboard", "speedometer2", None),
    (_("Customers"), "customers:list", "building", "module:customers"),
    (_("Opportunities"), "opportunities:list", "lightbulb", "module:opportunities"),
    (_("Services"), "services:list", "headset", "module:services"),
    (_("Reports"), "reports:index", "bar-chart", "reports.view_analyses"),
    # The sales system's read-only copy: one entry, its three lists in a dropdown (three entries
    # of their own made an administrator's English menu wider than a 1280 px window).
    (pgettext_lazy("menu", "Sales data"), "sales:order_list", "receipt", "module:sales"),
    (_("Audit log"), "audit", "journal-text", "auditlog.view_logentry"),
]

# Entries that open a dropdown of their pages: (label, url name, icon, permission needed, count).
# ``count`` names the badge a counts fragment fills in (MENU_COUNTS). Without JavaScript the
# entry itself is a link to its first page, which links to the others.
SUBMENUS = {
    "sales:order_list": [
        (_("Orders"), "sales:order_list", "receipt", None, None),
        (_("Products"), "sales:product_list", "box-seam", None, None),
        (_("Stock"), "sales:stock_list", "boxes", None, None),
    ],
    "customers:list": [
        (_("All customers"), "customers:list", "list-ul", None, None),
        (_("New customer"), "customers:create", "plus-lg", "customers.add_customer", None),
        (_("Loss warnings"), "customers:losses", "exclamation-triangle", None, None),
        (_("Recycle bin"), "customers:bin", "trash", "customers.restore_customer", None),
        (_("Import customers"), "customers:import", "upload", "customers.import_customer", None),
    ],
    "services:list": [
        (
            pgettext_lazy("services menu", "New service request"),
            "services:create",
            "plus-lg",
            "services.add_servicerequest",
            None,
        ),
        (
            pgettext_lazy("services menu", "Assign requests"),
            "services:assign_queue",
            "person-plus",
            "services.assign_servicerequest",
            "assign",
        ),
        (
            pgettext_lazy("services menu", "Handle requests"),
            "services:handle_queue",
            "tools",
            "services.add_servicerequest",
            "handle",
        ),
        (
            pgettext_lazy("services menu", "Give feedback"),
            "services:feedback_queue",
            "chat-square-text",
            "services.add_servicerequest",
            "feedback",
        ),
        (pgettext_lazy("services menu", "Service archive"), "services:archive", "archive", None, None),
        (pgettext_lazy("services menu", "All service requests"), "services:list", "list-ul", None, None),
    ],
    "reports:index": [
        (pgettext_lazy("reports menu", "All reports"), "reports:index", "grid", None, None),
        (pgettext_lazy("reports menu", "Contribution"), "reports:contribution", "cash-coin", None, None),
        (pgettext_lazy("reports menu", "Composition"), "reports:composition", "pie-chart", None, None),
        (pgettext_lazy("reports menu", "Services"), "reports:services", "headset", None, None),
        (pgettext_lazy("reports menu", "Losses"), "reports:losses", "person-dash", None, None),
        (
            pgettext_lazy("reports menu", "Management reports"),
            "reports:management",
            "journal-text",
            "reports.view_managementreport",
            None,
        ),
    ],
    # the export log beside the audit log, as a second entry of its dropdown (the administrators'
    # menu has no room for one more entry of its own)
    "audit": [
        (_("Audit log"), "audit", "journal-text", None, None),
        (_("Export log"), "exports", "download", None, None),
    ],
}
# Entries whose dropdown shows counts, and the URL of the fragment holding them: the menu asks for
# it once after the page has loaded (htmx), so the counts add no query to any page's own.
MENU_COUNTS = {"services:list": "services:menu_counts"}


def _allowed(user, need):
    if need is None:
        return True
    if need.startswith("module:"):
        return user.is_superuser or user.has_module_perms(need.split(":", 1)[1])
    return access.can(user, need)


def _url(name):
    """The URL of a menu entry, None if there is none. Reversed once per process (per URLconf and
    script prefix), not on every page: the menu's thirty names cost about 1.5 ms a request."""
    if not name:
        return None
    return _reversed(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@functools.lru_cache(maxsize=512)
def _reversed(name, urlconf, prefix):
    try:
        return reverse(name, urlconf=urlconf)
    except NoReverseMatch:
        return None


def _children(user, entries, current):
    children = []
    for label, name, icon, need, count in entries:
        url = _url(name)
        if url and _allowed(user, need):
            children.append(
                MappingProxyType({"label": label, "url": url, "icon": icon, "active": current == name, "count": count})
            )
    return tuple(children)


def _entries(user, current):
    """The menu's entries for ``user`` on the page ``current`` (a view name)."""
    items = []
    for label, name, icon, need in NAVIGATION:
        if not _allowed(user, need):
            continue
        url = _url(name)
        if url is None:
            continue
        item = {"label": label, "url": url, "icon": icon, "active": current == name}
        if name in SUBMENUS:
            item["children"] = _children(user, SUBMENUS[name], current)
            item["active"] = item["active"] or any(child["active"] for child in item["children"])
            item["counts_url"] = _url(MENU_COUNTS.get(name))
        items.append(MappingProxyType(item))
    return tuple(items)


# The menus of this process: what decides a menu -> (its entries, {language: its HTML}). A menu is
# decided by the user's permissions (which entries they may open), superuser and staff flags, the
# page (which entry is active) and the URL configuration, all in the key, so a menu kept here can't
# go stale: a user whose roles change gets another key. A few dozen exist (roles × pages).
_MENUS = {}
MENUS_KEPT = 1000


def _menu(user, current):
    key = (
        user.is_superuser,
        user.is_staff,
        frozenset(user.get_all_permissions()),
        current,
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
    )
    menu = _MENUS.get(key)
    if menu is None:
        if len(_MENUS) >= MENUS_KEPT:
            _MENUS.clear()
        menu = _MENUS[key] = (_entries(user, current), {})
    return menu


def navigation(request):
    """The main menu (base.html): its entries (``nav_items``, read-only, shared by the requests
    that get the same menu), its HTML (``nav_menu``) and the user's roles.

    The entries and their HTML are worked out once per process for each distinct menu (_menu):
    checking some forty permissions and drawing thirty links cost about 1.5 ms on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    items, drawn = _menu(user, current)
    admin = user.is_staff
    roles = [role_label(name) for name in role_names(user)]

    def menu_html():
        language = get_language()
        if language not in drawn:
            drawn[language] = _menu_html(items, admin)
        return drawn[language]

    return {"nav_items": items, "nav_admin": admin, "user_roles": roles, "nav_menu": menu_html}


SERVICES_COUNT = '<span id="menu-count-services"></span>'


def _current(active):
    return ' aria-current="page"' if active else ""


def _menu_html(items, admin):
    """The main menu's entries (the ``<li>`` of base.html's ``<ul data-testid="main-menu">``) for
    ``items`` (_entries()), plus the administration link if ``admin``, in the active language."""
    html = []
    for item in items:
        label, url, icon, active = str(item["label"]), item["url"], item["icon"], item["active"]
        counts_url, children = item.get("counts_url"), item.get("children")
        icon_html = f'<i class="bi bi-{escape(icon)} menu-icon"></i> {escape(label)}'
        if children is None:
            html.append(
                f'<li class="nav-item"><a class="nav-link{" active" if active else ""}" href="{escape(url)}"'
                f"{_current(active)}>{icon_html}</a></li>"
            )
            continue
        # A dropdown of the entry's pages. Without JavaScript the toggle is a plain link to the
        # entry's page; the counts come from one htmx request after the page has loaded (and again
        # when a page says they changed), so they add nothing to the page's own queries.
        counts = (
            f' hx-get="{escape(counts_url)}" hx-trigger="load, services-counts-changed from:body" hx-swap="none"'
            if counts_url
            else ""
        )
        html.append(
            f'<li class="nav-item dropdown"{counts}><a class="nav-link dropdown-toggle{" active" if active else ""}" '
            f'href="{escape(url)}" role="button" data-bs-toggle="dropdown" aria-expanded="false"{_current(active)}>'
            f"{icon_html}{SERVICES_COUNT if counts_url else ''}</a>"
            '<ul class="dropdown-menu" data-testid="submenu">'
        )
        for child in children:
            child_label, child_url, child_icon = str(child["label"]), child["url"], child["icon"]
            child_active, count = child["active"], child["count"]
            badge = f'<span id="menu-count-{escape(count)}" class="ms-auto"></span>' if count else ""
            html.append(
                f'<li><a class="dropdown-item d-flex align-items-center gap-2{" active" if child_active else ""}" '
                f'href="{escape(child_url)}"{_current(child_active)}><i class="bi bi-{escape(child_icon)}"></i> '
                f"{escape(child_label)}{badge}</a></li>"
            )
        html.append("</ul></li>")
    if admin:
        label, url = gettext("Administration"), _url("admin:index")
        html.append(
            f'<li class="nav-item"><a class="nav-link" href="{escape(url)}"><i class="bi bi-gear menu-icon"></i> '
            f"{escape(label)}</a></li>"
        )
    # Every label, URL and name above is escaped.
    return mark_safe("".join(html))  # noqa: S308
