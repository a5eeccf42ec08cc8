"""The body of the supervisor's dashboard card (reports.dashboard), fetched by htmx after the
dashboard has loaded."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm import replica
from reports.dashboard import gets_the_card, supervisor_figures


@login_required
@require_GET
def dashboard_figures(request):
    """Supervisors: open services by status, open loss warnings, this year's contribution (403 for
    everyone else)."""
    if not gets_the_card(request.user):
        raise PermissionDenied
    with replica.reading():  # figures: the read replica's, if there is one (crm.replica)
        return render(request, "reports/_dashboard_figures.html", supervisor_figures(request.user))
