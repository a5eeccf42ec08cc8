"""The services app's dashboard card (crm.dashboard): the user's work queues and what waits longest.

Those with work queues (account managers and supervisors) see how many requests wait in each
(selectors.queue_counts): to assign (supervisors), to handle (assigned to them: account
managers), to give feedback on (the handled requests they created; every handled one for a
supervisor), each linking to its queue page, and the oldest requests waiting for their step:
their handling for an account manager, an assignment for a supervisor. Those without a queue of
their own (viewers, administrators) see the service desk's open requests by status instead, each
linking to the list filtered by it. Everything through services.selectors (crm.access scopes it);
two queries, one for those without queues, whatever the number of rows
(services/tests/test_panels.py counts them).
"""

from crm import access
from crm.dashboard import card
from crm.roles import ACCOUNT_MANAGER, role_names
from services import rules, selectors
from services.templatetags.services_tags import sees_services

# Requests the card lists before it points to the queue page.
LIMIT = 5


@card("services.queues", template="services/_dashboard_card.html", order=40)
def service_queues(request):
    """Everyone with the services module: their work queues with counts and the oldest requests
    waiting for them, or the service desk's open counts for those without a queue."""
    user = request.user
    if not sees_services(user):
        return None
    assigns = access.can(user, "services.assign_servicerequest")
    if not (assigns or rules.may_create(user)):
        return {"scope": "desk", "counts": selectors.open_counts(user=user)}
    counts = selectors.queue_counts(user=user)
    # Supervisors are not assigned requests (assignees are account managers): no handling queue
    # unless they hold the role too, or have requests assigned from before.
    handles = ACCOUNT_MANAGER in role_names(user) or bool(counts["handle"])
    waiting = selectors.assignment_queue(user=user) if assigns else selectors.handling_queue(user=user)
    waiting = list(waiting.order_by("created_at", "id")[: LIMIT + 1])
    return {
        "scope": "own",
        "counts": counts,
        "assigns": assigns,
        "handles": handles,
        "waiting_step": "assign" if assigns else "handle",
        "waiting": waiting[:LIMIT],
        "more_waiting": len(waiting) > LIMIT,
    }
