"""The analyses' exports: a table as a spreadsheet file, audited."""

import tablib
from django.apps import apps
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from crm.audit import audited_action, record_bulk_event
from crm.spreadsheets import neutralise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FILE_FORMATS = ("xlsx", "csv")
# The model each analysis's rows are about: the audit row of an export names it.
ANALYSIS_MODELS = {
    "contribution": "customers.Customer",
    "composition": "customers.Customer",
    "services": "services.ServiceRequest",
    "losses": "customers.LossRecord",
}


def _cell(value, file_format):
    if isinstance(value, str):
        value = neutralise(value)
        if file_format == "xlsx":
            # Characters a spreadsheet file can't hold (controls): left out rather than a failed export.
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


@audited_action
def export_analysis(*, actor, analysis, rows, headers, filters, file_format):
    """An analysis's table as a file of ``file_format`` ("xlsx": numbers stay numbers; "csv":
    UTF-8 with a BOM, which Excel needs), every text cell neutralised (crm.spreadsheets), and an
    audit row of the export: who, which analysis, its filters as typed, how many rows, the format.

    ``analysis``: a key of ANALYSIS_MODELS, whose model the audit row is about; ``rows``: lists
    of cell values in the order of ``headers``. Who may export which analysis the view checks.
    Returns ``(content, content_type)``; ValueError for another analysis or format.
    """
    if analysis not in ANALYSIS_MODELS or file_format not in FILE_FORMATS:
        raise ValueError(f"cannot export {analysis!r} as {file_format!r}")
    dataset = tablib.Dataset(headers=[_cell(str(header), file_format) for header in headers])
    for row in rows:
        dataset.append([_cell(value, file_format) for value in row])
    if file_format == "xlsx":
        content, content_type = dataset.export("xlsx"), XLSX_CONTENT_TYPE
    else:
        content, content_type = "\ufeff" + dataset.export("csv"), CSV_CONTENT_TYPE
    record_bulk_event(
        event="export",
        actor=actor,
        model=apps.get_model(ANALYSIS_MODELS[analysis]),
        details={"analysis": analysis, "filter": filters or {}, "rows": len(dataset), "format": file_format},
    )
    return content, content_type
