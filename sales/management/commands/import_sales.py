from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.audit import as_system
from sales.actions import import_sales_file
from sales.imports import ImportFileError, check_errors_path, check_file, write_errors


class _Undo(Exception):
    """Leaves the run's transaction: a file was rejected, or it was a dry run."""


class Command(BaseCommand):
    help = (
        "Import products, stock and orders from the sales system (CSV files named products, stock, orders, "
        "order_lines, or an XLSX workbook with those sheets). All the files or nothing; safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--errors", metavar="PATH", help="where to write rejected rows (default: FILE.errors.csv beside FILE)"
        )

    def handle(self, *args, files, dry_run, errors, **options):
        paths = [Path(name) for name in files]
        try:
            # Every file is checked before anything is written, so a missing third file can't
            # leave the first two imported.
            for path in paths:
                check_file(path)
            if errors:
                check_errors_path(errors, inputs=paths)
        except ImportFileError as error:
            raise CommandError(str(error)) from None

        rejected = None
        try:
            # One transaction for the whole run: all the files or none. Each file is written even
            # in a dry run (then undone), so a later file is checked against the earlier ones.
            with transaction.atomic(), as_system():
                for index, path in enumerate(paths):
                    result = self._import(path, dry_run)
                    if result.errors:
                        rejected = (index, result)
                        break
                if rejected or dry_run:
                    raise _Undo
        except _Undo:
            pass
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        except OSError as error:  # a file removed or changed since it was checked
            raise CommandError(
                _("%(source)s can't be read: %(reason)s") % {"source": error.filename, "reason": error.strerror}
            ) from None

        if rejected:
            self._reject(*rejected, paths=paths, errors=errors)
        elif dry_run:
            self.stdout.write(_("dry run: nothing was written"))
        else:
            self.stdout.write(_("written: %(files)s") % {"files": ", ".join(path.name for path in paths)})

    def _import(self, path, dry_run):
        title = _("%(file)s (dry run):") if dry_run else _("%(file)s:")
        self.stdout.write(title % {"file": path.name})
        result = import_sales_file(path=path, progress=self._progress)
        for source, counts in result.kinds.items():
            self.stdout.write(
                "  "
                + _("%(source)s: %(rows)d rows, %(created)d new, %(updated)d changed, %(unchanged)d unchanged")
                % {"source": source, **vars(counts)}
            )
        if not result.errors and not dry_run:
            self.stdout.write(
                "  "
                + ngettext(
                    "%(count)d customer's last order date moved",
                    "%(count)d customers' last order date moved",
                    result.customers_updated,
                )
                % {"count": result.customers_updated}
            )
        return result

    def _reject(self, index, result, *, paths, errors):
        path = paths[index]
        error_path = Path(errors) if errors else path.with_name(path.name + ".errors.csv")
        self.stderr.write(
            "  "
            + ngettext("%(count)d bad row; see %(path)s", "%(count)d bad rows; see %(path)s", len(result.errors))
            % {"count": len(result.errors), "path": error_path}
        )
        for error in result.errors[:5]:
            self.stderr.write(
                "    "
                + _("row %(row)d, %(column)s = %(value)r: %(reason)s")
                % {"row": error.row, "column": error.column, "value": error.value, "reason": error.reason}
            )
        self.stderr.write(_("nothing of %(files)s was written") % {"files": ", ".join(p.name for p in paths)})
        unchecked = paths[index + 1 :]
        if unchecked:
            self.stderr.write(
                _("not checked, as they come after the rejected file: %(files)s")
                % {"files": ", ".join(p.name for p in unchecked)}
            )
        try:
            write_errors(error_path, result.errors)
        except OSError as error:
            raise CommandError(
                _("rejected: %(file)s; the bad rows could not be written to %(path)s: %(reason)s")
                % {"file": path.name, "path": error_path, "reason": error.strerror}
            ) from None
        raise CommandError(_("rejected: %(file)s") % {"file": path.name})

    def _progress(self, source, rows):
        if rows % 50000 == 0:
            self.stderr.write("  " + _("%(source)s: %(rows)s rows…") % {"source": source, "rows": f"{rows:,}"})
