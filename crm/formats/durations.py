"""How long something took, said the same way on every page and in both languages.

``duration(timedelta(days=2, hours=3, minutes=5))`` → "2 days 3 hours" / "2 天 3 小时": the two
largest units among days, hours and minutes (minutes only below a day), which is as precise as a
service's time to assign or to archive needs to be read. Templates reach it through the
``durations`` template library (``{{ figures.to_assign|duration }}``).
"""

from datetime import timedelta

from django.utils.translation import gettext, ngettext

from crm.formats import EMPTY

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def duration(value):
    """A timedelta in its two largest units ("2 days 3 hours", "45 minutes"); "under a minute"
    below one; "—" for none (a step that hasn't happened yet). A negative span (a clock set back
    between two steps) reads as none spent."""
    if not isinstance(value, timedelta):
        return EMPTY
    seconds = max(0, int(value.total_seconds()))
    if seconds < MINUTE:
        return gettext("under a minute")
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes = rest // MINUTE
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes and not days:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes})
    return " ".join(parts[:2])
