"""Sales-mirror rows made the way production makes them: CSV files fed to ``import_sales_file``.

The mirror has no create action of its own; the import is the only writer, so tests load rows
through it (one call per kind, in the order the kinds refer to each other).
"""

import csv
import tempfile
from pathlib import Path

from sales.actions import import_sales_file
from sales.imports import KIND_ORDER, KINDS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The customer code the example files in sales/fixtures/ name.
FIXTURE_CUSTOMER_CODE = "KH202601050001"

DEFAULTS = {
    "products": {
        "name": "工业级路由器",
        "model": "RX-200",
        "batch": "2026A",
        "unit": "台",
        "price": "100.00",
        "memo": "",
    },
    "stock": {"memo": ""},
    "orders": {"order_date": "2026-03-12", "delivery_address": "北京市海淀区中关村大街 1 号", "status": "unpaid"},
    "order_lines": {"unit": "台"},
}


def write_csv(path, header, rows, *, encoding="utf-8"):
    """Write ``rows`` (sequences, or dicts keyed by the header) under ``header``; returns the path."""
    with Path(path).open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(column, "") for column in header] if isinstance(row, dict) else row)
    return Path(path)


def load(**kinds):
    """Import rows of each kind given (``products=[{...}], orders=[...]``) and return the results.

    Each row is a dict of column values; columns left out take ``DEFAULTS``. Fails loudly if the
    import rejects a row, so a test never runs on data it didn't mean to have.
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds: {sorted(unknown)}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in KIND_ORDER:
            if not kinds.get(kind):
                continue
            header = list(KINDS[kind].columns)
            rows = [{**DEFAULTS[kind], **row} for row in kinds[kind]]
            result = import_sales_file(path=write_csv(Path(folder) / f"{kind}.csv", header, rows))
            if result.errors:
                raise AssertionError(f"{kind} rejected: {result.errors[:3]}")
            results.append(result)
    return results


def product(code, **columns):
    return {"code": code, **columns}


def order(order_no, customer, **columns):
    return {"order_no": order_no, "customer_code": customer.code, **columns}


def line(order_no, line_no, product_code, quantity, unit_price, **columns):
    return {
        "order_no": order_no,
        "line_no": line_no,
        "product_code": product_code,
        "quantity": quantity,
        "unit_price": unit_price,
        **columns,
    }
