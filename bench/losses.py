#!/usr/bin/env python
"""Time loss detection (issue 13): the detect_losses command over every customer, a first run that
raises the warnings and a second run that raises none.

    DEBUG=true DATABASE_URL=postgres://crm_bench:crm_bench@127.0.0.1:5432/crm_bench \\
        .venv/bin/python bench/losses.py [--explain] [--keep]

Deletes every loss record and measure first (TRUNCATE on PostgreSQL), so the first run finds
every stale customer; refuses to run on a database without the bench users (bench/seed.py), so
it never empties real loss records. Runs the real command (call_command("detect_losses"), as
cron would) twice and prints, for each run, the time, the rows it raised, what the command
printed, and each SQL statement with its time; ``--explain`` adds EXPLAIN (ANALYZE, BUFFERS) of
the run's statements: the first run's INSERT is explained inside a transaction that is rolled
back (the loss tables emptied again in it), so it costs a third run. Afterwards the database holds
the warnings of one detection; ``bench/seed.py --losses`` moves a share of them on (postponed,
confirmed, recovered) for the losses list in bench/run.py.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")


class _Statements:
    """An execute_wrapper keeping each statement as sent, with its time and rows affected."""

    def __init__(self, connection):
        self.connection, self.statements = connection, []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            cursor = context["cursor"]
            text = self.connection.ops.last_executed_query(cursor, sql, params)
            self.statements.append((text, time.perf_counter() - started, cursor.rowcount))


class _Rollback(Exception):
    pass


def _explain(connection, sql, *, empty_first=False):
    """EXPLAIN (ANALYZE, BUFFERS) of ``sql`` in a transaction rolled back afterwards."""
    from django.db import transaction

    lines = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if empty_first:
                cursor.execute("TRUNCATE customers_lossmeasure, customers_lossrecord")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            lines = [row[0] for row in cursor.fetchall()]
            raise _Rollback
    except _Rollback:
        pass
    return "\n".join(f"    {line}" for line in lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of each statement")
    parser.add_argument("--keep", action="store_true", help="keep the loss records there are (no first run)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from customers.actions.losses import loss_cutoff, stale_customers
    from customers.models import Customer, LossMeasure, LossRecord

    if not get_user_model().objects.filter(username="bench_sup").exists():
        raise SystemExit("Not a bench database (no bench_sup): run bench/seed.py first.")
    from run import _machine  # bench/run.py's description of the machine

    total = Customer.all_objects.count()
    stale = stale_customers(cutoff=loss_cutoff()).count()
    print(f"# detect_losses: {total:,} customers, {stale:,} stale (no order for 6 months, active, alive)")
    print(f"Machine: {_machine(connection)}")
    print(f"Load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}", flush=True)

    if not args.keep:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("TRUNCATE customers_lossmeasure, customers_lossrecord")
            else:
                LossMeasure.objects.all().delete()
                LossRecord.objects.all().delete()
        print("Loss records and measures deleted.")

    results = []
    for label in ("first run", "second run"):
        before = LossRecord.objects.count()
        out = io.StringIO()
        recorder = _Statements(connection)
        with connection.execute_wrapper(recorder):
            started = time.perf_counter()
            call_command("detect_losses", stdout=out)
            elapsed = time.perf_counter() - started
        raised = LossRecord.objects.count() - before
        results.append((label, elapsed, raised, recorder.statements))
        print(f"\n{label}: {elapsed:.2f} s, {raised:,} warnings raised ({len(recorder.statements)} statements)")
        print(f"  prints: {out.getvalue().strip()}")
        for sql, seconds, rows in recorder.statements:
            print(f"  [{seconds * 1000:.0f} ms, {rows} rows] {sql[:300]}", flush=True)

    if args.explain and connection.vendor == "postgresql":
        for label, _elapsed, _raised, statements in results:
            for sql, _seconds, _rows in statements:
                verb = sql.lstrip(" (").split(None, 1)[0].upper()
                if verb not in ("SELECT", "INSERT"):
                    continue
                if not ("customers_customer" in sql and "customers_lossrecord" in sql):
                    continue  # the user, the audit row's content type
                print(f"\n{label}, EXPLAIN (ANALYZE, BUFFERS) of: {sql[:600]}")
                print(_explain(connection, sql, empty_first=label == "first run" and not args.keep), flush=True)

    print(f"\nLoad average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print("\n| Run | Seconds | Warnings raised | Statements |")
    print("|---|---:|---:|---:|")
    for label, elapsed, raised, statements in results:
        print(f"| {label} | {elapsed:.1f} | {raised:,} | {len(statements)} |")


if __name__ == "__main__":
    main()
