import html
from urllib.parse import quote, urlencode

import django_tables2 as tables
from auditlog.models import LogEntry
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_tables2.templatetags.django_tables2 import table_page_range

from crm.audit import actor_name, actor_was_deleted
from crm.audit_display import (
    ANALYSIS_LABELS,
    action_label,
    describe_changes,
    describe_filter,
    model_label,
    object_text,
    parent_of,
    related_names,
)
from crm.formats import labelled, quantity

NOWRAP = {"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}
# The template of every PythonRowsTable (its Meta.template_name): rows, header row and pager drawn
# in Python. A table needing more (the customer list's keyset pager) extends it.
ROWS_TEMPLATE = "crm/python_rows_table.html"
# What reverse() leaves unquoted in a URL's path (django.urls.resolvers).
URL_SAFE = "!$&'()*+,;=/~:@"


def cell_html(template, *args, **kwargs):
    """``format_html`` for what a list draws for each of its rows (cells, badges, links): the same
    result — each argument conditionally escaped, formatted into ``template``, marked safe —
    without Django's lazy-text wrapper around every escape. A page of 50 rows calls it some 300
    times; format_html was about a fifth of a customer list's CPU."""
    named = {name: _as_html(value) for name, value in kwargs.items()}
    # SafeString itself: mark_safe's wrapper for lazy text (any lazy argument?) cost more than the
    # formatting; format() gives a str.
    return SafeString(template.format(*map(_as_html, args), **named))


def nowrap(text):
    """A short value kept on one line at phone width ("010-86997421", not "010-" over "86997421");
    the table scrolls inside its wrapper instead (static/css/app.css)."""
    return cell_html('<span class="text-nowrap">{}</span>', text)


class PythonRowsTable(tables.Table):
    """A list table whose rows are drawn in Python (its template prints ``{{ table.body_rows }}``).

    The lists are the pages users open most: django-tables2's per-cell rendering cost about 100 ms
    for 50 rows and a template loop still about 15 ms; this costs about 1 ms. A subclass gives
    ``cell_renderers()``: column name -> a function drawing that column's cell for a record, one
    per column of ``Meta.fields`` (a column without one is an error, not an empty cell). Headers,
    sorting and pagination stay django-tables2's.
    """

    # Columns whose cells keep their words on one line (<td class="text-nowrap">).
    nowrap_columns = ()
    # Column name -> the classes of its cells, for other classes than text-nowrap alone (figures:
    # "text-end text-nowrap"); these win over nowrap_columns.
    cell_classes = {}

    def cell_renderers(self):
        raise NotImplementedError

    def body_rows(self):
        renderers = self.cell_renderers()
        names = [column.name for column in self.columns]
        missing = [name for name in names if name not in renderers]
        if missing:
            raise ImproperlyConfigured(f"{type(self).__name__} draws no cell for {', '.join(missing)}")
        cells = [(renderers[name], self._td(name)) for name in names]
        rows = [
            "<tr>" + "".join([f"{td}{_as_html(cell(row.record))}</td>" for cell, td in cells]) + "</tr>"
            for row in self.paginated_rows
        ]
        if not rows:
            return format_html('<tr><td colspan="{}">{}</td></tr>', len(names), self.empty_text)
        return mark_safe("\n".join(rows))  # noqa: S308 - every cell went through _as_html

    def _td(self, name):
        classes = self.cell_classes.get(name) or ("text-nowrap" if name in self.nowrap_columns else "")
        return f'<td class="{classes}">' if classes else "<td>"

    # The header row and the pager, drawn here as django-tables2's bootstrap5 template draws them
    # (crm/python_rows_table.html prints them; crm/tests/test_table_chrome.py compares the two):
    # that template's loops and querystring tags cost about 1.5 ms on every list page.

    def _query(self, name, value):
        """django-tables2's ``querystring_replace`` of ``name=value``: the request's query string
        with that one parameter replaced, escaped for an attribute."""
        params = dict(self.request.GET)
        params[name] = value
        return html.escape("?" + urlencode(params, doseq=True))

    def head_html(self):
        if not self.show_header:
            return ""
        thead = self.attrs.get("thead")
        cells = []
        for column in self.columns:
            header = _as_html(column.header)
            if column.orderable:
                link = self._query(self.prefixed_order_by_field, column.order_by_alias.next)
                header = f'<a href="{link}">{header}</a>'
            cells.append(f'<th {column.attrs["th"].as_html()} scope="col">{header}</th>')
        opening = f"<thead {thead.as_html() if hasattr(thead, 'as_html') else ''}>"
        # Every header went through _as_html, every attribute through as_html (escaped).
        return mark_safe(f"{opening}<tr>{''.join(cells)}</tr></thead>")  # noqa: S308

    def next_page_link(self):
        """The pager's "next" link: (escaped href, extra attributes of the link). The customer
        list's goes by keyset where it can (CustomerTable)."""
        return self._query(self.prefixed_page_field, self.page.next_page_number()), ""

    def pager_html(self):
        page = getattr(self, "page", None)
        if not page or self.paginator.num_pages <= 1:
            return ""
        field = self.prefixed_page_field
        items = []
        if page.has_previous():
            items.append(
                f'<li class="previous page-item"><a href="{self._query(field, page.previous_page_number())}" '
                f'class="page-link"><span aria-hidden="true">&laquo;</span> {_as_html(gettext("previous"))}</a></li>'
            )
        if page.has_previous() or page.has_next():
            for number in table_page_range(page, self.paginator):
                active = " active" if page.number == number else ""
                link = f'href="{self._query(field, number)}"' if number != "..." else ""
                items.append(
                    f'<li class="page-item{active}"><a class="page-link" {link}>{_as_html(localize(number))}</a></li>'
                )
        if page.has_next():
            href, extra = self.next_page_link()
            items.append(
                f'<li class="next page-item"><a href="{href}"{extra} class="page-link">'
                f'{_as_html(gettext("next"))} <span aria-hidden="true">&raquo;</span></a></li>'
            )
        items = "".join(items)
        # Every link went through _query (escaped), every text through _as_html.
        return mark_safe(  # noqa: S308
            f'<nav aria-label="Table navigation"><ul class="pagination justify-content-center">{items}</ul></nav>'
        )


def url_of(viewname, kwarg):
    """A function value -> the URL of ``viewname`` with ``kwarg=value``, the pattern reversed once
    (a page of 50 links reverses it once, not 50 times); the same URL as ``reverse`` gives."""
    try:
        marker = "pythonrowsvalue"
        pattern = reverse(viewname, kwargs={kwarg: marker})
    except NoReverseMatch:  # a pattern of numbers (<int:pk>)
        marker = "9081726354"
        pattern = reverse(viewname, kwargs={kwarg: int(marker)})
    prefix, suffix = pattern.split(marker)

    def url(value):
        quoted = quote(str(value), safe=URL_SAFE)
        if "/" in quoted or quoted.startswith("."):
            # reverse's own rules: a slash where the pattern allows none, dot segments escaped
            return reverse(viewname, kwargs={kwarg: value})
        return f"{prefix}{quoted}{suffix}"

    return url


def _as_html(value):
    """A cell's value as HTML: safe text as it is, anything else escaped (conditional_escape,
    without its lazy-text wrapper: a page of 50 rows calls this 500 times)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class AuditLogTable(PythonRowsTable):
    # Rows of the same instant in id order, newest first too: the log is read backwards along the
    # (timestamp, id) indexes of crm/migrations/0004 (bench/README.md, audit log at 20M rows).
    # Only by time: sorting tens of millions of rows by user, model, object or address has no index
    # to read (seconds a page); the filters narrow the log instead.
    timestamp = tables.Column(verbose_name=_("Time"), attrs=NOWRAP, order_by=("timestamp", "id"))
    actor = tables.Column(verbose_name=_("User"), orderable=False, empty_values=())
    action = tables.Column(verbose_name=_("Action"), attrs=NOWRAP, orderable=False)
    content_type = tables.Column(verbose_name=_("Model"), orderable=False)
    object_repr = tables.Column(verbose_name=_("Object"), orderable=False)
    changes = tables.Column(verbose_name=_("Changes"), orderable=False, empty_values=())
    remote_addr = tables.Column(verbose_name=_("IP address"), default="—", orderable=False)

    class Meta:
        model = LogEntry
        fields = ("timestamp", "actor", "action", "content_type", "object_repr", "changes", "remote_addr")
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("-timestamp",)
        template_name = ROWS_TEMPLATE

    nowrap_columns = ("timestamp", "action", "rows")

    @cached_property
    def names(self):
        """The names the page's rows mention, read once for the page (one query per model)."""
        return related_names([row.record for row in self.paginated_rows])

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for an audit row, one per column of
        Meta.fields (checked by body_rows and by a test)."""
        return {
            "timestamp": self.render_timestamp,
            "actor": self.render_actor,
            "action": action_label,
            "content_type": lambda record: self.render_content_type(record.content_type),
            "object_repr": self.render_object_repr,
            "changes": self.render_changes,
            "remote_addr": lambda record: record.remote_addr or "—",
        }

    def render_timestamp(self, record):
        return formats.date_format(timezone.localtime(record.timestamp), "SHORT_DATETIME_FORMAT")

    def render_actor(self, record):
        name = actor_name(record)
        if not name:
            return "—"
        if actor_was_deleted(record):
            return format_html('{} <span class="text-muted">({})</span>', name, _("deleted user"))
        return name

    def render_content_type(self, value):
        model = value.model_class()
        return model_label(model) if model else value.model

    def render_object_repr(self, record):
        text = object_text(record, self.names)
        parent = parent_of(record, self.names)
        if parent is None or parent[1] == text:
            return text
        return format_html('{}<div class="small text-muted">{}</div>', text, labelled(*parent))

    def render_changes(self, record):
        return describe_changes(record, names=self.names) or "—"


def _details(record):
    return record.additional_data if isinstance(record.additional_data, dict) else {}


class ExportLogTable(AuditLogTable):
    """The export log: each export and transfer's audit row (crm.audit.record_bulk_event) as who,
    when, what, with which filter, how many rows, in which format; its words are the audit page's
    (crm.audit_display)."""

    action = tables.Column(verbose_name=_("Event"), orderable=False, attrs=NOWRAP)
    what = tables.Column(verbose_name=_("What"), orderable=False, empty_values=())
    filter = tables.Column(verbose_name=_("Filter"), orderable=False, empty_values=())
    rows = tables.Column(verbose_name=_("Rows"), orderable=False, empty_values=(), attrs=NOWRAP)
    file_format = tables.Column(verbose_name=_("Format"), orderable=False, empty_values=())

    class Meta(AuditLogTable.Meta):
        fields = ("timestamp", "actor", "action", "what", "filter", "rows", "file_format", "remote_addr")
        exclude = ("content_type", "object_repr", "changes")
        sequence = fields

    def cell_renderers(self):
        """Column name -> a function drawing that column's cell for an export's audit row."""
        return {
            "timestamp": self.render_timestamp,
            "actor": self.render_actor,
            "action": action_label,
            "what": self.render_what,
            "filter": self.render_filter,
            "rows": self.render_rows,
            "file_format": self.render_file_format,
            "remote_addr": lambda record: record.remote_addr or "—",
        }

    def render_what(self, record):
        analysis = _details(record).get("analysis")
        if analysis:
            return str(ANALYSIS_LABELS.get(analysis, analysis))
        return capfirst(object_text(record, self.names))

    def render_filter(self, record):
        data = _details(record)
        model = record.content_type.model_class()
        filters = dict(data["filter"]) if isinstance(data.get("filter"), dict) else {}
        parts = []
        if data.get("event") == "transfer":
            # whose customers moved to whom, then how they were chosen
            source = filters.pop("from", None) or data.get("from")
            if source:
                parts.append(describe_filter(model, {"from": source}, self.names))
            if data.get("to"):
                parts.append(labelled(pgettext("transfer", "to"), self.names.user(str(data["to"]))))
        described = describe_filter(model, filters, self.names)
        if described:
            parts.append(described)
        return pgettext("list of changes", "; ").join(parts) or gettext("none")

    def render_rows(self, record):
        rows = _details(record).get("rows")
        return quantity(rows) if isinstance(rows, int) else "—"

    def render_file_format(self, record):
        file_format = _details(record).get("format")
        return str(file_format).upper() if file_format else "—"
