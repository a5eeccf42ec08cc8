#!/usr/bin/env python
"""Time the customer list and 360° page (issue 3), the opportunities list, board and detail page
(issue 11), the service queues, archive and list (issue 12), the losses list (issue 13) and the
reports: the four analyses and a management report submitted (issue 14, bench/reporting.py), through
the real URL stack; the audit log and a customer's history (issue 16, bench/auditing.py).

    DEBUG=true DATABASE_URL=postgres://crm_bench:crm_bench@127.0.0.1:5432/crm_bench \\
        .venv/bin/python bench/run.py [--repeat 20] [--explain] \\
        [--app customers|opportunities|services|losses|reports|audit|all]

Runs in-process with django.test.Client (middleware, session, view, filters, table, template),
logged in with force_login as an account manager (``bench_am_0001``, made by bench/seed.py) and
as the supervisor ``bench_sup``. Settings are switched to DEBUG off after start-up, so Django
keeps no query log. Each page is requested ``--warmup`` times, once more to record its SQL
queries, then ``--repeat`` times for the median and 95th percentile of the whole request and the
median time spent in SQL (a connection.execute_wrapper adds up each query's time; the rest is
Python: view, table and template; on SQLite, which computes rows as they are fetched, it
understates the database's share), and the median CPU time of this process per request (Python,
without the waits for a core that a loaded machine adds, nor PostgreSQL's own work: a figure to
compare runs on a busy machine by). Prints a Markdown table; ``--explain`` also prints EXPLAIN
ANALYZE of each page's slowest query, ``--queries`` every query, ``--extra`` adds the other
filters and sorts, ``--q TEXT`` any search.

``--http`` times the same pages through gunicorn instead, as in production (issue 16): it starts
gunicorn (``--http-workers`` sync workers, 1 by default) on a free port of 127.0.0.1 with DEBUG off
and plain http (bench/load.py's start and settings; run ``manage.py collectstatic`` first), gives the
two users a password and signs them in through the login form, then requests each page over HTTP.
Its table has the wall time of each request as the client sees it (median, 95th percentile), and the
CPU the app server and PostgreSQL spent per request (their processes' CPU over the timed requests,
divided by their number). The heavy account manager of issue 16 is ``--manager bench_heavy_am``
(5,000 customers, made by ``bench/seed.py --heavy-manager 5000``). The audit pages and the
management report's submission are left out of --http (an administrator signs in with a second
factor; the submission is a POST).
"""

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

import auditing  # noqa: E402
import load  # noqa: E402
import reporting  # noqa: E402
import vocab  # noqa: E402

PER_PAGE = 50  # CustomerListView.table_pagination


def _pages(*, deep_page, code, month):
    """(label, url) of each measured page."""
    first, last = month
    lst = "/customers/"

    def q(**params):
        return f"{lst}?{urlencode(params)}"

    return [
        ("list, first page", lst),
        (f"list, deep page (?page={deep_page})", q(page=deep_page)),
        (f"name ≥3 chars ({vocab.SEARCH_THREE})", q(q=vocab.SEARCH_THREE)),
        (f"name 2 chars, common ({vocab.SEARCH_COMMON_TWO})", q(q=vocab.SEARCH_COMMON_TWO)),
        (f"name 2 chars, rare ({vocab.SEARCH_RARE_TWO})", q(q=vocab.SEARCH_RARE_TWO)),
        (f"initials ({vocab.SEARCH_INITIALS})", q(q=vocab.SEARCH_INITIALS)),
        (f"code prefix ({vocab.SEARCH_CODE})", q(q=vocab.SEARCH_CODE)),
        (f"entry date ({first:%Y-%m-%d}…{last:%Y-%m-%d})", q(created_from=first, created_to=last)),
        ("360° page", f"/customers/{code}/"),
    ]


def _extra_pages(*, region_id, manager_id, day):
    """Other filters and sorts the list offers (not targets of the issue, shown for completeness)."""
    lst = "/customers/"

    def q(**params):
        return f"{lst}?{urlencode(params)}"

    return [
        ("name ≥3 chars, common (有限公)", q(q="有限公")),
        ("pinyin (xinda)", q(q="xinda")),
        (f"entry date, one day ({day:%Y-%m-%d})", q(created_from=day, created_to=day)),
        ("region filter", q(region=region_id)),
        ("level filter (5)", q(level=5)),
        ("status filter (lost)", q(status="lost")),
        ("manager filter", q(account_manager=manager_id)),
        ("sort by code", q(sort="code")),
        ("sort by entry time, newest", q(sort="-created_at")),
        ("sort by level", q(sort="level")),
        ("sort by region", q(sort="region")),
        ("sort by manager", q(sort="account_manager")),
    ]


def _opportunity_pages(*, detail_pk):
    """(label, url) of each measured opportunities page."""
    lst = "/opportunities/"

    def q(**params):
        return f"{lst}?{urlencode(params)}"

    return [
        ("opportunities: list, first page", lst),
        (f"opportunities: search ({vocab.SEARCH_COMMON_TWO})", q(q=vocab.SEARCH_COMMON_TWO)),
        ("opportunities: status filter (in development)", q(status="developing")),
        ("opportunities: board", "/opportunities/board/"),
        ("opportunities: detail page", f"/opportunities/{detail_pk}/"),
    ]


def _extra_opportunity_pages(*, manager_id, month):
    """Other searches, filters and sorts of the opportunities list (not targets of the issue)."""
    lst = "/opportunities/"
    first, last = month

    def q(**params):
        return f"{lst}?{urlencode(params)}"

    return [
        (f"opportunities: search, initials ({vocab.SEARCH_INITIALS})", q(q=vocab.SEARCH_INITIALS)),
        ("opportunities: search, title (网络改造)", q(q="网络改造")),
        ("opportunities: search, rare (貔貅)", q(q=vocab.SEARCH_RARE_TWO)),
        ("opportunities: status filter (unassigned)", q(status="unassigned")),
        ("opportunities: assignee filter", q(assigned_to=manager_id)),
        (f"opportunities: created ({first:%Y-%m-%d}…{last:%Y-%m-%d})", q(created_from=first, created_to=last)),
        ("opportunities: deep page (?page=5)", q(page=5)),
        ("opportunities: my opportunities in development", "/opportunities/mine/"),
    ]


# The services pages whose rows are counted (lists); the queues' paths by URL name.
SERVICE_LISTS = ("/services/", "/services/assign/", "/services/handle/", "/services/feedback/", "/services/archive/")


def _service_pages(*, assigns, customer_text, title_text):
    """(label, url) of each measured services page (the assignment queue for those who assign)."""

    def q(path, **params):
        return f"{path}?{urlencode(params)}"

    pages = [("services: assignment queue", "/services/assign/")] if assigns else []
    return pages + [
        ("services: handling queue", "/services/handle/"),
        ("services: feedback queue", "/services/feedback/"),
        ("services: archive, first page", "/services/archive/"),
        (f"services: archive search, customer ({customer_text})", q("/services/archive/", q=customer_text)),
        (f"services: archive search, title ({title_text})", q("/services/archive/", q=title_text)),
        ("services: all requests, first page", "/services/"),
    ]


LOSSES = "/customers/losses/"
# The analyses whose table rows are counted.
REPORT_TABLES = ("/reports/contribution/", "/reports/services/", "/reports/losses/", "/reports/composition/")


def _loss_pages(*, customer_text):
    """(label, url) of each measured losses page (detection itself is timed by bench/losses.py)."""

    def q(**params):
        return f"{LOSSES}?{urlencode(params)}"

    return [
        ("losses: list, first page", LOSSES),
        ("losses: status filter (postponed)", q(status="postponed")),
        (f"losses: customer search ({customer_text})", q(customer=customer_text)),
    ]


def _extra_loss_pages(*, manager_id, month):
    """Other filters of the losses list (not targets of the issue)."""
    first, last = month

    def q(**params):
        return f"{LOSSES}?{urlencode(params)}"

    return [
        ("losses: status filter (warning)", q(status="warning")),
        ("losses: status filter (lost)", q(status="confirmed")),
        ("losses: status filter (recovered)", q(status="recovered")),
        (f"losses: customer search, common ({vocab.SEARCH_COMMON_TWO})", q(customer=vocab.SEARCH_COMMON_TWO)),
        (f"losses: customer search, initials ({vocab.SEARCH_INITIALS})", q(customer=vocab.SEARCH_INITIALS)),
        ("losses: manager filter", q(manager=manager_id)),
        (
            f"losses: last order ({first:%Y-%m-%d}…{last:%Y-%m-%d})",
            q(last_order_from=first, last_order_to=last),
        ),
        ("losses: sort by last order", q(sort="last_order_date")),
    ]


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def _rows(content):
    body = content.split(b"<tbody", 1)
    return body[1].count(b"<tr") if len(body) == 2 else 0


def _machine(connection):
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    database = connection.vendor
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    return f"{cpu}, {os.cpu_count()} cores{memory}; {database}; Python {platform.python_version()}"


def _explain(connection, sql):
    if connection.vendor == "postgresql":
        statement = f"EXPLAIN (ANALYZE, BUFFERS) {sql}"
    else:
        statement = f"EXPLAIN QUERY PLAN {sql}"
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return "\n".join("    " + " | ".join(str(c) for c in row) for row in cursor.fetchall())


class _Recorder:
    """An execute_wrapper: counts queries and their time; with keep_sql, keeps each SQL as sent."""

    def __init__(self, connection, keep_sql=False):
        self.connection, self.keep_sql = connection, keep_sql
        self.total, self.queries = 0.0, []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.total += elapsed
            text = sql
            if self.keep_sql and not many:
                text = self.connection.ops.last_executed_query(context["cursor"], sql, params)
            self.queries.append((text, elapsed))


def _measure(client, connection, args, role, user, label, url):
    """Time GET ``url`` as the client's user; print and return its result row."""
    for _ in range(args.warmup):
        client.get(url)
    recorder = _Recorder(connection, keep_sql=True)
    with connection.execute_wrapper(recorder):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code} for {user.username}")
    listed = ("/customers/", "/opportunities/", *SERVICE_LISTS, LOSSES, *REPORT_TABLES, auditing.AUDIT)
    rows = _rows(response.content) if urlsplit(url).path in listed else None
    queries = recorder.queries
    times, db_times, cpu_times = [], [], []
    for _ in range(args.repeat):
        timer = _Recorder(connection)
        with connection.execute_wrapper(timer):
            started, cpu_started = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu_started) * 1000)
        db_times.append(timer.total * 1000)
    median, p95, db = statistics.median(times), _percentile(times, 0.95), statistics.median(db_times)
    cpu = statistics.median(cpu_times)
    print(
        f"  {label}: median {median:.1f} ms, p95 {p95:.1f} ms, SQL {db:.1f} ms, {len(queries)} queries, "
        f"rows {rows}, CPU {cpu:.1f} ms",
        flush=True,
    )
    if args.queries:
        for sql, seconds in queries:
            print(f"    [{seconds * 1000:.1f} ms] {sql[:400]}")
    if args.explain and queries:
        sql, seconds = max(queries, key=lambda query: query[1])
        if sql.lstrip(" (").upper().startswith("SELECT"):
            print(f"    slowest query ({seconds * 1000:.1f} ms): {sql[:3000]}")
            print(_explain(connection, sql))
    return (label, role, median, p95, db, len(queries), rows, cpu)


class _HttpServer:
    """gunicorn started for --http, with production settings (DEBUG off, plain http on loopback)."""

    PASSWORD = "bench-http-password"  # noqa: S105 - the bench users' password on the bench database

    def __init__(self, args):
        import secrets

        from django.conf import settings

        if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
            raise SystemExit("--http runs gunicorn with DEBUG off: run `manage.py collectstatic` first.")
        environment = {**os.environ, **load.PLAIN_HTTP, "DEBUG": "false"}
        environment.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
        server = argparse.Namespace(workers=args.http_workers, threads=1)
        self.process, self.port = load.start_gunicorn(server, environment)

    def browser(self, user):
        """A load.Browser signed in as ``user`` through the login form (its password set first)."""
        if not user.check_password(self.PASSWORD):
            user.set_password(self.PASSWORD)
            user.save(update_fields=["password"])
        browser = load.Browser("127.0.0.1", self.port)
        browser.sign_in(user.get_username(), self.PASSWORD)
        return browser

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def _measure_http(server, browser, args, role, user, label, url):
    """Time GET ``url`` over HTTP as the browser's user; print and return its result row (the
    app server's and PostgreSQL's CPU per request in place of the SQL columns)."""
    for _ in range(args.warmup):
        browser.request("GET", url)
    status, _, content = browser.request("GET", url)
    if status != 200:
        raise SystemExit(f"{url} answered {status} over HTTP for {user.username}")
    listed = ("/customers/", "/opportunities/", *SERVICE_LISTS, LOSSES, *REPORT_TABLES)
    rows = _rows(content) if urlsplit(url).path in listed else None
    times = []
    before = load.cpu_snapshot(server.process.pid)
    for _ in range(args.repeat):
        started = time.perf_counter()
        status, _, _ = browser.request("GET", url)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"{url} answered {status} over HTTP for {user.username}")
    used = load.cpu_used(before, load.cpu_snapshot(server.process.pid))
    app, postgres = used["app"] * 1000 / args.repeat, used["postgres"] * 1000 / args.repeat
    median, p95 = statistics.median(times), _percentile(times, 0.95)
    print(
        f"  {label}: median {median:.1f} ms, p95 {p95:.1f} ms, rows {rows}, "
        f"CPU per request: app {app:.1f} ms, PostgreSQL {postgres:.1f} ms",
        flush=True,
    )
    return (label, role, median, p95, postgres, None, rows, app)


def _management(client, connection, args, role, user, results):
    """A management report for last quarter made and submitted (bench/reporting.py), then its
    page, submitted (frozen figures) and as a draft (the analyses computed live); the user's
    reports of that period are deleted afterwards."""
    rows, detail, mine = reporting.time_submit(
        client=client,
        user=user,
        warmup=1,
        repeat=args.submit_repeat,
        recorder_class=_Recorder,
        connection=connection,
        percentile=_percentile,
    )
    for label, median, p95, db, queries in rows:
        print(f"  {label}: median {median:.1f} ms, p95 {p95:.1f} ms, SQL {db:.1f} ms, {queries} queries", flush=True)
        results.append((label, role, median, p95, db, queries, None, None))
    try:
        results.append(
            _measure(client, connection, args, role, user, "reports: management report page, submitted", detail)
        )
        mine.delete()
        created = client.post("/reports/management/new/", reporting.draft_form())
        if created.status_code != 302:
            raise SystemExit(f"/reports/management/new/ answered {created.status_code} for {user.username}")
        draft = f"/reports/management/{mine.get().pk}/"
        results.append(_measure(client, connection, args, role, user, "reports: management report page, draft", draft))
    finally:
        mine.delete()


def _audit(args, connection, manager, supervisor, results):
    """The audit pages (bench/auditing.py): /audit/ as an administrator, a customer's 360° page with
    its history panel as the supervisor."""
    from auditlog.models import LogEntry
    from django.test import Client
    from django.utils import timezone

    admin = auditing.bench_admin()
    customer, history = auditing.busy_customer()
    rows = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    print(f"\naudit log: about {rows:,} rows (the highest id); the 360° page's customer has {history} of them")
    pages = [
        ("administrator", admin, label, url)
        for label, url in auditing.audit_pages(manager=manager, today=timezone.localdate())
    ]
    if customer is not None:
        label = f"audit: 360° page, history panel ({history} audit rows)"
        pages.append(("supervisor", supervisor, label, f"/customers/{customer.code}/"))
    clients = {}
    for role, user, label, url in pages:
        if args.only and args.only not in label:
            continue
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
            auditing.verify(clients[user.pk], user)
        results.append(_measure(clients[user.pk], connection, args, role, user, label, url))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per page first (default 5)")
    parser.add_argument("--manager", default="bench_am_0001", help="the account manager to log in as")
    parser.add_argument("--supervisor", default="bench_sup", help="the supervisor to log in as")
    parser.add_argument("--role", choices=["manager", "supervisor", "both"], default="both")
    parser.add_argument(
        "--app",
        choices=["customers", "opportunities", "services", "losses", "reports", "audit", "all"],
        default="all",
        help="whose pages to time",
    )
    parser.add_argument("--extra", action="store_true", help="also time the other filters and sorts")
    parser.add_argument("--q", action="append", default=[], help="also time a search for this text (repeatable)")
    parser.add_argument("--only", help="time only pages whose label contains this text")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each page's slowest query")
    parser.add_argument("--queries", action="store_true", help="print each page's SQL queries with their times")
    parser.add_argument(
        "--submit-repeat", type=int, default=5, help="reports: management reports made and submitted (default 5)"
    )
    parser.add_argument("--http", action="store_true", help="time the pages through gunicorn (DEBUG off) over HTTP")
    parser.add_argument("--http-workers", type=int, default=1, help="--http: gunicorn sync workers (default 1)")
    args = parser.parse_args()
    if args.http and args.http_workers < 1:
        parser.error("--http-workers must be at least 1")

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    import crm.wsgi  # noqa: F401  set up as gunicorn loads it (garbage-collector freeze included)
    from crm.models import DictionaryEntry
    from customers.models import Customer
    from opportunities.models import Opportunity
    from services.models import ServiceRequest

    settings.DEBUG = False  # no query log while timing, as in production
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    User = get_user_model()
    try:
        manager = User.objects.get(username=args.manager)
        supervisor = User.objects.get(username=args.supervisor)
    except User.DoesNotExist:
        raise SystemExit("Run bench/seed.py first: the bench users are missing.") from None
    total = Customer.all_objects.count()
    region_id = DictionaryEntry.objects.filter(category=DictionaryEntry.Category.REGION).order_by("pk")[0].pk
    opportunities = Opportunity.objects.count()
    service_requests = ServiceRequest.objects.count()
    print(
        f"# Benchmark: {total:,} customers, {opportunities:,} opportunities, {service_requests:,} service requests",
        flush=True,
    )
    print(f"Machine: {_machine(connection)}", flush=True)
    print(f"Load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}", flush=True)
    print(f"{args.repeat} timed requests per page after {args.warmup} warm-up ones; {dt.datetime.now():%Y-%m-%d %H:%M}")

    personas = []
    if args.role in ("manager", "both"):
        personas.append(("account manager", manager))
    if args.role in ("supervisor", "both"):
        personas.append(("supervisor", supervisor))

    middle = Customer.objects.order_by("created_at").values_list("created_at", flat=True)[total // 2]
    middle = timezone.localtime(middle).date()
    month = (middle.replace(day=1), (middle.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1))

    results = []
    server = _HttpServer(args) if args.http else None
    try:
        _time_personas(
            args,
            personas,
            manager=manager,
            month=month,
            middle=middle,
            region_id=region_id,
            server=server,
            results=results,
        )
        if args.app in ("audit", "all") and server is None:
            _audit(args, connection, manager, supervisor, results)
    finally:
        if server is not None:
            server.stop()

    print(f"\nLoad average after: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    if server is None:
        print("\n| Page | Role | Median ms | p95 ms | SQL ms (median) | Queries | Rows | CPU ms (median) |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
    else:
        print(f"\nThrough gunicorn ({args.http_workers} sync worker(s), DEBUG off) over HTTP; CPU a request: a mean.")
        print("\n| Page | Role | Median ms | p95 ms | PostgreSQL CPU ms | Queries | Rows | App CPU ms |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, role, median, p95, db, queries, rows, cpu in results:
        shown = "" if rows is None else rows
        cpu = "" if cpu is None else f"{cpu:.1f}"
        queries = "" if queries is None else queries
        print(f"| {label} | {role} | {median:.1f} | {p95:.1f} | {db:.1f} | {queries} | {shown} | {cpu} |")


def _time_personas(args, personas, *, manager, month, middle, region_id, server, results):
    """Time each persona's pages of ``args.app`` (in-process, or over HTTP through ``server``)."""
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.utils import timezone

    from crm import access
    from customers.models import Customer, LossRecord
    from opportunities.models import Opportunity, Status
    from services.models import ServiceRequest

    service_requests = ServiceRequest.objects.count()
    for role, user in personas:
        visible = access.visible(user, Customer)
        seen = visible.count()
        pages = []
        if args.app in ("customers", "all"):
            deep_page = min(200, max(1, seen // PER_PAGE - 1))
            sample = visible.order_by("id")[seen // 2]
            pages += _pages(deep_page=deep_page, code=sample.code, month=month)
            if args.extra:
                pages += _extra_pages(region_id=region_id, manager_id=manager.pk, day=middle)
            pages += [(f"search {text!r}", f"/customers/?{urlencode({'q': text})}") for text in args.q]
        own = access.visible(user, Opportunity)
        seen_opportunities = own.count()
        if args.app in ("opportunities", "all") and seen_opportunities:
            # An opportunity in development with the longest plan the user sees: the detail page's worst case.
            developing = own.filter(status=Status.DEVELOPING).order_by("id")
            detail = max(developing[:200], key=lambda o: o.plan_items.count(), default=None) or own.first()
            pages += _opportunity_pages(detail_pk=detail.pk)
            if args.extra:
                pages += _extra_opportunity_pages(manager_id=manager.pk, month=month)
            pages += [
                (f"opportunities: search {text!r}", f"/opportunities/?{urlencode({'q': text})}") for text in args.q
            ]
        # Counted from the indexes the workflow reads, not through the scope: requests the user
        # created or was assigned (a supervisor sees all).
        mine = ServiceRequest.objects.filter(Q(created_by=user) | Q(assigned_to=user))
        seen_services = service_requests if access.sees_all(user, ServiceRequest) else mine.count()
        if args.app in ("services", "all") and service_requests:
            # The customer of one of the user's archived requests: the start of its name (city and
            # brand, 北京鑫达), as someone types it into the archive's search box.
            archived = mine.filter(status="archived").order_by("id")
            sample = list(archived[seen_services // 3 :][:1]) or list(archived[:1])
            pages += _service_pages(
                assigns=access.can(user, "services.assign_servicerequest"),
                customer_text=sample[0].customer.name[:4] if sample else vocab.SEARCH_THREE,
                title_text="发票",
            )
            pages += [(f"services: search {text!r}", f"/services/?{urlencode({'q': text})}") for text in args.q]
        if args.app in ("losses", "all") and LossRecord.objects.exists():
            # The customer of one of the user's postponed records: the start of its name (city and
            # brand), as typed into the filter's customer box.
            records = access.visible(user, LossRecord).filter(status="postponed").order_by("id")
            sample = records.select_related("customer").first()
            pages += _loss_pages(customer_text=sample.customer.name[:4] if sample else vocab.SEARCH_THREE)
            if args.extra:
                pages += _extra_loss_pages(manager_id=manager.pk, month=month)
            pages += [(f"losses: search {text!r}", f"{LOSSES}?{urlencode({'customer': text})}") for text in args.q]
        if args.app in ("reports", "all"):
            pages += reporting.report_pages(
                year=timezone.localdate().year, supervisor=access.can(user, "services.assign_servicerequest")
            )
        if args.only:
            pages = [page for page in pages if args.only in page[0]]
        print(
            f"\n{role} {user.username}: {seen:,} visible customers, {seen_opportunities:,} visible opportunities, "
            f"{seen_services:,} service requests (created by or assigned to them, for an account manager)",
            flush=True,
        )
        if server is not None:
            browser = server.browser(user)
            for label, url in pages:
                results.append(_measure_http(server, browser, args, role, user, label, url))
            continue
        client = Client()
        client.force_login(user)
        for label, url in pages:
            results.append(_measure(client, connection, args, role, user, label, url))
        management = not args.only or args.only in "reports: management report"
        if args.app in ("reports", "all") and management and access.can(user, "reports.add_managementreport"):
            _management(client, connection, args, role, user, results)


if __name__ == "__main__":
    main()
