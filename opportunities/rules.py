"""Who may take which step of an opportunity's workflow, in which state (SPEC §4).

crm.access decides which opportunities a user reaches at all (supervisors, administrators and
viewers: every one; account managers: those they created or that are assigned to them). These
predicates add the workflow's own rules on top; the actions refuse what they refuse, and pages
ask them which buttons to show (selectors.opportunity_steps), so both always agree.

"A supervisor" here is whoever holds the model-level permission for the step (crm.roles: the
sales supervisor role; superusers hold all).
"""

from crm import access
from opportunities.models import Opportunity, PlanItem, Status


def _active(user):
    return getattr(user, "is_authenticated", False) and user.is_active


def may_create(user):
    """Account managers and supervisors create opportunities."""
    return access.can(user, "opportunities.add_opportunity")


def may_edit(user, opportunity):
    """Edit while unassigned: its creator or a supervisor."""
    return (
        _active(user)
        and opportunity.status == Status.UNASSIGNED
        and (opportunity.created_by_id == user.pk or access.sees_all(user, Opportunity, "change"))
    )


def may_delete(user, opportunity):
    """Delete while unassigned: its creator or a supervisor."""
    return (
        _active(user)
        and opportunity.status == Status.UNASSIGNED
        and (opportunity.created_by_id == user.pk or access.sees_all(user, Opportunity, "delete"))
    )


def may_assign(user, opportunity):
    """Assign while unassigned, re-assign while in development: a supervisor."""
    return opportunity.can_move_to(Status.DEVELOPING) and access.can(user, "opportunities.assign_opportunity")


def may_plan(user, opportunity):
    """Add, edit or delete plan items and record their results while in development: the assignee
    or a supervisor (who may change every plan item; account managers may only add them, to the
    plans of the opportunities they develop)."""
    return (
        _active(user)
        and opportunity.status == Status.DEVELOPING
        and (opportunity.assigned_to_id == user.pk or access.sees_all(user, PlanItem, "change"))
    )


def may_close(user, opportunity):
    """Close as developed successfully or terminated, while in development: the assignee or a supervisor."""
    return (
        _active(user)
        and opportunity.status == Status.DEVELOPING
        and (opportunity.assigned_to_id == user.pk or access.sees_all(user, Opportunity, "change"))
    )
