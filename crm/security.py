"""Where a request comes from: one answer shared by the login throttle and the audit trail."""

from django.conf import settings


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the proxy-appended X-Forwarded-For entry.

    Only the entries added by the PROXY_COUNT trusted proxies are believed; anything further left
    was written by the client and could be forged to dodge the login lockout or fake the audit.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.PROXY_COUNT:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < settings.PROXY_COUNT:
        return remote
    return forwarded[-settings.PROXY_COUNT]
