import time

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from crm.security import client_ip


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
