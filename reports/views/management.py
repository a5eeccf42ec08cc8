"""Management reports. Placeholder: being written."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


report_list = report_create = report_detail = report_edit = report_submit = report_delete = _todo
