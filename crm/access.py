"""Who may see, change or act on which rows: the one place that knows.

Roles are groups holding model-level permissions. A model-level permission reaches every row of
the model (supervisors, administrators, viewers). Users without it (account managers) reach
only the rows their ``RowScope`` grants: rows carrying a django-guardian object permission for
them, rows hanging off such a row, or rows they created or were assigned.

Views, forms, filters, tables, reports and exports take their rows from ``visible()``;
``get_or_404()`` makes a row out of scope look exactly like a missing one, and ``require()`` turns
a visible row with a forbidden action into a 403.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_objects_for_user
from guardian.utils import get_user_obj_perms_model

# Copying customers out (export) and moving them between managers (transfer) belong to
# superusers alone: no role holds these, and nobody can grant them (see crm.admin, crm.guards).
SUPERUSER_ONLY_PERMISSIONS = frozenset({"customers.export_customer", "customers.transfer_customer"})


# What owning a row (being named in one of its owner fields) lets a user do with it. Everything
# else (sharing, restoring, exporting) needs a model-level permission or an object grant.
OWNER_ACTIONS = frozenset({"view", "change", "delete"})


@dataclass(frozen=True)
class RowScope:
    """How a user without the model-level permission reaches rows of one model.

    owner_fields: fields naming a user; the rows naming the user are theirs to view, change and
        delete (OWNER_ACTIONS). Each should lead an index, so a list reads them in order from it.
    guarded: rows on which the user holds a django-guardian object permission (shared rows).
    through: the path of a foreign key to a model whose scope decides (a contact's customer).
    alive: lookups a row must match to exist at all for everyone (the filter of the model's
        default manager, e.g. not in the recycle bin); rows hanging off a row that doesn't are
        hidden with it, whatever permissions the user holds.
    mirrors: (owner field of the ``through`` target, field of this model holding a copy of it)
        pairs: the rows of the targets a user owns are read by the copy, from an index of this
        model in list order, instead of the targets' rows one by one. The target's field is
        checked as well, so a stale copy can hide a row, never show one.
    """

    owner_fields: tuple[str, ...] = ()
    guarded: bool = False
    through: str | None = None
    alive: tuple[tuple[str, object], ...] = ()
    mirrors: tuple[tuple[str, str], ...] = ()


# Model label -> its row scope. A model not listed here is reachable through model-level
# permissions only. A new app declares its models here and gets visible(), get_or_404(), the
# list's parts (scope_parts) and the permission checks from this one line.
ROW_SCOPES: dict[str, RowScope] = {
    "customers.customer": RowScope(
        owner_fields=("account_manager",), guarded=True, alive=(("deleted_at__isnull", True),)
    ),
    "customers.contact": RowScope(through="customer"),
    "customers.activity": RowScope(through="customer"),
    # Loss records of the customers they may see; acting on one is the workflow's rule
    # (customers.rules: the customer's own manager, or a supervisor).
    "customers.lossrecord": RowScope(through="customer"),
    "customers.lossmeasure": RowScope(through="record"),
    "sales.order": RowScope(through="customer"),
    "sales.orderline": RowScope(through="order"),
    "sales.customermonthtotal": RowScope(through="customer"),
    # Opportunities they created or that are assigned to them: re-assigning one moves its access
    # with the assigned_to field itself, in the same save (no object grants to keep in step).
    "opportunities.opportunity": RowScope(owner_fields=("created_by", "assigned_to")),
    "opportunities.planitem": RowScope(through="opportunity"),
    # Service requests they created or that are assigned to them, and those of the customers
    # they may see (SPEC §2): owner fields first, then the customer's own scope.
    # The customer's manager is copied onto each request by the database (services 0003).
    "services.servicerequest": RowScope(
        owner_fields=("created_by", "assigned_to"),
        through="customer",
        mirrors=(("account_manager", "customer_manager"),),
    ),
    "services.serviceevent": RowScope(through="service_request"),
}


def _perm_name(model, action):
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _scope(model):
    return ROW_SCOPES.get(model._meta.label_lower)


def sees_all(user, model, action="view"):
    """True if ``user`` reaches every (alive) row of ``model`` for ``action``: a superuser, or a
    holder of the model-level permission. False for anonymous and inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.has_perm(_perm_name(model, action))


def visible(user, model, action="view", rows=None):
    """The rows of ``model`` on which ``user`` may take ``action`` (view, change, delete, ...).

    Anonymous and inactive users get none; superusers get all; a model-level permission gives
    all rows; otherwise the model's RowScope decides. Rows hanging off a row that is gone (the
    orders of a customer in the recycle bin) are hidden from everyone. ``rows``: the queryset to
    take them from, if not the model's default manager (the recycle bin's deleted customers).
    """
    queryset = model._default_manager.all() if rows is None else rows
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    queryset = queryset.filter(**_parents_alive(model))
    if sees_all(user, model, action):
        return queryset
    return queryset.filter(_row_scope_q(user, model, action))


def reached(user, row, action="view"):
    """Note on ``row`` that ``user`` may take ``action`` on it: it was read through
    visible(user, ..., action) (or passed require()) in this request. rows_of() then reads the rows
    hanging off it without the scope's subqueries. Returns ``row``."""
    row.__dict__.setdefault("_access_reached", set()).add((user.pk, action))
    return row


def rows_of(user, model, parent, action="view"):
    """The rows of ``model`` whose RowScope's ``through`` foreign key is ``parent`` (a customer's
    contacts, orders or service requests) on which ``user`` may take ``action``.

    If ``parent`` was marked reached() for this user and action, that is every one of them: a
    through scope gives all the rows of a parent the user reaches, and a parent read through
    visible() is alive. Then a plain foreign-key filter (a panel of the 360° page: one indexed
    lookup instead of the scope's subqueries over an account manager's 5,000 customers).
    Otherwise visible() narrowed to ``parent``."""
    scope = _scope(model)
    if scope is None or not scope.through or "__" in scope.through:
        raise ValueError(f"{model._meta.label} has no direct through scope")
    user_key = getattr(user, "pk", None)
    if user_key is not None and user.is_active and (user_key, action) in parent.__dict__.get("_access_reached", ()):
        return model._default_manager.filter(**{scope.through: parent})
    return visible(user, model, action).filter(**{scope.through: parent})


def _parents_alive(model, prefix=""):
    """Lookups saying every row up ``model``'s ``through`` chain is alive (e.g. an order line's
    ``order__customer__deleted_at__isnull=True``); the model's own rows are left to its manager."""
    lookups = {}
    scope = _scope(model)
    while scope is not None and scope.through:
        prefix = f"{prefix}{scope.through}__"
        model = model._meta.get_field(scope.through.split("__")[0]).related_model
        scope = _scope(model)
        for lookup, value in scope.alive if scope else ():
            lookups[f"{prefix}{lookup}"] = value
    return lookups


def _owner_q(user, scope, action):
    condition = Q(pk__in=[])
    if action in OWNER_ACTIONS:
        for field in scope.owner_fields:
            condition |= Q(**{field: user})
    return condition


def _row_scope_q(user, model, action):
    scope = _scope(model)
    if scope is None:
        return Q(pk__in=[])
    # Owner fields first: a database evaluating the OR in order settles a user's own rows
    # without reading their grants.
    condition = _owner_q(user, scope, action)
    if scope.guarded:
        condition |= Q(pk__in=granted_pks(user, model, action))
    if scope.through:
        for mirrored in _mirrored(user, model, scope, action):
            condition |= mirrored
        for piece in _through_pieces(user, model, scope, action, disjoint=False):
            condition |= Q(**{f"{scope.through}__in": piece})
    return condition


def _mirrored(user, model, scope, action):
    """Conditions for the rows of the ``through`` targets ``user`` owns that ``scope`` reads by a
    copy of the owner field (RowScope.mirrors): the copy names the user, and so does the target."""
    if action not in OWNER_ACTIONS or not _mirrors_usable(user, model, scope, action):
        return []
    return [Q(**{copy: user, f"{scope.through}__{field}": user}) for field, copy in scope.mirrors]


def _mirrors_usable(user, model, scope, action):
    """True if ``scope`` mirrors owner fields of its ``through`` target (one foreign key away) and
    ``user`` reaches that target by its own scope's pieces (not by seeing them all)."""
    if not scope.mirrors or not scope.through or "__" in scope.through:
        return False
    target = model._meta.get_field(scope.through).related_model
    target_scope = _scope(target)
    return target_scope is not None and not target_scope.through and not sees_all(user, target, action)


def _through_pieces(user, model, scope, action, few_as_ids=False, disjoint=True):
    """Subqueries of the pks of ``model``'s ``through`` target that ``user`` may take ``action`` on,
    whose union is visible(user, target, action): one per owner field of the target and one for
    its grants (the grants EXCEPT the owned, so the pieces are disjoint); a single visible() if
    the target's scope isn't made of those (it sees all, or goes through another model).

    ``disjoint=False`` (visible(), which ORs the pieces and checks the targets are alive itself,
    _parents_alive): the grants piece is the granted ids alone, read from the grants index,
    instead of each grant checked against its target row (an account manager's 3,326 grants:
    12 ms in every query of a list page).

    One small IN per piece lets PostgreSQL hash each; a single IN of "owned OR granted" it
    estimated at half the customer table and compared every row with, row by row (minutes for an
    account manager's 200,000 service requests).
    """
    target = model._meta.get_field(scope.through.split("__")[0]).related_model
    target_scope = _scope(target)
    if target_scope is None or target_scope.through or sees_all(user, target, action):
        return [visible(user, target, action).values("pk")]
    base = target._default_manager.filter(**_parents_alive(target))
    pieces, owned = [], None
    mirrored = {field for field, _copy in scope.mirrors} if _mirrors_usable(user, model, scope, action) else set()
    if action in OWNER_ACTIONS:
        for field in target_scope.owner_fields:
            mine = Q(**{field: user})
            if field not in mirrored:  # those are read by the copy (_mirrored)
                pieces.append(base.filter(mine if owned is None else mine & ~owned).values("pk"))
            owned = mine if owned is None else owned | mine
    if target_scope.guarded:
        if not disjoint:
            pieces.append(granted_pks(user, target, action))
        elif few_as_ids:
            pieces.append(_granted_beyond_owned(user, target, action, base, owned))
        else:
            granted = base.filter(pk__in=granted_pks(user, target, action))
            pieces.append((granted if owned is None else granted.exclude(owned)).values("pk"))
    return pieces or [base.none().values("pk")]


def _granted_beyond_owned(user, model, action, base, owned):
    """The pks of ``base`` granted to ``user`` and not owned by them: read here as a list of ids
    (granted EXCEPT owned, both from indexes alone) if there are at most SHARED_IDS_LIMIT, else a
    subquery. A list page's queries (keys, rows, counts) then each compare a few ids instead of
    checking thousands of grants against their rows again."""
    granted = granted_pks(user, model, action)
    if owned is not None:
        granted = granted.difference(base.filter(owned).order_by().values("pk"))
    granted = base.filter(pk__in=granted).order_by().values_list("pk", flat=True)
    ids = list(granted[: SHARED_IDS_LIMIT + 1])
    return granted if len(ids) > SHARED_IDS_LIMIT else ids


# Past this many, the shared part of scope_parts is a subquery instead of a list of ids.
SHARED_IDS_LIMIT = 5_000


def scope_parts(user, model, action="view"):
    """Disjoint querysets whose union is exactly ``visible(user, model, action)``, for lists that
    read a page out of each part in the order of an index of its own (crm.paginators).

    Someone who reaches rows by owning them and through grants (an account manager: thousands of
    their own customers, a few shared with them) gets one part per owner field (their own rows,
    in the order of the index the owner field leads) and one part for the rows granted to them
    beyond those, read here as a list of ids (granted EXCEPT owned, from indexes alone); rows
    reached through another model (a loss record of one of their customers) come in one part per
    piece of that model's scope. Everyone else gets ``[visible(...)]``.
    """
    everything = visible(user, model, action)
    scope = _scope(model)
    if not getattr(user, "is_active", False) or sees_all(user, model, action) or scope is None:
        return [everything]
    base = model._default_manager.filter(**_parents_alive(model))
    parts = []
    owned = None
    if action in OWNER_ACTIONS:
        for field in scope.owner_fields:
            mine = Q(**{field: user})
            parts.append(base.filter(mine) if owned is None else base.filter(mine).exclude(owned))
            owned = mine if owned is None else owned | mine
    if scope.guarded:
        parts.append(base.filter(pk__in=_granted_beyond_owned(user, model, action, base, owned)))
    if scope.through:
        # Rows of the target rows the user reaches (a service request of one of their customers),
        # beyond their own: one part per piece of the target's scope, each read from the index
        # the foreign key leads.
        # A piece holds only targets that are alive (with their parents): the parts need no join
        # to check it again, row by row.
        rows = model._default_manager.all()
        # The rows of the targets they own, read by the copy of the owner field (RowScope.mirrors)
        # from an index of this model in list order; the target's own field and life checked too.
        for mirrored in _mirrored(user, model, scope, action):
            part = rows.filter(mirrored, **_parents_alive(model))
            parts.append(part.exclude(owned) if owned is not None else part)
        for piece in _through_pieces(user, model, scope, action, few_as_ids=True):
            # Stated twice, as customers.search._search_first does: PostgreSQL multiplies the
            # two estimates, so it collects the few rows of the user's customers through the
            # foreign key's index and sorts them, instead of walking the whole table in list
            # order for a page they can't fill (an account manager's archive: 1.3 s → ms).
            part = rows.filter(**{f"{scope.through}__in": piece}).filter(Q(**{f"{scope.through}__in": piece}))
            parts.append(part.exclude(owned) if owned is not None else part)
    return parts


def granted_pks(user, model, action):
    """A subquery of the pks on which ``user`` holds the object permission ``action``.

    With guardian's direct foreign-key model this reads one indexed table (user, permission,
    object) instead of guardian's generic text-keyed lookup.
    """
    perm_model = get_user_obj_perms_model(model)
    codename = f"{action}_{model._meta.model_name}"
    if perm_model is UserObjectPermission:
        return get_objects_for_user(
            user,
            f"{model._meta.app_label}.{codename}",
            klass=model,
            accept_global_perms=False,
            with_superuser=False,
        ).values("pk")
    return perm_model.objects.filter(
        user=user,
        permission__codename=codename,
        permission__content_type__app_label=model._meta.app_label,
    ).values("content_object_id")


def get_or_404(user, model, action="view", **lookup):
    """The row matching ``lookup`` if ``user`` may see it, else Http404 — even if it exists.

    With an action other than view, a visible row the user may not act on raises PermissionDenied.
    """
    obj = get_object_or_404(visible(user, model, "view"), **lookup)
    if action != "view":
        require(user, action, obj)
    return obj


def can(user, action, obj=None):
    """True if ``user`` may take ``action`` on ``obj`` (or, without obj, ever hold the permission).

    ``action`` is a verb (change, delete, ...) or a full permission name ("app.codename").
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if "." in action:
        if action in SUPERUSER_ONLY_PERMISSIONS:
            return user.is_superuser
        if obj is None:
            return user.is_superuser or user.has_perm(action)
        action = action.split(".", 1)[1].rsplit("_", 1)[0]
    if obj is None:
        raise ValueError("can() needs an object for a bare action")
    return visible(user, type(obj), action).filter(pk=obj.pk).exists()


def allowed_actions(user, obj, actions, held=None):
    """The subset of ``actions`` (verbs) that ``user`` may take on ``obj``, for a detail page's buttons.

    ``obj`` must already have been fetched through ``visible()``. Model-level permissions come from
    the user's cached permissions; for a guarded model the object grants are read in one query,
    unless the caller passes ``held``: the codenames it has already read for this user and object.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    model = type(obj)
    allowed = {action for action in actions if user.is_superuser or user.has_perm(_perm_name(model, action))}
    rest = set(actions) - allowed
    scope = _scope(model)
    if rest and scope is not None and scope.through is None and _owns(user, obj, scope):
        allowed |= rest & OWNER_ACTIONS
        rest -= OWNER_ACTIONS
    perm_model = get_user_obj_perms_model(model)
    if rest and scope is not None and scope.guarded and perm_model is not UserObjectPermission:
        if held is None:
            held = set(
                perm_model.objects.filter(user=user, content_object=obj).values_list("permission__codename", flat=True)
            )
        allowed |= {action for action in rest if f"{action}_{model._meta.model_name}" in held}
    else:
        allowed |= {action for action in rest if can(user, action, obj)}
    return allowed


def _owns(user, obj, scope):
    """True if one of ``obj``'s owner fields names ``user`` (read from the loaded row)."""
    return any(getattr(obj, type(obj)._meta.get_field(field).attname) == user.pk for field in scope.owner_fields)


def require(user, action, obj=None):
    """Raise PermissionDenied (403) unless ``can(user, action, obj)``."""
    if not can(user, action, obj):
        raise PermissionDenied


def permitted_ids(user, model, action, ids):
    """The subset of ``ids`` on which ``user`` may take ``action``, in one query (for list buttons)."""
    return set(visible(user, model, action).filter(pk__in=list(ids)).values_list("pk", flat=True))
