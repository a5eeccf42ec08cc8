"""Who may take which step of a service request's workflow, in which state (SPEC §2, §4).

crm.access decides which requests a user reaches at all (supervisors, administrators and viewers:
every one; account managers: those they created, those assigned to them and those of the
customers they may see). These predicates add the workflow's own rules on top; the actions refuse
what they refuse, and pages ask them which buttons to show (selectors.request_steps), so both
always agree.

"A supervisor" is whoever holds the model-level permission for the step (crm.roles: the sales
supervisor role; superusers hold all).
"""

from crm import access
from services.models import ServiceRequest, Status


def _active(user):
    return getattr(user, "is_authenticated", False) and user.is_active


def may_create(user):
    """Account managers and supervisors create service requests."""
    return access.can(user, "services.add_servicerequest")


def may_delete(user, service_request):
    """Delete while new: its creator or a supervisor."""
    return (
        _active(user)
        and service_request.status == Status.NEW
        and (service_request.created_by_id == user.pk or access.sees_all(user, ServiceRequest, "delete"))
    )


def may_assign(user, service_request):
    """Assign a new request, or re-assign one waiting for its handling: a supervisor."""
    return (
        service_request.can_move_to(Status.ASSIGNED)
        and service_request.status != Status.HANDLED
        and access.can(user, "services.assign_servicerequest")
    )


def may_handle(user, service_request):
    """Write the handling of an assigned request: its assignee alone."""
    return (
        _active(user)
        and service_request.status == Status.ASSIGNED
        and service_request.assigned_to_id is not None
        and service_request.assigned_to_id == user.pk
    )


def may_give_feedback(user, service_request):
    """Record the result and the customer's satisfaction of a handled request: its creator or a
    supervisor."""
    return (
        _active(user)
        and service_request.status == Status.HANDLED
        and (service_request.created_by_id == user.pk or access.sees_all(user, ServiceRequest, "change"))
    )
