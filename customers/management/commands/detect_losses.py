import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.audit import system_actor
from customers.actions import ActionError
from customers.actions.losses import detect_losses


def _day(value):
    # argparse turns this error into a one-line message (CommandError under call_command), also
    # from the command line, where Django parses the options outside its CommandError handling.
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("--date must be a date like 2026-08-31, not %(value)r") % {"value": value}
        ) from None


def _months(value):
    try:
        months = int(value)
    except ValueError:
        months = 0
    if months < 1:
        raise argparse.ArgumentTypeError(_("--months must be at least 1, not %(value)r") % {"value": value})
    return months


class Command(BaseCommand):
    help = (
        "Raise a loss warning for every active customer whose last order (or, if they never ordered, "
        "whose entry) is older than N months and who has no open loss record. Run it daily; it is "
        "safe to run twice, or twice at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months", type=_months, default=None, help="months without an order (default: LOSS_AFTER_MONTHS, 6)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count the warnings it would raise, write nothing")
        parser.add_argument("--date", type=_day, default=None, help="run as of this day (YYYY-MM-DD; default today)")

    def handle(self, *args, months, dry_run, date, **options):
        try:
            found = detect_losses(actor=system_actor(), months=months, today=date, dry_run=dry_run)
        except ActionError as error:
            raise CommandError(str(error)) from None
        values = {"cutoff": found.cutoff.isoformat(), "months": found.months, "count": found.raised}
        if dry_run:
            raised = ngettext(
                "Dry run, nothing written: %(count)d new warning would be raised for customers without an order "
                "since %(cutoff)s (%(months)d months).",
                "Dry run, nothing written: %(count)d new warnings would be raised for customers without an order "
                "since %(cutoff)s (%(months)d months).",
                found.raised,
            )
        else:
            raised = ngettext(
                "%(count)d new warning raised for customers without an order since %(cutoff)s (%(months)d months).",
                "%(count)d new warnings raised for customers without an order since %(cutoff)s (%(months)d months).",
                found.raised,
            )
        skipped = ngettext(
            "%(count)d customer skipped: already warned.",
            "%(count)d customers skipped: already warned.",
            found.already_open,
        )
        self.stdout.write(self.style.SUCCESS(raised % values))
        self.stdout.write(skipped % {"count": found.already_open})
