"""Settings from the environment (SPEC §6): production checks clean, a bad value stops start-up clearly.

Each case starts ``manage.py check --deploy`` in a fresh process, since settings are read once at
import; the environment is the test's own minus every variable the settings read.
"""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

SETTINGS_VARIABLES = {
    "ALLOWED_HOSTS",
    "BACKUP_DIR",
    "BEHIND_HTTPS_PROXY",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
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
    env.update(variables)
    return env


def production_env(**variables):
    production = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "crm.example.com"}
    return clean_env(**{**production, **variables})


def check_deploy(env):
    return subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


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
    ],
)
def test_malformed_setting_stops_with_one_line_naming_it(name, value):
    line = one_line_error(check_deploy(production_env(**{name: value})))
    assert name in line


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
