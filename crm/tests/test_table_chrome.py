"""PythonRowsTable draws its header row and pager as django-tables2's bootstrap5 template does."""

import re

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from crm.tables import ROWS_TEMPLATE, PythonRowsTable

ROWS = [{"name": f"客户{number:03d}", "city": "<b>&</b>", "size": number} for number in range(1, 301)]


class Sample(PythonRowsTable):
    name = tables.Column(verbose_name='Name <"quoted">')
    city = tables.Column(verbose_name="城市", orderable=False)
    size = tables.Column(verbose_name="Size", attrs={"th": {"class": "text-end", "data-x": "1"}})

    class Meta:
        attrs = {"class": "table"}
        template_name = ROWS_TEMPLATE

    def cell_renderers(self):
        return {"name": lambda row: row["name"], "city": lambda row: row["city"], "size": lambda row: row["size"]}


def squeezed(markup):
    """The markup without the white space next to its tags (a browser shows none of it)."""
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", str(markup))).strip()


def as_djangos_template_draws_it(table, request):
    """The <thead> and the pager <nav> of django-tables2's own bootstrap5 template."""
    markup = Template('{% load django_tables2 %}{% render_table table "django_tables2/bootstrap5.html" %}').render(
        Context({"table": table, "request": request})
    )
    head = re.search(r"<thead.*?</thead>", markup, re.S)
    pager = re.search(r'<nav aria-label="Table navigation">.*?</nav>', markup, re.S)
    return squeezed(head.group(0)), squeezed(pager.group(0)) if pager else ""


QUERIES = [
    {},
    {"page": "2"},
    {"page": "7", "sort": "-size", "q": '"><script>alert(1)</script>', "tag": ["a&b", "c d"]},
    {"page": "15", "sort": "name"},
    {"page": "1", "per_page": "100"},
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("query", QUERIES, ids=lambda query: "&".join(f"{k}={v}" for k, v in query.items()) or "none")
@pytest.mark.parametrize("paginator", [None, LazyPaginator], ids=["counted", "lazy"])
def test_head_and_pager_are_drawn_as_django_tables2_draws_them(language, query, paginator):
    request = RequestFactory().get("/list/", query)
    with translation.override(language):
        table = Sample(ROWS)
        paginate = {"per_page": int(query.get("per_page", 20))}
        if paginator:
            paginate["paginator_class"] = paginator
        RequestConfig(request, paginate=paginate).configure(table)
        head, pager = as_djangos_template_draws_it(table, request)
        assert squeezed(table.head_html()) == head
        assert squeezed(table.pager_html()) == pager
    assert "<script>" not in table.head_html() + table.pager_html()


def test_a_single_page_has_no_pager_and_a_prefixed_table_keeps_its_prefix():
    request = RequestFactory().get("/list/", {"s-page": "2", "s-sort": "size"})
    table = Sample(ROWS[:30], prefix="s-")
    RequestConfig(request, paginate={"per_page": 10}).configure(table)
    head, pager = as_djangos_template_draws_it(table, request)
    assert squeezed(table.head_html()) == head and "s-sort=-size" in head
    assert squeezed(table.pager_html()) == pager and "s-page=3" in pager
    single = Sample(ROWS[:5])
    RequestConfig(request, paginate={"per_page": 10}).configure(single)
    assert single.pager_html() == ""
