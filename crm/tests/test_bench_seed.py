"""bench/seed.py on a scratch database of the suite's vendor, at a small size: every step the
benchmarks' README runs (customers, opportunities, service requests, losses, orders, the audit log
on PostgreSQL, the heavy account manager) loads, and the rows keep the rules the app's own writes
and triggers keep. The seed writes with COPY or executemany, not through the models, so a new
column or trigger the seed does not know about shows here, not at the next benchmark. Then a short
bench/load.py on that database: every page of its mix answers, for both roles."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from crm.tests.test_backup import manage, scratch_postgresql_database
from crm.tests.test_settings import clean_env

SIZES = {"customers": 400, "opportunities": 60, "services": 120, "orders": 80, "audit": 2000, "heavy": 50}

CHECKS = """
import json
from auditlog.models import LogEntry
from django.db.models import F
from customers.models import Customer
from opportunities.models import Opportunity, PlanItem
from sales.models import Order
from services.models import ServiceEvent, ServiceRequest
requests = ServiceRequest.objects.select_related("customer")
print(json.dumps({
    "customers": Customer.all_objects.count(),
    "heavy": Customer.all_objects.filter(account_manager__username="bench_heavy_am").count(),
    "opportunities": Opportunity.objects.count(),
    "plan_items": PlanItem.objects.count(),
    "services": ServiceRequest.objects.count(),
    "events": ServiceEvent.objects.count(),
    "wrong_manager": requests.exclude(customer_manager_id=F("customer__account_manager_id")).count(),
    "no_created_event": requests.exclude(events__kind="created").count(),
    "orders": Order.objects.count(),
    "audit": LogEntry.objects.count(),
}))
"""


def bench(env, script, *args):
    result = subprocess.run(  # noqa: S603 - our own script with a fixed argument list
        [sys.executable, f"bench/{script}", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"bench/{script} {' '.join(args)}: {result.stdout[-1000:]}{result.stderr[-2000:]}"
    return result


@pytest.fixture
def scratch_env(tmp_path):
    if connection.vendor == "postgresql":
        url, drop = scratch_postgresql_database()
        try:
            yield clean_env(DEBUG="true", DATABASE_URL=url)
        finally:
            drop()
    else:
        yield clean_env(DEBUG="true", SQLITE_PATH=str(tmp_path / "bench.sqlite3"))


def test_every_seed_step_loads_rows_the_app_accepts(scratch_env):
    manage(scratch_env, "migrate", "--noinput")
    bench(
        scratch_env,
        "seed.py",
        *("--customers", str(SIZES["customers"]), "--opportunities", str(SIZES["opportunities"])),
        *("--services", str(SIZES["services"]), "--losses", "--orders", str(SIZES["orders"])),
        *("--heavy-manager", str(SIZES["heavy"])),
    )
    if connection.vendor == "postgresql":
        bench(scratch_env, "seed.py", "--audit", str(SIZES["audit"]))

    found = json.loads(manage(scratch_env, "shell", "-c", CHECKS).stdout.strip().splitlines()[-1])

    assert found["customers"] == SIZES["customers"]
    assert found["heavy"] == SIZES["heavy"]
    assert found["opportunities"] == SIZES["opportunities"] and found["plan_items"] > 0
    assert found["services"] == SIZES["services"] and found["events"] > found["services"]
    # services/0003: a request keeps its customer's manager, through the heavy manager's
    # transfers too.
    assert found["wrong_manager"] == 0
    assert found["no_created_event"] == 0
    assert found["orders"] == SIZES["orders"]
    if connection.vendor == "postgresql":
        assert found["audit"] >= SIZES["audit"]

    # The load test on it: four users (three account managers and a supervisor), every page kind.
    # The kinds are drawn by the mix's weights: at 200 requests, the chance that one of 10 % gets
    # none is 0.9 ** 200, below 1e-9.
    report = bench(scratch_env, "load.py", "--workers", "1", "--users", "4", "--requests", "200", "--seconds", "240")
    rows = {cells[0]: cells[1:] for line in report.stdout.splitlines() if (cells := _cells(line))}
    assert "4 users (3 account managers, 1 supervisor)" in report.stdout
    for kind in ("list", "search", "customer", "orders", "services", "board"):
        requests, _per_second, _median, _p95, errors = rows[kind]
        assert int(requests) > 0 and errors == "0", (kind, rows[kind])
    assert rows["**all**"][0] == "200" and rows["**all**"][-1] == "0"


def _cells(line):
    """The cells of a Markdown table row of bench/load.py's report, or None."""
    if not line.startswith("| ") or line.startswith("| page") or line.startswith("|---"):
        return None
    return [cell.strip() for cell in line.strip("|").split("|")]
