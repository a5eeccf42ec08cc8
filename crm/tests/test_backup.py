"""Backup and restore with django-dbbackup, as the README tells operators to run it.

Each test runs the real commands (``manage.py dbbackup`` / ``dbrestore``) in subprocesses against
a scratch database of its own: SQLite always, and PostgreSQL (pg_dump / pg_restore) when the
suite runs on PostgreSQL. A restore must bring every table back as it was backed up, and a file
that is not a complete backup of this CRM must be refused in one line, leaving the database
exactly as it was (PITFALLS: the library alone copies an SQLite backup over the live file
whatever it holds). ``crm/management/commands/dbrestore.py`` does the checking.
"""

import contextlib
import gzip
import hashlib
import json
import secrets
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.db import connection

from crm.tests.test_settings import clean_env

# Rows of the tables a restore must bring back, as one JSON line.
COUNT_ROWS = """
import json
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from customers.models import Contact, Customer, CustomerUserObjectPermission
from opportunities.models import Opportunity, PlanItem
from sales.models import Order, OrderLine
print(json.dumps({
    "users": get_user_model().objects.count(),
    "customers": Customer.all_objects.count(),
    "names": sorted(Customer.all_objects.values_list("name", flat=True)),
    "contacts": Contact.objects.count(),
    "grants": CustomerUserObjectPermission.objects.count(),
    "orders": Order.objects.count(),
    "lines": OrderLine.objects.count(),
    "opportunities": Opportunity.objects.count(),
    "plan_items": PlanItem.objects.count(),
    "audit": LogEntry.objects.count(),
}))
"""

CHANGE_ROWS = """
from customers.models import Customer
from sales.models import Order, OrderLine
victim = Customer.all_objects.order_by("id").first()
victim.contacts.all().delete()
Customer.all_objects.filter(pk=victim.pk).update(name="改过的名字有限公司")
last = Customer.all_objects.filter(opportunities__isnull=True).order_by("-id").first()  # not one an opportunity became
OrderLine.objects.filter(order__customer=last).delete()
Order.objects.filter(customer=last).delete()
last.delete()
"""

# Restores each file named in NAMES in this one process (a Django start costs seconds), the way
# ``manage.py dbrestore --noinput [--uncompress] --input-filename NAME`` does, and prints, as one
# JSON line, per file: the CommandError's message (what manage.py prints as its one line; any
# other exception would be a traceback) and whether the database's content stayed the same: a
# hash of the SQLite file, or of pg_dump's schema and data (without its random \restrict lines).
RESTORE_EACH = """
import hashlib, io, json, os, pathlib, subprocess
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

def fingerprint():
    if connection.vendor == "sqlite":
        return hashlib.sha256(pathlib.Path(settings.DATABASES["default"]["NAME"]).read_bytes()).hexdigest()
    dump = subprocess.run(["pg_dump", "--dbname=" + os.environ["DATABASE_URL"]], capture_output=True, check=True)
    lines = [line for line in dump.stdout.splitlines() if not line.startswith((b"\\\\restrict", b"\\\\unrestrict"))]
    return hashlib.sha256(b"\\n".join(lines)).hexdigest()

results = {}
for name in NAMES:
    before = fingerprint()
    uncompress = ["--uncompress"] if name.endswith(".gz") else []
    try:
        call_command("dbrestore", "--noinput", *uncompress, "--input-filename", name, stdout=io.StringIO())
        outcome = "restored"
    except CommandError as exc:
        outcome = str(exc)
    except Exception as exc:
        outcome = f"traceback: {exc!r}"
    results[name] = {"outcome": outcome, "unchanged": fingerprint() == before}
print(json.dumps(results))
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


@dataclass
class Site:
    """A scratch database with demo data, its backup directory, and ``good``: the bytes of an
    uncompressed backup of it taken right after seeding."""

    env: dict
    root: Path
    backups: Path
    good: bytes


def make_site(root, **variables):
    backups = root / "backups"
    env = clean_env(DEBUG="true", LANGUAGE_CODE="en", BACKUP_DIR=str(backups), **variables)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--customers", "6")
    manage(env, "dbbackup", "--output-filename", "good.backup")
    return Site(env=env, root=root, backups=backups, good=(backups / "good.backup").read_bytes())


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("sqlite-site")
    return make_site(root, SQLITE_PATH=str(root / "crm.sqlite3"))


def scratch_postgresql_database():
    """Create an empty PostgreSQL database; returns its URL and a function that drops it."""
    import psycopg
    from psycopg import errors

    params = connection.settings_dict
    name = f"crm_backup_{secrets.token_hex(4)}"
    admin = psycopg.connect(
        dbname="postgres",
        user=params["USER"],
        password=params["PASSWORD"],
        host=params["HOST"],
        port=params["PORT"] or None,
        autocommit=True,
    )
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')

    def drop():
        # A plain DROP stops an autovacuum worker on the database itself; WITH (FORCE), as a role
        # that isn't superuser, refuses to terminate one ("must be a member of the role whose
        # process is being terminated": a rare teardown error). FORCE is kept for sessions of our
        # own that a command left behind.
        with admin.cursor() as cursor:
            try:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            except errors.ObjectInUse:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    url = f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST']}:{params['PORT'] or 5432}/{name}"
    return url, drop


@pytest.fixture(scope="module")
def postgresql_site(tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL (CI runs both databases)")
    url, drop = scratch_postgresql_database()
    try:
        yield make_site(tmp_path_factory.mktemp("postgresql-site"), DATABASE_URL=url)
    finally:
        drop()


def round_trip(site, extension):
    env, backup_dir = site.env, site.backups
    before = counts(env)
    # Six demo customers, and the one a demo opportunity's success created.
    assert before["customers"] == 7 and before["orders"] > 0 and before["grants"] > 0 and before["audit"] > 0
    assert before["opportunities"] > 0 and before["plan_items"] > 0

    name = f"crm-test.{extension}.gz"
    manage(env, "dbbackup", "--compress", "--output-filename", name)
    backup = backup_dir / name
    assert backup.stat().st_size > 0
    manage(env, "shell", "-c", CHANGE_ROWS)
    changed = counts(env)
    assert changed != before and changed["customers"] == before["customers"] - 1

    manage(env, "dbrestore", "--uncompress", "--input-filename", name, "--noinput")
    assert counts(env) == before

    # A damaged file (cut short, as a failed copy leaves it) is refused and changes nothing.
    damaged = backup_dir / f"crm-damaged.{extension}.gz"
    damaged.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    with pytest.raises((EOFError, OSError)):
        gzip.decompress(damaged.read_bytes())
    assert_refused(env, damaged.name, "not a complete gzip file")
    assert counts(env) == before


def assert_refused(env, name, reason):
    """``manage.py dbrestore`` of ``name`` exits non-zero with one line saying ``reason``."""
    uncompress = ["--uncompress"] if name.endswith(".gz") else []
    result = manage(env, "dbrestore", "--noinput", *uncompress, "--input-filename", name, check=False)
    assert result.returncode != 0, f"{name} was restored: {result.stdout}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: ") and name in lines[0] and reason in lines[0], lines[0]
    assert "Restored" not in result.stdout


def sqlite_file(directory, *statements, start=b""):
    """The bytes of the SQLite database ``start`` (a new one if empty) after ``statements``."""
    path = directory / f"made-{secrets.token_hex(4)}.sqlite3"
    path.write_bytes(start)
    with contextlib.closing(sqlite3.connect(path)) as db:
        for statement in statements:
            db.execute(statement)
        db.commit()
    data = path.read_bytes()
    path.unlink()
    return data


ANOTHER_SCHEMA = ("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes (body) VALUES ('hi')")
ANOTHER_DJANGO_PROJECT = (
    "CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, applied TEXT)",
    "INSERT INTO django_migrations (app, name, applied) VALUES ('contenttypes', '0001_initial', '2024-01-01')",
    "INSERT INTO django_migrations (app, name, applied) VALUES ('blog', '0001_initial', '2024-01-01')",
)
# An index that no longer matches its table: the file opens, only the integrity check sees it.
BREAK_AN_INDEX = (
    "CREATE TABLE numbers (x INTEGER)",
    "CREATE INDEX numbers_x ON numbers (x)",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100) INSERT INTO numbers SELECT x FROM n",
    "PRAGMA writable_schema = ON",
    "UPDATE sqlite_master SET sql = 'CREATE INDEX numbers_x ON numbers (x DESC)' WHERE name = 'numbers_x'",
)
GARBAGE = b"not a database\n"


def half(data):
    return data[: len(data) // 2]


# File name → (its content, made from the site; what the refusal says). A name ending in .gz is
# restored with --uncompress.
SQLITE_BAD_FILES = {
    "garbage.sqlite3": (lambda site: GARBAGE, "not a complete SQLite database"),
    "garbage.sqlite3.gz": (lambda site: gzip.compress(GARBAGE), "not a complete SQLite database"),
    "empty.sqlite3": (lambda site: b"", "is empty"),
    "empty.sqlite3.gz": (lambda site: b"", "is empty"),
    "gzip-of-nothing.sqlite3.gz": (lambda site: gzip.compress(b""), "is empty"),
    "truncated.sqlite3": (lambda site: half(site.good), "not a complete SQLite database"),
    "truncated-inside.sqlite3.gz": (lambda site: gzip.compress(half(site.good)), "not a complete SQLite database"),
    "truncated.sqlite3.gz": (lambda site: half(gzip.compress(site.good)), "not a complete gzip file"),
    "broken-index.sqlite3": (
        lambda site: sqlite_file(site.root, *BREAK_AN_INDEX, start=site.good),
        "the SQLite integrity check failed",
    ),
    "broken-index.sqlite3.gz": (
        lambda site: gzip.compress(sqlite_file(site.root, *BREAK_AN_INDEX, start=site.good)),
        "the SQLite integrity check failed",
    ),
    "not-compressed.sqlite3.gz": (lambda site: site.good, "not a complete gzip file"),
    "compressed.sqlite3": (lambda site: gzip.compress(site.good), "gzip-compressed: restore it with --uncompress"),
    "other-schema.sqlite3": (lambda site: sqlite_file(site.root, *ANOTHER_SCHEMA), "no django_migrations table"),
    "other-schema.sqlite3.gz": (
        lambda site: gzip.compress(sqlite_file(site.root, *ANOTHER_SCHEMA)),
        "no django_migrations table",
    ),
    "other-django-project.sqlite3": (
        lambda site: sqlite_file(site.root, *ANOTHER_DJANGO_PROJECT),
        "none of its migrations",
    ),
    "other-django-project.sqlite3.gz": (
        lambda site: gzip.compress(sqlite_file(site.root, *ANOTHER_DJANGO_PROJECT)),
        "none of its migrations",
    ),
    "no-such-file.sqlite3": (None, "No such file"),
}


def pg_dump(url, *args):
    command = ["pg_dump", f"--dbname={url}", *args]  # from PATH, as dbbackup runs it
    return subprocess.run(command, capture_output=True, check=True, timeout=300).stdout  # noqa: S603


# As SQLITE_BAD_FILES; the good backup is a pg_dump archive in custom format.
POSTGRESQL_BAD_FILES = {
    "garbage.psql": (lambda site: GARBAGE, "not a complete PostgreSQL backup"),
    "garbage.psql.gz": (lambda site: gzip.compress(GARBAGE), "not a complete PostgreSQL backup"),
    "empty.psql": (lambda site: b"", "is empty"),
    "empty.psql.gz": (lambda site: gzip.compress(b""), "is empty"),
    # Cut in the table data at the end: the archive's table of contents still lists; only reading
    # the archive to its end shows that it is incomplete.
    "truncated-at-the-end.psql": (lambda site: site.good[:-100], "not a complete PostgreSQL backup"),
    "truncated-in-half.psql": (lambda site: half(site.good), "not a complete PostgreSQL backup"),
    "truncated-inside.psql.gz": (lambda site: gzip.compress(site.good[:-100]), "not a complete PostgreSQL backup"),
    "truncated.psql.gz": (lambda site: half(gzip.compress(site.good)), "not a complete gzip file"),
    "compressed.psql": (lambda site: gzip.compress(site.good), "gzip-compressed: restore it with --uncompress"),
    "other-schema.psql": (
        lambda site: pg_dump(site.env["DATABASE_URL"], "--format=custom", "--table=auth_group"),
        "no django_migrations table",
    ),
    "sqlite-database.psql": (lambda site: sqlite_file(site.root, *ANOTHER_SCHEMA), "not a complete PostgreSQL backup"),
}


def restore_each(site, bad_files):
    """Write every bad file into the site's backups and try to restore each; see RESTORE_EACH."""
    for name, (make, _reason) in bad_files.items():
        if make:
            (site.backups / name).write_bytes(make(site))
    script = f"NAMES = {json.dumps(list(bad_files))}\n{RESTORE_EACH}"
    return json.loads(manage(site.env, "shell", "-c", script).stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def sqlite_refusals(sqlite_site):
    return restore_each(sqlite_site, SQLITE_BAD_FILES)


@pytest.fixture(scope="module")
def postgresql_refusals(postgresql_site):
    return restore_each(postgresql_site, POSTGRESQL_BAD_FILES)


def test_sqlite_backup_restores_every_table_and_refuses_a_damaged_file(sqlite_site):
    round_trip(sqlite_site, "sqlite3")


@pytest.mark.parametrize("name", SQLITE_BAD_FILES)
def test_sqlite_restore_refuses_what_is_not_a_complete_backup_of_this_crm(sqlite_refusals, name):
    outcome = sqlite_refusals[name]["outcome"]
    assert name in outcome and SQLITE_BAD_FILES[name][1] in outcome and "\n" not in outcome, outcome
    assert sqlite_refusals[name]["unchanged"]


def test_sqlite_refusal_is_one_line_on_stderr_and_a_failing_exit_status(sqlite_site):
    (sqlite_site.backups / "garbage-cli.sqlite3").write_bytes(GARBAGE)
    before = hashlib.sha256(Path(sqlite_site.env["SQLITE_PATH"]).read_bytes()).digest()
    assert_refused(sqlite_site.env, "garbage-cli.sqlite3", "not a complete SQLite database")
    assert hashlib.sha256(Path(sqlite_site.env["SQLITE_PATH"]).read_bytes()).digest() == before


def test_sqlite_restore_refuses_while_the_database_has_a_journal(sqlite_site):
    # SQLite would replay a journal left by a writer into the restored file.
    live = Path(sqlite_site.env["SQLITE_PATH"])
    journal = live.with_name(live.name + "-journal")
    journal.write_bytes(b"\0" * 512)
    try:
        before = live.read_bytes()
        result = manage(sqlite_site.env, "dbrestore", "--noinput", "--input-filename", "good.backup", check=False)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert result.stderr.strip().startswith("CommandError: The database is in use"), result.stderr
        assert live.read_bytes() == before
    finally:
        journal.unlink()


def test_sqlite_restore_of_an_uncompressed_backup_puts_the_checked_copy_in_place(sqlite_site):
    env, live = sqlite_site.env, Path(sqlite_site.env["SQLITE_PATH"])
    before = counts(env)
    manage(env, "shell", "-c", CHANGE_ROWS)
    assert counts(env) != before
    old_inode = live.stat().st_ino

    result = manage(env, "dbrestore", "--noinput", "--input-filename", "good.backup")
    assert "Restored the database from good.backup." in result.stdout
    assert counts(env) == before
    # The checked copy took the old file's place by one rename (so until then the old file was
    # whole), and nothing of the restore is left beside it.
    assert live.stat().st_ino != old_inode
    assert sorted(path.name for path in live.parent.iterdir()) == ["backups", "crm.sqlite3"]


def test_postgresql_backup_restores_every_table_and_refuses_a_damaged_file(postgresql_site):
    round_trip(postgresql_site, "psql")


@pytest.mark.parametrize("name", POSTGRESQL_BAD_FILES)
def test_postgresql_restore_refuses_what_is_not_a_complete_backup_before_dropping_anything(postgresql_refusals, name):
    outcome = postgresql_refusals[name]["outcome"]
    assert name in outcome and POSTGRESQL_BAD_FILES[name][1] in outcome and "\n" not in outcome, outcome
    assert postgresql_refusals[name]["unchanged"]


def test_postgresql_restore_of_an_uncompressed_backup_brings_the_rows_back(postgresql_site):
    env = postgresql_site.env
    before = counts(env)
    manage(env, "shell", "-c", CHANGE_ROWS)
    assert counts(env) != before
    result = manage(env, "dbrestore", "--noinput", "--input-filename", "good.backup")
    assert "Restored the database from good.backup." in result.stdout
    assert counts(env) == before


def test_manage_py_dbrestore_is_the_one_that_checks_the_file():
    # Django takes a command from the app listed first in INSTALLED_APPS: crm must come before
    # dbbackup, or the README's command would run the library's unchecked restore.
    assert get_commands()["dbrestore"] == "crm"


def test_the_readme_commands_are_the_ones_tested():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert "dbbackup --compress --output-filename" in readme
    assert "dbrestore --uncompress --input-filename" in readme
