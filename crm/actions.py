"""Writes of the core: user accounts and their roles; the audit log's retention."""

import contextlib
import datetime as dt
import gzip
import hashlib
import itertools
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min
from django.utils import timezone
from django.utils.translation import gettext

from crm.audit import record_bulk_event
from crm.roles import ADMINISTRATOR, ROLE_PERMISSIONS


@transaction.atomic
def set_user_roles(*, user, roles):
    """Make ``user`` hold exactly the named roles; raises ValueError for an unknown role."""
    unknown = set(roles) - set(ROLE_PERMISSIONS)
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
    groups = list(Group.objects.filter(name__in=roles))
    if len(groups) != len(set(roles)):
        raise ValueError("role groups are missing: run migrate")
    user.groups.set(groups)
    return user


@transaction.atomic
def create_user(*, username, password, full_name="", email="", roles=(), is_staff=False, is_superuser=False):
    """Create an active user with the given roles. Administrators also get admin-site access."""
    user = get_user_model()(
        username=username,
        first_name=full_name,
        email=email,
        is_staff=is_staff or is_superuser or ADMINISTRATOR in roles,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    set_user_roles(user=user, roles=roles)
    return user


# --- audit log retention ---------------------------------------------------------------------------


class ArchiveError(Exception):
    """An audit archive run refused or stopped; the text is a translated message for the operator."""


@dataclass(frozen=True)
class AuditArchive:
    """What archive_audit_log found (a dry run) or did: entries older than ``cutoff``, how many,
    the first and last one's time, the file (None: nothing written) and how many were deleted."""

    cutoff: datetime
    count: int
    first: datetime | None = None
    last: datetime | None = None
    path: Path | None = None
    deleted: int = 0


# Entries written to and deleted from the archive per round trip: each batch of deletions is one
# short transaction, so the audit log stays writable while a large archive runs.
ARCHIVE_BATCH = 5_000
# PostgreSQL advisory lock held by a run: a second run at the same time is refused, not interleaved.
ARCHIVE_LOCK = 0x41554449  # "AUDI"


def archive_audit_log(*, actor, older_than_days=None, dry_run=False, now=None, directory=None):
    """Move the audit log entries older than ``older_than_days`` (default AUDIT_RETENTION_DAYS) days
    — before the start of that day, local time — into a gzip file of JSON lines (every field of each
    entry, oldest first) in ``directory`` (default AUDIT_ARCHIVE_DIR), then delete them.

    The file is written under a temporary name, read back and checked (the count and a digest of
    the ids in order) before it takes its final name, ``auditlog-<first day>-<last day>.jsonl.gz``;
    only then are the entries deleted, by the ids read from that file, in batches of ARCHIVE_BATCH,
    so nothing leaves the table that isn't in a checked file. One audit row (event "archive_audit",
    naming ``actor``) says how many entries went into which file and the cutoff. Nothing to archive:
    no file, no row (running it again is harmless). ``dry_run``: count only, write nothing.
    For commands (the system user acts); raises ArchiveError when another run holds the lock or the
    file doesn't read back as written.
    """
    days = older_than_days or settings.AUDIT_RETENTION_DAYS
    now = now or timezone.now()
    cutoff = timezone.make_aware(dt.datetime.combine(timezone.localdate(now) - dt.timedelta(days=days), dt.time.min))
    old = LogEntry.objects.filter(timestamp__lt=cutoff)
    if dry_run:
        span = old.aggregate(first=Min("timestamp"), last=Max("timestamp"), count=Count("pk"))
        return AuditArchive(cutoff=cutoff, count=span["count"], first=span["first"], last=span["last"])
    with _archive_lock():
        directory = Path(directory or settings.AUDIT_ARCHIVE_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / f".auditlog-{now:%Y%m%dT%H%M%S}-{os.getpid()}.partial"
        try:
            written = _write_archive(partial, old)
            if written.count == 0:
                return AuditArchive(cutoff=cutoff, count=0)
            if _read_archive(partial) != (written.count, written.digest):
                raise ArchiveError(
                    gettext("The audit archive %(file)s did not read back as written: nothing was deleted.")
                    % {"file": partial.name}
                )
            path = _claim_name(directory, written.first, written.last)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        deleted = 0
        for ids in _archived_ids(path):
            with transaction.atomic():
                deleted += LogEntry.objects.filter(pk__in=ids).delete()[0]
        with transaction.atomic():
            record_bulk_event(
                event="archive_audit",
                actor=actor,
                model=LogEntry,
                details={
                    "rows": written.count,
                    "deleted": deleted,
                    "file": path.name,
                    "cutoff": cutoff.isoformat(),
                    "first": written.first.isoformat(),
                    "last": written.last.isoformat(),
                },
            )
    return AuditArchive(
        cutoff=cutoff, count=written.count, first=written.first, last=written.last, path=path, deleted=deleted
    )


@dataclass(frozen=True)
class _Written:
    count: int
    digest: str
    first: datetime | None
    last: datetime | None


# Every stored field of an entry, by column, and its content type by name (ids differ between databases).
_ARCHIVE_FIELDS = [field.attname for field in LogEntry._meta.concrete_fields]


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()  # full precision (DjangoJSONEncoder cuts microseconds)
    return str(value)


def _write_archive(path, entries):
    digest = hashlib.sha256()
    count, first, last = 0, None, None
    rows = (
        entries.order_by("timestamp", "pk")
        .annotate(content_type_app=F("content_type__app_label"), content_type_model=F("content_type__model"))
        .values(*_ARCHIVE_FIELDS, "content_type_app", "content_type_model")
    )
    with gzip.open(path, "xt", encoding="utf-8") as archive:
        for row in rows.iterator(chunk_size=ARCHIVE_BATCH):
            row["content_type"] = f"{row.pop('content_type_app')}.{row.pop('content_type_model')}"
            archive.write(json.dumps(row, ensure_ascii=False, default=_json_value) + "\n")
            digest.update(f"{row['id']}\n".encode())
            count += 1
            first = first or row["timestamp"]
            last = row["timestamp"]
    return _Written(count=count, digest=digest.hexdigest(), first=first, last=last)


def _read_archive(path):
    """(count, digest of the ids) of an archive file, read back from the disk."""
    digest = hashlib.sha256()
    count = 0
    with gzip.open(path, "rt", encoding="utf-8") as archive:
        for line in archive:
            digest.update(f"{json.loads(line)['id']}\n".encode())
            count += 1
    return count, digest.hexdigest()


def _archived_ids(path):
    """The ids in an archive file, in batches of ARCHIVE_BATCH."""
    batch = []
    with gzip.open(path, "rt", encoding="utf-8") as archive:
        for line in archive:
            batch.append(json.loads(line)["id"])
            if len(batch) == ARCHIVE_BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _claim_name(directory, first, last):
    """A new file name for entries from ``first`` to ``last``, created empty so no other run takes it."""
    stem = f"auditlog-{timezone.localtime(first):%Y%m%d}-{timezone.localtime(last):%Y%m%d}"
    for number in itertools.count(1):
        path = directory / (f"{stem}.jsonl.gz" if number == 1 else f"{stem}-{number}.jsonl.gz")
        try:
            path.open("xb").close()
        except FileExistsError:
            continue
        return path


@contextlib.contextmanager
def _archive_lock():
    if connection.vendor != "postgresql":
        yield  # SQLite: one writer at a time anyway
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ARCHIVE_LOCK])
        if not cursor.fetchone()[0]:
            raise ArchiveError(gettext("Another audit archive run is under way: try again when it has finished."))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ARCHIVE_LOCK])
