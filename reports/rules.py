"""Who may read and write management reports (SPEC §2, §5).

Submitted reports are read by the holders of ``reports.view_managementreport`` (sales supervisors,
administrators, viewers; superusers hold every permission). A draft belongs to its author: only
they (and superusers, who see everything) see it, and only they edit, submit or delete it, while
they hold the permission of that step (crm.roles: the sales supervisor role). Anyone who may read
no report at all (an account manager) is refused every report page (403); a report outside what a
reader sees (someone else's draft) answers 404, like a missing one.

The actions refuse what these refuse, and the pages ask them which buttons to show.
"""

from django.db.models import Q

from crm import access
from reports.models import ManagementReport

Status = ManagementReport.Status

# The permission each writing step needs besides being the draft's author.
STEP_PERMISSIONS = {
    "edit": "reports.change_managementreport",
    "submit": "reports.change_managementreport",
    "delete": "reports.delete_managementreport",
}


def _active(user):
    return getattr(user, "is_authenticated", False) and user.is_active


def may_read(user):
    """Whether ``user`` may open the management reports at all: readers of submitted reports and
    those who write reports."""
    return access.can(user, "reports.view_managementreport") or may_create(user)


def may_create(user):
    """Write a new report (a draft): sales supervisors."""
    return access.can(user, "reports.add_managementreport")


def visible_reports(user):
    """The reports ``user`` sees: the submitted ones if they may read them, and their own drafts
    (every draft for a superuser)."""
    if not _active(user):
        return ManagementReport.objects.none()
    if user.is_superuser:
        return ManagementReport.objects.all()
    seen = Q(status=Status.DRAFT, author=user)
    if access.can(user, "reports.view_managementreport"):
        seen |= Q(status=Status.SUBMITTED)
    return ManagementReport.objects.filter(seen)


def writes(user, report, step):
    """Whether ``step`` (edit, submit, delete) on ``report`` is ``user``'s in any state: they wrote
    it and hold the step's permission. Whether its state allows the step now is may()."""
    return _active(user) and report.author_id == user.pk and access.can(user, STEP_PERMISSIONS[step])


def may(user, report, step):
    """Take ``step`` (edit, submit, delete) on ``report`` now: its author, while it is a draft."""
    return report.status == Status.DRAFT and writes(user, report, step)


def steps(user, report):
    """The steps ``user`` may take on ``report`` now, for its page's buttons."""
    return {step for step in STEP_PERMISSIONS if may(user, report, step)}
