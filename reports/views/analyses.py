"""The four analyses (SPEC §5). Placeholder: being written."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


report_index = contribution = composition = services = losses = export = _todo
