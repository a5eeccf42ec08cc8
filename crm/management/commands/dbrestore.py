"""``manage.py dbrestore``: django-dbbackup's restore, which first proves the file is a complete
backup of this project's database and otherwise refuses it without touching the live database.

django-dbbackup 5.4 copies whatever an SQLite backup holds over the live file, in place, with exit
status 0 (PITFALLS.md), and hands a PostgreSQL file to ``pg_restore --clean`` unchecked. This
command keeps the library's options and file lookup (``_get_backup_file``) and replaces its
``_restore_backup`` with: unpack to a temporary file, check it, ask, replace.
The file's content decides, not the ``.metadata`` file beside it (which may be missing).

- SQLite: the unpacked file is written next to the live one, opened read-only, must pass
  ``PRAGMA integrity_check`` and hold this project's migrations; it then takes the live file's
  place by one atomic rename, so until that moment the old database is untouched.
- PostgreSQL: ``pg_restore`` must list the archive, read it to the end and find this project's
  migrations in it; the restore itself runs in one transaction (``--single-transaction``), so a
  failure midway rolls back to the old data.

The library's pre/post-restore signals are not sent: nothing in the project listens to them.
"""

import contextlib
import gzip
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zlib
from pathlib import Path

from dbbackup import settings as dbbackup_settings
from dbbackup import utils
from dbbackup.db.base import get_connector
from dbbackup.db.exceptions import CommandConnectorError
from dbbackup.management.commands import dbrestore
from django.core.management.base import CommandError
from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A database holding this migration is a database of this project (an older one is fine:
# ``migrate`` brings it up to date after the restore).
PROJECT_MIGRATION = ("customers", "0001_initial")
GZIP_MAGIC = b"\x1f\x8b"
# The archive's table of contents entry for the rows of django_migrations, in any schema.
MIGRATIONS_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA \S+ django_migrations\b", re.MULTILINE)
CHUNK = 1024 * 1024


class Command(dbrestore.Command):
    help = gettext_lazy(
        "Restore a database backup. The file is checked first: anything that is not a complete "
        "backup of this CRM is refused and the database is left as it was."
    )

    def _restore_backup(self):
        name, packed = self._read_backup()
        sqlite = connections[self.database_name].vendor == "sqlite"
        live = Path(self.database["NAME"]) if sqlite else None
        # On SQLite the checked file is renamed over the live one, so it is written next to it, on
        # the same file system.
        workdir = live.parent if sqlite else dbbackup_settings.TMP_DIR
        try:
            scratch = tempfile.TemporaryDirectory(dir=workdir, prefix=".crm-restore-")
        except OSError as exc:
            refuse(_("Cannot write a temporary file in %(dir)s: %(error)s"), dir=workdir, error=exc.strerror)
        with scratch, packed:
            plain = Path(scratch.name) / "backup"
            self._unpack(packed, name, plain)
            connector = None if sqlite else get_connector(self.database_name)
            if sqlite:
                check_sqlite_backup(plain, name=name)
            else:
                check_postgresql_backup(plain, name=name, pg_restore=connector.restore_cmd)
            self._say(_("%(name)s is a complete backup of this CRM.") % {"name": name})
            if self.interactive:
                answer = input(_("Replace the current database with %(name)s? [y/N] ") % {"name": name})
                if not answer.strip().lower().startswith("y"):
                    self._say(_("Nothing was restored."))
                    return
            if sqlite:
                replace_sqlite_database(plain, live=live)
            else:
                self._pg_restore(connector, plain)
        self._say(_("Restored the database from %(name)s.") % {"name": name})

    def _read_backup(self):
        try:
            return self._get_backup_file(database=self.input_database_name, servername=self.servername)
        except OSError as exc:
            refuse(
                _("Cannot read the backup file %(name)s: %(error)s"),
                name=self.path or self.filename,
                error=exc.strerror or exc,
            )

    def _unpack(self, packed, name, target):
        """Write the backup, decrypted and decompressed as asked, to ``target``."""
        source = packed
        if self.decrypt:
            try:
                source, _plain_name = utils.unencrypt_file(packed, name, self.passphrase)
            except (utils.DecryptionError, ImportError) as exc:
                refuse(_("Cannot decrypt %(name)s: %(error)s"), name=name, error=exc)
        if self.uncompress:
            source = gzip.GzipFile(fileobj=source, mode="rb")
        with open(target, "wb") as out:
            while True:
                try:
                    chunk = source.read(CHUNK)
                except (OSError, EOFError, zlib.error):
                    # gzip's length and checksum catch a file cut short or damaged in transit.
                    refuse(
                        _("%(name)s is not a complete gzip file (damaged, cut short, or not compressed)."), name=name
                    )
                if not chunk:
                    break
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())

    def _pg_restore(self, connector, plain):
        if self.schemas:
            connector.schemas = self.schemas
        if self.no_drop:
            connector.drop = False
        if self.pg_options:
            connector.pg_options = self.pg_options
        with open(plain, "rb") as dump:
            try:
                connector.restore_dump(dump)
            except CommandConnectorError as exc:
                refuse(
                    _("pg_restore failed and its transaction was rolled back, so the database is as it was: %(error)s"),
                    error=error_line(str(exc)),
                )

    def _say(self, message):
        if self.verbosity >= 1 and not self.quiet:
            self.stdout.write(message)


def refuse(message, **values):
    """Stop the command with ``message``: one line on stderr, exit status 1, no traceback."""
    raise CommandError(message % values) from None


def check_not_empty_nor_compressed(path, *, name):
    with open(path, "rb") as file:
        head = file.read(len(GZIP_MAGIC))
    if not head:
        refuse(_("%(name)s is empty."), name=name)
    if head == GZIP_MAGIC:
        refuse(_("%(name)s is gzip-compressed: restore it with --uncompress."), name=name)


def check_sqlite_backup(path, *, name):
    """Refuse (CommandError) unless ``path`` is a sound SQLite database of this project."""
    check_not_empty_nor_compressed(path, name=name)
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            if db.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                refuse(_("%(name)s is damaged: the SQLite integrity check failed."), name=name)
            if not db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone():
                refuse(_("%(name)s is not a database of this CRM: it has no django_migrations table."), name=name)
            if not db.execute(
                "SELECT 1 FROM django_migrations WHERE app = ? AND name = ?", PROJECT_MIGRATION
            ).fetchone():
                refuse(_("%(name)s is not a database of this CRM: it has none of its migrations."), name=name)
    except sqlite3.DatabaseError as exc:
        refuse(_("%(name)s is not a complete SQLite database (%(error)s)."), name=name, error=exc)


def check_postgresql_backup(path, *, name, pg_restore):
    """Refuse (CommandError) unless ``path`` is a complete pg_dump archive of this project."""
    check_not_empty_nor_compressed(path, name=name)

    def run(*args):
        try:
            return subprocess.run(  # noqa: S603 - fixed arguments, the file is ours
                [pg_restore, *args, str(path)], capture_output=True, text=True, errors="replace", check=False
            )
        except OSError as exc:
            refuse(_("Cannot run %(command)s: %(error)s"), command=pg_restore, error=exc.strerror)

    not_complete = _("%(name)s is not a complete PostgreSQL backup (%(error)s).")
    listing = run("--list")
    if listing.returncode:
        refuse(not_complete, name=name, error=error_line(listing.stderr))
    if not MIGRATIONS_DATA.search(listing.stdout):
        refuse(_("%(name)s is not a database of this CRM: it has no django_migrations table."), name=name)
    # The listing comes from the archive's head; only reading every block proves it is whole.
    whole = run(f"--file={os.devnull}")
    if whole.returncode:
        refuse(not_complete, name=name, error=error_line(whole.stderr))
    migrations = run("--data-only", "--table=django_migrations", "--file=-")
    rows = {tuple(line.split("\t")[1:3]) for line in migrations.stdout.splitlines()}
    if migrations.returncode or PROJECT_MIGRATION not in rows:
        refuse(_("%(name)s is not a database of this CRM: it has none of its migrations."), name=name)


def replace_sqlite_database(new, *, live):
    """Put the checked file ``new`` in place of ``live`` by one atomic rename."""
    for suffix in ("-journal", "-wal"):
        journal = live.with_name(live.name + suffix)
        if journal.exists() and journal.stat().st_size:
            # SQLite would replay the old database's journal into the restored file.
            refuse(
                _(
                    "The database is in use or was not closed cleanly (%(file)s exists): "
                    "stop the application and retry."
                ),
                file=journal.name,
            )
    if live.exists():
        shutil.copymode(live, new)
    os.replace(new, live)
    directory = os.open(live.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # make the rename itself durable
    finally:
        os.close(directory)


def error_line(text):
    """The line of a tool's error output that says what went wrong."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "error:" in line.lower():
            return line
    return lines[-1] if lines else ""
