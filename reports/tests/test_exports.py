"""The analyses' exports: the file holds exactly the page's table (all its rows, the same columns
and values; numbers as numbers in XLSX), text that starts like a formula stays text, and every
export leaves an audit row saying who exported which analysis, with what filters, how many rows,
in which format."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from crm import formats
from crm.testing.world import copy_world, make_personas, shared_world
from customers.models import Customer, LossRecord
from customers.tests.factories import customer_world
from reports.actions.exports import export_analysis
from reports.tests.matrix_analyses import YEAR, analyses_world
from services.models import ServiceRequest


def build_world():
    return analyses_world(customer_world(make_personas()))


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    yield from shared_world(build_world, django_db_blocker)


@pytest.fixture
def world(built_world, db, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return copy_world(built_world)


def xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def page_table(client, name, query):
    """The page's table as text: its headers and every row's cells as drawn (HTML stripped)."""
    table = client.get(reverse(f"reports:{name}"), query).context["table"]
    return [list(row) for row in table.as_values()]


def as_text(value):
    """A cell as comparable text: numbers by value (CSV writes 100.0, XLSX reads back 100)."""
    if value is None:
        return ""
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except ArithmeticError:
        return str(value)


EXPORTS = [
    ("superuser_sam", "contribution", {"year": str(YEAR)}),
    ("superuser_sam", "contribution", {"year": "all", "q": "昌盛"}),
    ("supervisor_sue", "composition", {"dimension": "credit"}),
    ("admin", "services", {"year": str(YEAR)}),
    ("superuser_sam", "losses", {"year": str(YEAR)}),
]


@pytest.mark.parametrize("persona, name, query", EXPORTS)
def test_an_export_holds_the_pages_table(client, world, persona, name, query):
    client.force_login(world[persona])
    expected = page_table(client, name, query)
    url = reverse("reports:export", kwargs={"analysis": name})
    in_csv = csv_rows(client.get(url, {**query, "file_format": "csv"}))
    assert [[as_text(value) for value in row] for row in in_csv] == [
        [as_text(value) for value in row] for row in expected
    ]
    in_xlsx = xlsx_rows(client.get(url, {**query, "file_format": "xlsx"}))
    assert [[as_text(value) for value in row] for row in in_xlsx] == [
        [as_text(value) for value in row] for row in expected
    ]
    assert len(in_xlsx) > 1


def test_the_contribution_export_has_exact_figures_as_numbers(client, world):
    client.force_login(world["superuser_sam"])
    response = client.get(
        reverse("reports:export", kwargs={"analysis": "contribution"}), {"year": YEAR, "file_format": "xlsx"}
    )
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="contribution-')
    rows = xlsx_rows(response)
    assert rows[0] == ["Customer code", "Customer", "Orders", "Order amount", "Share of total (%)"]
    assert rows[1:] == [
        [world["B"].code, "博远科技有限公司", 1, 3600, 52.17],
        [world["A"].code, "安诚贸易有限公司", 2, 2500.5, 36.24],
        [world["C"].code, "昌盛物流有限公司", 1, 800, 11.59],
    ]


def test_the_losses_export_lists_every_confirmed_loss_with_manager_and_reason(client, world):
    client.force_login(world["superuser_sam"])
    response = client.get(
        reverse("reports:export", kwargs={"analysis": "losses"}), {"year": YEAR, "file_format": "csv"}
    )
    rows = csv_rows(response)
    assert rows[0] == ["Year", "Confirmed on", "Customer code", "Customer", "Account manager", "Reason for the loss"]
    assert rows[1] == ["2025", "2025-06-01", world["C"].code, "昌盛物流有限公司", "Manager Bob", "C的采购转向竞争对手"]
    assert len(rows) == 4


def test_an_export_is_audited_with_analysis_filters_rows_and_format(client, world):
    client.force_login(world["superuser_sam"])
    client.get(
        reverse("reports:export", kwargs={"analysis": "losses"}),
        {"year": YEAR, "manager": world["manager_bob"].pk, "file_format": "xlsx", "page": "2"},
    )
    entry = LogEntry.objects.filter(additional_data__event="export").get()
    assert entry.actor == world["superuser_sam"]
    assert entry.content_type == ContentType.objects.get_for_model(LossRecord)
    assert entry.additional_data["analysis"] == "losses"
    assert entry.additional_data["filter"] == {"year": str(YEAR), "account_manager": str(world["manager_bob"].pk)}
    assert (entry.additional_data["rows"], entry.additional_data["format"]) == (2, "xlsx")
    assert entry.remote_addr == "127.0.0.1"


@pytest.mark.parametrize(
    "analysis, model", [("contribution", Customer), ("composition", Customer), ("services", ServiceRequest)]
)
def test_each_analysis_export_is_recorded_against_its_model(world, analysis, model):
    export_analysis(
        actor=world["superuser_sam"], analysis=analysis, rows=[[1]], headers=["n"], filters={}, file_format="csv"
    )
    assert LogEntry.objects.get(additional_data__event="export").content_type.model_class() is model


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_text_that_starts_like_a_formula_is_exported_as_text(world, file_format):
    formulas = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\t=1+1"]
    content, _type = export_analysis(
        actor=world["superuser_sam"],
        analysis="losses",
        rows=[[formula, Decimal("1.50"), None] for formula in formulas],
        headers=["=reason", "amount", "empty"],
        filters={"q": "=x"},
        file_format=file_format,
    )
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(content[1:])))
        assert rows[0] == ["'=reason", "amount", "empty"]
        assert [row[0] for row in rows[1:]] == ["'" + formula for formula in formulas]
        assert rows[1][1] == "1.50"
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert values[0][0] == "'=reason"
        assert [row[0] for row in values[1:]] == ["'" + formula for formula in formulas]
        assert all(cell.data_type == "s" for cell in sheet["A"])
        assert values[1][1] == 1.5


def test_an_unknown_format_or_analysis_is_refused_and_not_audited(world):
    for analysis, file_format in (("losses", "pdf"), ("customers", "csv")):
        with pytest.raises(ValueError):
            export_analysis(
                actor=world["superuser_sam"],
                analysis=analysis,
                rows=[],
                headers=[],
                filters={},
                file_format=file_format,
            )
    assert not LogEntry.objects.filter(additional_data__event="export").exists()


def test_an_export_without_a_format_goes_back_to_the_analysis_with_a_message(client, world):
    client.force_login(world["supervisor_sue"])
    response = client.get(
        reverse("reports:export", kwargs={"analysis": "services"}), {"file_format": "pdf"}, follow=True
    )
    assert response.redirect_chain == [(reverse("reports:services"), 302)]
    assert "Choose a file format for the export: XLSX or CSV." in response.content.decode()
    assert not LogEntry.objects.filter(additional_data__event="export").exists()


def test_the_page_shows_the_figures_the_export_holds(client, world):
    client.force_login(world["superuser_sam"])
    query = {"year": YEAR}
    shown = client.get(reverse("reports:contribution"), query).context["table"]
    drawn = [[row.get_cell(name) for name in ("code", "orders", "amount", "share")] for row in shown.page.object_list]
    response = client.get(
        reverse("reports:export", kwargs={"analysis": "contribution"}), {**query, "file_format": "xlsx"}
    )
    exported = [
        [code, formats.quantity(orders), formats.money(amount), f"{formats.money(share)}%"]
        for code, _name, orders, amount, share in xlsx_rows(response)[1:]
    ]
    assert drawn == exported
