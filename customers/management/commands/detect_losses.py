import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from crm.audit import system_actor
from customers.actions import ActionError
from customers.actions.losses import detect_losses


def _day(value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a date like 2026-08-31, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Raise a loss warning for every active customer whose last order (or, if they never ordered, "
        "whose entry) is older than N months and who has no open loss record. Run it daily; it is "
        "safe to run twice, or twice at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months", type=int, default=None, help="months without an order (default: LOSS_AFTER_MONTHS, 6)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count the warnings it would raise, write nothing")
        parser.add_argument("--date", type=_day, default=None, help="run as of this day (YYYY-MM-DD; default today)")

    def handle(self, *args, months, dry_run, date, **options):
        if months is not None and months < 1:
            raise CommandError("--months must be at least 1")
        try:
            found = detect_losses(actor=system_actor(), months=months, today=date, dry_run=dry_run)
        except ActionError as error:
            raise CommandError(str(error)) from None
        values = {
            "cutoff": found.cutoff.isoformat(),
            "months": found.months,
            "raised": found.raised,
            "skipped": found.already_open,
        }
        if dry_run:
            message = _(
                "Dry run, nothing written: %(raised)d new warnings would be raised for customers without an order "
                "since %(cutoff)s (%(months)d months); %(skipped)d skipped, already warned."
            )
        else:
            message = _(
                "%(raised)d new warnings raised for customers without an order since %(cutoff)s (%(months)d months); "
                "%(skipped)d skipped, already warned."
            )
        self.stdout.write(self.style.SUCCESS(message % values))
