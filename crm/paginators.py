"""The paginator of every list page: bounded page sizes, no COUNT, and keys read before rows.

A page is read in two steps: first the primary keys of its rows, sorted and cut out of the
whole list (PostgreSQL does that in an index alone: deep pages skip their OFFSET in the index),
then only those rows. Reading whole rows to sort a page out of thousands, or to skip 10,000 of
them, cost several times more (figures in bench/README.md).

A list can also be given as disjoint parts (``parts``: crm.access.scope_parts, filtered as the
list is), each of which the database reads in order from an index of its own: an account
manager's own customers from (account_manager, name_pinyin, id), and the few shared with them.
On PostgreSQL the page's keys are then the first rows of the parts' UNION ALL, each part cut at
the page's end, instead of sorting all of the user's rows. The rows are always read from the list
itself, filtered to the page's keys, so nothing outside its scope and filters can appear; if a
part offered a key the list refuses, the page is read from the list alone.
"""

from django.core.paginator import EmptyPage, Page
from django.db import connections
from django.db.models import QuerySet
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_tables2.paginators import LazyPaginator
from django_tables2.rows import BoundRows

# The page sizes a list offers; any other ?per_page= gets the default (never a whole table).
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
# Deeper than this, numbered pages stop (OFFSET grows with depth): filters or the customer list's
# "next 50" link reach further.
MAX_PAGE = 2_000


class KeysFirstPaginator(LazyPaginator):
    """django-tables2's LazyPaginator (no COUNT; it knows a next page exists by reading one row
    more) reading keys first, over a queryset or a table's rows."""

    def __init__(self, object_list, per_page, parts=None, **kwargs):
        if per_page not in PAGE_SIZES:
            per_page = DEFAULT_PAGE_SIZE
        self.parts = parts
        super().__init__(object_list, per_page, **kwargs)

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > MAX_PAGE:
            raise EmptyPage(_("That page is too deep: narrow the list with the filters."))
        return number

    def page(self, number):
        number = self.validate_number(number or 1)
        bottom = (number - 1) * self.per_page
        records = self.window(slice(bottom, bottom + self.per_page + 1))
        if len(records) > self.per_page:
            self._num_pages = number + 1
            records = records[: self.per_page]
        elif number != 1 and not records:
            raise EmptyPage(_("That page contains no results"))
        else:
            self._num_pages = self._final_num_pages = number
        if isinstance(self.object_list, BoundRows):
            records = BoundRows(data=records, table=self.object_list.table)
        return Page(records, number, self)

    def pages_up_to(self, limit=MAX_PAGE):
        """How many pages the list has, counted up to ``limit`` (``limit + 1``: more than that).
        One COUNT over at most ``limit`` pages of keys: only for a page number the list turned out
        not to have (``out_of_range``), never on a page that exists."""
        queryset = self.queryset()
        cap = limit * self.per_page + 1
        if isinstance(queryset, QuerySet):
            rows = queryset.order_by().values("pk")[:cap].count()
        else:
            rows = min(len(queryset), cap)
        return min(-(-rows // self.per_page), limit + 1)

    def window(self, window):
        """The rows of the list in ``window`` (a slice with a stop), keys first."""
        queryset = self.queryset()
        order = total_order(queryset)
        keys = self._keys_from_parts(window, order) if self.parts and len(self.parts) > 1 else None
        rows = _rows(queryset, keys) if keys is not None else None
        if rows is None or len(rows) < len(keys):
            keys = list(queryset.prefetch_related(None).order_by(*order).values_list("pk", flat=True)[window])
            rows = _rows(queryset, keys)
        return rows

    def queryset(self):
        """The list's queryset: the object list itself, or the data under django-tables2's rows."""
        data = getattr(self.object_list, "data", None)
        return getattr(data, "data", self.object_list)

    def _keys_from_parts(self, window, order):
        queryset = self.queryset()
        pk = queryset.model._meta.pk.attname
        if not all(isinstance(name, str) for name in order):
            return None
        columns = [name.removeprefix("-") for name in order]
        concrete = {field.attname for field in queryset.model._meta.concrete_fields}
        if not connections[queryset.db].features.supports_slicing_ordering_in_compound or not set(columns) <= concrete:
            return None
        select = [pk, *(column for column in columns if column != pk)]
        cut = [part.order_by(*order).values_list(*select)[: window.stop] for part in self.parts]
        union = cut[0].union(*cut[1:], all=True).order_by(*order)
        return [row[0] for row in union[window]]


def total_order(queryset):
    """The queryset's order, ended by the primary key if not already: rows that tie (same level,
    same status) then come in one order, page after page, whatever plan the database picks."""
    pk = queryset.model._meta.pk.attname
    order = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    order = [pk if name == "pk" else "-" + pk if name == "-pk" else name for name in order]
    if not any(isinstance(name, str) and name.removeprefix("-") == pk for name in order):
        order.append(pk)
    return order


def _rows(queryset, keys):
    """The rows of ``queryset`` with these keys, in the keys' order (those it refuses left out)."""
    if not keys:
        return []
    by_pk = {row.pk: row for row in queryset.filter(pk__in=keys)}
    return [by_pk[key] for key in keys if key in by_pk]


class PageOutOfRange(Exception):
    """A page number the list doesn't have: ``message`` says so, ``page`` is the page to show
    instead (None: the first)."""

    def __init__(self, message, page=None):
        super().__init__(message)
        self.message = message
        self.page = page


def out_of_range(paginator, asked):
    """The PageOutOfRange for ``asked`` (the ``?page=`` text) that ``paginator`` refused: the
    last page if the list has fewer pages, the deepest numbered one if it has more than MAX_PAGE,
    the first for a number below 1 or no number at all (``paginator`` may then be None)."""
    shown = asked if len(asked) <= 20 else asked[:20] + "…"
    if not (asked.isascii() and asked.isdigit()):
        return PageOutOfRange(gettext("“%(page)s” is not a page number: here is the first page.") % {"page": shown})
    if not asked.lstrip("0"):
        return PageOutOfRange(gettext("Page %(page)s doesn't exist: here is the first page.") % {"page": shown})
    pages = paginator.pages_up_to(MAX_PAGE)
    if pages == 0:
        return PageOutOfRange(gettext("Page %(page)s doesn't exist: the list is empty.") % {"page": shown})
    if pages > MAX_PAGE:
        message = gettext(
            "Page %(page)s is too deep: numbered pages stop at %(max)s; narrow the list with the filters."
        )
        return PageOutOfRange(message % {"page": shown, "max": MAX_PAGE}, page=MAX_PAGE)
    message = ngettext(
        "Page %(page)s doesn't exist: the list has %(pages)s page; here is the last one.",
        "Page %(page)s doesn't exist: the list has %(pages)s pages; here is the last one.",
        pages,
    )
    return PageOutOfRange(message % {"page": shown, "pages": pages}, page=pages if pages > 1 else None)
