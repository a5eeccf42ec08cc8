"""Settings for the CRM, configured from environment variables.

Every variable is listed in README.md with its default. A malformed value stops start-up with a
one-line explanation instead of a traceback, so a typo in production is found before traffic is.
A variable not set in the environment is looked up in a local ``.env`` file (``make run`` writes
one, with a generated SECRET_KEY, so the README's commands work as written); the environment wins.
"""

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.urls import reverse_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(SystemExit):
    """A bad environment variable; SystemExit prints the message as one line and exits 1."""

    def __init__(self, message):
        super().__init__(f"crm configuration error: {message}")


def read_env_file(path):
    """The NAME=value lines of a .env file as a dict; blank lines and # comments are skipped, a
    leading ``export`` and quotes around the value are allowed. Anything else stops start-up."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the settings file {path} ({exc})") from None
    values = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name.isidentifier():
            raise ConfigError(f"{path}, line {number}: expected NAME=value, not {raw!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


def env_file_values():
    """The values of CRM_ENV_FILE if set (it must exist: /dev/null reads none), else of the
    project's .env if there is one."""
    named = os.environ.get("CRM_ENV_FILE")
    if named:
        return read_env_file(named)
    default = BASE_DIR / ".env"
    return read_env_file(default) if default.is_file() else {}


ENV_FILE_VALUES = env_file_values()


def env_str(name, default=None):
    """The variable from the environment, else from the .env file; empty counts as unset."""
    value = os.environ.get(name)
    if value is None:
        value = ENV_FILE_VALUES.get(name)
    return default if value is None or value == "" else value


def env_bool(name, default):
    value = env_str(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(name, default, *, minimum=None):
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name, default):
    value = env_str(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ConfigError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "django_filters",
    "django_tables2",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "import_export",
    "crm",
    "customers",
    "opportunities",
    "services",
    "reports",
    "sales",
    # After crm: Django takes a management command from the first app that has it, and crm's
    # dbrestore (which checks a backup before replacing anything) must win over the library's.
    "dbbackup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "crm.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Locale reads no session (Django 4.0 dropped the session language), so it may come first; the
    # NUL guard then answers in the user's language, before the session cookie reaches the database.
    "django.middleware.locale.LocaleMiddleware",
    "crm.middleware.ControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.middleware.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Two-factor sign-in's gate (crm.two_factor); it reads the session, so no OTPMiddleware.
    "crm.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.middleware.AuditMiddleware",
    # Axes must come last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

# Django's form renderer with the plain <input> widgets drawn in Python (crm/renderers.py).
FORM_RENDERER = "crm.renderers.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.navigation",
            ],
        },
    },
]

# Database: the embedded SQLite file unless DATABASE_URL names another (PostgreSQL in production).
DATABASE_URL = env_str("DATABASE_URL")
SQLITE_PATH = Path(env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))
if DATABASE_URL is None:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
else:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except Exception as exc:  # dj-database-url raises several kinds for a bad URL
        raise ConfigError(f"DATABASE_URL is not a valid database URL ({exc})") from None
    if DATABASES["default"]["ENGINE"] not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise ConfigError("DATABASE_URL must be a postgres:// or sqlite:// URL")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not DATABASES["default"].get("NAME"):
        raise ConfigError("DATABASE_URL must name a database, e.g. postgres://user:pw@host/crm")

# PostgreSQL through psycopg 3: the parameters travel apart from the statement (server-side
# binding), so psycopg prepares a statement the fifth time a connection runs it, and PostgreSQL
# parses and plans it once per connection instead of on every page (about 2 ms of PostgreSQL's
# CPU a request under load, bench/README.md). A pooler that can't keep prepared statements
# (PgBouncer in transaction mode before 1.21): DATABASE_PREPARED_STATEMENTS=false.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)


def postgresql_options(database):
    """``database`` (a DATABASES entry) with the driver options above if it is PostgreSQL."""
    if database["ENGINE"] == "django.db.backends.postgresql":
        from crm.postgresql import Cursor  # searches are never prepared (see there)

        database["OPTIONS"] = {
            **database.get("OPTIONS", {}),
            "server_side_binding": True,
            "cursor_factory": Cursor,
            "prepare_threshold": 5 if DATABASE_PREPARED_STATEMENTS else None,
        }
    return database


postgresql_options(DATABASES["default"])

# Several app servers: nothing a request needs lives on one server. Sessions are database rows;
# the cache is this process's memory unless CACHE_URL names a Redis all servers share, and then
# sessions are read from it too (below); backups go to BACKUP_DIR, which they should share too.
# An optional read replica (DATABASE_REPLICA_URL) serves the analyses, the supervisors' dashboard
# figures, a draft management report's figures and the exports (crm.replica); every other read
# and every write goes to the primary. The tests run it as a second connection to the test
# database (conftest.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
DATABASE_REPLICA = None
if DATABASE_REPLICA_URL is not None:
    try:
        replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    except Exception as exc:  # dj-database-url raises several kinds for a bad URL
        raise ConfigError(f"DATABASE_REPLICA_URL is not a valid database URL ({exc})") from None
    if replica["ENGINE"] != DATABASES["default"]["ENGINE"] or not replica.get("NAME"):
        raise ConfigError("DATABASE_REPLICA_URL must name a database of the same kind as DATABASE_URL")
    DATABASES["replica"] = postgresql_options({**replica, "TEST": {"MIRROR": "default"}})
    DATABASE_REPLICA = "replica"
DATABASE_ROUTERS = ["crm.replica.ReplicaRouter"]
# Back up the primary only (dbbackup would otherwise dump every alias, the replica too).
DBBACKUP_DATABASES = ["default"]
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL is None:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    import importlib.util

    if importlib.util.find_spec("redis") is None:
        raise ConfigError("CACHE_URL names a Redis server: install the redis package (pip install redis)")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
    # Sessions stay database rows, kept in the shared Redis as well: each request reads its session
    # there instead of running a query on the primary (bench/README.md, load test).
    # Never with the per-process cache: a session ended on one server (sign-out, a reset) would
    # live on in another's memory. Code that ends sessions goes through the session store, which
    # deletes both copies (crm.two_factor._end_sessions).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    raise ConfigError(f"CACHE_URL must be a redis://, rediss:// or unix:// URL, not {CACHE_URL!r}")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crm.backends.ModelPermissionBackend",
    "guardian.backends.ObjectPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after this many minutes without a request.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 60, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Renewed by crm.middleware.SessionRenewalMiddleware at most this often, not on every request
# (a tenth of the idle time for very short ones, so an active user is never signed out).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Internationalisation
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ConfigError(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ConfigError(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone") from None
USE_I18N = True
USE_TZ = True

# Static files: our own CSS plus the npm packages installed by `make`, never a CDN.
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]

BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "backups")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    "dbbackup": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(BACKUP_DIR)},
    },
}

# Security: production values unless DEBUG is on.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# HSTS preloading is an opt-in that is hard to undo (browser lists); it is off unless asked for,
# so the deploy check's reminder about it is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# The customer list's covering index (customers.Customer.Meta) is for PostgreSQL; SQLite builds
# it without the INCLUDE columns, which is all the warning says.
SILENCED_SYSTEM_CHECKS += ["models.W040"]
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies stand in front of the app and append to X-Forwarded-For. With 0 the
# client address is REMOTE_ADDR, which can't be forged; set it only when a proxy really is there.
PROXY_COUNT = env_int("PROXY_COUNT", 0, minimum=0)
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Browser features no page uses, refused to every page (crm.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = ["camera", "microphone", "geolocation", "payment"]
# Content-Security-Policy (django-csp): every script, style, image, font and request from our own
# origin only, and nothing inline: no <script> without src, no <style>, no style="" or on...=""
# attributes in markup (crm/tests/test_csp.py checks the templates). ECharts and Bootstrap set
# styles through the DOM, which the policy allows; htmx's own inline indicator style and eval are
# switched off by the htmx-config meta tag in templates/base.html. Blocked things are reported to
# crm.csp.csp_report, which logs them. Pictures may also be data: URLs (icons, ECharts' SVG).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": reverse_lazy("csp_report"),
    },
}

# django-guardian: no AnonymousUser row in the user table.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-axes: lock a username *from one address* after repeated failures, for a while.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "crm.security.client_ip"
AXES_VERBOSE = False

# Two-factor sign-in (crm.two_factor, django-otp): superusers, staff and administrators must use it
# while TWO_FACTOR_REQUIRED is on; anyone may turn it on. Wrong codes count as failed logins above,
# and django-otp pauses 1, 2, 4... seconds after each wrong code (the factors below).
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", True)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "CRM")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The sign-in code typed is not kept in axes' record of a failed attempt.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# django-auditlog
AUDITLOG_DISABLE_ON_RAW_SAVE = True
# Read a row's previous state through the base manager: Customer's default manager hides the
# recycle bin, so a restore was diffed against nothing ("deleted at: None → None").
AUDITLOG_USE_BASE_MANAGER = True
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# django-tables2
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# django-dbbackup
DBBACKUP_FILENAME_TEMPLATE = "{databasename}-{servername}-{datetime}.{extension}"
DBBACKUP_CLEANUP_KEEP = env_int("DBBACKUP_CLEANUP_KEEP", 30, minimum=1)

# Business settings
LOSS_AFTER_MONTHS = env_int("LOSS_AFTER_MONTHS", 6, minimum=1)
SERVICE_ARCHIVE_SATISFACTION = env_int("SERVICE_ARCHIVE_SATISFACTION", 3, minimum=1)
if SERVICE_ARCHIVE_SATISFACTION > 5:  # satisfaction is 1 to 5 stars: above 5, nothing would archive
    raise ConfigError(f"SERVICE_ARCHIVE_SATISFACTION must be at most 5, not {SERVICE_ARCHIVE_SATISFACTION}")

# Exports (the customer list's and every analysis's) one user may make per rolling hour; 0: no limit.
EXPORT_RATE_LIMIT = env_int("EXPORT_RATE_LIMIT", 20, minimum=0)

# Audit log retention (manage.py archive_audit): entries older than AUDIT_RETENTION_DAYS are written
# to a gzip file of JSON lines in AUDIT_ARCHIVE_DIR (beside the backups by default; a directory the
# app servers share, like BACKUP_DIR) and then deleted, so the table stays bounded.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730, minimum=1)
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR", str(BACKUP_DIR.parent / "audit-archive")))

# Customer imports (customers.imports): uploaded files are kept in IMPORT_DIR, a directory every
# app server shares (like BACKUP_DIR), and a job's progress in the database, so any app process
# can run a job or answer its page. Files larger or with more rows than these are refused.
IMPORT_DIR = Path(env_str("IMPORT_DIR", str(BASE_DIR / "imports")))
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 20, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000, minimum=1)
# How a job uploaded on the page runs: "thread" (in the background of the app process that took
# the upload, the page polling its progress) or "inline" (within the request; tests use it).
IMPORT_RUNNER = env_str("IMPORT_RUNNER", "thread")
if IMPORT_RUNNER not in {"thread", "inline"}:
    raise ConfigError(f"IMPORT_RUNNER must be thread or inline, not {IMPORT_RUNNER!r}")

LOG_LEVEL = env_str("LOG_LEVEL", "WARNING").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal_without_traceback": {"()": "crm.log.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # 403 and 404 are logged as one line each ("Forbidden (Permission denied): /path"), 500 with
    # its traceback.
    "loggers": {"django.request": {"filters": ["refusal_without_traceback"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# django-import-export
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

# Formats: one date, date-time and number format in every language (crm/formats): 2026-11-23,
# 2026-11-23 14:30 and 815,585.95 on Chinese and English pages alike.
FORMAT_MODULE_PATH = ["crm.formats"]
