"""The opportunities app's dashboard card (crm.dashboard): the user's open opportunities and
today's plan items.

An account manager sees the opportunities in development assigned to them, each with its next
planned step (overdue ones marked), and the open plan items due today; those who see every
opportunity (supervisors, administrators, viewers) see how many wait to be assigned and how many
are in development. Everything through opportunities.selectors (crm.access scopes it); a fixed
number of queries whatever the number of rows (opportunities/tests/test_panels.py counts them).
"""

from django.utils import timezone

from crm import access
from crm.dashboard import card
from opportunities import selectors
from opportunities.models import Opportunity, Status

# Rows the card lists before it points to the full page.
LIMIT = 5


@card("opportunities.open", template="opportunities/_dashboard_card.html", order=30)
def open_opportunities(request):
    """Everyone with the opportunities module: their open opportunities (or the pipeline's open
    counts, for those who see every opportunity) and their plan items due today."""
    user = request.user
    if not (user.is_superuser or user.has_module_perms("opportunities")):
        return None
    if access.sees_all(user, Opportunity):
        counts = selectors.board_counts(user=user)
        return {"scope": "team", "unassigned": counts[Status.UNASSIGNED], "developing": counts[Status.DEVELOPING]}
    today = timezone.localdate()
    developing = list(selectors.my_developing(user=user)[: LIMIT + 1])
    for opportunity in developing:
        opportunity.next_overdue = opportunity.next_plan_date is not None and opportunity.next_plan_date < today
    due_today = list(selectors.todays_plan_items(user=user, day=today)[: LIMIT + 1])
    return {
        "scope": "own",
        "developing": developing[:LIMIT],
        "more_developing": len(developing) > LIMIT,
        "due_today": due_today[:LIMIT],
        "more_due_today": len(due_today) > LIMIT,
    }
