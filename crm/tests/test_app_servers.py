"""Several app servers (README, Deployment): one user's session works on any of them.

Two real gunicorn processes on two ports serve the test database (the test's own PostgreSQL
database; on SQLite, a file copied from the in-memory test database, which other processes can't
open). A real HTTP client with one cookie jar signs in through the form on one server and goes on
on the other, the way a round-robin balancer would send it: sessions and CSRF tokens live in the
database and in cookies signed with the shared SECRET_KEY, not in either process.
"""

import contextlib
import http.cookiejar
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_DB_PREFIX
from django.contrib.sessions.models import Session
from django.db import connection

from crm.testing.world import PASSWORD
from crm.tests.test_settings import clean_env
from customers.tests.factories import make_customer

STARTUP_SECONDS = 60
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def database_env(scratch):
    """The variables that point an app process at the test database (committed rows only)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        user = urllib.parse.quote(settings_dict["USER"] or "", safe="")
        password = urllib.parse.quote(settings_dict["PASSWORD"] or "", safe="")
        host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or "5432"
        return {"DATABASE_URL": f"postgres://{user}:{password}@{host}:{port}/{settings_dict['NAME']}"}
    copy = Path(scratch) / "crm.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(copy)) as target:
        connection.connection.backup(target)
    return {"SQLITE_PATH": str(copy)}


@contextlib.contextmanager
def app_server(env):
    """A gunicorn process (one worker) on a free port of 127.0.0.1; yields its base URL."""
    process = subprocess.Popen(  # noqa: S603 - our own app under gunicorn, fixed arguments
        [sys.executable, "-m", "gunicorn", "crm.wsgi:application", "--bind", "127.0.0.1:0", "--workers", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        url = None
        seen = []
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            seen.append(line)
            match = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
            if match:
                url = match.group(1)
        assert url, "gunicorn did not start:\n" + "".join(seen)
        # Workers boot after the master listens: wait until one answers.
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/accounts/login/", timeout=5).close()  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def session_rows(env):
    """How many sessions the servers' database holds."""
    if "SQLITE_PATH" in env:
        with contextlib.closing(sqlite3.connect(env["SQLITE_PATH"])) as database:
            return database.execute("SELECT count(*) FROM django_session").fetchone()[0]
    return Session.objects.count()


class Browser:
    """urllib with one cookie jar for every server (cookies belong to the host, not the port)."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.addheaders = [("Accept-Language", "en")]

    def get(self, url):
        with self.opener.open(url, timeout=30) as response:
            return response.geturl(), response.read().decode("utf-8")

    def post(self, url, fields):
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - loopback http
        with self.opener.open(request, timeout=30) as response:
            return response.geturl(), response.read().decode("utf-8")


def csrf_token(page):
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


@contextlib.contextmanager
def redis_server():
    """A private Redis (no persistence) on a free port of 127.0.0.1; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server not found: install Debian's redis-server package")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - Redis with fixed arguments
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def cached_sessions(cache_url):
    """The sessions the shared Redis holds (Django's cached_db keys)."""
    if not cache_url:
        return 0
    return len(redis.Redis.from_url(cache_url).keys(f"*{CACHED_DB_PREFIX}*"))


# Without CACHE_URL the session is a database row; with a shared Redis (CACHE_URL) it is kept
# there too, and each server reads it from Redis: the sign-out on one server must end it on both.
@pytest.mark.parametrize("shared_cache", [False, True], ids=["database", "redis"])
@pytest.mark.django_db(transaction=True)
def test_a_session_made_on_one_app_server_works_on_another(manager_ann, settings, shared_cache):
    with redis_server() if shared_cache else contextlib.nullcontext("") as cache_url:
        one_session_on_two_servers(manager_ann, settings, cache_url)


def one_session_on_two_servers(manager_ann, settings, cache_url):
    # The servers check the password with the production hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    manager_ann.set_password(PASSWORD)
    manager_ann.save(update_fields=["password"])
    customer = make_customer(manager_ann, name="跨服务器会话有限公司")
    with tempfile.TemporaryDirectory(prefix="crm-app-servers-") as scratch:
        env = clean_env(
            DEBUG="true",
            SECRET_KEY=secrets.token_urlsafe(50),
            LANGUAGE_CODE="en",
            DATABASE_REPLICA_URL="",  # empty counts as unset: the primary alone
            CACHE_URL=cache_url,
            **database_env(scratch),
        )
        with app_server(env) as first, app_server(env) as second:
            assert first != second
            browser = Browser()
            url, page = browser.get(f"{first}/accounts/login/")
            url, page = browser.post(
                url, {"username": "manager_ann", "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(page)}
            )
            assert "/accounts/login/" not in url, "the sign-in on the first server failed"

            # The next requests go to the other server: still signed in, the same user's rows.
            url, page = browser.get(f"{second}/customers/")
            assert url == f"{second}/customers/"
            assert customer.name in page
            url, page = browser.get(f"{second}{customer.get_absolute_url()}")
            assert url.startswith(second) and "/accounts/login/" not in url
            assert customer.code in page

            # The session is one row of the shared database (and one entry of the shared Redis).
            assert session_rows(env) == 1
            assert cached_sessions(cache_url) == (1 if cache_url else 0)

            # A form from one server is accepted by the other (the CSRF token is the cookie's):
            # signing out on the second ends the session on the first too.
            _, page = browser.get(f"{first}/customers/")
            browser.post(f"{second}/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(page)})
            url, _ = browser.get(f"{first}/customers/")
            assert "/accounts/login/" in url
            assert session_rows(env) == 0
            assert cached_sessions(cache_url) == 0
