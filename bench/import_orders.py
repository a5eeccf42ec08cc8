#!/usr/bin/env python
"""Time ``import_sales`` on N order lines (issue 4: 1,000,000 order lines in minutes).

    DEBUG=true DATABASE_URL=postgres://crm_salesbench:crm_salesbench@127.0.0.1:5432/crm_salesbench \\
        .venv/bin/python bench/import_orders.py [--lines 1000000] [--fresh]

Writes three CSV files in the sales system's format (``--folder``, default a temporary folder):
``products.csv`` (``--products``, default 2,000), ``orders.csv`` (``--orders``, default one per
five lines, for customers already in the database, picked at random) and ``order_lines.csv``
(N lines spread unevenly over the orders). If the database has fewer than ``--customers``
customers (default 5,000), bench/seed.py adds them first. Then it runs the real command,
``call_command("import_sales", FILE)``, on each file in turn: the first import (everything new)
and a re-import of the same file (everything unchanged, nothing written), and prints a Markdown
table of rows, seconds and rows per second, with the process's peak memory.

Settings are switched to DEBUG off after start-up, as in production, so Django keeps no query
log. The bench's rows carry the prefix ``--prefix`` (default BENCH); ``--fresh`` deletes the
previous run's rows first, otherwise a second run refuses to start (its "first import" would
only find unchanged rows).
"""

import argparse
import csv
import datetime as dt
import io
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

PRODUCT_HEADER = ["code", "name", "model", "batch", "unit", "price", "memo"]
ORDER_HEADER = ["order_no", "customer_code", "order_date", "delivery_address", "status"]
LINE_HEADER = ["order_no", "line_no", "product_code", "quantity", "unit", "unit_price"]
NAMES = ["工业级路由器", "千兆交换机", "无线接入点", "防火墙", "超五类网线", "光纤跳线", "机柜", "不间断电源"]
UNITS = ["台", "箱", "个", "套"]
STREETS = ["中关村大街", "世纪大道", "天河路", "深南大道", "文三路", "人民南路", "解放碑步行街"]


def write_files(folder, *, lines, orders, products, customer_codes, prefix, seed):
    """The three CSV files; returns {kind: (path, rows)}."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    today = dt.date.today()

    catalogue = []
    path = folder / "products.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PRODUCT_HEADER)
        for n in range(products):
            code = f"{prefix}-P-{n:05d}"
            price = f"{rng.randint(100, 2_000_000) / 100:.2f}"
            unit = rng.choice(UNITS)
            catalogue.append((code, unit, price))
            writer.writerow([code, f"{rng.choice(NAMES)}{n}", f"M-{n:05d}", f"{2024 + n % 3}A", unit, price, ""])
    files = {"products": (path, products)}

    path = folder / "orders.csv"
    numbers = [f"{prefix}-O-{n:08d}" for n in range(orders)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ORDER_HEADER)
        for order_no in numbers:
            day = today - dt.timedelta(days=rng.randint(0, 3 * 365))
            status = "paid" if day < today - dt.timedelta(days=60) or rng.random() < 0.5 else "unpaid"
            address = f"{rng.choice(STREETS)}{rng.randint(1, 999)}号"
            writer.writerow([order_no, rng.choice(customer_codes), day.isoformat(), address, status])
    files["orders"] = (path, orders)

    # Cut the N lines into `orders` runs of uneven length (1 line to a few dozen per order).
    cuts = sorted(rng.sample(range(1, lines), orders - 1)) if orders > 1 else []
    path = folder / "order_lines.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LINE_HEADER)
        start = 0
        for order_no, end in zip(numbers, [*cuts, lines], strict=True):
            for line_no in range(1, end - start + 1):
                code, unit, price = rng.choice(catalogue)
                writer.writerow([order_no, line_no, code, rng.randint(1, 50), unit, price])
            start = end
    files["order_lines"] = (path, lines)
    return files


def ensure_customers(count):
    from customers.models import Customer

    have = Customer.objects.count()
    if have < count:
        print(f"{have} customers in the database; bench/seed.py adds {count - have}", flush=True)
        subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, str(BENCH / "seed.py"), "--customers", str(count - have), "--contacts-per-customer", "0"],
            check=True,
        )
    return list(Customer.objects.values_list("code", flat=True))


def delete_previous(prefix):
    """Remove an earlier run's rows (raw SQL: a million lines through the ORM would take minutes)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM sales_orderline WHERE order_id IN (SELECT id FROM sales_order WHERE order_no LIKE %s)",
            [f"{prefix}-%"],
        )
        lines = cursor.rowcount
        cursor.execute("DELETE FROM sales_order WHERE order_no LIKE %s", [f"{prefix}-%"])
        orders = cursor.rowcount
        cursor.execute("DELETE FROM sales_product WHERE code LIKE %s", [f"{prefix}-%"])
        products = cursor.rowcount
    print(f"deleted the previous run: {products} products, {orders} orders, {lines} lines", flush=True)


def timed_import(path, *, dry_run=False):
    """Run the real command on one file; returns (seconds, its stdout)."""
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_sales", str(path), dry_run=dry_run, stdout=out, stderr=sys.stderr)
    return time.perf_counter() - started, out.getvalue()


def peak_memory_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="order lines (default 1,000,000)")
    parser.add_argument("--orders", type=int, help="orders (default: lines / 5)")
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=5000, help="at least this many customers (default 5,000)")
    parser.add_argument("--folder", type=Path, help="where to write the CSV files (default: a temporary folder)")
    parser.add_argument("--prefix", default="BENCH", help="prefix of the bench's order numbers and product codes")
    parser.add_argument("--fresh", action="store_true", help="delete the previous run's rows first")
    parser.add_argument("--dry-run-too", action="store_true", help="also time --dry-run of each file, before importing")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    orders = args.orders or max(1, args.lines // 5)
    if args.lines < 1 or not 1 <= orders <= args.lines:
        parser.error("--lines must be positive and --orders between 1 and --lines")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from sales.models import Order

    settings.DEBUG = False  # no query log, as in production
    vendor = connection.vendor
    if Order.objects.filter(order_no__startswith=f"{args.prefix}-").exists():
        if not args.fresh:
            sys.exit(f"orders {args.prefix}-… exist from an earlier run: add --fresh to delete them first")
        delete_previous(args.prefix)

    codes = ensure_customers(args.customers)
    with tempfile.TemporaryDirectory(prefix="salesbench-") as scratch:
        folder = args.folder or Path(scratch)
        started = time.perf_counter()
        files = write_files(
            folder,
            lines=args.lines,
            orders=orders,
            products=args.products,
            customer_codes=codes,
            prefix=args.prefix,
            seed=args.seed,
        )
        print(
            f"wrote {args.products:,} products, {orders:,} orders, {args.lines:,} lines for {len(codes):,} customers "
            f"in {time.perf_counter() - started:.1f} s ({folder})",
            flush=True,
        )

        results = []
        for kind, (path, rows) in files.items():
            dry = timed_import(path, dry_run=True)[0] if args.dry_run_too else None
            first, out = timed_import(path)
            print(out.rstrip(), flush=True)
            again, out_again = timed_import(path)
            print(out_again.rstrip(), flush=True)
            if f"{rows} rows, 0 new, 0 changed, {rows} unchanged" not in out_again:
                sys.exit(f"the re-import of {path.name} was not a no-op:\n{out_again}")
            results.append((kind, rows, dry, first, again))

    print()
    print(
        f"{vendor} {connection.pg_version if vendor == 'postgresql' else ''}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, peak memory {peak_memory_mib():,.0f} MiB"
    )
    print()
    dry_head = " dry run s |" if args.dry_run_too else ""
    print(f"| File | Rows |{dry_head} First import s | Rows/s | Re-import (no-op) s | Rows/s |")
    print(f"|---|---:|{'---:|' if args.dry_run_too else ''}---:|---:|---:|---:|")
    for kind, rows, dry, first, again in results:
        dry_cell = f" {dry:.1f} |" if args.dry_run_too else ""
        speeds = f"{first:.1f} | {rows / first:,.0f} | {again:.1f} | {rows / again:,.0f}"
        print(f"| {kind}.csv | {rows:,} |{dry_cell} {speeds} |")
    total_rows = sum(r[1] for r in results)
    first_total = sum(r[3] for r in results)
    again_total = sum(r[4] for r in results)
    dry_total = f" {sum(r[2] for r in results):.1f} |" if args.dry_run_too else ""
    print(
        f"| all | {total_rows:,} |{dry_total} {first_total:.1f} | {total_rows / first_total:,.0f} | "
        f"{again_total:.1f} | {total_rows / again_total:,.0f} |"
    )


if __name__ == "__main__":
    main()
