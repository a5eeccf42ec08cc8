from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import EmptyPage
from django.shortcuts import redirect
from django_tables2 import RequestConfig, SingleTableMixin

from crm import access
from crm.forms import prepare_filter_form
from crm.paginators import DEFAULT_PAGE_SIZE, MAX_PAGE, KeysFirstPaginator, PageOutOfRange, out_of_range


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

    What the user asked for and the list can't give is said, never silently replaced: a page
    number the list doesn't have redirects to the last (or first) page with a message saying so;
    a filter with an error keeps what was typed, shows the error and is left out while the other
    filters apply (``strict = False``; crm.forms.prepare_filter_form).

    ``scope_model``: for a list of that model's visible rows, the page is read out of its scope's
    parts (access.scope_parts), each narrowed and filtered as the list is (``narrow()`` and the
    view's filterset), so an account manager's page comes from indexes of their own.
    """

    paginator_class = KeysFirstPaginator
    table_pagination = {"per_page": DEFAULT_PAGE_SIZE}
    scope_model = None
    strict = False

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except PageOutOfRange as error:
            messages.warning(request, error.message)
            query = request.GET.copy()
            query.pop("page", None)
            if error.page is not None:
                query["page"] = error.page
            return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        prepare_filter_form(filterset)
        return filterset

    def get_table(self, **kwargs):
        # SingleTableMixin.get_table, told not to hide a page the list doesn't have behind its first.
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        pagination = self.get_table_pagination(table)
        if not pagination:
            return RequestConfig(self.request, paginate=False).configure(table)
        asked = self.request.GET.get(table.prefixed_page_field, "").strip()
        try:
            if asked and not (asked.isascii() and asked.isdigit() and asked.lstrip("0")):
                raise EmptyPage(asked)  # not a number, or 0
            # A number of ten digits or more is past MAX_PAGE; RequestConfig's int() refuses one of
            # thousands (and would then show page 1), so the paginator is asked for a page too deep.
            deep = {"page": MAX_PAGE + 1} if len(asked.lstrip("0")) >= 10 else {}
            return RequestConfig(self.request, paginate={**pagination, **deep, "silent": False}).configure(table)
        except EmptyPage:
            raise out_of_range(getattr(table, "paginator", None), asked) from None

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
            # Filters in error are left out (strict = False), of the parts as of the list.
            filterset.is_valid()
            parts = [filterset.filter_queryset(part) for part in parts]
        return [self.narrow(part) for part in parts]


def request_scope_parts(request, model):
    """access.scope_parts of ``model`` for the request's user, read once per request: a list and
    its filter choices (the customer list's manager filter) both use them."""
    cache = request.__dict__.setdefault("_scope_parts", {})
    if model not in cache:
        cache[model] = access.scope_parts(request.user, model)
    return [part.all() for part in cache[model]]
