"""The psycopg cursor of PostgreSQL connections (settings.postgresql_options).

psycopg prepares a statement the fifth time a connection runs it; PostgreSQL then plans it once
and, after a few runs, may keep one generic plan for every value. That suits nearly every
statement of the CRM, whose plans don't depend on the values (an id, a user, a date), and saves
parsing and planning on each page. It doesn't suit a search: the best plan for a common word
(科技, 软件) and a rare one differ, and the customer search asks the planner for its estimate of the
matches (an EXPLAIN) to choose how to run. Measured with prepared searches: 软件 took twice the
PostgreSQL time, and the EXPLAIN answered with the generic plan's guess. So a statement matching
the searched text (a LIKE pattern, a bigram or character array test) and any EXPLAIN are never
prepared: they are planned with their values every time, as before.

The cursor also reads timestamps with psycopg's own loader: Django's (psycopg_any.BaseTzLoader)
derives from psycopg's pure-Python one and gave a tenth of a list page's CPU to reading dates.

No Django import here: the settings name the class.
"""

import datetime
import re

import psycopg
from psycopg import adapters, postgres
from psycopg.pq import Format

# psycopg's loader of timestamptz text (its C version with psycopg[binary]). In a session whose
# time zone is UTC, which Django sets with USE_TZ, it gives what Django's gives: an aware datetime
# in datetime.timezone.utc.
TIMESTAMPTZ_LOADER = adapters.get_loader(postgres.types["timestamptz"].oid, Format.TEXT)

# What the search lookups write (customers.fields, services and opportunities searches through
# Django's contains/icontains), and the estimate's EXPLAIN.
PLANNED_WITH_VALUES = re.compile(r"\bLIKE\b|@> ARRAY\[|^\s*EXPLAIN\b", re.IGNORECASE)


def planned_with_values(query):
    """True if ``query`` (a statement's text) is to be planned with its values every time."""
    text = query if isinstance(query, str) else query.decode() if isinstance(query, bytes) else None
    return text is not None and PLANNED_WITH_VALUES.search(text) is not None


class Cursor(psycopg.Cursor):
    """psycopg's server-side binding cursor (Django's choice with ``server_side_binding``) that
    leaves the statements of planned_with_values() unprepared and reads timestamps faster."""

    def __init__(self, connection, *args, **kwargs):
        super().__init__(connection, *args, **kwargs)
        if connection.info.timezone is datetime.UTC:
            self.adapters.register_loader("timestamptz", TIMESTAMPTZ_LOADER)

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and planned_with_values(query):
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)
