"""Backup and restore round trip with django-dbbackup, as the README tells operators to run it.

Each test runs the real commands (``manage.py dbbackup`` / ``dbrestore``) in a subprocess against
a scratch database of its own: SQLite always, and PostgreSQL (pg_dump / pg_restore) when the
suite runs on PostgreSQL. A restore must bring every table back as it was backed up, and a
damaged backup file must be refused without touching the database (PITFALLS: an uncompressed
SQLite backup would be copied over the live file whatever it holds).
"""

import gzip
import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from crm.tests.test_settings import clean_env

# Rows of the tables a restore must bring back, as one JSON line.
COUNT_ROWS = """
import json
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from customers.models import Contact, Customer, CustomerUserObjectPermission
from sales.models import Order, OrderLine
print(json.dumps({
    "users": get_user_model().objects.count(),
    "customers": Customer.all_objects.count(),
    "names": sorted(Customer.all_objects.values_list("name", flat=True)),
    "contacts": Contact.objects.count(),
    "grants": CustomerUserObjectPermission.objects.count(),
    "orders": Order.objects.count(),
    "lines": OrderLine.objects.count(),
    "audit": LogEntry.objects.count(),
}))
"""

CHANGE_ROWS = """
from customers.models import Customer
from sales.models import Order, OrderLine
victim = Customer.all_objects.order_by("id").first()
victim.contacts.all().delete()
Customer.all_objects.filter(pk=victim.pk).update(name="改过的名字有限公司")
last = Customer.all_objects.order_by("-id").first()
OrderLine.objects.filter(order__customer=last).delete()
Order.objects.filter(customer=last).delete()
last.delete()
"""


def manage(env, *args, check=True):
    result = subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stderr[-2000:]}"
    return result


def counts(env):
    return json.loads(manage(env, "shell", "-c", COUNT_ROWS).stdout.strip().splitlines()[-1])


def round_trip(env, backup_dir, extension):
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--customers", "6")
    before = counts(env)
    assert before["customers"] == 6 and before["orders"] > 0 and before["grants"] > 0 and before["audit"] > 0

    name = f"crm-test.{extension}.gz"
    manage(env, "dbbackup", "--compress", "--output-filename", name)
    backup = backup_dir / name
    assert backup.stat().st_size > 0
    manage(env, "shell", "-c", CHANGE_ROWS)
    changed = counts(env)
    assert changed != before and changed["customers"] == 5

    manage(env, "dbrestore", "--uncompress", "--input-filename", name, "--noinput")
    assert counts(env) == before

    # A damaged file (cut short, as a failed copy leaves it) is refused and changes nothing.
    damaged = backup_dir / f"crm-damaged.{extension}.gz"
    damaged.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    with pytest.raises((EOFError, OSError)):
        gzip.decompress(damaged.read_bytes())
    result = manage(env, "dbrestore", "--uncompress", "--input-filename", damaged.name, "--noinput", check=False)
    assert result.returncode != 0
    assert counts(env) == before


def test_sqlite_backup_restores_every_table_and_refuses_a_damaged_file(tmp_path):
    backups = tmp_path / "backups"
    env = clean_env(DEBUG="true", SQLITE_PATH=str(tmp_path / "crm.sqlite3"), BACKUP_DIR=str(backups))
    env.pop("DATABASE_URL", None)
    round_trip(env, backups, "sqlite3")


def test_postgresql_backup_restores_every_table_and_refuses_a_damaged_file(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL (CI runs both databases)")
    import psycopg2

    params = connection.settings_dict
    name = f"crm_backup_{secrets.token_hex(4)}"
    admin = psycopg2.connect(
        dbname="postgres", user=params["USER"], password=params["PASSWORD"], host=params["HOST"], port=params["PORT"]
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        backups = tmp_path / "backups"
        url = f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST']}:{params['PORT'] or 5432}/{name}"
        env = clean_env(DEBUG="true", DATABASE_URL=url, BACKUP_DIR=str(backups))
        round_trip(env, backups, "psql")
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_the_readme_commands_are_the_ones_tested():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert "dbbackup --compress --output-filename" in readme
    assert "dbrestore --uncompress --input-filename" in readme
