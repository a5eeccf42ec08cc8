import functools
from html import escape

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
            children.append({"label": label, "url": url, "icon": icon, "active": current == name, "count": count})
    return children


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
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
        items.append(item)
    roles = [role_label(name) for name in role_names(user)]
    return {
        "nav_items": items,
        "nav_admin": user.is_staff,
        "user_roles": roles,
        "nav_menu": lambda: menu_html(items, user.is_staff),
    }


def menu_html(items, admin):
    """The main menu's entries (the ``<li>`` of base.html's ``<ul data-testid="main-menu">``) for
    ``items`` (navigation()), plus the administration link if ``admin``.

    Drawn in Python and kept per process for each distinct menu (language, entries, active page):
    a pure function of its key, so it can't go stale. The template loop cost about 1.5 ms on every
    page; a menu is one of a few dozen (roles × pages × languages)."""
    key = tuple(
        (
            str(item["label"]),
            item["url"],
            item["icon"],
            item["active"],
            item.get("counts_url"),
            tuple(
                (str(child["label"]), child["url"], child["icon"], child["active"], child["count"])
                for child in item.get("children") or ()
            )
            if "children" in item
            else None,
        )
        for item in items
    )
    admin_link = (gettext("Administration"), _url("admin:index")) if admin else None
    return _menu_html(get_language(), key, admin_link)


SERVICES_COUNT = '<span id="menu-count-services"></span>'


def _current(active):
    return ' aria-current="page"' if active else ""


@functools.lru_cache(maxsize=256)
def _menu_html(language, entries, admin_link):
    html = []
    for label, url, icon, active, counts_url, children in entries:
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
        for child_label, child_url, child_icon, child_active, count in children:
            badge = f'<span id="menu-count-{escape(count)}" class="ms-auto"></span>' if count else ""
            html.append(
                f'<li><a class="dropdown-item d-flex align-items-center gap-2{" active" if child_active else ""}" '
                f'href="{escape(child_url)}"{_current(child_active)}><i class="bi bi-{escape(child_icon)}"></i> '
                f"{escape(child_label)}{badge}</a></li>"
            )
        html.append("</ul></li>")
    if admin_link:
        label, url = admin_link
        html.append(
            f'<li class="nav-item"><a class="nav-link" href="{escape(url)}"><i class="bi bi-gear menu-icon"></i> '
            f"{escape(label)}</a></li>"
        )
    # Every label, URL and name above is escaped.
    return mark_safe("".join(html))  # noqa: S308
