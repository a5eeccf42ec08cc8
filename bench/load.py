#!/usr/bin/env python
"""Load test (issue 16): concurrent signed-in users against gunicorn, as in production.

    DATABASE_URL=postgres://crm_bench:crm_bench@127.0.0.1:5432/crm_bench DEBUG=false \\
        .venv/bin/python bench/load.py [--workers 2] [--users 16] [--requests 2000] [--seconds 120]

Starts gunicorn (``--workers`` sync processes, ``--threads`` for gthread; on ``--python``, this
interpreter unless told) on a free port of 127.0.0.1 with the settings of the environment (plain
http on this machine: no https redirect or https-only cookies), or uses the server at ``--url``
(loopback only). Signs in ``--users`` virtual users through the login form (CSRF token, session
cookie): account managers and, a quarter of them unless ``--supervisors`` says otherwise,
supervisors, taken from the database's users of those roles (bench_am_0001… and bench_sup on the
bench database) and given the password ``--password`` first, as bench/seed.py makes them without
one. Superusers and administrators are never used (they sign in with a second factor).

Each user then loops over the pages of ``--mix`` (weights: the customer list, a name search, a
customer's 360° page, the orders list, the service queue of the role, the opportunities board),
one request after the other with no pause, until ``--requests`` requests in all or ``--seconds``
seconds, whichever comes first; the first ``--warmup`` rounds of each user are not counted. Prints
a Markdown table of requests per second, median and 95th percentile and errors (any answer but
200, or no answer) per page kind and overall, then where the machine's CPU went during the timed
part: gunicorn's processes, PostgreSQL's (every backend of the cluster, so also other users of
it), this load generator, the rest. Static files are not fetched (a browser caches them).

With DEBUG off, run ``manage.py collectstatic`` first (``make run`` does).
"""

import argparse
import datetime as dt
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

import vocab  # noqa: E402

KINDS = ("list", "search", "customer", "orders", "services", "board")
DEFAULT_MIX = "list=20,search=20,customer=25,orders=10,services=10,board=15"
SEARCHES = [
    vocab.SEARCH_THREE,
    vocab.SEARCH_COMMON_TWO,
    vocab.SEARCH_INITIALS,
    vocab.SEARCH_CODE,
    vocab.SEARCH_RARE_TWO,
]
CODES_PER_USER = 50
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# Plain http on this machine, for the gunicorn this script starts (and for its own settings).
PLAIN_HTTP = {
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
}


def parse_mix(text):
    weights = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in KINDS or not weight.strip().isdigit():
            raise SystemExit(f"--mix: expected name=weight with names among {', '.join(KINDS)}, not {part!r}")
        weights[name] = int(weight)
    if not any(weights.values()):
        raise SystemExit("--mix: every weight is 0")
    return weights


# --- the users and what they open ------------------------------------------------------------------


def preferred(users, prefix, count):
    """Up to ``count`` of ``users``: the bench's (``prefix``) first, then the others, by username."""
    chosen = list(users.filter(username__startswith=prefix).order_by("username")[:count])
    return chosen + list(users.exclude(username__startswith=prefix).order_by("username")[: count - len(chosen)])


def prepare_users(args):
    """[(username, role, [customer codes])] for the virtual users, their passwords set to --password."""
    from django.contrib.auth import get_user_model

    from crm.roles import ACCOUNT_MANAGER, ADMINISTRATOR, SUPERVISOR
    from customers.models import Customer

    User = get_user_model()
    ordinary = User.objects.filter(is_active=True, is_superuser=False).exclude(groups__name=ADMINISTRATOR)
    supervisors_wanted = args.supervisors if args.supervisors is not None else args.users // 4
    managers_wanted = args.users - supervisors_wanted
    managers = preferred(ordinary.filter(groups__name=ACCOUNT_MANAGER), "bench_am_", managers_wanted)
    supervisors = preferred(ordinary.filter(groups__name=SUPERVISOR), "bench_sup", max(supervisors_wanted, 1))
    if managers_wanted and not managers:
        raise SystemExit("No account managers in the database (bench/seed.py or manage.py seed_demo makes them).")
    if supervisors_wanted and not supervisors:
        raise SystemExit("No supervisors in the database (bench/seed.py or manage.py seed_demo makes them).")
    chosen = [(managers[i % len(managers)], "manager") for i in range(managers_wanted)]
    chosen += [(supervisors[i % len(supervisors)], "supervisor") for i in range(supervisors_wanted)]
    any_codes = list(Customer.objects.order_by("-pk").values_list("code", flat=True)[:CODES_PER_USER])
    users = []
    for user in {user for user, _role in chosen}:
        if not user.check_password(args.password):
            user.set_password(args.password)
            user.save(update_fields=["password"])
    for user, role in chosen:
        if role == "manager":
            codes = list(
                Customer.objects.filter(account_manager=user)
                .order_by("-pk")
                .values_list("code", flat=True)[:CODES_PER_USER]
            )
        else:
            codes = any_codes
        users.append((user.get_username(), role, codes or any_codes))
    return users


def page(kind, role, codes, rng):
    """The path of one request of ``kind`` for a user of ``role``."""
    if kind == "list":
        return "/customers/"
    if kind == "search":
        return "/customers/?" + urlencode({"q": rng.choice(SEARCHES)})
    if kind == "customer":
        return f"/customers/{rng.choice(codes)}/"
    if kind == "orders":
        return "/sales/orders/"
    if kind == "services":
        return "/services/assign/" if role == "supervisor" else "/services/handle/"
    return "/opportunities/board/"


# --- HTTP ------------------------------------------------------------------------------------------


class Browser:
    """One user's cookies over http.client (gunicorn's sync workers close every connection)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.cookies = {}
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        headers = {"Accept-Language": "zh-hans", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server had already closed: once more on a new one.
                self.close()
                if attempt == 2:
                    raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value and value != '""':
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        if response.will_close:
            self.close()
        return response.status, response.headers, content

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def sign_in(self, username, password):
        status, _, content = self.request("GET", "/accounts/login/")
        match = CSRF_INPUT.search(content)
        if status != 200 or not match:
            raise SystemExit(f"The login page answered {status} without a form.")
        form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": match.group(1).decode()})
        status, headers, _ = self.request(
            "POST", "/accounts/login/", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302 or "/accounts/login/" in headers.get("Location", "/accounts/login/"):
            raise SystemExit(f"{username} could not sign in (answer {status}); locked out by axes?")


# --- the run ---------------------------------------------------------------------------------------


class Run:
    """The shared budget (requests and deadline) and the results of the timed requests."""

    def __init__(self, requests, seconds, gunicorn_pid):
        self.lock = threading.Lock()
        self.left = requests
        self.seconds = seconds
        self.gunicorn_pid = gunicorn_pid
        self.deadline = self.began = self.cpu_before = None
        self.results = []  # (kind, status, seconds)

    def begin(self):
        """When every user has warmed up (the barrier's action, before anyone goes on)."""
        self.cpu_before = cpu_snapshot(self.gunicorn_pid)
        self.began = time.perf_counter()
        self.deadline = time.monotonic() + self.seconds

    def take(self):
        with self.lock:
            if self.left <= 0 or time.monotonic() >= self.deadline:
                return False
            self.left -= 1
            return True

    def record(self, kind, status, seconds):
        with self.lock:
            self.results.append((kind, status, seconds))


def virtual_user(run, browser, role, codes, weights, warmup, start, seed):
    rng = random.Random(seed)
    kinds, cumulative = list(weights), list(weights.values())
    try:
        for _ in range(warmup):
            for kind in kinds:
                if weights[kind]:
                    browser.request("GET", page(kind, role, codes, rng))
    except OSError:
        pass  # the timed requests will count the errors
    start.wait()
    while run.take():
        kind = rng.choices(kinds, weights=cumulative)[0]
        path = page(kind, role, codes, rng)
        started = time.perf_counter()
        try:
            status, _, _ = browser.request("GET", path)
        except OSError:
            status = 0
        run.record(kind, status, time.perf_counter() - started)


# --- CPU accounting (Linux /proc) ------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid):
    """(parent pid, CPU seconds) of a process, or None when it is gone: its own and that of its
    children it has reaped (PostgreSQL's backends that ended during the run, replaced when a
    worker's connection reached CONN_MAX_AGE, count in the postmaster's)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), sum(int(value) for value in fields[11:15]) / TICK


def _processes():
    """{pid: (parent, command name)} of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            stat = _stat(int(entry.name))
            if stat:
                found[int(entry.name)] = (stat[0], name)
    return found


def _serves_the_crm(pid):
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"crm.wsgi" in command or b"runserver" in command


def cpu_snapshot(gunicorn_pid):
    """CPU seconds so far: the app server's processes (gunicorn's master and workers; with --url,
    every process serving crm.wsgi or runserver), PostgreSQL's processes, Redis's (CACHE_URL:
    sessions are read from it), this process, and the machine's busy and total time."""
    processes = _processes()
    if gunicorn_pid:
        app = [gunicorn_pid, *(pid for pid, (parent, _) in processes.items() if parent == gunicorn_pid)]
    else:
        app = [pid for pid in processes if pid != os.getpid() and _serves_the_crm(pid)]
    postgres = [pid for pid, (_, name) in processes.items() if name.startswith("postgres")]
    redis = [pid for pid, (_, name) in processes.items() if name.startswith("redis-server")]

    def seconds(pids):
        return {pid: stat[1] for pid in pids if (stat := _stat(pid))}

    times = os.times()
    try:
        jiffies = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = jiffies[3] + jiffies[4]
        machine = ((sum(jiffies) - idle) / TICK, sum(jiffies) / TICK)
    except (OSError, IndexError, ValueError):
        machine = (0.0, 0.0)
    return {
        "app": seconds(app),
        "postgres": seconds(postgres),
        "redis": seconds(redis),
        "self": times.user + times.system,
        "machine": machine,
    }


def cpu_used(before, after):
    """CPU seconds each part used between two snapshots (processes alive at both)."""

    def delta(part):
        return sum(after[part][pid] - before[part].get(pid, 0.0) for pid in after[part])

    busy = after["machine"][0] - before["machine"][0]
    total = after["machine"][1] - before["machine"][1]
    app, postgres, redis = delta("app"), delta("postgres"), delta("redis")
    generator = after["self"] - before["self"]
    return {
        "app": app,
        "postgres": postgres,
        "redis": redis,
        "generator": generator,
        "other": max(0.0, busy - app - postgres - redis - generator),
        "busy": busy,
        "total": total,
    }


# --- gunicorn --------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(args, environment=None):
    """(process, port) of gunicorn with ``args.workers`` workers (``args.threads`` each) on a free
    port of 127.0.0.1, once it answers; ``environment``: its variables, if not this process's."""
    port = free_port()
    command = [args.python, "-m", "gunicorn", "crm.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(args.workers), "--timeout", "120", "--log-level", "warning"]
    if args.threads > 1:
        command += ["--threads", str(args.threads)]
    process = subprocess.Popen(command, cwd=ROOT, env=environment or os.environ.copy())  # noqa: S603 - fixed command
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up (exit {process.returncode})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/accounts/login/")
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return process, port
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer within 120 s")


def interpreter(python):
    """The interpreter ``python`` names, e.g. "CPython 3.11.2 (GCC 12.2.0, static)": its build
    counts. pyenv's default build links a shared libpython and has no profile-guided or link-time
    optimisation; Debian's python3 has both and is linked statically (bench/README.md measures the
    difference on this load test)."""
    probe = "\n".join(
        [
            "import os, platform",
            "maps = open('/proc/self/maps').read() if os.path.exists('/proc/self/maps') else None",
            "linked = 'linking unknown' if maps is None else 'shared libpython' if 'libpython' in maps else 'static'",
            "print(platform.python_implementation(), platform.python_version(),",
            "      f'({platform.python_compiler()}, {linked})')",
        ]
    )
    result = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603
    return result.stdout.strip()


# --- report ----------------------------------------------------------------------------------------


def counted(number, noun):
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def report(run, elapsed, cpu):
    by_kind = defaultdict(list)
    for kind, status, seconds in run.results:
        by_kind[kind].append((status, seconds))
    print("| page | requests | req/s | median ms | p95 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [(kind, by_kind[kind]) for kind in KINDS if by_kind[kind]]
    rows.append(("**all**", [(status, seconds) for _, status, seconds in run.results]))
    for kind, results in rows:
        times = [seconds * 1000 for _, seconds in results]
        errors = sum(1 for status, _ in results if status != 200)
        print(
            f"| {kind} | {len(results)} | {len(results) / elapsed:.1f} | {statistics.median(times):.0f} | "
            f"{percentile(times, 0.95):.0f} | {errors} |"
        )
    count = len(run.results) or 1
    if cpu["total"]:
        print(
            f"\nCPU during the timed part: {cpu['busy'] / cpu['total']:.0%} of {os.cpu_count()} cores busy. "
            "Per request (ms of CPU): "
            f"gunicorn {cpu['app'] * 1000 / count:.0f}, PostgreSQL {cpu['postgres'] * 1000 / count:.0f}, "
            f"Redis {cpu['redis'] * 1000 / count:.1f}, "
            f"load generator {cpu['generator'] * 1000 / count:.0f}, other {cpu['other'] * 1000 / count:.0f}."
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an app server already running on this machine (default: start gunicorn)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread when above 1)")
    parser.add_argument("--users", type=int, default=16, help="concurrent signed-in users (default 16)")
    parser.add_argument("--supervisors", type=int, help="how many of them supervisors (default a quarter)")
    parser.add_argument("--requests", type=int, default=2000, help="timed requests in all (default 2000)")
    parser.add_argument("--seconds", type=float, default=120, help="time limit of the timed part (default 120)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds of every page per user (default 1)")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"page weights (default {DEFAULT_MIX})")
    parser.add_argument("--password", default="load-test-password", help="the password the users are given")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter gunicorn runs with, e.g. another virtualenv's bin/python (default: this one)",
    )
    args = parser.parse_args()
    weights = parse_mix(args.mix)
    if args.users < 1 or args.requests < 1 or args.seconds <= 0 or args.workers < 1:
        raise SystemExit("--users, --requests, --workers and --seconds must be positive")
    if args.url and urlsplit(args.url).hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("--url: loopback only (127.0.0.1 or localhost)")
    for name, value in PLAIN_HTTP.items():
        os.environ.setdefault(name, value)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from customers.models import Customer

    if not settings.DEBUG and not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        raise SystemExit("DEBUG is off: run `manage.py collectstatic` first (make run does), or set DEBUG=true.")
    if "127.0.0.1" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        raise SystemExit("ALLOWED_HOSTS (set in the environment) must include 127.0.0.1")
    users = prepare_users(args)
    customers = Customer.all_objects.count()
    database = connection.vendor
    connection.close()

    process = None
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname, parts.port or 80
        server = f"the server at {args.url}"
    else:
        process, port = start_gunicorn(args)
        host = "127.0.0.1"
        kind = f"gthread, {args.threads} threads each" if args.threads > 1 else "sync"
        server = f"gunicorn, {counted(args.workers, kind + ' worker')} on {interpreter(args.python)}"
    try:
        managers = sum(1 for _, role, _ in users if role == "manager")
        sessions = "in the database and Redis (CACHE_URL)" if settings.CACHE_URL else "in the database"
        print(
            f"# Load test: {len(users)} users ({counted(managers, 'account manager')}, "
            f"{counted(len(users) - managers, 'supervisor')}), "
            f"{server}, DEBUG {'on' if settings.DEBUG else 'off'}, sessions {sessions}; "
            f"{database}, {customers:,} customers; "
            f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            flush=True,
        )
        print(f"Mix: {args.mix}; at most {args.requests} requests or {args.seconds:g} s", flush=True)
        browsers = []
        for username, _role, _codes in users:
            browser = Browser(host, port)
            browser.sign_in(username, args.password)
            browsers.append(browser)
        run = Run(args.requests, args.seconds, process.pid if process else None)
        start = threading.Barrier(len(users), action=run.begin)
        threads = [
            threading.Thread(
                target=virtual_user,
                args=(run, browser, role, codes, weights, args.warmup, start, args.seed + index),
                daemon=True,
            )
            for index, (browser, (_username, role, codes)) in enumerate(zip(browsers, users, strict=True))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - run.began
        cpu = cpu_used(run.cpu_before, cpu_snapshot(run.gunicorn_pid))
        print(f"{len(run.results)} requests in {elapsed:.1f} s\n", flush=True)
        report(run, elapsed, cpu)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
