"""Importing customers and their contacts from a file: the page's jobs and ``import_customers``.

Both run the same two functions: ``preview_file`` reads and checks every row and writes nothing;
``import_file`` checks every row again (the customers may have changed since the preview) and,
only if none is rejected, writes the rows in batches of customers.imports.CHUNK_ROWS, each batch
in its own transaction, so the job's progress (a row of the database) can be read by any app
process while it runs. New customers are written as create_customer writes them (code, pinyin
keys, the manager's grants, audit rows naming the actor); changed ones through update_customer
and save_contact; unchanged rows write nothing, so importing the same file again changes nothing
and records no audit row. Each import that changed something records one summary audit row.
"""

import logging
import threading
import uuid
from pathlib import Path

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models.signals import pre_save
from django.utils import timezone, translation
from django.utils.encoding import smart_str
from django.utils.translation import gettext as _

from crm.audit import acting_as, record_bulk_event
from customers.actions import OWNER_PERMISSIONS, ActionError, _derive_keys, save_contact, update_customer
from customers.imports import ImportFileError, check_rows, plan_rows, write_errors
from customers.models import CodeSequence, Contact, Customer, CustomerImport, CustomerUserObjectPermission

logger = logging.getLogger(__name__)

# A running job whose row hasn't moved for this long was cut off (its process ended).
STALLED_AFTER = 300


def preview_file(path, *, actor, default_manager=None, name=None, progress=None):
    """Check every row of the file; returns customers.imports.Counts. Writes nothing.

    Raises ImportFileError for a file that can't be imported at all.
    """
    return check_rows(path, actor=actor, default_manager=default_manager, name=name, progress=progress)


def _next_codes(day, count):
    """``count`` fresh KH+yyyyMMdd+NNNN codes of ``day``, as create_customer numbers them (one lock of
    the day's counter for the batch)."""
    CodeSequence.objects.bulk_create([CodeSequence(day=day, last=0)], ignore_conflicts=True)
    sequence = CodeSequence.objects.select_for_update().get(day=day)
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return [f"KH{day:%Y%m%d}{number:04d}" for number in range(first, first + count)]


def _owner_permissions():
    content_type = ContentType.objects.get_for_model(Customer)
    found = {
        p.codename: p for p in Permission.objects.filter(content_type=content_type, codename__in=OWNER_PERMISSIONS)
    }
    return [found[codename] for codename in OWNER_PERMISSIONS]  # granted in create_customer's order


def _audit_created(objects):
    """The CREATE audit rows auditlog's post_save receiver writes for each of ``objects`` when
    saved one by one (its diff, object, correlation id; the actor, address and actor's name from
    the pre_save receivers of LogEntry, crm.audit's among them), inserted a batch at a time.

    Why: saving each new customer, its three grants and its contact one by one, each with its own
    audit row (ten INSERTs through the ORM and auditlog), made the write of 2,000 rows three times
    as slow in a profile (56 s against 19 s); figures for 100,000 rows: README, customer import.
    customers/tests/test_imports.py compares these rows with those of a customer made by hand.
    """
    entries = []
    for obj in objects:
        changes = model_instance_diff(None, obj, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES)
        entry = LogEntry(
            content_type=ContentType.objects.get_for_model(obj),
            object_pk=str(obj.pk),
            object_id=obj.pk,
            object_repr=smart_str(obj),
            action=LogEntry.Action.CREATE,
            changes=changes,
            cid=get_cid(),
        )
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using="default", update_fields=None)
        entries.append(entry)
    LogEntry.objects.bulk_create(entries, batch_size=500)


def _write_batch(plans, *, actor, permissions):
    """Write one batch of planned rows (in the caller's transaction); returns (created, updated).

    New customers get what create_customer gives one customer: the next codes of the day, their
    keys (pinyin, initials, bigrams, normalised name and phone), their manager's grants, their
    first contact as the primary one, and an audit row for each of these rows (_audit_created).
    """
    new = [plan for plan in plans if plan.action == "create"]
    codes = _next_codes(timezone.localdate(), len(new)) if new else []
    customers = []
    for plan, code in zip(new, codes, strict=True):
        customer = plan.customer
        customer.code = code
        customer.created_by = actor
        _derive_keys(customer)
        customers.append(customer)
    Customer.objects.bulk_create(customers)
    grants, contacts, audited = [], [], []
    for plan in new:
        customer = plan.customer
        own = [
            CustomerUserObjectPermission(content_object=customer, user=customer.account_manager, permission=permission)
            for permission in permissions
        ]
        grants += own
        audited += [customer, *own]
        if plan.contact is not None:
            plan.contact.customer = customer
            plan.contact.is_primary = True
            contacts.append(plan.contact)
            audited.append(plan.contact)
    CustomerUserObjectPermission.objects.bulk_create(grants)
    Contact.objects.bulk_create(contacts)
    _audit_created(audited)
    updated = 0
    for plan in plans:
        if plan.action != "update":
            continue
        updated += 1
        if plan.changed:
            update_customer(actor=actor, customer=plan.customer)
        if plan.contact is not None:
            plan.contact.customer = plan.customer
            save_contact(actor=actor, contact=plan.contact)
    return len(new), updated


def import_file(path, *, actor, default_manager=None, name=None, progress=None, checked=None, remote_addr=None):
    """Check every row of the file again and, if none is rejected, write them all.

    Returns customers.imports.Counts (of the check; ``create`` and ``update`` are what was
    written). ``progress(rows)`` is called as rows are checked (``checked(rows)`` if given) and
    after each written batch. Rows are written in batches, each in its own transaction: a batch
    refused by the database (a customer changed by someone else between the check and the write)
    raises ActionError naming how many rows were written; importing the file again writes the
    rest, since the rows written then read as unchanged. ``remote_addr``: the client's address
    for the audit rows (the page's confirmation). Raises ImportFileError.
    """
    counts = check_rows(path, actor=actor, default_manager=default_manager, name=name, progress=checked)
    if counts.errors or not (counts.create or counts.update):
        return counts  # rejected, or nothing to write (the same file again)
    permissions = _owner_permissions()
    written = 0
    created = updated = 0
    with acting_as(actor, remote_addr=remote_addr):
        for plans, errors in plan_rows(path, actor=actor, default_manager=default_manager, name=name):
            if errors:
                raise ActionError(_rejected_midway(written, errors[0]))
            try:
                with transaction.atomic():
                    batch_created, batch_updated = _write_batch(plans, actor=actor, permissions=permissions)
            except (IntegrityError, ActionError) as error:
                raise ActionError(
                    _(
                        "The import stopped after %(written)d rows: a customer of the next rows changed "
                        "meanwhile (%(reason)s). Import the same file again to write the rest."
                    )
                    % {"written": written, "reason": error}
                ) from None
            created += batch_created
            updated += batch_updated
            written += len(plans)
            if progress:
                progress(written)
        counts.create, counts.update = created, updated
        if created or updated:
            record_bulk_event(
                event="import",
                actor=actor,
                model=Customer,
                details={
                    "file": name or Path(path).name,
                    "rows": counts.rows,
                    "created": created,
                    "updated": updated,
                    "unchanged": counts.unchanged,
                },
            )
    return counts


def _rejected_midway(written, error):
    return _(
        "The import stopped after %(written)d rows: row %(row)d was changed meanwhile (%(column)s: %(reason)s). "
        "Import the same file again to write the rest."
    ) % {"written": written, "row": error.row, "column": error.column, "reason": error.reason}


# --- the page's jobs ------------------------------------------------------------------------------


def import_dir():
    directory = Path(settings.IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def start_import_job(*, actor, upload, default_manager=None):
    """Keep an uploaded file in settings.IMPORT_DIR and start checking it (a preview).

    Supervisors and superusers (the view checks customers.import_customer). Returns the job;
    its checking runs as settings.IMPORT_RUNNER says. Raises ImportFileError for a file too large.
    """
    name = Path(upload.name).name[:200] or "import"
    if upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
        raise ImportFileError(
            _("%(name)s is larger than %(size)d MB: split it into smaller files.")
            % {"name": name, "size": settings.IMPORT_MAX_MB}
        )
    stored = f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:10]}"
    with (import_dir() / stored).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    job = CustomerImport.objects.create(
        file_name=name,
        file_path=stored,
        created_by=actor,
        default_manager=default_manager,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    _start(run_preview_job, job.pk)
    return job


def confirm_import_job(*, actor, job, remote_addr=None):
    """Start writing a checked job's rows (the user confirmed its preview). Raises ActionError if
    the job isn't checked without rejected rows (already started, cancelled, or rejected)."""
    with transaction.atomic():
        job = CustomerImport.objects.select_for_update().get(pk=job.pk)
        if job.status != CustomerImport.Status.PREVIEWED or job.rejected_count:
            raise ActionError(_("This import can't be started: it is not a checked file without rejected rows."))
        job.status = CustomerImport.Status.IMPORTING
        job.processed_rows = 0
        job.confirmed_by = actor
        job.remote_addr = remote_addr
        job.save(update_fields=["status", "processed_rows", "confirmed_by", "remote_addr", "updated_at"])
    _start(run_import_job, job.pk)
    return job


def cancel_import_job(*, actor, job):
    """Drop a checked job and its file without writing anything. Raises ActionError once it runs."""
    with transaction.atomic():
        job = CustomerImport.objects.select_for_update().get(pk=job.pk)
        if not job.can_move_to(CustomerImport.Status.CANCELLED):
            raise ActionError(_("Only a checked import that hasn't started can be cancelled."))
        job.status = CustomerImport.Status.CANCELLED
        job.finished_at = timezone.now()
        _remove_file(job)
        if job.errors_path:
            (import_dir() / job.errors_path).unlink(missing_ok=True)
            job.errors_path = ""
        job.save(update_fields=["status", "finished_at", "file_path", "errors_path", "updated_at"])
    return job


def fail_stalled_job(job):
    """Mark failed a running job whose row hasn't moved for STALLED_AFTER seconds: the process
    that ran it ended (a restart). Nothing of a cut-off preview was written; an import wrote whole
    batches, and importing the same file again writes the rest."""
    if not job.is_running or (timezone.now() - job.updated_at).total_seconds() < STALLED_AFTER:
        return job
    with translation.override(job.language or settings.LANGUAGE_CODE):
        message = _("The import was interrupted (the server restarted). Import the same file again.")
    _finish(job.pk, status=CustomerImport.Status.FAILED, message=message, only_if=job.status)
    job.refresh_from_db()
    return job


def _start(function, pk):
    if settings.IMPORT_RUNNER == "inline":
        function(pk)
        return

    def run():
        try:
            function(pk)
        finally:
            close_old_connections()

    # After the commit, so the thread's own connection sees the job.
    transaction.on_commit(lambda: threading.Thread(target=run, daemon=True, name=f"customer-import-{pk}").start())


def _path(job):
    return import_dir() / job.file_path


def _remove_file(job):
    if job.file_path:
        _path(job).unlink(missing_ok=True)
        job.file_path = ""


def _progress(pk):
    def report(rows):
        CustomerImport.objects.filter(pk=pk).update(processed_rows=rows, updated_at=timezone.now())

    return report


def _heartbeat(pk):
    """Mark the job alive while the file is checked again before writing (see fail_stalled_job)."""

    def beat(rows):
        CustomerImport.objects.filter(pk=pk).update(updated_at=timezone.now())

    return beat


def _finish(pk, *, status, only_if=None, **fields):
    job = CustomerImport.objects.get(pk=pk)
    if only_if is not None and job.status != only_if:
        return
    job.status = status
    for name, value in fields.items():
        setattr(job, name, value)
    if status != CustomerImport.Status.PREVIEWED:
        job.finished_at = timezone.now()
    if status != CustomerImport.Status.PREVIEWED or job.rejected_count:
        _remove_file(job)  # written, failed, or rejected: the upload is of no more use
    job.save()


def _counted(counts):
    return {
        "total_rows": counts.rows,
        "processed_rows": counts.rows,
        "created_count": counts.create,
        "updated_count": counts.update,
        "unchanged_count": counts.unchanged,
        "rejected_count": counts.rejected,
    }


def run_preview_job(pk):
    """Check a job's file and record the counts and the file of rejected rows."""
    job = CustomerImport.objects.select_related("created_by", "default_manager").get(pk=pk)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            counts = preview_file(
                _path(job),
                actor=job.created_by,
                default_manager=job.default_manager,
                name=job.file_name,
                progress=_progress(pk),
            )
        except ImportFileError as error:
            _finish(pk, status=CustomerImport.Status.FAILED, message=str(error))
            return
        except Exception:
            logger.exception("customer import %s: the check failed", pk)
            _finish(pk, status=CustomerImport.Status.FAILED, message=_("The file could not be checked."))
            return
        fields = _counted(counts)
        if counts.errors:
            fields["errors_path"] = f"{Path(job.file_path).stem}.errors.csv"
            write_errors(import_dir() / fields["errors_path"], counts.errors)
        _finish(pk, status=CustomerImport.Status.PREVIEWED, **fields)


def run_import_job(pk):
    """Write a confirmed job's rows (checked once more first)."""
    job = CustomerImport.objects.select_related("created_by", "confirmed_by", "default_manager").get(pk=pk)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            counts = import_file(
                _path(job),
                actor=job.confirmed_by or job.created_by,
                remote_addr=job.remote_addr,
                default_manager=job.default_manager,
                name=job.file_name,
                progress=_progress(pk),
                checked=_heartbeat(pk),
            )
        except (ImportFileError, ActionError) as error:
            _finish(pk, status=CustomerImport.Status.FAILED, message=str(error))
            return
        except Exception:
            logger.exception("customer import %s: the import failed", pk)
            _finish(pk, status=CustomerImport.Status.FAILED, message=_("The import failed; nothing more was written."))
            return
        fields = _counted(counts)
        if counts.errors:
            fields["errors_path"] = f"{Path(job.file_path).stem}.errors.csv"
            write_errors(import_dir() / fields["errors_path"], counts.errors)
            fields["message"] = _("Rows were rejected when the file was checked again; nothing was written.")
            _finish(pk, status=CustomerImport.Status.FAILED, **fields)
            return
        _finish(pk, status=CustomerImport.Status.DONE, **fields)
