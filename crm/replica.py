"""The optional read replica (DATABASE_REPLICA_URL): where the analyses and the exports read.

A report or an export reads many rows and writes nothing but its audit row, so it can run on a
replica and leave the primary to the pages people edit on. Everything else reads the primary: a
page that shows what its user has just saved must not read a replica that is a moment behind.

Code says which part of it may read the replica with ``with reading():``; ``ReplicaRouter``
(settings.DATABASE_ROUTERS) sends that part's reads there when a replica is configured, and every
write, everywhere, to the primary. Reads in a transaction on the primary
stay on the primary, as they may be reading its own writes: a block entered inside one reads the
primary, and so does a transaction opened inside the block (an action's: django-auditlog reads a
row's previous state before saving it). An action whose transaction holds only the rows it reads
and its audit row, an export, says so with ``reading(in_transaction=True)`` around its read. Reads
that lead to writes (``select_for_update``, ``get_or_create``) Django routes as writes: the primary.
"""

import contextlib
import contextvars

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# (alias, depth): this block's reads go to ``alias`` while the primary's connection is in no more
# than ``depth`` transactions (atomic blocks); None: the router leaves reads to Django (the primary).
_reading = contextvars.ContextVar("crm_replica_reading", default=None)


def replica_alias():
    """The replica's database alias if one is configured (settings.DATABASE_REPLICA), else None."""
    alias = getattr(settings, "DATABASE_REPLICA", None)
    return alias if alias and alias in connections else None


@contextlib.contextmanager
def reading(*, in_transaction=False):
    """Reads in this block go to the replica, if one is configured, except reads in a transaction
    on the primary; writes go to the primary. ``in_transaction=True``: reads in the transaction the
    block is entered in may go to the replica too (the caller has written nothing they read).
    Blocks nest; a context variable carries the choice, so it holds for this thread (or task) only.
    """
    alias = replica_alias()
    depth = len(connections[DEFAULT_DB_ALIAS].atomic_blocks)
    state = (alias, depth) if alias is not None and (in_transaction or depth == 0) else None
    token = _reading.set(state)
    try:
        yield
    finally:
        _reading.reset(token)


class ReplicaRouter:
    """Reads inside ``reading()`` to the replica; every write, and every migration, to the primary."""

    def db_for_read(self, model, **hints):
        state = _reading.get()
        if state is None:
            return None
        alias, depth = state
        return alias if len(connections[DEFAULT_DB_ALIAS].atomic_blocks) <= depth else None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read from one may point at the other's.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
