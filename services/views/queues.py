"""The services lists (SPEC §4): every request the user may see, the three work queues — 服务分配
(new requests, assigned inline by a supervisor), 服务处理 (assigned to me), 服务反馈 (handled,
waiting for feedback) — the archive (服务归档, read-only), and the queue counts of the menu.

Every list is the same machinery (crm.mixins.ListPageMixin: keys first, no COUNT, bounded pages)
over a selector of services.selectors; a queue the user doesn't have is a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_filters.views import FilterView

from crm import access
from crm.display import display_name
from crm.mixins import ListPageMixin
from services import actions, rules, selectors
from services.actions import ActionError
from services.filters import ArchiveFilter, QueueFilter, ServiceFilter
from services.forms import AssignForm
from services.models import ServiceRequest, Status
from services.tables import (
    ArchiveTable,
    AssignQueueTable,
    FeedbackQueueTable,
    HandleQueueTable,
    ServiceTable,
    assign_form,
    manager_options,
)

# The htmx event the assign row sends after an assignment: the menu reloads its counts on it.
COUNTS_CHANGED = "services-counts-changed"


def queues_of(user):
    """Which of the services pages ``user`` has: ``create``, ``assign`` (supervisors), ``handle``
    and ``feedback`` (those who create requests: account managers and supervisors; the creator or
    a supervisor gives feedback), ``archive`` and ``list`` (everyone; the rows are scoped)."""
    creates = rules.may_create(user)
    return {
        "create": creates,
        "assign": access.can(user, "services.assign_servicerequest"),
        "handle": creates,
        "feedback": creates or access.sees_all(user, ServiceRequest, "change"),
        "archive": True,
        "list": True,
    }


class ServiceListPage(LoginRequiredMixin, ListPageMixin, FilterView):
    """A services list: ``selector`` (of services.selectors) gives the rows, ``queue`` names the
    page in ``queues_of`` (a user who doesn't have it gets a 403)."""

    scope_model = ServiceRequest
    queue = "list"
    selector = staticmethod(selectors.service_list)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not queues_of(request.user)[self.queue]:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.selector(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["queues"] = queues_of(self.request.user)
        context["current"] = self.queue
        return context


class ServiceListView(ServiceListPage):
    template_name = "services/service_list.html"
    table_class = ServiceTable
    filterset_class = ServiceFilter


class HandlingQueueView(ServiceListPage):
    template_name = "services/handle_queue.html"
    table_class = HandleQueueTable
    filterset_class = QueueFilter
    queue = "handle"
    selector = staticmethod(selectors.handling_queue)
    # The user's own requests: read in order from the assignee's index, no parts needed.
    scope_model = None


class FeedbackQueueView(ServiceListPage):
    template_name = "services/feedback_queue.html"
    table_class = FeedbackQueueTable
    filterset_class = QueueFilter
    queue = "feedback"
    selector = staticmethod(selectors.feedback_queue)
    # Those the user created (every one for a supervisor): one index, no parts needed.
    scope_model = None


class ArchiveView(ServiceListPage):
    template_name = "services/archive.html"
    table_class = ArchiveTable
    filterset_class = ArchiveFilter
    queue = "archive"
    selector = staticmethod(selectors.archive)

    def narrow(self, queryset):
        # The scope's parts are every visible request: only the archived ones are the page's.
        return queryset.filter(status=Status.ARCHIVED)


def _managers():
    """(pk, name) of every account manager a request may be assigned to, read once for a page."""
    return [(user.pk, display_name(user)) for user in selectors.assignable_managers()]


def _posted_pk(request):
    """The request's ``pk`` as posted; a missing or non-numeric one is not found, like a request
    out of the user's scope."""
    pk = request.POST.get("pk", "").strip()
    if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
        raise Http404
    return int(pk)


class AssignmentQueueView(ServiceListPage):
    """服务分配: new requests, each with its assign form. A POST (``pk``, ``assignee``, ``seen``)
    assigns that one request; htmx gets the row's answer (templates/services/_assign_row.html),
    a browser without JavaScript a message and this page again, with its page and filters."""

    template_name = "services/assign_queue.html"
    table_class = AssignQueueTable
    filterset_class = QueueFilter
    queue = "assign"
    selector = staticmethod(selectors.assignment_queue)
    scope_model = None  # supervisors only, who see every request

    def get_table_kwargs(self):
        return {
            "action": self.request.get_full_path(),
            "csrf_token": get_token(self.request),
            "managers": _managers(),
        }

    def post(self, request, *args, **kwargs):
        stored = selectors.request_detail(user=request.user, pk=_posted_pk(request))
        # The queue's form offered every active account manager (the request was new): a form
        # built without the request offers them too; the action compares what the page showed.
        form = AssignForm(request.POST)
        assignee, problem = None, None
        if not form.is_valid():
            problem = " ".join(message for errors in form.errors.values() for message in errors)
        else:
            assignee = form.cleaned_data["assignee"]
            try:
                actions.assign_service_request(
                    actor=request.user, service_request=form.as_seen(stored), assignee=assignee
                )
            except ActionError as error:
                problem = str(error)
        if request.headers.get("HX-Request") == "true":
            return self._row(request, stored, form, assignee, problem)
        if problem:
            messages.error(
                request,
                _("The service request “%(title)s” was not assigned: %(problem)s")
                % {"title": stored.title, "problem": problem},
            )
        else:
            messages.success(
                request,
                _("The service request “%(title)s” was assigned to %(name)s.")
                % {"title": stored.title, "name": display_name(assignee)},
            )
        return redirect(request.get_full_path())

    def _row(self, request, stored, form, assignee, problem):
        """The answer htmx puts in place of the row's form: who it was assigned to, or the form
        again with the refusal under it (the choice kept)."""
        context = {"service_request": stored, "assignee": assignee, "problem": problem}
        if problem:
            chosen = form.data.get("assignee", "")
            context["form"] = assign_form(
                stored,
                action=request.get_full_path(),
                csrf_token=get_token(request),
                options=manager_options(_managers()),
                error=problem,
                chosen=chosen if chosen.isascii() and chosen.isdigit() else None,
            )
        response = render(request, "services/_assign_row.html", context)
        if not problem:
            response["HX-Trigger"] = COUNTS_CHANGED
        return response


@never_cache
@login_required
@require_GET
def menu_counts(request):
    """The menu's queue counts (htmx, once after each page): one query, filled into the menu's
    badges by id (templates/services/_menu_counts.html), so no page's own queries grow."""
    counts = selectors.queue_counts(user=request.user)
    queues = queues_of(request.user)
    shown = {name: count for name, count in counts.items() if queues.get(name) and count is not None}
    return render(request, "services/_menu_counts.html", {"counts": shown, "total": sum(shown.values())})


service_list = ServiceListView.as_view()
assignment_queue = AssignmentQueueView.as_view()
handling_queue = HandlingQueueView.as_view()
feedback_queue = FeedbackQueueView.as_view()
archive = ArchiveView.as_view()
