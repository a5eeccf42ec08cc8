import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.audit import as_system
from sales.actions import import_sales_file
from sales.imports import ImportFileError


class Command(BaseCommand):
    help = (
        "Import products, stock and orders from the sales system (CSV files named products, stock, orders, "
        "order_lines, or an XLSX workbook with those sheets). All of a file or nothing; safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--errors", metavar="PATH", help="where to write rejected rows (default: FILE.errors.csv beside FILE)"
        )

    def handle(self, *args, files, dry_run, errors, **options):
        failed = []
        for name in files:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file")
            self.stdout.write(f"{path.name}{' (dry run)' if dry_run else ''}:")
            try:
                with as_system():
                    result = import_sales_file(path=path, dry_run=dry_run, progress=self._progress)
            except ImportFileError as error:
                raise CommandError(str(error)) from None
            for source, counts in result.kinds.items():
                self.stdout.write(
                    f"  {source}: {counts.rows} rows, {counts.created} new, {counts.updated} changed, "
                    f"{counts.unchanged} unchanged"
                )
            if result.errors:
                error_path = Path(errors) if errors else path.with_name(path.name + ".errors.csv")
                self._write_errors(error_path, result.errors)
                self.stderr.write(
                    f"  {len(result.errors)} bad rows: nothing of {path.name} was written; see {error_path}"
                )
                for error in result.errors[:5]:
                    self.stderr.write(f"    row {error.row}, {error.column} = {error.value!r}: {error.reason}")
                failed.append(path.name)
            elif dry_run:
                self.stdout.write("  dry run: nothing was written")
            else:
                self.stdout.write(f"  written; {result.customers_updated} customers' last order date moved")
        if failed:
            raise CommandError(f"rejected: {', '.join(failed)}")

    def _progress(self, source, rows):
        if rows % 50000 == 0:
            self.stderr.write(f"  {source}: {rows:,} rows…")

    @staticmethod
    def _write_errors(path, errors):
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "column", "value", "reason"])
            for error in errors:
                writer.writerow([error.row, error.column, error.value, error.reason])
