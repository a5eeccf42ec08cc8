"""Reports of Content-Security-Policy violations (settings.CONTENT_SECURITY_POLICY's report-uri).

A browser that blocks something the policy forbids (an inline script or style, a file from another
site) POSTs a small JSON report here. Each is logged as one warning on the "crm.csp" logger with
the directive it broke and what was blocked, so a template that slipped in an inline style shows
up in the server log rather than as a silently unstyled page. Nothing is stored.
"""

import json
import logging

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("crm.csp")

# A real report is well under 2 KB (its script sample is cut at 40 characters); anything far
# larger is not a report, and is refused before it is parsed.
MAX_REPORT_BYTES = 16 * 1024
# Each logged value is cut to this length: a report's fields come from whoever sends it.
MAX_LOGGED_CHARS = 300


def _fields(report):
    """(directive, blocked URI, page) from a report-uri body ({"csp-report": {...}}) or a
    Reporting API body ([{"type": "csp-violation", "body": {...}}]); None if it is neither."""
    if isinstance(report, dict) and isinstance(report.get("csp-report"), dict):
        body = report["csp-report"]
        directive = body.get("effective-directive") or body.get("violated-directive")
        return directive, body.get("blocked-uri"), body.get("document-uri")
    if isinstance(report, list) and report and all(isinstance(item, dict) for item in report):
        body = report[0].get("body")
        if isinstance(body, dict):
            return body.get("effectiveDirective"), body.get("blockedURL"), body.get("documentURL")
    return None


def _shown(value):
    # repr() escapes line breaks and control characters: one report is one log line.
    return repr(str(value if value is not None else "")[:MAX_LOGGED_CHARS])


@csrf_exempt  # the browser sends reports without a token, signed in or not
@require_POST
def csp_report(request):
    """Logs one violation report as a warning on "crm.csp" and answers 204.

    Anyone may send one (the browser sends it whoever is signed in). A body over MAX_REPORT_BYTES
    gets 413 and one that is not a CSP report 400; neither is logged as a violation.
    """
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        fields = _fields(json.loads(body))
    except (UnicodeDecodeError, ValueError):
        fields = None
    if fields is None:
        return HttpResponseBadRequest()
    directive, blocked, page = fields
    logger.warning(
        "Content-Security-Policy violation: %s blocked %s on %s", _shown(directive), _shown(blocked), _shown(page)
    )
    return HttpResponse(status=204)
