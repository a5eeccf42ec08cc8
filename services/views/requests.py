"""One service request's pages and steps."""

from django.http import HttpResponse

# PLACEHOLDER-UNTIL-BUILT: each function below is replaced by its page in this session.


def request_create(request, **kwargs):
    return HttpResponse(status=501)


def customer_choices(request, **kwargs):
    return HttpResponse(status=501)


def request_detail(request, **kwargs):
    return HttpResponse(status=501)


def request_delete(request, **kwargs):
    return HttpResponse(status=501)


def request_assign(request, **kwargs):
    return HttpResponse(status=501)


def request_handle(request, **kwargs):
    return HttpResponse(status=501)


def request_feedback(request, **kwargs):
    return HttpResponse(status=501)
