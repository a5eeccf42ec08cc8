from auditlog.middleware import AuditlogMiddleware

from crm.security import client_ip


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware, reading the client address the same way the login throttle does."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)
