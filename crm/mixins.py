from django.contrib.auth.mixins import LoginRequiredMixin
from django_tables2 import SingleTableMixin

from crm import access
from crm.paginators import DEFAULT_PAGE_SIZE, KeysFirstPaginator


class PermissionRequiredMixin(LoginRequiredMixin):
    """Anonymous users go to login; a signed-in user without ``permission`` gets a 403."""

    permission = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            access.require(request.user, self.permission)
        return super().dispatch(request, *args, **kwargs)


class ListPageMixin(SingleTableMixin):
    """A list page: a django-tables2 table paged by crm.paginators.KeysFirstPaginator (page sizes
    bounded, no COUNT, keys read before rows).

    ``scope_model``: for a list of that model's visible rows, the page is read out of its scope's
    parts (access.scope_parts), each narrowed and filtered as the list is (``narrow()`` and the
    view's filterset), so an account manager's page comes from indexes of their own.
    """

    paginator_class = KeysFirstPaginator
    table_pagination = {"per_page": DEFAULT_PAGE_SIZE}
    scope_model = None

    def narrow(self, queryset):
        """What the view's get_queryset adds to the visible rows besides the filterset (the
        customer list's ``?after=``), applied to the scope's parts too."""
        return queryset

    def get_table_pagination(self, table):
        pagination = super().get_table_pagination(table)
        parts = self.scope_parts()
        if parts is not None:
            pagination["parts"] = parts
        return pagination

    def scope_parts(self):
        """The list's rows as disjoint parts, or None to page the list as one."""
        if self.scope_model is None:
            return None
        parts = request_scope_parts(self.request, self.scope_model)
        if len(parts) < 2:
            return None
        filterset = getattr(self, "filterset", None)
        if filterset is not None and filterset.is_bound:
            if not filterset.is_valid():
                return None
            parts = [filterset.filter_queryset(part) for part in parts]
        return [self.narrow(part) for part in parts]


def request_scope_parts(request, model):
    """access.scope_parts of ``model`` for the request's user, read once per request: a list and
    its filter choices (the customer list's manager filter) both use them."""
    cache = request.__dict__.setdefault("_scope_parts", {})
    if model not in cache:
        cache[model] = access.scope_parts(request.user, model)
    return [part.all() for part in cache[model]]
