"""What `make run` shows when a request is refused: the product's own error pages, and one log
line per refusal instead of Django's technical 404 page and a traceback for every 403.

`make run` runs with DEBUG off (the .env it writes, crm/tests/test_settings.py), as production
does; each test here sets DEBUG off explicitly. A 500 keeps its traceback in the log.
"""

import logging

import pytest
from django.test import Client
from django.urls import include, path, reverse

from customers.tests.factories import make_customer


def broken_view(request):
    raise RuntimeError("a bug in a view")


# The project's URLs too: every response names the CSP's report URL (settings.CONTENT_SECURITY_POLICY).
urlpatterns = [path("broken/", broken_view), path("", include("crm.urls"))]


@pytest.fixture
def as_make_run(settings):
    settings.DEBUG = False


def signed_in(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def request_records(caplog):
    return [record for record in caplog.records if record.name == "django.request"]


def test_a_colleagues_customer_is_the_friendly_404_logged_as_one_line(as_make_run, caplog, manager_ann, manager_bob):
    customer = make_customer(manager_bob, name="博远科技有限公司")
    url = reverse("customers:detail", kwargs={"code": customer.code})
    with caplog.at_level(logging.INFO, logger="django.request"):
        response = signed_in(manager_ann).get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-404"' in page
    assert "URLconf" not in page and "博远科技" not in page  # not the technical page, no name leaked
    [record] = request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"Not Found: {url}"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_a_forbidden_action_is_the_friendly_403_logged_as_one_line_without_traceback(
    as_make_run, caplog, manager_ann, viewer_vic
):
    customer = make_customer(manager_ann)
    url = reverse("customers:edit", kwargs={"code": customer.code})
    with caplog.at_level(logging.INFO, logger="django.request"):
        response = signed_in(viewer_vic).get(url)
    assert response.status_code == 403
    assert 'data-testid="error-403"' in response.content.decode()
    [record] = request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"Forbidden (Permission denied): {url}"
    # Before: Django logged the PermissionDenied with its traceback, a screenful per refusal.
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


def test_an_error_is_the_friendly_500_and_keeps_its_traceback_in_the_log(as_make_run, settings, caplog, manager_ann):
    settings.ROOT_URLCONF = __name__
    with caplog.at_level(logging.INFO, logger="django.request"):
        response = signed_in(manager_ann).get("/broken/")
    assert response.status_code == 500
    assert 'data-testid="error-500"' in response.content.decode()
    [record] = request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert "Traceback" in caplog.text and "a bug in a view" in caplog.text
