"""The read replica (crm.replica): the analyses, the supervisors' dashboard figures and the exports
read from it when DATABASE_REPLICA is set; their audit rows, the export limit and every other page
use the primary; without it, everything uses the primary.

The root conftest gives the test run a "replica" alias mirroring the test database (a second
connection to it), so these tests commit their rows (``transaction=True``) for the replica to see
them. ``test_reads_go_to_a_second_database`` points the alias at a database of its own (a second
PostgreSQL database on PostgreSQL runs, a second file on SQLite) to show the reads really leave.
"""

import importlib.util
import os
import re
import tempfile
import uuid

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.replica import ReplicaRouter, reading
from crm.testing.world import make_personas
from crm.tests.test_settings import check_deploy, manage, one_line_error, production_env
from customers.models import Customer
from customers.tests.factories import customer_world
from reports.tests.management_factories import draft
from reports.tests.matrix_analyses import YEAR, analyses_world

REPLICA = "replica"
BOTH = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def with_replica(settings):
    settings.DATABASE_REPLICA = REPLICA


@pytest.fixture
def world(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return analyses_world(customer_world(make_personas()))


class Queries:
    """The SQL each database ran inside the block."""

    def __enter__(self):
        self.contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in (DEFAULT_DB_ALIAS, REPLICA)}
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)

    def sql(self, alias):
        return [query["sql"] for query in self.contexts[alias].captured_queries]

    def touching(self, alias, table):
        return [sql for sql in self.sql(alias) if f'"{table}"' in sql]

    def writes(self, alias):
        return [sql for sql in self.sql(alias) if WRITE.match(sql)]


# --- the router's choices ---------------------------------------------------------------------------


def test_without_a_replica_everything_reads_the_primary(settings):
    settings.DATABASE_REPLICA = None
    with reading():
        assert router.db_for_read(Customer) == DEFAULT_DB_ALIAS
        assert Customer.objects.all().db == DEFAULT_DB_ALIAS


def test_with_a_replica_only_the_reading_block_reads_it(with_replica):
    assert Customer.objects.all().db == DEFAULT_DB_ALIAS
    with reading():
        assert Customer.objects.all().db == REPLICA
        assert router.db_for_write(Customer) == DEFAULT_DB_ALIAS
        # Reads that lead to a write are routed as writes: the primary.
        assert Customer.objects.select_for_update().db == DEFAULT_DB_ALIAS
        with reading():
            assert Customer.objects.all().db == REPLICA
        assert Customer.objects.all().db == REPLICA
    assert Customer.objects.all().db == DEFAULT_DB_ALIAS


def test_a_reading_block_inside_a_transaction_reads_the_primary(with_replica, db):
    # The test runs in a transaction on the primary: what it reads may be its own writes.
    assert connections[DEFAULT_DB_ALIAS].in_atomic_block
    with reading():
        assert Customer.objects.all().db == DEFAULT_DB_ALIAS


def test_a_replica_alias_that_does_not_exist_is_ignored(settings):
    settings.DATABASE_REPLICA = "no_such_alias"
    with reading():
        assert Customer.objects.all().db == DEFAULT_DB_ALIAS


def test_migrations_run_on_the_primary_only():
    replica_router = ReplicaRouter()
    assert replica_router.allow_migrate(DEFAULT_DB_ALIAS, "customers")
    assert not replica_router.allow_migrate(REPLICA, "customers")


# --- pages and exports ------------------------------------------------------------------------------


@BOTH
def test_an_analysis_page_reads_its_figures_from_the_replica(with_replica, world, client):
    client.force_login(world["supervisor_sue"])
    with Queries() as queries:
        response = client.get(reverse("reports:contribution"), {"year": YEAR})
    assert response.status_code == 200
    assert world["A"].name in response.text
    assert queries.touching(REPLICA, "customers_customer")
    assert [sql for sql in queries.sql(REPLICA) if "sales_" in sql]
    assert not queries.touching(DEFAULT_DB_ALIAS, "customers_customer")
    assert not queries.writes(REPLICA)


@BOTH
def test_the_dashboard_figures_read_from_the_replica(with_replica, world, client):
    client.force_login(world["supervisor_sue"])
    with Queries() as queries:
        response = client.get(reverse("reports:dashboard_figures"))
    assert response.status_code == 200
    assert queries.sql(REPLICA)
    assert not queries.touching(DEFAULT_DB_ALIAS, "services_servicerequest")
    assert not queries.writes(REPLICA)


@BOTH
def test_the_customer_export_reads_the_replica_and_audits_on_the_primary(with_replica, world, client):
    client.force_login(world["superuser_sam"])
    with Queries() as queries:
        response = client.get(reverse("customers:export"), {"file_format": "csv"})
    assert response.status_code == 200
    assert world["A"].name in response.content.decode("utf-8")
    assert queries.touching(REPLICA, "customers_customer")
    assert not queries.touching(DEFAULT_DB_ALIAS, "customers_customer")
    # The limit's count and the audit row: the primary's; the replica is never written.
    assert [sql for sql in queries.touching(DEFAULT_DB_ALIAS, "auditlog_logentry") if "COUNT" in sql.upper()]
    assert [sql for sql in queries.writes(DEFAULT_DB_ALIAS) if '"auditlog_logentry"' in sql]
    assert not queries.touching(REPLICA, "auditlog_logentry")
    assert not queries.writes(REPLICA)
    entry = LogEntry.objects.using(DEFAULT_DB_ALIAS).get(additional_data__event="export")
    assert entry.actor == world["superuser_sam"]
    assert entry.additional_data["rows"] == Customer.objects.count()


@BOTH
def test_an_analysis_export_reads_the_replica_and_audits_on_the_primary(with_replica, world, client):
    client.force_login(world["supervisor_sue"])
    with Queries() as queries:
        response = client.get(reverse("reports:export", args=["services"]), {"year": YEAR, "file_format": "csv"})
    assert response.status_code == 200
    assert "Complaint" in response.content.decode("utf-8")
    assert queries.touching(REPLICA, "services_servicerequest")
    assert not queries.touching(DEFAULT_DB_ALIAS, "services_servicerequest")
    assert [sql for sql in queries.writes(DEFAULT_DB_ALIAS) if '"auditlog_logentry"' in sql]
    assert not queries.writes(REPLICA)
    assert LogEntry.objects.filter(additional_data__event="export", actor=world["supervisor_sue"]).count() == 1


@BOTH
def test_customer_pages_read_the_primary_even_with_a_replica(with_replica, world, client):
    client.force_login(world["manager_ann"])
    with Queries() as queries:
        listing = client.get(reverse("customers:list"))
        detail = client.get(world["A"].get_absolute_url())
    assert listing.status_code == detail.status_code == 200
    assert world["A"].name in listing.text
    assert queries.touching(DEFAULT_DB_ALIAS, "customers_customer")
    assert not queries.sql(REPLICA)


@BOTH
def test_without_a_replica_reports_and_exports_read_the_primary(settings, world, client):
    settings.DATABASE_REPLICA = None
    client.force_login(world["superuser_sam"])
    with Queries() as queries:
        page = client.get(reverse("reports:contribution"), {"year": YEAR})
        export = client.get(reverse("customers:export"), {"file_format": "csv"})
    assert page.status_code == export.status_code == 200
    assert world["A"].name in page.text
    assert queries.touching(DEFAULT_DB_ALIAS, "customers_customer")
    assert not queries.sql(REPLICA)


# --- a real second database ---------------------------------------------------------------------------


@pytest.fixture
def second_database():
    """Point the replica alias at a new, empty database of the primary's kind with one table,
    django_content_type, holding one row the primary hasn't; put the mirror back afterwards."""
    replica = connections[REPLICA]
    mirrored_name = replica.settings_dict["NAME"]
    if replica.vendor == "postgresql":
        name = f"{connections[DEFAULT_DB_ALIAS].settings_dict['NAME']}_{uuid.uuid4().hex[:8]}"[:63]
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        cleanup = ("postgresql", name)
    else:
        handle, name = tempfile.mkstemp(suffix=".sqlite3", prefix="crm-replica-")
        os.close(handle)
        cleanup = ("sqlite", name)
    replica.settings_dict["NAME"] = name
    # Closed after the name changed: Django keeps a connection to an in-memory SQLite database open.
    replica.close()
    try:
        with replica.schema_editor() as editor:
            editor.create_model(ContentType)
        with replica.cursor() as cursor:
            cursor.execute("INSERT INTO django_content_type (app_label, model) VALUES ('only_on', 'the_replica')")
        yield name
    finally:
        replica.close()
        replica.settings_dict["NAME"] = mirrored_name
        kind, name = cleanup
        if kind == "postgresql":
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        else:
            os.unlink(name)


@BOTH
def test_reads_go_to_a_second_database_and_writes_never_do(with_replica, second_database):
    only_on_replica = ContentType.objects.filter(app_label="only_on", model="the_replica")
    assert not only_on_replica.exists()
    with reading():
        assert only_on_replica.exists()
        assert ContentType.objects.count() == 1
        # A write in the block goes to the primary: the second database has no auth_group table,
        # so a write sent there would fail.
        group = Group.objects.create(name="written in a reading block")
        with transaction.atomic():
            group.name = "renamed in a reading block"
            group.save()
    assert Group.objects.using(DEFAULT_DB_ALIAS).get(pk=group.pk).name == "renamed in a reading block"
    with connections[REPLICA].cursor() as cursor:
        assert "auth_group" not in connections[REPLICA].introspection.table_names(cursor)


# --- settings -------------------------------------------------------------------------------------------


def test_a_valid_replica_url_and_cache_url_are_accepted():
    # check doesn't connect to either server.
    result = check_deploy(
        production_env(
            DATABASE_URL="postgres://crm:secret@10.0.0.1:5432/crm",
            DATABASE_REPLICA_URL="postgres://crm_read:secret@10.0.0.2:5432/crm",
        )
    )
    assert result.returncode == 0, result.stderr
    assert "configuration error" not in result.stderr


@pytest.mark.parametrize(
    "variables",
    [
        {"DATABASE_REPLICA_URL": "not a url"},
        {"DATABASE_REPLICA_URL": "postgres://crm:secret@10.0.0.2:5432"},
        # The replica must be of the primary's kind (here the default SQLite).
        {"DATABASE_REPLICA_URL": "postgres://crm:secret@10.0.0.2:5432/crm"},
        {"DATABASE_REPLICA_URL": "mysql://crm:secret@10.0.0.2/crm"},
    ],
)
def test_a_bad_replica_url_stops_with_one_line(variables):
    line = one_line_error(check_deploy(production_env(**variables)))
    assert "DATABASE_REPLICA_URL" in line


@pytest.mark.parametrize("url", ["memcached://10.0.0.3:11211", "redis//nohost", "localhost:6379"])
def test_a_cache_url_other_than_redis_stops_with_one_line(url):
    line = one_line_error(check_deploy(production_env(CACHE_URL=url)))
    assert "CACHE_URL" in line


def test_a_redis_cache_url_needs_the_redis_package():
    result = check_deploy(production_env(CACHE_URL="redis://10.0.0.3:6379/0"))
    if importlib.util.find_spec("redis") is None:
        assert "install the redis package" in one_line_error(result)
    else:
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("", "django.contrib.sessions.backends.db"),
        ("redis://10.0.0.3:6379/0", "django.contrib.sessions.backends.cached_db"),
    ],
)
def test_sessions_are_kept_in_the_cache_only_when_it_is_a_shared_redis(url, engine):
    # Each process's own memory would keep a session another server ended.
    result = manage(
        production_env(CACHE_URL=url),
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_ENGINE, s.CACHES['default']['BACKEND'])",
    )
    assert result.returncode == 0, result.stderr
    session_engine, cache = result.stdout.strip().splitlines()[-1].split()
    assert session_engine == engine
    assert cache.endswith("RedisCache" if url else "LocMemCache")


@BOTH
def test_a_draft_management_report_computes_its_figures_on_the_replica(with_replica, world, client):
    report = draft(world["supervisor_sue"])
    client.force_login(world["supervisor_sue"])
    with Queries() as queries:
        response = client.get(reverse("reports:management_detail", args=[report.pk]))
    assert response.status_code == 200
    # The report row from the primary (read-your-writes); the figures from the replica.
    assert queries.touching(DEFAULT_DB_ALIAS, "reports_managementreport")
    assert not queries.touching(REPLICA, "reports_managementreport")
    assert [sql for sql in queries.sql(REPLICA) if "customers_customer" in sql]
    assert not queries.writes(REPLICA)
