from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.audit import system_actor
from customers.actions import ActionError
from customers.actions.imports import import_file, preview_file
from customers.imports import ImportFileError, write_errors
from customers.selectors import account_managers


class Command(BaseCommand):
    help = (
        "Import customers and their contacts from a CSV or XLSX file (the columns of the import template). "
        "Every row is checked first; nothing is written if any row is rejected. Safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--manager", metavar="USERNAME", help="the account manager of new customers whose row names none"
        )

    def handle(self, *args, file, dry_run, manager, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(source)s: no such file") % {"source": path})
        default_manager = None
        if manager:
            default_manager = account_managers().filter(**{get_user_model().USERNAME_FIELD: manager}).first()
            if default_manager is None:
                raise CommandError(_("--manager %(name)s is not an active account manager") % {"name": manager})
        actor = system_actor()
        try:
            if dry_run:
                counts = preview_file(path, actor=actor, default_manager=default_manager, progress=self._checked)
            else:
                counts = import_file(
                    path,
                    actor=actor,
                    default_manager=default_manager,
                    progress=self._written,
                    checked=self._checked,
                )
        except (ImportFileError, ActionError) as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(
                _("%(source)s can't be read: %(reason)s") % {"source": path, "reason": error.strerror}
            ) from None
        self.stdout.write(
            _("%(rows)d rows: %(create)d new, %(update)d changed, %(unchanged)d unchanged, %(rejected)d rejected")
            % {k: getattr(counts, k) for k in ("rows", "create", "update", "unchanged", "rejected")}
        )
        if counts.errors:
            self._reject(path, counts)
        if dry_run:
            self.stdout.write(_("dry run: nothing was written"))
        elif counts.create or counts.update:
            self.stdout.write(_("written: %(file)s") % {"file": path.name})
        else:
            self.stdout.write(_("nothing to write: every row is already as %(file)s says") % {"file": path.name})

    def _reject(self, path, counts):
        error_path = path.with_name(path.name + ".errors.csv")
        for error in counts.errors[:5]:
            self.stderr.write(
                "  "
                + _("row %(row)d, %(column)s = %(value)r: %(reason)s")
                % {"row": error.row, "column": error.column, "value": error.value, "reason": error.reason}
            )
        try:
            write_errors(error_path, counts.errors)
        except OSError as error:
            raise CommandError(
                _("rejected: %(file)s; the bad rows could not be written to %(path)s: %(reason)s")
                % {"file": path.name, "path": error_path, "reason": error.strerror}
            ) from None
        self.stderr.write(
            ngettext("%(count)d bad row; see %(path)s", "%(count)d bad rows; see %(path)s", counts.rejected)
            % {"count": counts.rejected, "path": error_path}
        )
        raise CommandError(_("rejected: %(file)s; nothing was written") % {"file": path.name})

    def _checked(self, rows):
        if rows % 10000 == 0:
            self.stderr.write(_("checked %(rows)s rows…") % {"rows": f"{rows:,}"})

    def _written(self, rows):
        if rows % 10000 == 0:
            self.stderr.write(_("written %(rows)s rows…") % {"rows": f"{rows:,}"})
