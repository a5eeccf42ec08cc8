"""Every write on service requests (SPEC §4): create, assign, handle, feedback, delete.

Each action is keyword-only and runs in one transaction whose audit rows name the ``actor`` it is
given (crm.audit.audited_action); it re-reads the request with ``select_for_update()`` before
looking at its state, so two people acting at once are served one after the other and the second
sees what the first did; a request the actor can't see (crm.access) is refused as if it didn't
exist. The step a page showed is compared with the row as stored: if someone else moved the
request on in the meantime, the step is refused with a message saying so. A refused step raises
``ActionError`` (customers.actions) with a message for the user, already translated; nothing is
written then.

Every assignment, handling and feedback also appends a ServiceEvent: the request's timeline keeps
every round, while the request's own fields hold the latest values.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.audit import audited_action
from crm.display import display_name
from customers.actions import ActionError, is_account_manager
from customers.models import Customer
from customers.search import name_bigrams
from services import rules
from services.models import ServiceEvent, ServiceRequest, Status

__all__ = ["ActionError"]


def archive_threshold():
    """The lowest satisfaction that archives a request (SERVICE_ARCHIVE_SATISFACTION, default 3)."""
    return settings.SERVICE_ARCHIVE_SATISFACTION


def _locked(service_request, actor):
    """The request's row as stored now, locked until the transaction ends.

    A request ``actor`` can't see (crm.access: not theirs, or of a customer in the recycle bin) is
    refused as if it didn't exist, like a page out of scope answers 404.
    """
    locked = ServiceRequest.objects.select_for_update().filter(pk=service_request.pk).first()
    if locked is None or not access.visible(actor, ServiceRequest).filter(pk=locked.pk).exists():
        raise ActionError(_("This service request no longer exists."))
    return locked


def _refuse_archived(service_request):
    if service_request.is_archived:
        raise ActionError(_("This service request is archived: it can no longer be changed."))


def _refuse_moved_on(seen, stored):
    """Refuse a step taken on a stale page: the request's state, assignee or round changed since."""
    if (seen.status, seen.assigned_to_id, seen.rounds) != (stored.status, stored.assigned_to_id, stored.rounds):
        raise ActionError(
            _("Someone else changed this service request in the meantime (it is now %(status)s). Reload the page.")
            % {"status": stored.get_status_display()}
        )


def _validate(instance, exclude=()):
    """Model validation (lengths, choices): bad values from a caller that is not a form (a command,
    a script) are refused like a form's, before anything is written."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        raise ActionError(" ".join(error.messages)) from None


def _event(service_request, kind, actor, at, **fields):
    event = ServiceEvent(
        service_request=service_request, kind=kind, round=service_request.rounds, actor=actor, at=at, **fields
    )
    _validate(event, exclude=["service_request", "actor"])
    event.save()
    return event


@audited_action
def create_service_request(*, actor, service_request):
    """Save a new service request (an unsaved instance from the form: type, title, customer,
    request), new, created by ``actor``.

    Account managers and supervisors may create, for a customer they may see (not one in the
    recycle bin); raises ActionError otherwise or on bad values.
    """
    if not rules.may_create(actor):
        raise ActionError(_("Only account managers and sales supervisors may create service requests."))
    customer = Customer.objects.filter(pk=service_request.customer_id).first()
    if customer is None or not access.can(actor, "view", customer):
        raise ActionError(_("Choose a customer you can see."))
    # Always a new row: an instance read from the database (a copy) must not overwrite its original.
    service_request.pk = None
    service_request._state.adding = True
    service_request.customer = customer
    service_request.customer_manager_id = customer.account_manager_id  # as the database will keep it
    service_request.title = (service_request.title or "").strip()
    service_request.title_bigrams = name_bigrams(service_request.title)
    service_request.request = (service_request.request or "").strip()
    now = timezone.now()
    service_request.created_by = actor
    service_request.created_at = now
    service_request.status = Status.NEW
    for name in ("assigned_to", "handled_by"):
        setattr(service_request, name, None)
    for name in ("assigned_at", "handled_at", "satisfaction", "first_assigned_at", "first_handled_at", "archived_at"):
        setattr(service_request, name, None)
    service_request.handling = service_request.result = ""
    service_request.rounds = 0
    _validate(service_request)
    service_request.save()
    _event(service_request, ServiceEvent.Kind.CREATED, actor, now)
    return service_request


@audited_action
def delete_service_request(*, actor, service_request):
    """Delete a service request while it is new: its creator or a supervisor."""
    locked = _locked(service_request, actor)
    _refuse_archived(locked)
    if locked.status != Status.NEW:
        raise ActionError(_("A service request can only be deleted while it is new."))
    if not rules.may_delete(actor, locked):
        raise ActionError(_("Only the service request's creator or a sales supervisor may delete it."))
    locked.delete()


@audited_action
def assign_service_request(*, actor, service_request, assignee):
    """Assign a new service request to an account manager, or re-assign one waiting for its
    handling (restamping ``assigned_at``): sales supervisors only.

    ``service_request`` is the row as the caller saw it: if someone else assigned it or moved it
    on since, the step is refused, so two supervisors assigning at once can't both win. The
    assignee must be an active user with the account manager role.
    """
    locked = _locked(service_request, actor)
    if not access.can(actor, "services.assign_servicerequest"):
        raise ActionError(_("Only a sales supervisor may assign service requests."))
    _refuse_moved_on(service_request, locked)
    _refuse_archived(locked)
    if locked.status == Status.HANDLED:
        raise ActionError(_("This service request has been handled: it waits for feedback, not for an assignment."))
    if not rules.may_assign(actor, locked):
        raise ActionError(_("Only a sales supervisor may assign service requests."))
    if assignee is None or not is_account_manager(assignee):
        raise ActionError(_("Service requests can only be assigned to active users with the account manager role."))
    if locked.assigned_to_id == assignee.pk:
        raise ActionError(_("This service request is already assigned to %(name)s.") % {"name": display_name(assignee)})
    now = timezone.now()
    locked.assigned_to = assignee
    locked.assigned_at = now
    locked.first_assigned_at = locked.first_assigned_at or now
    locked.status = Status.ASSIGNED
    locked.save(update_fields=["assigned_to", "assigned_at", "first_assigned_at", "status", "updated_at"])
    _event(locked, ServiceEvent.Kind.ASSIGNED, actor, now, assignee=assignee)
    return locked


@audited_action
def handle_service_request(*, actor, service_request, handling):
    """Record what was done for an assigned request (服务处理): its assignee alone. Starts a new
    round; the handling may not be empty."""
    locked = _locked(service_request, actor)
    _refuse_moved_on(service_request, locked)
    _refuse_archived(locked)
    if locked.status != Status.ASSIGNED:
        raise ActionError(_("Only an assigned service request can be handled."))
    if not rules.may_handle(actor, locked):
        raise ActionError(_("Only the account manager the service request is assigned to may handle it."))
    handling = (handling or "").strip()
    if not handling:
        raise ActionError(_("Describe what was done for the customer."))
    now = timezone.now()
    locked.handling = handling
    locked.handled_by = actor
    locked.handled_at = now
    locked.first_handled_at = locked.first_handled_at or now
    locked.rounds += 1
    locked.status = Status.HANDLED
    _validate(locked)
    locked.save(
        update_fields=["handling", "handled_by", "handled_at", "first_handled_at", "rounds", "status", "updated_at"]
    )
    _event(locked, ServiceEvent.Kind.HANDLED, actor, now, text=handling)
    return locked


@audited_action
def give_feedback(*, actor, service_request, result, satisfaction):
    """Record the result and the customer's satisfaction (1–5) of a handled request (服务反馈):
    its creator or a supervisor. A satisfaction of at least SERVICE_ARCHIVE_SATISFACTION archives
    the request; a lower one sends it back to its assignee (已分配) for another round."""
    locked = _locked(service_request, actor)
    _refuse_moved_on(service_request, locked)
    _refuse_archived(locked)
    if locked.status != Status.HANDLED:
        raise ActionError(_("Feedback can only be given on a handled service request."))
    if not rules.may_give_feedback(actor, locked):
        raise ActionError(_("Only the service request's creator or a sales supervisor may give feedback on it."))
    result = (result or "").strip()
    if not result:
        raise ActionError(_("Describe the result for the customer."))
    if isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise ActionError(_("Satisfaction is a whole number from 1 to 5."))
    now = timezone.now()
    locked.result = result
    locked.satisfaction = satisfaction
    fields = ["result", "satisfaction", "status", "updated_at"]
    if satisfaction >= archive_threshold():
        locked.status = Status.ARCHIVED
        locked.archived_at = now
        fields.append("archived_at")
    else:
        # Back to its assignee for another round; a supervisor may re-assign it from there.
        locked.status = Status.ASSIGNED
    _validate(locked)
    locked.save(update_fields=fields)
    _event(locked, ServiceEvent.Kind.FEEDBACK, actor, now, text=result, satisfaction=satisfaction)
    return locked
