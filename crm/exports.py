"""The export rate limit: how many files one user may export per rolling hour (EXPORT_RATE_LIMIT).

It covers every export that copies rows out of the CRM: the customer list's and each analysis's
(the aggregate ones that supervisors and administrators export too). Transfers aren't exports and
aren't limited. The count comes from the audit rows the exports write (crm.audit.record_bulk_event,
event "export"), so there is no second record to keep in step: a refused export writes none.
"""

from datetime import timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import ngettext

WINDOW = timedelta(hours=1)


def exports_in_last_hour(user, *, now=None):
    """How many exports ``user`` made in the hour before ``now``: one COUNT over the actor's audit
    rows (the actor index), narrowed to the hour's export events."""
    since = (now or timezone.now()) - WINDOW
    return LogEntry.objects.filter(
        actor=user,
        action=LogEntry.Action.ACCESS,
        timestamp__gt=since,
        additional_data__event="export",
    ).count()


def export_refusal(user):
    """The message refusing ``user`` another export when they reached EXPORT_RATE_LIMIT in the last
    hour; None when they may export (always, with a limit of 0)."""
    limit = settings.EXPORT_RATE_LIMIT
    if not limit:
        return None
    count = exports_in_last_hour(user)
    if count < limit:
        return None
    message = ngettext(
        "You have exported %(count)s file in the last hour; the limit is %(limit)s. Try again later.",
        "You have exported %(count)s files in the last hour; the limit is %(limit)s. Try again later.",
        count,
    )
    return message % {"count": count, "limit": limit}


def refuse_over_limit(request, page):
    """For an export view, before it exports anything: None if the user may export, else a
    redirect back to ``page`` (the path the export was asked from), with the request's filters but
    not its file format, and the refusal as a message. Nothing is exported and nothing audited."""
    refusal = export_refusal(request.user)
    if refusal is None:
        return None
    messages.error(request, refusal)
    query = request.GET.copy()
    query.pop("file_format", None)
    return redirect(f"{page}?{query.urlencode()}" if query else page)
