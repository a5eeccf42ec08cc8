"""The permission matrix machinery shared by every app's tests/test_permissions.py.

Each app lists rows ``Row(url_name, method, persona, expected, kwargs)``; ``kwargs`` may be a
callable taking the test's ``world`` dict (personas and objects) so rows can name "own" and
"other's" objects. A completeness test fails when a URL name has no row.
"""

import importlib
from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class Row:
    url_name: str
    method: str
    persona: str
    expected: int
    kwargs: Any = field(default=None)
    data: Any = field(default=None)

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
    client.logout()
    if user is not None:
        client.force_login(user)
    url = row.url(world)
    data = row.data(world) if callable(row.data) else (row.data or {})
    response = client.post(url, data) if row.method == "POST" else client.get(url, data)
    return response.status_code
