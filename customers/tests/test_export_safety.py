"""The customer export (CSV and XLSX) writes text that starts like a formula as plain text.

A customer's address typed as ``=HYPERLINK("http://x","y")`` must open in a spreadsheet as that
text after a quote, never as a live formula or link (issue 8). The rule itself is
``crm.spreadsheets.neutralise``.
"""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils.text import capfirst

from crm.spreadsheets import neutralise
from customers.models import Customer
from customers.resources import CustomerResource
from customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db

EXPORT = reverse("customers:export")

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.fixture
def customers(manager_ann):
    """One customer per formula, in the address and the legal representative; the first also in
    the name. Made through the create action, as the import of old data could."""
    made = []
    for number, formula in enumerate(FORMULAS):
        made.append(
            make_customer(
                manager_ann,
                name=formula if number == 0 else None,
                address=formula,
                legal_rep=formula[:50],
                registered_capital=Decimal("1234.50"),
            )
        )
    return made


def field_names(header):
    """The model field of each column: the export names them in the user's language."""
    names = {str(capfirst(field.verbose_name)): field.name for field in Customer._meta.fields}
    return [names[column] for column in header]


def export(client, user, file_format):
    client.force_login(user)
    response = client.get(EXPORT, {"file_format": file_format})
    assert response.status_code == 200
    return response


def csv_rows(response):
    text = response.content.decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    return [dict(zip(field_names(header), row, strict=True)) for row in rows]


def xlsx_rows(response):
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = field_names([cell.value for cell in sheet[1]])
    return sheet, header, [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("北京市海淀区", "北京市海淀区"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        (-2, -2),
        (Decimal("-2.50"), Decimal("-2.50")),
    ],
)
def test_neutralise_quotes_text_that_starts_like_a_formula_and_leaves_the_rest(value, expected):
    assert neutralise(value) == expected


def test_csv_export_writes_formula_text_after_a_quote(client, superuser_sam, customers):
    rows = {row["code"]: row for row in csv_rows(export(client, superuser_sam, "csv"))}
    for customer, formula in zip(customers, FORMULAS, strict=True):
        row = rows[customer.code]
        assert row["address"] == "'" + formula
        assert row["legal_rep"] == "'" + formula[:50]
        assert row["registered_capital"] == "1234.50"  # numbers keep their form
    assert rows[customers[0].code]["name"] == '\'=HYPERLINK("http://x","y")'
    assert rows[customers[1].code]["name"] == customers[1].name  # ordinary text unchanged


def test_xlsx_export_writes_formula_text_as_plain_strings_with_no_formula_or_link(client, superuser_sam, customers):
    sheet, header, rows = xlsx_rows(export(client, superuser_sam, "xlsx"))
    by_code = {row["code"].value: row for row in rows}
    for customer, formula in zip(customers, FORMULAS, strict=True):
        row = by_code[customer.code]
        for column, text in (("address", formula), ("legal_rep", formula[:50])):
            cell = row[column]
            assert cell.data_type == "s"  # a string, not "f" (formula)
            assert cell.value == "'" + text.replace("\r", "\n")  # XML reads a carriage return as \n
            assert cell.hyperlink is None
        capital = row["registered_capital"]
        assert capital.data_type == "n" and capital.value == 1234.5  # numbers stay numbers
    name = by_code[customers[0].code]["name"]
    assert name.data_type == "s" and name.value == '\'=HYPERLINK("http://x","y")'
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    assert not sheet._hyperlinks


def test_the_resource_neutralises_every_text_column_it_exports(manager_ann):
    # Not only the address: any text column a user can type into.
    make_customer(manager_ann, address="=1+1", website="=cmd|' /C calc'!A0", bank_name="@A1", fax="+86 10")
    dataset = CustomerResource().export(Customer.objects.all(), force_native_type=True)
    row = dict(zip(field_names(dataset.headers), dataset[0], strict=True))
    assert row["address"] == "'=1+1"
    assert row["website"] == "'=cmd|' /C calc'!A0"
    assert row["bank_name"] == "'@A1"
    assert row["fax"] == "'+86 10"
    assert row["account_manager"] == "Manager Ann"  # by display name
