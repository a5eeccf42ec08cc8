"""One service request's pages (SPEC §4): create it, its page, and each step of its workflow.

A step's view fetches the request through the user's scope (404 outside it), refuses a step that
isn't the user's in any state (403: deleting someone else's request, assigning without being a
supervisor, handling a request assigned to someone else, feedback on someone else's request
without being a supervisor), tells someone whose step the state doesn't allow now why (a message,
back to the request's page), then calls one action with the request as the page showed it
(``StepForm.as_seen``); the action checks again under its lock, and its refusal is a message too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm import access
from crm.display import display_name
from customers.models import Customer
from customers.search import customer_search_q
from services import actions, rules, selectors
from services.actions import ActionError
from services.forms import (
    CUSTOMER_TEXT_LIMIT,
    AssignForm,
    FeedbackForm,
    HandleForm,
    ServiceRequestForm,
    StepForm,
    seen_token,
    visible_customer,
)
from services.models import ServiceEvent, Status

# How many customers the create form suggests as the user types.
CUSTOMER_CHOICES = 10


def _posted(request):
    """A form's data: the POST (even an empty one, so it is validated), or None for a GET."""
    return request.POST if request.method == "POST" else None


# --- create ------------------------------------------------------------------------------------


@login_required
def request_create(request):
    """服务创建: account managers and supervisors; ``?customer=<code>`` fills the customer in (the
    customer page's panel links here)."""
    user = request.user
    if not rules.may_create(user):
        raise PermissionDenied
    initial = {"customer": request.GET.get("customer", "")[:CUSTOMER_TEXT_LIMIT]}
    form = ServiceRequestForm(_posted(request), initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.create_service_request(actor=user, service_request=form.save(commit=False))
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Service request “%(title)s” was created.") % {"title": created.title})
            return redirect(created)
    if form.is_bound:
        chosen = form.chosen_customer()
    else:
        chosen = visible_customer(user, initial["customer"]) if initial["customer"] else None
    return render(request, "services/request_form.html", {"form": form, "chosen": chosen})


@login_required
def customer_choices(request):
    """The create form's suggestions (an htmx fragment): up to CUSTOMER_CHOICES customers the user
    may see whose code starts with, or whose name, pinyin or initials contain, the typed text
    (``q``, or the customer box's own ``customer`` as htmx sends it). ``?pick=<code>`` answers the
    customer box again with that customer filled in. Only for those who may create requests."""
    user = request.user
    if not rules.may_create(user):
        raise PermissionDenied
    if "pick" in request.GET:
        form = ServiceRequestForm(initial={"customer": request.GET["pick"][:CUSTOMER_TEXT_LIMIT]}, user=user)
        chosen = visible_customer(user, request.GET["pick"][:CUSTOMER_TEXT_LIMIT])
        return render(request, "services/_request_customer_field.html", {"field": form["customer"], "chosen": chosen})
    text = request.GET.get("q", request.GET.get("customer", "")).strip()[:CUSTOMER_TEXT_LIMIT]
    found = []
    if text:
        found = list(
            access.visible(user, Customer)
            .filter(customer_search_q(text))
            .only("pk", "code", "name", "status")  # status: a lost customer is marked
            .order_by("name_pinyin", "id")[:CUSTOMER_CHOICES]
        )
    # The box's text names this customer now, if any: an earlier choice typed over is cleared.
    chosen = visible_customer(user, text)
    return render(request, "services/_customer_choices.html", {"customers": found, "text": text, "chosen": chosen})


# --- the request's page --------------------------------------------------------------------------


def _audience(service_request):
    """Who can see the request and why (the page's panel), as (person, reason) pairs."""
    rows = [(display_name(service_request.created_by), _("created it"))]
    if service_request.assigned_to_id:
        rows.append((display_name(service_request.assigned_to), _("handles it (assigned to them)")))
    manager = service_request.customer.account_manager
    if manager is not None and manager.pk not in (service_request.created_by_id, service_request.assigned_to_id):
        rows.append((display_name(manager), _("manages its customer")))
    return rows


def _timeline(user, service_request):
    """The request's steps, oldest first, each with the round it belongs to (``shown_round``):
    an assignment opens the next round of handling (a request's ``rounds`` counts the handlings
    done), a handling and its feedback belong to the round the handling made; the creation to none."""
    events = list(selectors.timeline(user=user, service_request=service_request))
    for event in events:
        if event.kind == ServiceEvent.Kind.CREATED:
            event.shown_round = None
        elif event.kind == ServiceEvent.Kind.ASSIGNED:
            event.shown_round = event.round + 1
        else:
            event.shown_round = event.round
    return events


@login_required
def request_detail(request, pk):
    user = request.user
    service_request = selectors.request_detail(user=user, pk=pk)
    context = {
        "service_request": service_request,
        "customer_visible": access.can(user, "view", service_request.customer),
        "timeline": _timeline(user, service_request),
        "figures": selectors.time_figures(service_request),
        "steps": selectors.request_steps(user=user, service_request=service_request),
        "audience": _audience(service_request),
        "threshold": actions.archive_threshold(),
    }
    return render(request, "services/request_detail.html", context)


# --- the steps -----------------------------------------------------------------------------------


def _refusal(service_request, step, seen):
    """Why the state of ``service_request`` doesn't allow ``step`` now, in the actions' own words;
    a page showing an older state (``seen``) is told someone else moved the request on."""
    if seen and seen != seen_token(service_request):
        return _(
            "Someone else changed this service request in the meantime (it is now %(status)s). Reload the page."
        ) % {"status": service_request.get_status_display()}
    if service_request.is_archived:
        return _("This service request is archived: it can no longer be changed.")
    if step == "delete":
        return _("A service request can only be deleted while it is new.")
    if step == "assign":
        return _("This service request has been handled: it waits for feedback, not for an assignment.")
    if step == "handle":
        return _("Only an assigned service request can be handled.")
    return _("Feedback can only be given on a handled service request.")


def _open(request, pk, step):
    """The request ``pk`` for ``step`` (a key of selectors.STEPS) and None if the user may take it
    now; 404 outside the user's scope; 403 if the step is not the user's at all; else the request
    and a redirect to its page with a message saying why not now."""
    user = request.user
    service_request = selectors.request_detail(user=user, pk=pk)
    shown = service_request
    if request.method == "POST":
        posted = StepForm(request.POST)
        shown = posted.as_seen(service_request) if posted.is_valid() else service_request

    # A step is the user's if it is on the request as stored or as their page showed it: an
    # assignee whose request was re-assigned meanwhile is told so, not refused outright.
    def holds(row):
        return selectors.holds_step(user=user, service_request=row, step=step)

    if not (holds(service_request) or (shown is not service_request and holds(shown))):
        raise PermissionDenied
    if step in selectors.request_steps(user=user, service_request=service_request):
        return service_request, None
    seen = seen_token(shown) if shown is not service_request else ""
    messages.error(request, _refusal(service_request, step, seen))
    return service_request, redirect(service_request)


def _step_page(request, template, service_request, form, **extra):
    return render(request, template, {"service_request": service_request, "form": form, **extra})


@login_required
def request_delete(request, pk):
    service_request, refused = _open(request, pk, "delete")
    if refused:
        return refused
    if request.method == "POST":
        try:
            actions.delete_service_request(actor=request.user, service_request=service_request)
        except ActionError as error:
            messages.error(request, str(error))
            return redirect(service_request)
        messages.success(request, _("Service request “%(title)s” was deleted.") % {"title": service_request.title})
        return redirect("services:list")
    return render(request, "services/request_confirm_delete.html", {"service_request": service_request})


@login_required
def request_assign(request, pk):
    service_request, refused = _open(request, pk, "assign")
    if refused:
        return refused
    form = AssignForm(_posted(request), service_request=service_request)
    if request.method == "POST" and form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            actions.assign_service_request(
                actor=request.user, service_request=form.as_seen(service_request), assignee=assignee
            )
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("The service request was assigned to %(name)s.") % {"name": display_name(assignee)}
            )
        return redirect(service_request)
    return _step_page(request, "services/request_assign.html", service_request, form)


@login_required
def request_handle(request, pk):
    service_request, refused = _open(request, pk, "handle")
    if refused:
        return refused
    form = HandleForm(_posted(request), service_request=service_request)
    if request.method == "POST" and form.is_valid():
        try:
            actions.handle_service_request(
                actor=request.user,
                service_request=form.as_seen(service_request),
                handling=form.cleaned_data["handling"],
            )
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The handling was recorded: the service request now waits for feedback."))
        return redirect(service_request)
    return _step_page(request, "services/request_handle.html", service_request, form)


@login_required
def request_feedback(request, pk):
    service_request, refused = _open(request, pk, "feedback")
    if refused:
        return refused
    form = FeedbackForm(_posted(request), service_request=service_request)
    threshold = actions.archive_threshold()
    if request.method == "POST" and form.is_valid():
        try:
            done = actions.give_feedback(
                actor=request.user,
                service_request=form.as_seen(service_request),
                result=form.cleaned_data["result"],
                satisfaction=form.cleaned_data["satisfaction"],
            )
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _feedback_done(done, threshold))
        return redirect(service_request)
    return _step_page(request, "services/request_feedback.html", service_request, form, threshold=threshold)


def _feedback_done(service_request, threshold):
    values = {
        "satisfaction": service_request.satisfaction,
        "threshold": threshold,
        "name": display_name(service_request.assigned_to),
    }
    if service_request.status == Status.ARCHIVED:
        return _("Feedback recorded: satisfaction %(satisfaction)s of 5, so the service request was archived.") % values
    return (
        _(
            "Feedback recorded: satisfaction %(satisfaction)s of 5 is below %(threshold)s, so the service request "
            "went back to %(name)s for another round."
        )
        % values
    )
