"""The reports app's dashboard card (crm.dashboard): the supervisor's figures at a glance.

Supervisors (holders of services.assign_servicerequest) see the open service requests by status
as a small chart, how many loss warnings are open, and the contribution of this year so far, with
links to the analyses. The figures read every customer's month totals and every open request: the
card itself costs no query, and its body (``supervisor_figures``, three queries whatever the
number of rows) comes from reports:dashboard_figures in one htmx request after the dashboard has
loaded, so the page every supervisor opens first doesn't wait for them (bench/README.md, Reports).
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.dashboard import card
from customers import selectors as customer_selectors
from customers.models import LossRecord
from reports import selectors
from reports.views.analyses import bar_chart
from sales import selectors as sales_selectors
from services import selectors as service_selectors
from services.models import OPEN_STATUSES, Status


def gets_the_card(user):
    """Supervisors who may open the analyses."""
    return access.can(user, "services.assign_servicerequest") and access.can(user, "reports.view_analyses")


@card("reports.supervisor", template="reports/_dashboard_card.html", order=15)
def supervisor_card(request):
    """The card's frame for supervisors (its figures load after the page: supervisor_figures)."""
    return {} if gets_the_card(request.user) else None


def supervisor_figures(user):
    """Open services by status (a chart), open loss warnings, this year's contribution: the card's
    body, for a user who gets_the_card."""
    services = service_selectors.open_counts(user=user)
    labels = dict(Status.choices)
    chart = bar_chart(
        "chart-dashboard-services",
        _("Open service requests"),
        [labels[status] for status in OPEN_STATUSES],
        [services[str(status)] for status in OPEN_STATUSES],
    )
    losses = customer_selectors.loss_counts(parts=[customer_selectors.loss_list(user=user)], statuses=LossRecord.OPEN)
    year = timezone.localdate().year
    start, end = selectors.year_bounds(year)
    contribution = sales_selectors.contribution_totals(user=user, start=start, end=end)
    return {
        "chart": chart,
        "open_losses": sum(count for count, _more in losses.values()),
        "more_losses": any(more for _count, more in losses.values()),
        "contribution": contribution,
        "year": year,
    }
