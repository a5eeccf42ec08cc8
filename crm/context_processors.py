from django.urls import NoReverseMatch, reverse
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
    (_("Losses"), "customers:loss_list", "exclamation-triangle", "module:customers"),
    (_("Reports"), "reports:index", "bar-chart", "module:reports"),
    (_("Products"), "sales:product_list", "box-seam", "module:sales"),
    (_("Stock"), "sales:stock_list", "boxes", "module:sales"),
    (_("Orders"), "sales:order_list", "receipt", "module:sales"),
    (_("Audit log"), "audit", "journal-text", "auditlog.view_logentry"),
]


def _allowed(user, need):
    if need is None:
        return True
    if need.startswith("module:"):
        return user.is_superuser or user.has_module_perms(need.split(":", 1)[1])
    return access.can(user, need)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    items = []
    for label, name, icon, need in NAVIGATION:
        if not _allowed(user, need):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "icon": icon, "active": current == name})
    roles = [role_label(name) for name in role_names(user)]
    return {"nav_items": items, "nav_admin": user.is_staff, "user_roles": roles}
