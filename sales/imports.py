"""Reading and checking the sales system's export files (CSV or XLSX) for ``import_sales``.

Each kind of row has a fixed set of columns (documented in README.md, examples in
sales/fixtures/). A file is one CSV of one kind, recognised by its name or its header row, or
an XLSX workbook with one sheet per kind (named like the kinds). Values are parsed here into
Python values; a bad value becomes a ``RowError`` with the row number the user sees in the file.
Values are bounded by what the columns of sales/models.py hold, so a row that passes here can be
written on SQLite and PostgreSQL alike. The file of rejected rows is written here too.
"""

import csv
import datetime
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.spreadsheets import RowError, neutralise
from crm.validators import validate_sane_date

# The largest value of a PositiveIntegerField (``OrderLine.line_no``): PostgreSQL's ``integer``.
MAX_INTEGER = 2**31 - 1


class ImportFileError(Exception):
    """The file can't be read at all (unknown kind, missing columns, not CSV/XLSX)."""


class BadValue(ValueError):
    pass


def text(value, *, max_length):
    result = "" if value is None else str(value).strip()
    if len(result) > max_length:
        raise BadValue(_("longer than %(max)d characters") % {"max": max_length})
    if "\x00" in result:
        # PostgreSQL can't store it (SQLite would, so the two databases would differ).
        raise BadValue(_("contains a NUL character"))
    return result


def required_text(value, *, max_length):
    result = text(value, max_length=max_length)
    if not result:
        raise BadValue(_("required"))
    return result


def decimal(value, *, minimum=None, places=2, digits=14):
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        raw = str(value or "").strip().replace(",", "")
        if not raw:
            raise BadValue(_("required"))
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise BadValue(_("not a number")) from None
    if not number.is_finite():
        raise BadValue(_("not a number"))
    if minimum is not None and number < minimum:
        raise BadValue(_("must be at least %(minimum)s") % {"minimum": minimum})
    # Checked before any arithmetic: quantize() fails on a number like 1e999999999. copy_abs()
    # and comparisons are exact, whatever the exponent.
    limit = Decimal(10) ** (digits - places)
    if number.copy_abs() >= limit:
        largest = limit - Decimal(1).scaleb(-places)
        raise BadValue(_("too large: at most %(maximum)s") % {"maximum": f"{largest:,}"})
    if number != number.quantize(Decimal(1).scaleb(-places)):
        # Rounding would make amounts differ from the sales system's: refuse instead.
        raise BadValue(_("more than %(places)d decimal places") % {"places": places})
    return number.quantize(Decimal(1).scaleb(-places))


def positive_int(value):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise BadValue(_("not a whole number")) from None
    if number < 1:
        raise BadValue(_("must be at least %(minimum)s") % {"minimum": 1})
    if number > MAX_INTEGER:
        raise BadValue(_("too large: at most %(maximum)s") % {"maximum": f"{MAX_INTEGER:,}"})
    return number


def _parse_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise BadValue(_("not a date (use YYYY-MM-DD)"))


def date(value):
    day = _parse_date(value)
    try:
        validate_sane_date(day)
    except ValidationError as error:
        raise BadValue(error.messages[0]) from None
    return day


ORDER_STATUSES = {"unpaid": "unpaid", "未回款": "unpaid", "paid": "paid", "已回款": "paid"}


def order_status(value):
    raw = str(value or "").strip().lower()
    if raw not in ORDER_STATUSES:
        raise BadValue(_("must be unpaid/未回款 or paid/已回款"))
    return ORDER_STATUSES[raw]


@dataclass(frozen=True)
class Kind:
    name: str
    columns: dict  # column -> parser(value) -> python value; every column is required in the header
    key: tuple  # the columns that identify a row in the sales system


KINDS = {
    "products": Kind(
        "products",
        {
            "code": lambda v: required_text(v, max_length=32),
            "name": lambda v: required_text(v, max_length=100),
            "model": lambda v: text(v, max_length=100),
            "batch": lambda v: text(v, max_length=50),
            "unit": lambda v: text(v, max_length=16),
            "price": lambda v: decimal(v, minimum=0),
            "memo": lambda v: text(v, max_length=200),
        },
        ("code",),
    ),
    "stock": Kind(
        "stock",
        {
            "warehouse": lambda v: required_text(v, max_length=50),
            "location": lambda v: required_text(v, max_length=50),
            "product_code": lambda v: required_text(v, max_length=32),
            "quantity": lambda v: decimal(v, minimum=0),
            "memo": lambda v: text(v, max_length=200),
        },
        ("warehouse", "location"),
    ),
    "orders": Kind(
        "orders",
        {
            "order_no": lambda v: required_text(v, max_length=32),
            "customer_code": lambda v: required_text(v, max_length=16).upper(),
            "order_date": date,
            "delivery_address": lambda v: text(v, max_length=200),
            "status": order_status,
        },
        ("order_no",),
    ),
    "order_lines": Kind(
        "order_lines",
        {
            "order_no": lambda v: required_text(v, max_length=32),
            "line_no": positive_int,
            "product_code": lambda v: required_text(v, max_length=32),
            "quantity": lambda v: decimal(v, minimum=Decimal("0.01")),
            "unit": lambda v: text(v, max_length=16),
            "unit_price": lambda v: decimal(v, minimum=0),
        },
        ("order_no", "line_no"),
    ),
}
# Kinds are written in this order: each may refer to the ones before it.
KIND_ORDER = ["products", "stock", "orders", "order_lines"]


def _kind_for(name, header):
    stem = name.lower().replace("-", "_")
    if stem in KINDS:
        return KINDS[stem]
    for kind in KINDS.values():
        if set(kind.columns) == {column for column in header if column}:
            return kind
    raise ImportFileError(
        _(
            "Can't tell what %(name)s holds: name it products, stock, orders or order_lines, "
            "or use the documented columns."
        )
        % {"name": name}
    )


def _check_header(kind, header, source):
    missing = [column for column in kind.columns if column not in header]
    if missing:
        raise ImportFileError(
            _("%(source)s lacks the columns: %(columns)s") % {"source": source, "columns": ", ".join(missing)}
        )


@dataclass
class Sheet:
    """One kind of rows from a file: ``rows()`` yields (row number, {column: raw value}), or (row
    number, ``RowError``) for a row that can't be read at all (the last one yielded)."""

    kind: Kind
    source: str
    header: list
    _rows: object

    def rows(self):
        for number, values in self._rows:
            if isinstance(values, RowError):
                yield number, values
                continue
            if not any(value not in (None, "") for value in values):
                continue  # blank line
            yield number, dict(zip(self.header, values, strict=False))


def _normalise_header(cells):
    return [str(cell or "").strip().lower().lstrip("\ufeff") for cell in cells]


def _unreadable_row(number):
    """The row the reader stopped at, for the errors file: the reader can't go on past it."""
    return RowError(
        number,
        "",
        "",
        _(
            "this row can't be read as CSV: a value is longer than %(limit)s characters, or a "
            "quotation mark is left open; the rows after it were not read"
        )
        % {"limit": f"{csv.field_size_limit():,}"},
    )


def _csv_rows(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        number = 1
        try:
            for number, values in enumerate(reader, start=2):  # noqa: B007 (read after the loop)
                yield number, values
        except UnicodeDecodeError:
            raise ImportFileError(
                _("%(source)s is not UTF-8 text (after row %(row)d)") % {"source": path.name, "row": number}
            ) from None
        except csv.Error:
            # The csv module's limit on one value (131,072 characters), usually reached by a
            # quotation mark that is never closed. The reader can't resume in the middle of it.
            yield number + 1, _unreadable_row(number + 1)


def _xlsx_rows(iterator, source):
    number = 1
    try:
        for number, values in enumerate(iterator, start=2):  # noqa: B007 (read after the loop)
            yield number, list(values)
    except Exception:  # openpyxl raises many kinds for a damaged sheet
        raise ImportFileError(
            _("%(source)s is not a readable XLSX workbook (after row %(row)d)") % {"source": source, "row": number}
        ) from None


def check_file(path):
    """Refuse, before anything is written, a file that isn't there, isn't a regular file, can't be
    read, or whose header names no kind of rows. Raises ``ImportFileError``."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(_("%(source)s: no such file") % {"source": path})
    if not path.is_file():
        raise ImportFileError(_("%(source)s is not a regular file") % {"source": path})
    try:
        path.open("rb").close()
    except OSError as error:
        raise ImportFileError(
            _("%(source)s can't be read: %(reason)s") % {"source": path, "reason": error.strerror}
        ) from None
    open_sheets(path)


def open_sheets(path):
    """The sheets of a file, in the order they must be written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            try:
                header = _normalise_header(next(csv.reader(handle)))
            except StopIteration:
                raise ImportFileError(_("%(source)s is empty") % {"source": path.name}) from None
            except UnicodeDecodeError:
                raise ImportFileError(_("%(source)s is not UTF-8 text") % {"source": path.name}) from None
            except csv.Error:
                raise ImportFileError(
                    _("%(source)s: the header row can't be read as CSV") % {"source": path.name}
                ) from None
        kind = _kind_for(path.stem, header)
        _check_header(kind, header, path.name)
        return [Sheet(kind, path.name, header, _csv_rows(path))]
    if suffix == ".xlsx":
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ImportFileError(_("%(source)s is not a readable XLSX workbook") % {"source": path.name}) from exc
        sheets = []
        for worksheet in workbook.worksheets:
            source = f"{path.name}:{worksheet.title}"
            iterator = worksheet.iter_rows(values_only=True)
            try:
                header = _normalise_header(next(iterator))
            except StopIteration:
                continue
            except Exception:  # openpyxl raises many kinds for a damaged sheet
                raise ImportFileError(_("%(source)s is not a readable XLSX workbook") % {"source": source}) from None
            kind = _kind_for(worksheet.title, header)
            _check_header(kind, header, source)
            sheets.append(Sheet(kind, source, header, _xlsx_rows(iterator, source)))
        return sorted(sheets, key=lambda sheet: KIND_ORDER.index(sheet.kind.name))
    raise ImportFileError(_("%(source)s is neither a .csv nor an .xlsx file") % {"source": path.name})


def _shown(value):
    """A raw value as the errors file shows it: cut short, a NUL made visible."""
    return "" if value is None else str(value)[:100].replace("\x00", "\\x00")


def parse_row(kind, number, raw, errors):
    """The row's values parsed by the kind's parsers; bad ones are added to ``errors``."""
    if isinstance(raw, RowError):
        errors.append(raw)
        return None
    values = {}
    ok = True
    for column, parser in kind.columns.items():
        value = raw.get(column)
        try:
            values[column] = parser(value)
        except BadValue as problem:
            errors.append(RowError(number, column, _shown(value), str(problem)))
            ok = False
    return values if ok else None


def check_errors_path(path, *, inputs):
    """Refuse an ``--errors`` path the list of bad rows could not be written to, before anything
    is imported. Raises ``ImportFileError``."""
    path = Path(path)
    if path.is_dir():
        raise ImportFileError(_("--errors %(path)s is a folder: give a file name") % {"path": path})
    if not path.parent.is_dir():
        raise ImportFileError(
            _("--errors %(path)s: the folder %(folder)s doesn't exist") % {"path": path, "folder": path.parent}
        )
    if any(path.resolve() == Path(source).resolve() for source in inputs):
        raise ImportFileError(_("--errors %(path)s is one of the files to import") % {"path": path})
    if not os.access(path if path.exists() else path.parent, os.W_OK):
        raise ImportFileError(_("--errors %(path)s can't be written") % {"path": path})


def write_errors(path, errors):
    """Write the rejected rows as CSV (row, column, value, reason); raises ``OSError``.

    Values come from the imported file and may start like a formula (``=HYPERLINK(...)``): they are
    neutralised so a spreadsheet shows them as text.
    """
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "reason"])  # fixed names, like the import's columns
        for error in errors:
            writer.writerow([neutralise(cell) for cell in (error.row, error.column, error.value, error.reason)])
