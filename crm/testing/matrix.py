"""The permission matrix machinery shared by every app's tests/test_permissions.py.

Each app lists rows ``Row(url_name, method, persona, expected, kwargs, data)``; ``kwargs`` and
``data`` may be callables taking the test's ``world`` dict (personas and objects, see
``crm.testing.world``) so rows can name "own" and "other's" objects. Rows come from ``table()``
(one line per URL, one column per persona), from ``rows_for_all_personas()`` with a dict of
persona -> status (``everyone()``, ``only()``), or one by one. A completeness test fails when a URL
name has no row. A refused request must change nothing (``database_state()`` before and after);
a POST that succeeds must have had its effect.
"""

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Manager, Model
from django.urls import URLResolver, get_resolver, reverse

from crm.apps import project_app_configs

# Django's admin has its own permission checks and tests; every other URL needs rows.
EXCLUDED_NAMESPACES = {"admin"}

PERSONAS = (
    "anonymous",
    "admin",
    "supervisor_sue",
    "manager_ann",
    "manager_bob",
    "viewer_vic",
    "superuser_sam",
)
SIGNED_IN = PERSONAS[1:]
# The column headings of a table(): the part of each persona's name after the last underscore.
SHORT_NAMES = tuple(persona.rsplit("_", 1)[-1] for persona in PERSONAS)


@dataclass(frozen=True)
class Row:
    url_name: str
    method: str
    persona: str
    expected: int
    kwargs: Any = field(default=None)
    data: Any = field(default=None)
    # the target's name in its table (test ids), if it came from one
    label: str | None = field(default=None, compare=False)

    def __str__(self):
        return f"{self.method} {self.url_name} as {self.persona} -> {self.expected}"

    def url(self, world):
        kwargs = self.kwargs(world) if callable(self.kwargs) else self.kwargs
        return reverse(self.url_name, kwargs=kwargs)


def rows_for_all_personas(url_name, method, expected_by_persona, **extra):
    """One row per persona; ``expected_by_persona`` must name every persona."""
    missing = set(PERSONAS) - set(expected_by_persona)
    if missing:
        raise ValueError(f"{url_name}: no expectation for {', '.join(sorted(missing))}")
    return [Row(url_name, method, persona, expected_by_persona[persona], **extra) for persona in PERSONAS]


def everyone(signed_in, anonymous=302):
    """Expected statuses: ``signed_in`` for every signed-in persona, ``anonymous`` (login) for the visitor."""
    return {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, signed_in)}


def only(allowed, ok, others=403):
    """Expected statuses: ``ok`` for the personas in ``allowed``, ``others`` for the other signed-in
    personas, 302 (login) for the visitor."""
    return {"anonymous": 302, **{persona: ok if persona in allowed else others for persona in SIGNED_IN}}


def table(text, targets=None):
    """Rows from a table with one line per request and one status column per persona::

                                               anonymous admin sue ann bob vic sam
        GET   sales:order_list                    302    200  200 200 200 200 200
        GET   sales:order_detail   order of A     302    200  200 200 404 200 200

    The heading line (persona names as in ``SHORT_NAMES``) must be there, in that order. Words
    between the URL name and the statuses name a target: a key of ``targets`` whose value holds
    the row's ``kwargs`` and/or ``data``. Blank lines and lines starting with ``#`` are skipped.
    """
    targets = targets or {}
    rows = []
    heading = None
    for number, line in enumerate(text.strip("\n").splitlines(), start=1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if heading is None:
            heading = tuple(words)
            if heading != SHORT_NAMES:
                raise ValueError(f"table heading {heading} is not {SHORT_NAMES}")
            continue
        if len(words) < 2 + len(PERSONAS) or words[0] not in {"GET", "POST"}:
            raise ValueError(f"table line {number} is not 'METHOD url_name [target] statuses': {line!r}")
        method, url_name = words[:2]
        label = " ".join(words[2 : -len(PERSONAS)])
        if label and label not in targets:
            raise ValueError(f"table line {number}: unknown target {label!r}")
        extra = targets[label] if label else {}
        statuses = words[-len(PERSONAS) :]
        if not all(word.isdigit() for word in statuses):
            raise ValueError(f"table line {number}: a status is not a number: {line!r}")
        rows += [
            Row(url_name, method, persona, int(status), label=label or None, **extra)
            for persona, status in zip(PERSONAS, statuses, strict=True)
        ]
    if heading is None:
        raise ValueError("table without a heading line")
    return rows


def row_id(row):
    """A readable test id: method, URL name, target (the kwargs; a GET's query), persona, status."""
    target = ""
    if row.kwargs is not None:
        target += " " + (getattr(row.kwargs, "__name__", None) or repr(row.kwargs))
    if row.method == "GET" and row.data:
        # A function's repr holds its address, which differs between pytest-xdist's workers: every
        # worker must collect the same ids.
        target += f" {row.label or 'data'}" if callable(row.data) else f" {row.data}"
    return f"{row.method} {row.url_name}{target} as {row.persona} -> {row.expected}"


def succeeded(row):
    """True if the row is a POST expected to do its work: a signed-in persona redirected onwards."""
    return row.method == "POST" and row.expected == 302 and row.persona != "anonymous"


def database_state(**sources):
    """Every row of each source (a model, manager or queryset) by name, in primary-key order: the
    snapshot taken before and after a request to prove it changed nothing."""
    state = {}
    for name, source in sources.items():
        if isinstance(source, type) and issubclass(source, Model):
            source = source._base_manager
        if isinstance(source, Manager):
            source = source.all()
        state[name] = list(source.order_by("pk").values())
    return state


def all_url_names():
    names = set()

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in EXCLUDED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
            elif pattern.name:
                names.add(prefix + pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def project_matrix():
    """Every row of every app's MATRIX."""
    rows = []
    for config in project_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.tests.test_permissions")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tests.test_permissions":
                raise
            continue
        rows.extend(getattr(module, "MATRIX", []))
    return rows


def check_row(client, row, world):
    """Request the row's URL as its persona and return the status code."""
    user = world[row.persona]
    if settings.SESSION_COOKIE_NAME in client.cookies:
        client.logout()
    if user is not None:
        client.force_login(user)
    url = row.url(world)
    data = row.data(world) if callable(row.data) else (row.data or {})
    response = client.post(url, data) if row.method == "POST" else client.get(url, data)
    return response.status_code
