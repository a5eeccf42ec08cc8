"""The customer import pages (supervisors and superusers: customers.import_customer).

Upload a file → its rows are checked in the background (customers.actions.imports) while the job's
page polls a small fragment (htmx, every second) for the progress kept in the database → the
preview's counts and the file of rejected rows → confirm → the rows are written, the page polling
again. Any app process answers the polls: the job and its file are shared, not in one process.
"""

import csv
import io
from pathlib import Path

import openpyxl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import access
from crm.security import client_ip
from customers.actions import ActionError
from customers.actions.imports import (
    cancel_import_job,
    confirm_import_job,
    fail_stalled_job,
    import_dir,
    start_import_job,
)
from customers.forms import ImportForm
from customers.imports import ImportFileError, template_rows
from customers.models import CustomerImport

PERMISSION = "customers.import_customer"
RECENT_JOBS = 10


def _job(request, pk):
    access.require(request.user, PERMISSION)
    job = get_object_or_404(CustomerImport.objects.select_related("created_by", "default_manager"), pk=pk)
    return fail_stalled_job(job)


@login_required
def import_upload(request):
    """The upload form and the latest imports."""
    access.require(request.user, PERMISSION)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        try:
            job = start_import_job(
                actor=request.user,
                upload=form.cleaned_data["file"],
                default_manager=form.cleaned_data["default_manager"],
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect(job)
    recent = CustomerImport.objects.select_related("created_by")[:RECENT_JOBS]
    return render(request, "customers/import_upload.html", {"form": form, "recent": recent})


@login_required
def import_detail(request, pk):
    """A job's page: its progress while it runs, the preview's counts, confirm or cancel."""
    job = _job(request, pk)
    return render(request, "customers/import_detail.html", {"job": job})


@login_required
def import_progress(request, pk):
    """The job's status fragment, which the page polls while the job runs (and stops polling after)."""
    job = _job(request, pk)
    return render(request, "customers/_import_status.html", {"job": job})


@login_required
@require_POST
def import_confirm(request, pk):
    job = _job(request, pk)
    try:
        confirm_import_job(actor=request.user, job=job, remote_addr=client_ip(request))
    except ActionError as error:
        messages.error(request, str(error))
    return redirect(job)


@login_required
@require_POST
def import_cancel(request, pk):
    job = _job(request, pk)
    try:
        cancel_import_job(actor=request.user, job=job)
    except ActionError as error:
        messages.error(request, str(error))
        return redirect(job)
    messages.success(request, _("The import was cancelled; nothing was written."))
    return redirect("customers:import")


@login_required
def import_errors(request, pk):
    """The job's file of rejected rows (CSV: row, column, value, reason)."""
    job = _job(request, pk)
    path = import_dir() / job.errors_path if job.errors_path else None
    if path is None or not path.is_file():
        raise Http404
    name = f"{Path(job.file_name).stem}-errors.csv"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type="text/csv; charset=utf-8")


@login_required
def import_template(request):
    """An empty import file with the columns in the user's language (``?format=csv``: a CSV)."""
    access.require(request.user, PERMISSION)
    header = template_rows()
    language = "zh" if (get_language() or "").startswith("zh") else "en"
    if request.GET.get("format") == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow(header)
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="customer-import-{language}.csv"'
        return response
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Customers")[:31]
    sheet.append(header)
    for index, text in enumerate(header, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(12, len(text) * 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="customer-import-{language}.xlsx"'
    return response
