"""``import_sales FILE [--dry-run]``: the sales system's CSV/XLSX files into the read-only mirror.

The example files of sales/fixtures/ name the customer KH202601050001; each test copies them
into tmp_path with the code of a customer it made through the customers actions.
"""

import csv
import datetime
import io
import os
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.utils import translation

from crm.audit import SYSTEM_USERNAME, system_actor
from customers.models import Customer
from customers.tests.factories import make_customer
from sales.actions import import_sales_file
from sales.models import Order, OrderLine, Product, Stock
from sales.tests.factories import FIXTURE_CUSTOMER_CODE, FIXTURES, write_csv

pytestmark = pytest.mark.django_db

KINDS = ("products", "stock", "orders", "order_lines")


@pytest.fixture
def customer(manager_ann):
    return make_customer(manager_ann, name="安诚贸易有限公司")


@pytest.fixture
def files(tmp_path, customer):
    """The example files, naming ``customer``: kind -> path."""
    paths = {}
    for kind in KINDS:
        text = (FIXTURES / f"{kind}.csv").read_text(encoding="utf-8")
        path = tmp_path / f"{kind}.csv"
        path.write_text(text.replace(FIXTURE_CUSTOMER_CODE, customer.code), encoding="utf-8")
        paths[kind] = path
    return paths


def read_rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def rewrite(path, change):
    """Rewrite a CSV file: ``change(rows)`` edits the list of rows (header first) in place."""
    rows = read_rows(path)
    change(rows)
    write_csv(path, rows[0], rows[1:])
    return path


def run(*paths, dry_run=False, language="en", **options):
    """Run the real command (messages in ``language``); returns (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with translation.override(language):
        call_command("import_sales", *map(str, paths), dry_run=dry_run, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_rejected(*paths, language="en", **options):
    """Run the command expecting it to refuse; returns (message, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refused, translation.override(language):
        call_command("import_sales", *map(str, paths), stdout=out, stderr=err, **options)
    return str(refused.value), out.getvalue(), err.getvalue()


def mirror():
    """Every row of the mirror and the customers' last order dates, to prove nothing changed."""
    return {
        "products": list(Product.objects.order_by("pk").values()),
        "stock": list(Stock.objects.order_by("pk").values()),
        "orders": list(Order.objects.order_by("pk").values()),
        "lines": list(OrderLine.objects.order_by("pk").values()),
        "last_order_dates": list(Customer.all_objects.order_by("pk").values_list("pk", "last_order_date")),
    }


def state():
    return {**mirror(), "audit_entries": LogEntry.objects.count()}


def import_events():
    return LogEntry.objects.filter(additional_data__event="import")


def assert_example_data(customer):
    """The example files' rows, with exact Decimal values."""
    assert sorted(Product.objects.values_list("code", "name", "model", "batch", "unit", "price", "memo")) == [
        ("P-1001", "工业级路由器", "RX-200", "2026A", "台", Decimal("3200.00"), ""),
        ("P-1002", "千兆交换机", "SW-48G", "2026A", "台", Decimal("5800.00"), "48口"),
        ("P-2001", "超五类网线", "CAT5E-305", "2025C", "箱", Decimal("420.50"), "305米/箱"),
    ]
    assert sorted(Stock.objects.values_list("warehouse", "location", "product__code", "quantity", "memo")) == [
        ("上海中转库", "B-02-07", "P-2001", Decimal("600.00"), "含样品 5 箱"),
        ("北京一号库", "A-01-01", "P-1001", Decimal("120.00"), ""),
        ("北京一号库", "A-01-02", "P-1002", Decimal("35.00"), ""),
    ]
    assert sorted(Order.objects.values_list("order_no", "customer", "order_date", "delivery_address", "status")) == [
        ("SO-2026-0001", customer.pk, datetime.date(2026, 3, 12), "北京市海淀区中关村大街 1 号", "paid"),
        ("SO-2026-0002", customer.pk, datetime.date(2026, 9, 30), "北京市海淀区中关村大街 1 号", "unpaid"),
    ]
    lines = OrderLine.objects.select_related("order", "product").order_by("order__order_no", "line_no")
    assert [
        (line.order.order_no, line.line_no, line.product.code, line.quantity, line.unit, line.unit_price, line.amount)
        for line in lines
    ] == [
        ("SO-2026-0001", 1, "P-1001", Decimal("2.00"), "台", Decimal("3200.00"), Decimal("6400.0000")),
        ("SO-2026-0001", 2, "P-2001", Decimal("10.00"), "箱", Decimal("400.00"), Decimal("4000.0000")),
        ("SO-2026-0002", 1, "P-1002", Decimal("1.00"), "台", Decimal("5600.00"), Decimal("5600.0000")),
    ]
    customer.refresh_from_db()
    assert customer.last_order_date == datetime.date(2026, 9, 30)


def workbook(path, sheets):
    """Write an XLSX workbook: sheet title -> rows (header first)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def example_sheets(customer, *, product_sheet="products"):
    """The example data as native spreadsheet values (numbers, dates), as Excel would hold them."""
    return {
        product_sheet: [
            ["code", "name", "model", "batch", "unit", "price", "memo"],
            ["P-1001", "工业级路由器", "RX-200", "2026A", "台", 3200, None],
            ["P-1002", "千兆交换机", "SW-48G", "2026A", "台", 5800.0, "48口"],
            ["P-2001", "超五类网线", "CAT5E-305", "2025C", "箱", 420.5, "305米/箱"],
        ],
        "stock": [
            ["warehouse", "location", "product_code", "quantity", "memo"],
            ["北京一号库", "A-01-01", "P-1001", 120, None],
            ["北京一号库", "A-01-02", "P-1002", 35, None],
            ["上海中转库", "B-02-07", "P-2001", 600, "含样品 5 箱"],
        ],
        # Sheets in another order than the kinds refer to each other: the import sorts them.
        "order_lines": [
            ["order_no", "line_no", "product_code", "quantity", "unit", "unit_price"],
            ["SO-2026-0001", 1, "P-1001", 2, "台", 3200],
            ["SO-2026-0001", 2, "P-2001", 10, "箱", 400],
            ["SO-2026-0002", 1, "P-1002", 1, "台", 5600],
        ],
        "orders": [
            ["order_no", "customer_code", "order_date", "delivery_address", "status"],
            ["SO-2026-0001", customer.code, datetime.date(2026, 3, 12), "北京市海淀区中关村大街 1 号", "paid"],
            ["SO-2026-0002", customer.code, datetime.date(2026, 9, 30), "北京市海淀区中关村大街 1 号", "unpaid"],
        ],
    }


# --------------------------------------------------------------------------- round trips


def test_example_files_round_trip_into_the_mirror_with_exact_values(files, customer):
    out, _err = run(*files.values())
    assert_example_data(customer)
    assert "  orders.csv: 2 rows, 2 new, 0 changed, 0 unchanged" in out
    assert "  order_lines.csv: 3 rows, 3 new, 0 changed, 0 unchanged" in out


def test_chinese_order_statuses_are_accepted(files, customer):
    def chinese(rows):
        rows[1][4], rows[2][4] = "已回款", "未回款"

    run(files["products"], rewrite(files["orders"], chinese))
    assert dict(Order.objects.values_list("order_no", "status")) == {"SO-2026-0001": "paid", "SO-2026-0002": "unpaid"}


def test_a_workbook_with_a_sheet_per_kind_imports_the_same_rows(tmp_path, customer):
    out, _err = run(workbook(tmp_path / "sales.xlsx", example_sheets(customer)))
    assert_example_data(customer)
    assert "sales.xlsx:order_lines: 3 rows, 3 new" in out


def test_the_workbook_after_the_same_csv_files_finds_nothing_to_change(files, tmp_path, customer):
    run(*files.values())
    before = mirror()
    out, _err = run(workbook(tmp_path / "sales.xlsx", example_sheets(customer)))
    assert mirror() == before
    assert out.count("0 new, 0 changed") == 4


def test_a_single_sheet_workbook_is_recognised_by_its_header(tmp_path, customer):
    sheets = example_sheets(customer, product_sheet="Sheet1")
    out, _err = run(workbook(tmp_path / "export.xlsx", {"Sheet1": sheets["Sheet1"]}))
    assert "export.xlsx:Sheet1: 3 rows, 3 new" in out
    assert Product.objects.get(code="P-2001").price == Decimal("420.50")


def test_a_csv_named_otherwise_is_recognised_by_its_header(files, tmp_path):
    renamed = tmp_path / "销售系统导出-商品.csv"
    files["products"].rename(renamed)
    run(renamed)
    assert Product.objects.count() == 3


def test_a_utf8_csv_with_a_byte_order_mark_imports(files, tmp_path):
    # Excel's "CSV UTF-8" puts a BOM before the first column name.
    text = files["products"].read_text(encoding="utf-8")
    files["products"].write_text(text, encoding="utf-8-sig")
    run(files["products"])
    assert Product.objects.get(code="P-1001").name == "工业级路由器"


# --------------------------------------------------------------------------- several files: all or nothing


def test_a_bad_later_file_leaves_the_files_before_it_unwritten(files):
    # Issue 8: products.csv and orders.csv used to stay committed when order_lines.csv was bad.
    system_actor()
    rewrite(files["order_lines"], _set(3, "product_code", "P-9999"))
    before = state()
    message, out, err = run_rejected(*files.values())
    assert message == "rejected: order_lines.csv"
    assert state() == before  # no product, stock, order, line, last order date or audit row
    assert "products.csv: 3 rows, 3 new" in out  # each file was checked against the ones before it
    assert "nothing of products.csv, stock.csv, orders.csv, order_lines.csv was written" in err
    assert "written:" not in out


def test_the_files_after_a_rejected_file_are_not_checked_and_are_named(files):
    rewrite(files["stock"], _set(2, "quantity", "many"))
    before = state()
    message, out, err = run_rejected(*files.values())
    assert message == "rejected: stock.csv"
    assert state() == before
    assert "orders.csv:" not in out
    assert "not checked, as they come after the rejected file: orders.csv, order_lines.csv" in err


def test_a_missing_later_file_is_refused_before_anything_is_written(files, tmp_path):
    system_actor()
    before = state()
    message, out, _err = run_rejected(files["products"], files["orders"], tmp_path / "missing.csv")
    assert message == f"{tmp_path / 'missing.csv'}: no such file"
    assert state() == before
    assert out == ""  # refused before the first file was read


def test_a_later_file_of_no_known_kind_is_refused_before_anything_is_written(files, tmp_path):
    before = state()
    unknown = write_csv(tmp_path / "export.csv", ["a", "b"], [["1", "2"]])
    message, out, _err = run_rejected(files["products"], unknown)
    assert "Can't tell what export" in message
    assert state() == before
    assert out == ""


def _folder(path):
    path.mkdir()
    return path


def _named_pipe(path):
    os.mkfifo(path)
    return path


NOT_REGULAR = {"folder": _folder, "named pipe": _named_pipe}


@pytest.mark.parametrize("case", NOT_REGULAR)
def test_a_path_that_is_not_a_regular_file_is_refused_before_anything_is_written(files, tmp_path, case):
    # Reading a folder raised IsADirectoryError; a named pipe would block the command forever.
    before = state()
    path = NOT_REGULAR[case](tmp_path / "orders-extra.csv")
    message, out, _err = run_rejected(files["products"], path)
    assert message == f"{path} is not a regular file"
    assert state() == before
    assert out == ""


def test_a_dry_run_of_several_new_files_checks_each_against_the_ones_before_it(files):
    # The order lines name orders and products that only the earlier files of the run bring.
    system_actor()
    before = state()
    out, _err = run(*files.values(), dry_run=True)
    assert state() == before
    assert "order_lines.csv: 3 rows, 3 new, 0 changed, 0 unchanged" in out
    assert "dry run: nothing was written" in out


def test_several_good_files_are_written_together(files, customer):
    out, _err = run(*files.values())
    assert_example_data(customer)
    assert out.endswith("written: products.csv, stock.csv, orders.csv, order_lines.csv\n")


# --------------------------------------------------------------------------- idempotence


def test_importing_the_same_files_twice_changes_no_row(files):
    run(*files.values())
    before = mirror()
    out, _err = run(*files.values())
    assert mirror() == before  # every row, every id
    for kind in KINDS:
        rows = len(read_rows(files[kind])) - 1
        assert f"  {kind}.csv: {rows} rows, 0 new, 0 changed, {rows} unchanged" in out
    assert "0 customers' last order date moved" in out


def test_importing_the_same_files_twice_adds_no_audit_row(files):
    # A re-import is a no-op (issue #4): it must not fill the audit log with empty summaries.
    system_actor()
    run(*files.values())
    before = LogEntry.objects.count()
    run(*files.values())
    assert LogEntry.objects.count() == before


def test_a_changed_price_updates_that_product_and_nothing_else(files):
    run(*files.values())
    before = mirror()
    rewrite(files["products"], lambda rows: rows[1].__setitem__(5, "3300.00"))
    out, _err = run(files["products"])
    assert "products.csv: 3 rows, 0 new, 1 changed, 2 unchanged" in out
    after = mirror()
    changed = [row for row in after["products"] if row not in before["products"]]
    assert [(row["code"], row["price"]) for row in changed] == [("P-1001", Decimal("3300.00"))]
    assert {key: value for key, value in after.items() if key != "products"} == {
        key: value for key, value in before.items() if key != "products"
    }


def test_a_changed_order_status_and_line_are_updated_in_place(files):
    run(*files.values())
    line_ids = sorted(OrderLine.objects.values_list("pk", flat=True))
    rewrite(files["orders"], lambda rows: rows[2].__setitem__(4, "paid"))
    rewrite(files["order_lines"], lambda rows: rows[2].__setitem__(3, "12"))
    out, _err = run(files["orders"], files["order_lines"])
    assert "orders.csv: 2 rows, 0 new, 1 changed, 1 unchanged" in out
    assert "order_lines.csv: 3 rows, 0 new, 1 changed, 2 unchanged" in out
    assert Order.objects.get(order_no="SO-2026-0002").status == "paid"
    assert OrderLine.objects.get(order__order_no="SO-2026-0001", line_no=2).quantity == Decimal("12.00")
    assert sorted(OrderLine.objects.values_list("pk", flat=True)) == line_ids


# --------------------------------------------------------------------------- bad rows


def _set(row, column, value):
    def change(rows):
        rows[row - 1][rows[0].index(column)] = value

    return change


def _append(values):
    return lambda rows: rows.append(values)


BAD_ROWS = {
    # case: (kind, kinds imported first, change, row, column, reason)
    "unknown customer code": (
        "orders",
        ["products"],
        _set(3, "customer_code", "KH209901010001"),
        3,
        "customer_code",
        "unknown customer code",
    ),
    "bad date": ("orders", ["products"], _set(2, "order_date", "2026-02-30"), 2, "order_date", "not a date"),
    "bad status": ("orders", ["products"], _set(3, "status", "作废"), 3, "status", "must be unpaid"),
    "non-numeric quantity": (
        "order_lines",
        ["products", "orders"],
        _set(3, "quantity", "十个"),
        3,
        "quantity",
        "not a number",
    ),
    "zero quantity": ("order_lines", ["products", "orders"], _set(2, "quantity", "0"), 2, "quantity", "at least"),
    "non-numeric price": ("products", [], _set(4, "price", "4OO"), 4, "price", "not a number"),
    "negative stock": ("stock", ["products"], _set(2, "quantity", "-5"), 2, "quantity", "at least"),
    "unknown product in stock": (
        "stock",
        ["products"],
        _set(4, "product_code", "P-9999"),
        4,
        "product_code",
        "unknown product code",
    ),
    "unknown product in a line": (
        "order_lines",
        ["products", "orders"],
        _set(2, "product_code", "P-9999"),
        2,
        "product_code",
        "unknown product code",
    ),
    "unknown order": (
        "order_lines",
        ["products", "orders"],
        _append(["SO-2099-0001", "1", "P-1001", "1", "台", "3200.00"]),
        5,
        "order_no",
        "unknown order number",
    ),
    "line number not a whole number": (
        "order_lines",
        ["products", "orders"],
        _set(4, "line_no", "1.5"),
        4,
        "line_no",
        "not a whole number",
    ),
    "duplicate product code": (
        "products",
        [],
        _append(["P-1001", "工业级路由器", "RX-300", "2026B", "台", "3300.00", ""]),
        5,
        "code",
        "repeats row 2",
    ),
    "duplicate order line": (
        "order_lines",
        ["products", "orders"],
        _append(["SO-2026-0001", "2", "P-1002", "1", "台", "5600.00"]),
        5,
        "order_no+line_no",
        "repeats row 3",
    ),
    "duplicate stock place": (
        "stock",
        ["products"],
        _append(["北京一号库", "A-01-01", "P-1002", "1", ""]),
        5,
        "warehouse+location",
        "repeats row 2",
    ),
    "oversize name": ("products", [], _set(3, "name", "千" * 101), 3, "name", "longer than 100 characters"),
    "oversize address": (
        "orders",
        ["products"],
        _set(2, "delivery_address", "地" * 201),
        2,
        "delivery_address",
        "longer than 200 characters",
    ),
    "missing required value": ("products", [], _set(3, "name", "  "), 3, "name", "required"),
    # Values the columns can't hold (issue 8): each raised a traceback or was written as given.
    "value over the csv module's limit": (
        "products",
        [],
        _set(3, "memo", "长" * 131_073),
        3,
        "",
        "longer than 131,072 characters",
    ),
    "price with a huge exponent": ("products", [], _set(2, "price", "1e999999999"), 2, "price", "too large"),
    "price of 29 digits": ("products", [], _set(2, "price", "1" * 29), 2, "price", "too large"),
    "price over the column": ("products", [], _set(4, "price", "1000000000000"), 4, "price", "too large"),
    "stock quantity over the column": (
        "stock",
        ["products"],
        _set(2, "quantity", "1e12"),
        2,
        "quantity",
        "at most 999,999,999,999.99",
    ),
    "line quantity with a huge exponent": (
        "order_lines",
        ["products", "orders"],
        _set(3, "quantity", "9E+999999"),
        3,
        "quantity",
        "too large",
    ),
    "unit price over the column": (
        "order_lines",
        ["products", "orders"],
        _set(2, "unit_price", "-1e999999999"),
        2,
        "unit_price",
        "at least",
    ),
    "line number over the integer column": (
        "order_lines",
        ["products", "orders"],
        _set(2, "line_no", str(2**31)),
        2,
        "line_no",
        "at most 2,147,483,647",
    ),
    "line number of 5000 digits": (
        "order_lines",
        ["products", "orders"],
        _set(2, "line_no", "9" * 5000),
        2,
        "line_no",
        "not a whole number",
    ),
    "NUL in a name": ("products", [], _set(3, "name", "千兆\x00交换机"), 3, "name", "NUL"),
    "NUL in an order number": ("orders", ["products"], _set(2, "order_no", "SO-2026\x000001"), 2, "order_no", "NUL"),
    "order date 0001-01-01": ("orders", ["products"], _set(2, "order_date", "0001-01-01"), 2, "order_date", "between"),
    "order date 9999-12-31": ("orders", ["products"], _set(3, "order_date", "9999-12-31"), 3, "order_date", "between"),
    "order date 1899-12-31": ("orders", ["products"], _set(2, "order_date", "18991231"), 2, "order_date", "between"),
    "order date 2101-01-01": ("orders", ["products"], _set(3, "order_date", "2101/01/01"), 3, "order_date", "between"),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_a_bad_row_rejects_the_whole_file_and_is_listed_with_its_row_and_column(files, case):
    kind, first, change, row, column, reason = BAD_ROWS[case]
    if first:
        run(*(files[name] for name in first))
    before = state()
    path = rewrite(files[kind], change)

    message, _out, err = run_rejected(path)

    assert message == f"rejected: {kind}.csv"
    assert state() == before  # not even the good rows of the file, nor an audit row
    error_file = path.with_name(f"{kind}.csv.errors.csv")
    with error_file.open(encoding="utf-8-sig", newline="") as handle:
        errors = list(csv.DictReader(handle))
    assert [(int(e["row"]), e["column"]) for e in errors] == [(row, column)]
    assert reason in errors[0]["reason"]
    assert f"row {row}, {column} = " in err
    assert f"nothing of {kind}.csv was written" in err


def test_every_bad_row_of_a_file_is_listed_not_just_the_first(files):
    run(files["products"], files["orders"])
    rewrite(files["order_lines"], _set(2, "quantity", "abc"))
    rewrite(files["order_lines"], _set(4, "product_code", "P-404"))
    errors_path = files["order_lines"].with_name("rejected.csv")
    run_rejected(files["order_lines"], errors=str(errors_path))
    with errors_path.open(encoding="utf-8-sig", newline="") as handle:
        listed = [(row["row"], row["column"], row["value"]) for row in csv.DictReader(handle)]
    assert listed == [("2", "quantity", "abc"), ("4", "product_code", "P-404")]


def test_bad_rows_are_explained_in_chinese_to_chinese_users(files):
    run(files["products"])
    rewrite(files["orders"], _set(2, "customer_code", "KH209901010001"))
    run_rejected(files["orders"], language="zh-hans")
    reasons = files["orders"].with_name("orders.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert "2,customer_code,KH209901010001,未知的客户编号" in reasons


def test_a_missing_column_refuses_the_file_naming_the_column(files):
    run(files["products"])
    before = state()
    with files["orders"].open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    write_csv(files["orders"], [c for c in rows[0] if c != "status"], [r[:4] for r in rows[1:]])
    message, _out, _err = run_rejected(files["orders"])
    assert "status" in message and "orders.csv" in message
    assert "\n" not in message
    assert state() == before


def test_a_bad_row_after_the_first_batch_rolls_back_the_batches_before_it(tmp_path):
    header = ["code", "name", "model", "batch", "unit", "price", "memo"]
    rows = [[f"P-{n:05d}", f"商品{n}", "", "", "个", "1.00", ""] for n in range(2500)]
    rows.append(["P-BAD", "坏价格", "", "", "个", "免费", ""])
    path = write_csv(tmp_path / "products.csv", header, rows)
    message, _out, _err = run_rejected(path)
    assert message == "rejected: products.csv"
    assert Product.objects.count() == 0
    assert "2502,price,免费" in path.with_name("products.csv.errors.csv").read_text(encoding="utf-8-sig")


def test_progress_is_reported_as_each_batch_of_a_large_file_is_read(tmp_path):
    header = ["code", "name", "model", "batch", "unit", "price", "memo"]
    rows = [[f"P-{n:05d}", f"商品{n}", "", "", "个", "1.00", ""] for n in range(4500)]
    seen = []
    result = import_sales_file(
        path=write_csv(tmp_path / "products.csv", header, rows),
        progress=lambda source, count: seen.append((source, count)),
    )
    assert seen == [("products.csv", 2000), ("products.csv", 4000), ("products.csv", 4500)]
    assert result.written and Product.objects.count() == 4500


def test_the_largest_values_the_columns_hold_are_accepted(files, customer):
    rewrite(files["products"], _set(2, "price", "999999999999.99"))
    rewrite(files["orders"], _set(2, "order_date", "1900-01-01"))
    rewrite(files["orders"], _set(3, "order_date", "2100-12-31"))
    rewrite(files["order_lines"], _set(4, "line_no", str(2**31 - 1)))
    rewrite(files["order_lines"], _set(4, "quantity", "999999999999.99"))
    run(*files.values())
    assert Product.objects.get(code="P-1001").price == Decimal("999999999999.99")
    assert sorted(Order.objects.values_list("order_date", flat=True)) == [
        datetime.date(1900, 1, 1),
        datetime.date(2100, 12, 31),
    ]
    line = OrderLine.objects.get(line_no=2**31 - 1)
    assert line.quantity == Decimal("999999999999.99")
    customer.refresh_from_db()
    assert customer.last_order_date == datetime.date(2100, 12, 31)


def test_values_a_workbook_holds_natively_are_bounded_like_text(tmp_path, customer):
    sheets = example_sheets(customer)
    sheets["products"][2][5] = 1e300  # a float, not text
    sheets["order_lines"][1][1] = 2**40  # an integer
    path = workbook(tmp_path / "sales.xlsx", sheets)
    before = state()
    message, _out, _err = run_rejected(path)
    assert message == "rejected: sales.xlsx"
    assert state() == before
    with path.with_name("sales.xlsx.errors.csv").open(encoding="utf-8-sig", newline="") as handle:
        errors = [(e["row"], e["column"], e["reason"]) for e in csv.DictReader(handle)]
    assert errors[0] == ("3", "price", "too large: at most 999,999,999,999.99")
    assert ("2", "line_no", "too large: at most 2,147,483,647") in errors


def test_a_workbook_date_and_line_number_out_of_range_are_listed(tmp_path, customer):
    sheets = example_sheets(customer)
    # A date cell before 1900 reads back as a time (Excel's days start in 1900): 2101 stands in.
    sheets["orders"][2][2] = datetime.date(2101, 1, 1)
    sheets["order_lines"][1][1] = 2**40
    path = workbook(tmp_path / "sales.xlsx", sheets)
    before = state()
    run_rejected(path)
    assert state() == before
    header, *reasons = read_rows(path.with_name("sales.xlsx.errors.csv"))
    assert [row[:3] for row in reasons] == [
        ["3", "order_date", "2101-01-01 00:00:00"],
        ["2", "line_no", str(2**40)],
        ["4", "order_no", "SO-2026-0002"],  # its order was refused
    ]
    assert reasons[0][3] == "Enter a date between 1900-01-01 and 2100-12-31."
    assert reasons[1][3] == "too large: at most 2,147,483,647"


# --------------------------------------------------------------------------- the errors file


def test_errors_pointing_at_a_folder_is_refused_in_one_line_before_anything_is_written(files, tmp_path):
    rewrite(files["stock"], _set(2, "quantity", "many"))
    before = state()
    message, out, _err = run_rejected(files["products"], files["stock"], errors=str(tmp_path))
    assert message == f"--errors {tmp_path} is a folder: give a file name"
    assert state() == before
    assert out == ""


def test_errors_in_a_folder_that_does_not_exist_is_refused_before_anything_is_written(files, tmp_path):
    before = state()
    target = tmp_path / "no-such-folder" / "errors.csv"
    message, _out, _err = run_rejected(files["products"], errors=str(target))
    assert message == f"--errors {target}: the folder {target.parent} doesn't exist"
    assert state() == before


def test_errors_naming_a_file_to_import_is_refused_so_it_is_not_overwritten(files):
    text = files["products"].read_text(encoding="utf-8")
    message, _out, _err = run_rejected(files["products"], errors=str(files["products"]))
    assert message == f"--errors {files['products']} is one of the files to import"
    assert files["products"].read_text(encoding="utf-8") == text
    assert Product.objects.count() == 0


def test_a_default_errors_path_that_cannot_be_written_is_one_line_and_nothing_is_written(files):
    rewrite(files["products"], _set(2, "price", "n/a"))
    files["products"].with_name("products.csv.errors.csv").mkdir()
    before = state()
    message, _out, err = run_rejected(files["products"])
    assert message.startswith("rejected: products.csv; the bad rows could not be written to ")
    assert "\n" not in message
    assert state() == before
    assert "row 2, price = 'n/a'" in err  # the first bad rows are still shown


FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def test_values_that_start_like_a_formula_are_written_as_text_in_the_errors_file(files):
    run(files["products"])

    def formulas(rows):
        for number, value in enumerate(FORMULAS):
            rows.append([f"SO-9{number:03d}", rows[1][1], value, "", "paid"])

    rewrite(files["orders"], formulas)
    run_rejected(files["orders"])
    with files["orders"].with_name("orders.csv.errors.csv").open(encoding="utf-8-sig", newline="") as handle:
        listed = [(row["row"], row["column"], row["value"]) for row in csv.DictReader(handle)]
    # Row numbers stay numbers; each value is the text as typed, after a quote.
    assert listed == [(str(number), "order_date", "'" + value) for number, value in enumerate(FORMULAS, start=4)]


# --------------------------------------------------------------------------- dry run


def test_dry_run_reports_what_would_change_and_writes_nothing(files, tmp_path, customer):
    system_actor()
    before = state()
    out, _err = run(workbook(tmp_path / "sales.xlsx", example_sheets(customer)), dry_run=True)
    assert state() == before
    assert "sales.xlsx (dry run):" in out
    assert "sales.xlsx:products: 3 rows, 3 new, 0 changed, 0 unchanged" in out
    assert "sales.xlsx:order_lines: 3 rows, 3 new, 0 changed, 0 unchanged" in out
    assert "dry run: nothing was written" in out


def test_dry_run_counts_changes_against_what_is_there(files):
    run(*files.values())
    rewrite(files["products"], lambda rows: rows[1].__setitem__(5, "3300.00"))
    rewrite(files["products"], _append(["P-3001", "机柜", "42U-600", "2026A", "套", "2600.00", ""]))
    before = state()
    out, _err = run(files["products"], dry_run=True)
    assert "products.csv: 4 rows, 1 new, 1 changed, 2 unchanged" in out
    assert state() == before


def test_dry_run_of_a_bad_file_lists_its_bad_rows_and_writes_nothing(files):
    before = state()
    rewrite(files["products"], _set(2, "price", "n/a"))
    message, _out, _err = run_rejected(files["products"], dry_run=True)
    assert message == "rejected: products.csv"
    assert state() == before
    assert "2,price,n/a" in files["products"].with_name("products.csv.errors.csv").read_text(encoding="utf-8-sig")


# --------------------------------------------------------------------------- last order date


def test_last_order_date_moves_forward_and_never_backwards(files, customer, manager_bob):
    other = make_customer(manager_bob)
    run(files["products"], files["orders"])
    customer.refresh_from_db()
    assert customer.last_order_date == datetime.date(2026, 9, 30)

    header = ["order_no", "customer_code", "order_date", "delivery_address", "status"]
    older = write_csv(
        files["orders"].with_name("older.csv"), header, [["SO-OLD", customer.code, "2025-01-02", "", "paid"]]
    )
    run(older)
    customer.refresh_from_db()
    assert customer.last_order_date == datetime.date(2026, 9, 30)

    newer = write_csv(
        files["orders"].with_name("newer.csv"),
        header,
        [
            ["SO-NEW-1", customer.code, "2026-11-01", "", "unpaid"],
            ["SO-NEW-2", customer.code, "2026-10-15", "", "paid"],
        ],
    )
    out, _err = run(newer)
    customer.refresh_from_db()
    assert customer.last_order_date == datetime.date(2026, 11, 1)
    assert "1 customer's last order date moved" in out

    other.refresh_from_db()
    assert other.last_order_date is None


def test_a_rejected_or_dry_run_file_leaves_last_order_date_alone(files, customer):
    run(files["products"])
    run(files["orders"], dry_run=True)
    customer.refresh_from_db()
    assert customer.last_order_date is None
    rewrite(files["orders"], _set(3, "order_date", "yesterday"))
    run_rejected(files["orders"])
    customer.refresh_from_db()
    assert customer.last_order_date is None


# --------------------------------------------------------------------------- audit


def test_each_written_file_leaves_one_summary_audit_row_by_the_system_user(files):
    system_actor()
    before = LogEntry.objects.count()
    run(*files.values())
    assert LogEntry.objects.count() == before + 4  # the summaries, no row-by-row entries
    entries = {entry.additional_data["file"]: entry for entry in import_events()}
    assert set(entries) == {f"{kind}.csv" for kind in KINDS}
    for entry in entries.values():
        assert entry.actor.username == SYSTEM_USERNAME
    lines = entries["order_lines.csv"].additional_data
    assert lines["rows"] == 3
    assert lines["kinds"]["order_lines.csv"] == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    assert entries["orders.csv"].additional_data["customers_updated"] == 1


def test_a_dry_run_or_rejected_file_leaves_no_audit_row(files):
    run(files["products"], dry_run=True)
    rewrite(files["stock"], _set(2, "quantity", "many"))
    run_rejected(files["stock"])
    assert not import_events().exists()


# --------------------------------------------------------------------------- unreadable files


def _garbage_xlsx(tmp_path):
    path = tmp_path / "sales.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    return path


def _text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    return path


def _empty_csv(tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(b"")
    return path


def _unknown_csv(tmp_path):
    return write_csv(tmp_path / "export.csv", ["a", "b", "c"], [["1", "2", "3"]])


def _unknown_sheet(tmp_path):
    return workbook(tmp_path / "book.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})


UNREADABLE = {
    "damaged workbook": (_garbage_xlsx, "not a readable XLSX workbook"),
    "neither csv nor xlsx": (_text_file, "neither a .csv nor an .xlsx"),
    "empty csv": (_empty_csv, "is empty"),
    "csv of no known kind": (_unknown_csv, "Can't tell what export"),
    "sheet of no known kind": (_unknown_sheet, "Can't tell what Sheet1"),
    "missing file": (lambda tmp_path: tmp_path / "nowhere.csv", "no such file"),
}


@pytest.mark.parametrize("case", UNREADABLE)
def test_an_unreadable_file_is_refused_with_a_one_line_message(tmp_path, case):
    make, expected = UNREADABLE[case]
    message, _out, _err = run_rejected(make(tmp_path))
    assert expected in message
    assert "\n" not in message


def test_a_workbook_damaged_after_its_header_is_refused_in_one_line_and_nothing_is_written(files, tmp_path):
    # A number cell holding letters: openpyxl raised ValueError from the middle of the import.
    sheets = {
        "stock": [
            ["warehouse", "location", "product_code", "quantity", "memo"],
            ["北京一号库", "A-01-01", "P-1001", 12345, ""],
        ]
    }
    path = workbook(tmp_path / "stock.xlsx", sheets)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>12345</v>", b"<v>abc</v>")
            target.writestr(item, data)
    system_actor()
    before = state()
    message, _out, _err = run_rejected(files["products"], damaged)
    assert message == "damaged.xlsx:stock is not a readable XLSX workbook (after row 1)"
    assert state() == before  # products.csv, read first, is not written either


def test_a_csv_that_is_not_utf8_is_refused_with_a_one_line_message(files, customer):
    # Excel in a Chinese locale saves "CSV" as GBK: the header is ASCII, the Chinese rows are not.
    text = files["orders"].read_text(encoding="utf-8")
    files["orders"].write_bytes(text.encode("gbk"))
    run(files["products"])
    before = state()
    message, _out, _err = run_rejected(files["orders"])
    assert "UTF-8" in message
    assert "\n" not in message
    assert state() == before


def test_a_long_csv_that_turns_out_not_to_be_utf8_is_refused_with_a_one_line_message(tmp_path, customer):
    # The first 8 KiB are plain ASCII, so the header reads fine; the GBK text comes later.
    header = ["order_no", "customer_code", "order_date", "delivery_address", "status"]
    rows = [
        [f"SO-{n:05d}", customer.code, "2026-03-12", "No. 1 Zhongguancun Street, Beijing", "paid"] for n in range(300)
    ]
    rows.append(["SO-GBK", customer.code, "2026-03-12", "北京市海淀区中关村大街 1 号", "paid"])
    path = write_csv(tmp_path / "orders.csv", header, rows, encoding="gbk")
    before = state()
    message, _out, _err = run_rejected(path)
    assert "UTF-8" in message
    assert "\n" not in message
    assert state() == before


def test_a_csv_whose_header_is_not_utf8_is_refused_with_a_one_line_message(tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes("编号,名称\n1,路由器\n".encode("gbk"))
    message, _out, _err = run_rejected(path)
    assert message == "products.csv is not UTF-8 text"


def test_a_value_with_more_decimal_places_than_kept_is_refused_not_rounded(files):
    before = mirror()
    rewrite(files["products"], lambda rows: rows[1].__setitem__(rows[0].index("price"), "3200.005"))
    message, _out, _err = run_rejected(files["products"])
    assert "products.csv" in message
    assert mirror() == before
    header, *errors = read_rows(files["products"].with_name("products.csv.errors.csv"))
    error = dict(zip([column.lstrip("\ufeff") for column in header], errors[0], strict=True))
    assert error["row"] == "2" and error["column"] == "price"
    assert "decimal places" in error["reason"]
