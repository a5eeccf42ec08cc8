"""The services lists and work queues."""

from django.http import HttpResponse

# PLACEHOLDER-UNTIL-BUILT: each function below is replaced by its page in this session.


def service_list(request, **kwargs):
    return HttpResponse(status=501)


def assignment_queue(request, **kwargs):
    return HttpResponse(status=501)


def handling_queue(request, **kwargs):
    return HttpResponse(status=501)


def feedback_queue(request, **kwargs):
    return HttpResponse(status=501)


def archive(request, **kwargs):
    return HttpResponse(status=501)


def menu_counts(request, **kwargs):
    return HttpResponse(status=501)
