"""Settings from the environment (SPEC §6): production checks clean, a bad value stops start-up clearly.

Each case starts ``manage.py check --deploy`` in a fresh process, since settings are read once at
import; the environment is the test's own minus every variable the settings read, and the local
``.env`` of the checkout is replaced by an empty file (``CRM_ENV_FILE``) unless the test writes one.
"""

import os
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

SETTINGS_VARIABLES = {
    "ALLOWED_HOSTS",
    "BACKUP_DIR",
    "BEHIND_HTTPS_PROXY",
    "CRM_ENV_FILE",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_PREPARED_STATEMENTS",
    "DATABASE_REPLICA_URL",
    "DATABASE_URL",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "EXPORT_RATE_LIMIT",
    "LANGUAGE_CODE",
    "LOG_LEVEL",
    "LOSS_AFTER_MONTHS",
    "PROXY_COUNT",
    "SECRET_KEY",
    "SERVICE_ARCHIVE_SATISFACTION",
    "SQLITE_PATH",
    "STATIC_ROOT",
    "TIME_ZONE",
}
SETTINGS_PREFIXES = ("AXES_", "CSRF_", "DBBACKUP_", "SECURE_", "SESSION_")


def clean_env(**variables):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and not name.startswith(SETTINGS_PREFIXES)
    }
    env["PYTHONWARNINGS"] = "ignore"
    env["CRM_ENV_FILE"] = os.devnull  # not the developer's .env: only what the test sets
    env.update(variables)
    return env


def production_env(**variables):
    production = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "crm.example.com"}
    return clean_env(**{**production, **variables})


def manage(env, *args):
    return subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_deploy(env):
    return manage(env, "check", "--deploy")


def one_line_error(result):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_production_settings_pass_the_deploy_check_without_warnings():
    env = production_env()
    assert len(env["SECRET_KEY"]) >= 50
    result = check_deploy(env)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output


def test_a_valid_postgres_url_is_accepted():
    # The control for the malformed URLs below; check doesn't connect to the database.
    result = check_deploy(production_env(DATABASE_URL="postgres://crm:secret@127.0.0.1:5432/crm"))
    assert "configuration error" not in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_secret_key_without_debug_stops_with_one_line():
    env = production_env()
    del env["SECRET_KEY"]
    line = one_line_error(check_deploy(env))
    assert "SECRET_KEY" in line


def test_empty_secret_key_without_debug_stops_with_one_line():
    line = one_line_error(check_deploy(production_env(SECRET_KEY="")))
    assert "SECRET_KEY" in line


@pytest.mark.parametrize(
    "url",
    ["postgres//nohost", "mysql://u:p@h/db", "not a url", "postgres://crm:secret@127.0.0.1:5432"],
)
def test_malformed_database_url_stops_with_one_line(url):
    line = one_line_error(check_deploy(production_env(DATABASE_URL=url)))
    assert "DATABASE_URL" in line


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("TIME_ZONE", "Mars/Base"),
        ("LANGUAGE_CODE", "fr"),
        ("SESSION_IDLE_MINUTES", "soon"),
        ("SESSION_IDLE_MINUTES", "0"),
        ("AXES_FAILURE_LIMIT", "-1"),
        ("LOG_LEVEL", "LOUD"),
        ("TWO_FACTOR_REQUIRED", "sometimes"),
        ("SERVICE_ARCHIVE_SATISFACTION", "three"),
        ("SERVICE_ARCHIVE_SATISFACTION", "0"),
        ("SERVICE_ARCHIVE_SATISFACTION", "6"),
        ("DATABASE_PREPARED_STATEMENTS", "often"),
    ],
)
def test_malformed_setting_stops_with_one_line_naming_it(name, value):
    line = one_line_error(check_deploy(production_env(**{name: value})))
    assert name in line


@pytest.mark.parametrize(("value", "expected"), [("6", "at most 5, not 6"), ("0", "at least 1, not 0")])
def test_the_archive_satisfaction_is_a_number_of_stars_from_1_to_5(value, expected):
    line = one_line_error(check_deploy(production_env(SERVICE_ARCHIVE_SATISFACTION=value)))
    assert line.endswith(f"SERVICE_ARCHIVE_SATISFACTION must be {expected}")
    for accepted in ("1", "5"):
        result = manage(
            production_env(SERVICE_ARCHIVE_SATISFACTION=accepted), "shell", "--no-imports", "-c", _PRINT_THRESHOLD
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == accepted


_PRINT_THRESHOLD = "from django.conf import settings; print(settings.SERVICE_ARCHIVE_SATISFACTION)"


_PRINT_DRIVER_OPTIONS = (
    "from django.conf import settings as s; "
    "print(*[sorted(s.DATABASES[name].get('OPTIONS', {}).items()) for name in sorted(s.DATABASES)], sep='|')"
)
POSTGRES = "postgres://crm:secret@127.0.0.1:5432/crm"


@pytest.mark.parametrize(
    ("prepared", "threshold"), [(None, "5"), ("true", "5"), ("false", "None")], ids=["default", "on", "off"]
)
def test_postgresql_binds_parameters_on_the_server_and_prepares_statements_unless_told_not_to(prepared, threshold):
    # The primary and the replica alike; shell doesn't connect to the database.
    variables = {"DATABASE_URL": POSTGRES, "DATABASE_REPLICA_URL": POSTGRES.replace("crm:", "crm_read:")}
    if prepared is not None:
        variables["DATABASE_PREPARED_STATEMENTS"] = prepared
    result = manage(production_env(**variables), "shell", "--no-imports", "-c", _PRINT_DRIVER_OPTIONS)
    assert result.returncode == 0, result.stderr
    options = (
        "[('cursor_factory', <class 'crm.postgresql.Cursor'>), "
        f"('prepare_threshold', {threshold}), ('server_side_binding', True)]"
    )
    assert result.stdout.strip() == f"{options}|{options}"


def test_sqlite_gets_no_postgresql_driver_options():
    result = manage(production_env(), "shell", "--no-imports", "-c", _PRINT_DRIVER_OPTIONS)
    assert result.returncode == 0, result.stderr
    assert "server_side_binding" not in result.stdout and "prepare_threshold" not in result.stdout


@pytest.mark.parametrize(("minutes", "renew_seconds"), [("1", 6), ("5", 30), ("60", 60)])
def test_sessions_are_renewed_well_within_the_idle_time(minutes, renew_seconds):
    script = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE, settings.SESSION_RENEW_SECONDS)"
    result = subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=clean_env(DEBUG="true", SESSION_IDLE_MINUTES=minutes),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == [str(int(minutes) * 60), str(renew_seconds)]


# --------------------------------------------------------------------------- the local .env file

SHOW_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.SECRET_KEY, ','.join(s.ALLOWED_HOSTS), s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
    "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.TIME_ZONE, sep='|')"
)


def shown_settings(env):
    result = manage(env, "shell", "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split("|")


def make_env_file(path):
    """The .env that `make run` writes, written by the Makefile's own rule."""
    result = subprocess.run(  # noqa: S603 - make with a fixed target in our own checkout
        ["make", "--no-print-directory", "-s", "envfile", f"CRM_ENV_FILE={path}", f"PYTHON={sys.executable}"],  # noqa: S607
        cwd=settings.BASE_DIR,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def env_file(tmp_path):
    path = tmp_path / "local.env"
    make_env_file(path)
    return path


def test_make_writes_a_private_env_file_with_a_generated_key_once(env_file):
    first = env_file.read_text()
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600  # it holds the signing key
    key = next(line for line in first.splitlines() if line.startswith("SECRET_KEY=")).removeprefix("SECRET_KEY=")
    assert len(key) >= 50 and len(set(key)) > 20
    make_env_file(env_file)
    assert env_file.read_text() == first  # never overwritten: sessions survive the next `make run`
    other = env_file.parent / "other.env"
    make_env_file(other)
    assert other.read_text() != first  # each checkout gets its own key


def test_the_readme_commands_run_with_the_generated_env_file_alone(env_file, tmp_path):
    # Before: after `make run`, manage.py without DEBUG stopped at "SECRET_KEY must be set".
    env = clean_env(SQLITE_PATH=str(tmp_path / "crm.sqlite3"), BACKUP_DIR=str(tmp_path / "backups"))
    assert one_line_error(manage({**env, "CRM_ENV_FILE": os.devnull}, "check")).endswith(
        "SECRET_KEY must be set when DEBUG is off"
    )
    env["CRM_ENV_FILE"] = str(env_file)
    for command in (["check"], ["migrate", "--noinput"]):
        result = manage(env, *command)
        assert result.returncode == 0, (command, result.stderr)
        assert "Traceback" not in result.stderr
    files = tmp_path / "import"  # a copy: a refused file gets its .errors.csv beside it
    shutil.copytree(Path(settings.BASE_DIR) / "sales" / "fixtures", files)
    names = [str(files / f"{kind}.csv") for kind in ("products", "stock", "orders", "order_lines")]
    result = manage(env, "import_sales", "--dry-run", *names)
    assert "SECRET_KEY" not in result.stderr and "Traceback" not in result.stderr
    result = manage(env, "dbbackup", "--output-filename", "first-run.backup")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "backups" / "first-run.backup").stat().st_size > 0
    debug, key, hosts, ssl_redirect, session_secure, csrf_secure, hsts, _zone = shown_settings(env)
    # The product as users see it (DEBUG off), over plain http on this machine.
    assert (debug, hosts, ssl_redirect, session_secure, csrf_secure, hsts) == (
        "False",
        "127.0.0.1,localhost",
        "False",
        "False",
        "False",
        "0",
    )
    assert f"SECRET_KEY={key}\n" in env_file.read_text()


def test_environment_variables_win_over_the_env_file(env_file):
    env = clean_env(CRM_ENV_FILE=str(env_file), DEBUG="true", SECRET_KEY="k" * 60, TIME_ZONE="UTC")
    debug, key, *_rest, zone = shown_settings(env)
    assert (debug, key, zone) == ("True", "k" * 60, "UTC")
    debug, key, *_rest, zone = shown_settings(clean_env(CRM_ENV_FILE=str(env_file)))
    assert (debug, zone) == ("False", "Asia/Shanghai") and key != "k" * 60


def test_the_env_file_is_ignored_by_git():
    ignored = (Path(settings.BASE_DIR) / ".gitignore").read_text().splitlines()
    assert ".env" in ignored


def test_env_file_takes_comments_export_and_quotes(tmp_path):
    path = tmp_path / "hand-written.env"
    key = secrets.token_urlsafe(64)
    path.write_text(
        "# production values kept in a file\n\n"
        f"export SECRET_KEY='{key}'\n"
        'DEBUG="false"\n'
        "  ALLOWED_HOSTS = crm.example.com  \n",
        encoding="utf-8",
    )
    result = check_deploy(clean_env(CRM_ENV_FILE=str(path)))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("SECRET_KEY\n", "line 1: expected NAME=value"),
        ("# ok\nnot a name=1\n", "line 2: expected NAME=value"),
        (b"SECRET_KEY=\xff\n", "cannot read"),
    ],
)
def test_malformed_env_file_stops_with_one_line_naming_it(tmp_path, content, expected):
    path = tmp_path / "bad.env"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    line = one_line_error(check_deploy(clean_env(CRM_ENV_FILE=str(path))))
    assert str(path) in line and expected in line


def test_a_named_env_file_that_is_missing_stops_with_one_line(tmp_path):
    line = one_line_error(check_deploy(clean_env(CRM_ENV_FILE=str(tmp_path / "missing.env"))))
    assert "missing.env" in line


def test_the_deploy_check_flags_the_plain_http_of_the_generated_env_file(env_file):
    # The .env of `make run` is for this machine; on a server the deploy check says so.
    result = check_deploy(clean_env(CRM_ENV_FILE=str(env_file)))
    output = result.stdout + result.stderr
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in output, output
