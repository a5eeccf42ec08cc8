"""The roles of SPEC §2: Django groups and the model-level permissions each may ever use.

Which *rows* a role reaches is decided in ``crm.access``; this table only says which kinds of
action a role may take. Apps add their permissions here as their models arrive.
"""

from django.utils.translation import gettext_lazy as _

ADMINISTRATOR = "Administrator"
SUPERVISOR = "Sales supervisor"
ACCOUNT_MANAGER = "Account manager"
VIEWER = "Viewer"

ROLE_LABELS = {
    ADMINISTRATOR: _("Administrator"),
    SUPERVISOR: _("Sales supervisor"),
    ACCOUNT_MANAGER: _("Account manager"),
    VIEWER: _("Viewer"),
}

_DICTIONARY_ADMIN = [
    "crm.view_dictionaryentry",
    "crm.add_dictionaryentry",
    "crm.change_dictionaryentry",
    "crm.delete_dictionaryentry",
]
_USER_ADMIN = [
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "auth.delete_user",
    "auth.view_group",
    "auth.add_group",
    "auth.change_group",
    "auth.delete_group",
    "auth.view_permission",
]

# Reading every customer and what hangs off it, orders included.
_READ_CUSTOMERS = [
    "customers.view_customer",
    "customers.view_contact",
    "customers.view_activity",
    "customers.view_lossrecord",
    "customers.view_lossmeasure",
    "sales.view_order",
    "sales.view_orderline",
    "sales.view_customermonthtotal",
]
# The sales system's catalogue: products and stock are not tied to a customer.
_READ_CATALOGUE = ["sales.view_product", "sales.view_stock"]
# Opportunities and their development plans: supervisors create, edit, delete and assign any;
# account managers create them and reach their own (created by or assigned to them) through
# crm.access; the plan's own rules (assignee or supervisor, while developing) are the actions'.
_READ_OPPORTUNITIES = ["opportunities.view_opportunity", "opportunities.view_planitem"]
_MANAGE_OPPORTUNITIES = [
    *_READ_OPPORTUNITIES,
    "opportunities.add_opportunity",
    "opportunities.change_opportunity",
    "opportunities.delete_opportunity",
    "opportunities.assign_opportunity",
    "opportunities.add_planitem",
    "opportunities.change_planitem",
    "opportunities.delete_planitem",
]

# Service requests: supervisors assign, give feedback on and delete any; account managers create
# them and reach theirs (created by or assigned to them, or of their customers) through
# crm.access; who handles and who gives feedback is the workflow's rule (services.rules).
_READ_SERVICES = ["services.view_servicerequest", "services.view_serviceevent"]
_MANAGE_SERVICES = [
    *_READ_SERVICES,
    "services.add_servicerequest",
    "services.change_servicerequest",
    "services.delete_servicerequest",
    "services.assign_servicerequest",
]

# Reports: everyone with a role sees the analyses over the rows they may see; supervisors and
# administrators export the aggregate ones (the analyses listing customers are exported by
# superusers alone, like the customers: crm.access.SUPERUSER_ONLY_PERMISSIONS); supervisors write
# and submit management reports, which administrators and viewers read once submitted.
_READ_REPORTS = ["reports.view_analyses", "reports.view_managementreport"]

ROLE_PERMISSIONS = {
    ADMINISTRATOR: [
        *_USER_ADMIN,
        *_DICTIONARY_ADMIN,
        "auditlog.view_logentry",
        *_READ_CUSTOMERS,
        *_READ_CATALOGUE,
        "customers.share_customer",
        "customers.restore_customer",
        *_READ_OPPORTUNITIES,
        *_READ_SERVICES,
        *_READ_REPORTS,
        "reports.export_analyses",
    ],
    SUPERVISOR: [
        "crm.view_dictionaryentry",
        *_READ_CUSTOMERS,
        *_READ_CATALOGUE,
        "customers.share_customer",
        "customers.restore_customer",
        # import customers and their contacts from a file (customers.imports)
        "customers.import_customer",
        "customers.view_customerimport",
        *_MANAGE_OPPORTUNITIES,
        *_MANAGE_SERVICES,
        # postpone (with a measure) or confirm the loss of any customer
        "customers.change_lossrecord",
        "customers.add_lossmeasure",
        *_READ_REPORTS,
        "reports.export_analyses",
        "reports.add_managementreport",
        "reports.change_managementreport",
        "reports.delete_managementreport",
    ],
    # Account managers reach their own customers through object permissions (crm.access).
    # They create opportunities and plan items; model-level view or change would show them all.
    ACCOUNT_MANAGER: [
        "crm.view_dictionaryentry",
        "customers.add_customer",
        *_READ_CATALOGUE,
        "opportunities.add_opportunity",
        "opportunities.add_planitem",
        "services.add_servicerequest",
        "reports.view_analyses",
    ],
    VIEWER: [
        "crm.view_dictionaryentry",
        *_READ_CUSTOMERS,
        *_READ_CATALOGUE,
        *_READ_OPPORTUNITIES,
        *_READ_SERVICES,
        *_READ_REPORTS,
    ],
}


def role_label(name):
    return ROLE_LABELS.get(name, name)


def role_names(user):
    """The names of ``user``'s roles, sorted. crm.backends.ModelPermissionBackend reads them with
    the user's permissions, so a page that checks a permission gets them without a query."""
    if not hasattr(user, "_role_names"):
        user.get_all_permissions()
    if not hasattr(user, "_role_names"):  # the user's permissions came from elsewhere
        user._role_names = sorted(user.groups.values_list("name", flat=True))
    return user._role_names


def sync_roles(*, apps=None):
    """Create the role groups and give each the permissions of ROLE_PERMISSIONS it lacks.

    Idempotent: a second run finds nothing to do. It only adds, so a permission an administrator
    gave a role by hand survives a migration. Permissions of models not migrated yet are skipped;
    the post-migrate run after them fills them in.
    """
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = set()
        for perm in perms:
            app_label, codename = perm.split(".", 1)
            wanted.update(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename).values_list(
                    "pk", flat=True
                )
            )
        missing = wanted - set(group.permissions.values_list("pk", flat=True))
        if missing:
            group.permissions.add(*missing)
