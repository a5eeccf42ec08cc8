import argparse

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.actions import ArchiveError, archive_audit_log
from crm.audit import system_actor


def _days(value):
    # argparse turns this error into a one-line message (CommandError under call_command).
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(
            _("--older-than must be a number of days, at least 1, not %(value)r") % {"value": value}
        )
    return days


def _when(value):
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"


class Command(BaseCommand):
    help = (
        "Archive the audit log entries older than AUDIT_RETENTION_DAYS (or --older-than) days into a "
        "gzip file of JSON lines in AUDIT_ARCHIVE_DIR, check the file, then delete them, as the system "
        "user (one audit row). Schedule it (monthly, say) to keep the table bounded; running it again "
        "finds nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=_days, default=None, help="days to keep (default: AUDIT_RETENTION_DAYS, 730)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count what would be archived, change nothing")

    def handle(self, *args, older_than, dry_run, **options):
        try:
            archive = archive_audit_log(actor=system_actor(), older_than_days=older_than, dry_run=dry_run)
        except ArchiveError as error:
            raise CommandError(str(error)) from None
        values = {
            "count": archive.count,
            "cutoff": _when(archive.cutoff),
            "first": _when(archive.first),
            "last": _when(archive.last),
        }
        if dry_run:
            message = ngettext(
                "Dry run, nothing changed: %(count)d audit log entry is older than %(cutoff)s "
                "(from %(first)s to %(last)s).",
                "Dry run, nothing changed: %(count)d audit log entries are older than %(cutoff)s "
                "(from %(first)s to %(last)s).",
                archive.count,
            )
        elif archive.path is None:
            message = _("No audit log entry is older than %(cutoff)s: nothing archived.")
        else:
            values["file"] = str(archive.path)
            values["deleted"] = archive.deleted
            message = ngettext(
                "%(count)d audit log entry older than %(cutoff)s (from %(first)s to %(last)s) archived to "
                "%(file)s; %(deleted)d deleted.",
                "%(count)d audit log entries older than %(cutoff)s (from %(first)s to %(last)s) archived to "
                "%(file)s; %(deleted)d deleted.",
                archive.count,
            )
        self.stdout.write(message % values)
