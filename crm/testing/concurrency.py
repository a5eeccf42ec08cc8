"""Two people acting at once, for the PostgreSQL tests of the actions' row locks."""

import threading

import pytest
from django.db import connection
from django.utils import translation

# SQLite serialises every writer on one file lock, so races are only meaningful on PostgreSQL.
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL's row locks; SQLite serialises all writers on one file lock (CI runs both databases)",
)


def at_once(*calls):
    """Run ``calls`` in threads released together, each on its own connection: [(result, error)]."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):  # each thread has its own active language
                outcomes[index] = (call(), None)
        except Exception as exc:  # reported by the caller: an exception in a thread would vanish
            outcomes[index] = (None, exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
