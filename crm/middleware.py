import re
import time

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.security import client_ip
from crm.two_factor import owes_second_step


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware, reading the client address the same way the login throttle does."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)


class SessionRenewalMiddleware:
    """Keeps a signed-in session alive while it is used, writing it at most once a minute.

    A session ends SESSION_COOKIE_AGE (SESSION_IDLE_MINUTES) after it was last saved. Django's
    SESSION_SAVE_EVERY_REQUEST would rewrite the session row on every page view; this marks the
    session changed only when its last renewal is SESSION_RENEW_SECONDS old, so an idle session
    ends between SESSION_IDLE_MINUTES minus that and SESSION_IDLE_MINUTES after the last request.
    """

    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get(SESSION_KEY) is not None:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_RENEW_SECONDS:
                session[self.KEY] = now
        return self.get_response(request)


# C0 control characters other than tab, line feed and carriage return.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ControlCharacterMiddleware:
    """Keeps NUL characters away from the views, and so from the database.

    PostgreSQL refuses a NUL in any text value (psycopg raises, a 500), SQLite silently stores it,
    and no page, link or form of ours produces one, so a request carrying one is refused up front:

    - a path with a C0 control character (tab, LF and CR aside) names no page: 404;
    - a NUL in a query-string or form field, name or value, gets the 400 page and changes nothing
      (refused, not stripped: quietly saving something other than what was sent would be worse);
    - a cookie holding a NUL is ignored, as if it hadn't been sent (we never set one), so a
      tampered session cookie reads as no session.

    It runs before SessionMiddleware (the session cookie is looked up in the database) and after
    LocaleMiddleware (the pages answer in the user's language).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, value in list(request.COOKIES.items()):
            if "\x00" in name or "\x00" in value:
                del request.COOKIES[name]
        if CONTROL_CHARACTER.search(request.path_info):
            raise Http404
        fields = [request.GET]
        if request.method == "POST":
            fields.append(request.POST)
        if any(_holds_nul(query) for query in fields):
            reason = _("The request contained a NUL character, which no field accepts. Nothing was changed.")
            return HttpResponseBadRequest(render_to_string("400.html", {"reason": reason}))
        return self.get_response(request)


def _holds_nul(query):
    return any("\x00" in name or any("\x00" in value for value in values) for name, values in query.lists())


class PermissionsPolicyMiddleware:
    """Sets Permissions-Policy (settings.PERMISSIONS_POLICY) on every response: the CRM uses no
    camera, microphone, location or payment, so no page, nor anything injected into one, may ask
    for them. Django has no setting for this header."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


class TwoFactorMiddleware:
    """Until a signed-in session has passed the second step of sign-in (crm.two_factor), it reaches
    only that step's pages, logout, the language switch and CSP reports: any other page redirects
    to the step, which sends a user without a device on to enrolment, then back where they were
    going. Pages no URL names (static files, 404) are left alone."""

    ALLOWED = {
        "login",
        "logout",
        "two_factor_verify",
        "two_factor_enrol",
        "two_factor_qr",
        "set_language",
        "csp_report",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name in self.ALLOWED or not request.user.is_authenticated:
            return None
        if owes_second_step(request):
            return redirect_to_login(request.get_full_path(), reverse("two_factor_verify"))
        return None
