"""Every write on management reports (客户管理报告, SPEC §5): create a draft, edit its summary,
submit it (which freezes the four analyses of its period with it), delete a draft.

Each action is keyword-only and runs in one transaction whose audit rows name the ``actor`` it is
given (crm.audit.audited_action). The steps on an existing report re-read it with
``select_for_update()`` before looking at its state, so two people acting at once are served one
after the other; a report the actor can't see (reports.rules) is refused as if it didn't exist. A
submitted report is never changed again: every step refuses it. A refused step raises
``ActionError`` (customers.actions) with a message for the user, already translated; nothing is
written then.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit import audited_action
from customers.actions import ActionError
from reports import rules, selectors
from reports.models import ManagementReport, period_bounds, period_label

__all__ = ["ActionError", "create_report", "delete_report", "submit_report", "update_report"]

Kind = ManagementReport.PeriodKind
Status = ManagementReport.Status

# The years a report may cover (the analyses' year filter accepts the same).
FIRST_YEAR, LAST_YEAR = 2000, 2100
PERIOD_NUMBERS = {Kind.MONTH: 12, Kind.QUARTER: 4}


def check_period(kind, year, number):
    """Refuse a period that doesn't exist (ActionError): a month 1–12 or a quarter 1–4 of a year
    between FIRST_YEAR and LAST_YEAR."""
    if kind not in PERIOD_NUMBERS:
        raise ActionError(_("Choose a month or a quarter."))
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ActionError(_("Enter a year between 2000 and 2100."))
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= PERIOD_NUMBERS[kind]:
        if kind == Kind.MONTH:
            raise ActionError(_("A month is a number from 1 to 12."))
        raise ActionError(_("A quarter is a number from 1 to 4."))


def check_summary(summary):
    """The summary as stored (its ends stripped); ActionError past SUMMARY_MAX_LENGTH characters or
    with a NUL character (which no database column takes)."""
    summary = (summary or "").strip()
    limit = ManagementReport.SUMMARY_MAX_LENGTH
    if len(summary) > limit:
        raise ActionError(
            _("The summary may be at most %(limit)d characters long (it has %(length)d).")
            % {"limit": limit, "length": len(summary)}
        )
    if "\x00" in summary:
        raise ActionError(_("The summary contains a NUL character, which can't be saved."))
    return summary


def _already_submitted(kind, year, number):
    return ActionError(
        _("The management report for %(period)s has already been submitted.")
        % {"period": period_label(kind, year, number)}
    )


def _has_submitted(kind, year, number):
    return ManagementReport.objects.filter(
        status=Status.SUBMITTED, period_kind=kind, year=year, period_number=number
    ).exists()


def _locked(report, actor):
    """The report's row as stored now, locked until the transaction ends; one ``actor`` can't see
    is refused as if it didn't exist."""
    locked = ManagementReport.objects.select_for_update().filter(pk=report.pk).first()
    if locked is None or not rules.visible_reports(actor).filter(pk=locked.pk).exists():
        raise ActionError(_("This management report no longer exists."))
    return locked


def _check_step(report, actor, step):
    if report.is_submitted:
        raise ActionError(_("This management report has been submitted: it can no longer be changed."))
    if not rules.may(actor, report, step):
        raise ActionError(_("Only the author of a draft management report may change, submit or delete it."))


@audited_action
def create_report(*, actor, kind, year, number, summary=""):
    """A new draft report by ``actor`` for month or quarter ``number`` of ``year`` (``kind``:
    "month" or "quarter"), with an optional summary. Sales supervisors only.

    Raises ActionError for a period that doesn't exist, one that hasn't begun yet, or one whose
    report has been submitted already, and for a summary that is too long.
    """
    if not rules.may_create(actor):
        raise ActionError(_("Only sales supervisors may write management reports."))
    check_period(kind, year, number)
    summary = check_summary(summary)
    start, end = period_bounds(kind, year, number)
    if start > timezone.localdate():
        raise ActionError(
            _("%(period)s has not begun yet: a report covers a month or a quarter that has begun.")
            % {"period": period_label(kind, year, number)}
        )
    if _has_submitted(kind, year, number):
        raise _already_submitted(kind, year, number)
    return ManagementReport.objects.create(
        period_kind=kind,
        year=year,
        period_number=number,
        period_start=start,
        period_end=end,
        summary=summary,
        author=actor,
    )


@audited_action
def update_report(*, actor, report, summary):
    """Replace the summary of a draft: its author alone. Raises ActionError for a submitted report
    or a summary that is too long."""
    locked = _locked(report, actor)
    _check_step(locked, actor, "edit")
    locked.summary = check_summary(summary)
    locked.save(update_fields=["summary", "updated_at"])
    return locked


@audited_action
def submit_report(*, actor, report):
    """Submit a draft (its author alone): the four analyses of its period, as ``actor`` sees them
    now (reports.selectors.period_figures), are stored with it and the report is frozen.

    One report per period is submitted: raises ActionError if the period has one already (also
    when another supervisor's submission of the same period wins the race), or if the report was
    submitted or deleted meanwhile.
    """
    locked = _locked(report, actor)
    _check_step(locked, actor, "submit")
    kind, year, number = locked.period_kind, locked.year, locked.period_number
    if _has_submitted(kind, year, number):
        raise _already_submitted(kind, year, number)
    locked.figures = selectors.period_figures(user=actor, start=locked.period_start, end=locked.period_end)
    locked.status = Status.SUBMITTED
    locked.submitted_at = timezone.now()
    try:
        # A savepoint: the unique constraint of one submitted report per period catches a
        # submission of the same period committed since the check above.
        with transaction.atomic():
            locked.save(update_fields=["figures", "status", "submitted_at", "updated_at"])
    except IntegrityError:
        raise _already_submitted(kind, year, number) from None
    return locked


@audited_action
def delete_report(*, actor, report):
    """Delete a draft: its author alone. A submitted report is never deleted."""
    locked = _locked(report, actor)
    _check_step(locked, actor, "delete")
    locked.delete()
