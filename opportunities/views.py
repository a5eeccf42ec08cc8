"""The opportunities pages (SPEC §4, §7): the list, the detail page with its plan, each workflow
step, "my opportunities in development" and the pipeline board.

A step's view fetches the opportunity through the user's scope (404 outside it), refuses a step
that isn't the user's at all (403: neither its creator or assignee as the step needs, nor a
supervisor), tells someone whose step the state doesn't allow now why (a message, back to the
opportunity's page), then calls one action; the action checks again under its lock, and its
refusal is shown as a message too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from crm import access
from crm.display import display_name
from crm.mixins import ListPageMixin
from customers.forms import REASON_LABELS
from opportunities import actions, rules, selectors
from opportunities.actions import ActionError, DuplicateCustomerError
from opportunities.filters import OpportunityFilter
from opportunities.forms import (
    AssignForm,
    FailForm,
    LinkCustomerForm,
    OpportunityForm,
    PlanItemForm,
    PlanResultForm,
    SucceedForm,
)
from opportunities.models import Opportunity, PlanItem
from opportunities.tables import OpportunityTable, status_badge

# "My opportunities in development" shows this many, those waiting longest first.
MINE_LIMIT = 100
# Cards per column of the board; the column's count says how many there are in all.
BOARD_CARDS = 20


class OpportunityListView(LoginRequiredMixin, ListPageMixin, FilterView):
    template_name = "opportunities/opportunity_list.html"
    table_class = OpportunityTable
    filterset_class = OpportunityFilter
    scope_model = Opportunity

    def get_queryset(self):
        return selectors.opportunity_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = rules.may_create(self.request.user)
        return context


def _posted(request):
    """A form's data: the POST (even an empty one, so it is validated), or None for a GET."""
    return request.POST if request.method == "POST" else None


def _refusal(opportunity, step):
    """Why the state of ``opportunity`` doesn't allow ``step`` now, in the actions' own words."""
    if opportunity.is_closed or step == "assign":
        return _("This opportunity is already closed (%(status)s): it can no longer be changed.") % {
            "status": opportunity.get_status_display()
        }
    if step in ("edit", "delete"):
        return _("An opportunity can only be edited or deleted while it is unassigned.")
    if step == "plan":
        return _("The development plan can only be changed while the opportunity is in development.")
    return _("Only an opportunity in development can be closed.")


def _open(request, pk, step):
    """The opportunity ``pk`` for ``step`` (a key of selectors.STEPS) and None if the user may take
    the step now; 404 outside the user's scope; 403 if the step is not the user's at all; else the
    opportunity and a redirect to its page with a message saying why not now."""
    opportunity = selectors.opportunity_detail(user=request.user, pk=pk)
    if not selectors.holds_step(user=request.user, opportunity=opportunity, step=step):
        raise PermissionDenied
    if step in selectors.opportunity_steps(user=request.user, opportunity=opportunity):
        return opportunity, None
    messages.error(request, _refusal(opportunity, step))
    return opportunity, redirect(opportunity)


@login_required
def opportunity_detail(request, pk):
    user = request.user
    opportunity = selectors.opportunity_detail(user=user, pk=pk)
    today = timezone.localdate()
    plan = list(selectors.plan_of(user=user, opportunity=opportunity))
    for item in plan:
        item.overdue = item.is_overdue(today)
    customer = opportunity.customer
    context = {
        "opportunity": opportunity,
        "plan": plan,
        "steps": selectors.opportunity_steps(user=user, opportunity=opportunity),
        "customer_visible": customer is not None and access.can(user, "view", customer),
        "status_badge": status_badge(opportunity),
    }
    return render(request, "opportunities/opportunity_detail.html", context)


@login_required
def opportunity_create(request):
    if not rules.may_create(request.user):
        raise PermissionDenied
    form = OpportunityForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = actions.create_opportunity(actor=request.user, opportunity=form.save(commit=False))
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Opportunity “%(title)s” was created.") % {"title": opportunity.title})
            return redirect(opportunity)
    return render(request, "opportunities/opportunity_form.html", {"form": form})


@login_required
def opportunity_edit(request, pk):
    opportunity, refused = _open(request, pk, "edit")
    if refused:
        return refused
    form = OpportunityForm(_posted(request), instance=opportunity)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = actions.update_opportunity(actor=request.user, opportunity=form.save(commit=False))
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Opportunity “%(title)s” was saved.") % {"title": opportunity.title})
            return redirect(opportunity)
    return render(request, "opportunities/opportunity_form.html", {"form": form, "opportunity": opportunity})


@login_required
def opportunity_delete(request, pk):
    opportunity, refused = _open(request, pk, "delete")
    if refused:
        return refused
    if request.method == "POST":
        try:
            actions.delete_opportunity(actor=request.user, opportunity=opportunity)
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Opportunity “%(title)s” was deleted.") % {"title": opportunity.title})
        return redirect("opportunities:list")
    return render(request, "opportunities/opportunity_confirm_delete.html", {"opportunity": opportunity})


@login_required
def opportunity_assign(request, pk):
    opportunity, refused = _open(request, pk, "assign")
    if refused:
        return refused
    form = AssignForm(_posted(request), opportunity=opportunity)
    if request.method == "POST" and form.is_valid():
        assignee = form.cleaned_data["assigned_to"]
        try:
            # The opportunity as the page showed it: if someone assigned it since, the action says so.
            actions.assign_opportunity(actor=request.user, opportunity=form.shown_as(opportunity), assignee=assignee)
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The opportunity was assigned to %(name)s.") % {"name": display_name(assignee)})
        return redirect(opportunity)
    return render(request, "opportunities/opportunity_assign.html", {"opportunity": opportunity, "form": form})


# --- the development plan ------------------------------------------------------------------------


def _plan_item(request, opportunity, item):
    return get_object_or_404(selectors.plan_of(user=request.user, opportunity=opportunity), pk=item)


def _plan_page(request, opportunity, form, title):
    context = {"opportunity": opportunity, "form": form, "title": title}
    return render(request, "opportunities/plan_item_form.html", context)


def _plan_form(request, pk, item=None):
    opportunity, refused = _open(request, pk, "plan")
    if refused:
        return refused
    instance = PlanItem(opportunity=opportunity) if item is None else _plan_item(request, opportunity, item)
    form = PlanItemForm(_posted(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_plan_item(actor=request.user, item=form.save(commit=False))
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The plan item was saved."))
        return redirect(opportunity)
    return _plan_page(request, opportunity, form, _("Add plan item") if item is None else _("Edit plan item"))


@login_required
def plan_item_create(request, pk):
    return _plan_form(request, pk)


@login_required
def plan_item_edit(request, pk, item):
    return _plan_form(request, pk, item)


@login_required
def plan_item_result(request, pk, item):
    opportunity, refused = _open(request, pk, "plan")
    if refused:
        return refused
    instance = _plan_item(request, opportunity, item)
    form = PlanResultForm(_posted(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_plan_result(actor=request.user, item=instance, result=form.cleaned_data["result"])
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The result was recorded."))
        return redirect(opportunity)
    return _plan_page(request, opportunity, form, _("Record result"))


@login_required
@require_POST
def plan_item_delete(request, pk, item):
    opportunity, refused = _open(request, pk, "plan")
    if refused:
        return refused
    instance = _plan_item(request, opportunity, item)
    try:
        actions.delete_plan_item(actor=request.user, item=instance)
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The plan item was deleted."))
    return redirect(opportunity)


# --- closing -------------------------------------------------------------------------------------


def _duplicates_for_page(found):
    """[(customer, reasons, visible)] as the page shows them: a customer the user can't see by
    who manages it only."""
    return [
        {
            "customer": customer if visible else None,
            "pk": customer.pk,
            "manager": display_name(customer.account_manager),
            "reasons": [REASON_LABELS[reason] for reason in reasons],
        }
        for customer, reasons, visible in found
    ]


@login_required
def opportunity_succeed(request, pk):
    """Close as developed successfully: the new customer's edit page opens to complete it. A likely
    existing customer is shown first; the user links the opportunity to it or confirms another
    company."""
    user = request.user
    opportunity, refused = _open(request, pk, "close")
    if refused:
        return refused
    form = SucceedForm(_posted(request))
    found = None
    if request.method == "POST" and form.is_valid():
        try:
            closed = actions.succeed_opportunity(
                actor=user, opportunity=opportunity, allow_duplicate=form.cleaned_data["allow_duplicate"]
            )
        except DuplicateCustomerError as error:
            form.add_error(None, str(error))
            found = selectors.duplicates_as_seen(user=user, duplicates=error.duplicates)
        except ActionError as error:
            messages.error(request, str(error))
            return redirect(opportunity)
        else:
            return _created(request, closed.customer)
    if found is None:
        found = selectors.likely_duplicates(user=user, opportunity=opportunity)
    context = {"opportunity": opportunity, "form": form, "duplicates": _duplicates_for_page(found)}
    return render(request, "opportunities/opportunity_succeed.html", context)


def _created(request, customer):
    """After success: the new customer's edit page to complete it, or its page for someone who may
    see but not edit it (a supervisor closing for the assignee)."""
    values = {"name": customer.name, "code": customer.code}
    if access.can(request.user, "change", customer):
        message = _("Developed successfully: customer %(name)s (%(code)s) was created. Complete its details now.")
        target = redirect("customers:edit", code=customer.code)
    else:
        message = _("Developed successfully: customer %(name)s (%(code)s) was created for its account manager.")
        target = redirect(customer)
    messages.success(request, message % values)
    return target


@login_required
@require_POST
def opportunity_link(request, pk):
    """Close as developed successfully by linking one of the likely existing customers shown."""
    user = request.user
    opportunity, refused = _open(request, pk, "close")
    if refused:
        return refused
    found = [
        customer for customer, _reasons, _visible in selectors.likely_duplicates(user=user, opportunity=opportunity)
    ]
    form = LinkCustomerForm(request.POST, customers=found)
    if not form.is_valid():
        messages.error(request, _("Choose one of the existing customers shown to link the opportunity to."))
        return redirect("opportunities:succeed", pk=opportunity.pk)
    customer = form.chosen()
    try:
        actions.link_to_customer(actor=user, opportunity=opportunity, customer=customer)
    except ActionError as error:
        messages.error(request, str(error))
        return redirect(opportunity)
    messages.success(request, _("Developed successfully: the opportunity was linked to the existing customer."))
    return redirect(customer if access.can(user, "view", customer) else opportunity)


@login_required
def opportunity_fail(request, pk):
    opportunity, refused = _open(request, pk, "close")
    if refused:
        return refused
    form = FailForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            actions.fail_opportunity(actor=request.user, opportunity=opportunity, reason=form.cleaned_data["reason"])
        except ActionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The development of this opportunity was terminated."))
        return redirect(opportunity)
    return render(request, "opportunities/opportunity_fail.html", {"opportunity": opportunity, "form": form})


# --- overviews -----------------------------------------------------------------------------------


@login_required
def my_opportunities(request):
    """The opportunities in development assigned to the user, each with its next planned step."""
    rows = list(selectors.my_developing(user=request.user)[: MINE_LIMIT + 1])
    today = timezone.localdate()
    for row in rows:
        row.next_overdue = row.next_plan_date is not None and row.next_plan_date < today
    context = {
        "opportunities": rows[:MINE_LIMIT],
        "more": len(rows) > MINE_LIMIT,
        "limit": MINE_LIMIT,
        "can_create": rules.may_create(request.user),
    }
    return render(request, "opportunities/my_opportunities.html", context)


@login_required
def opportunity_board(request):
    """The pipeline by status: counts, the newest cards of each column with their age, and the
    success rate of the closed ones."""
    columns, rate = selectors.board(user=request.user, limit=BOARD_CARDS)
    today = timezone.localdate()
    for _status, _count, cards in columns:
        for card in cards:
            card.age = (today - timezone.localtime(card.created_at).date()).days
    context = {"columns": columns, "success_rate": rate, "can_create": rules.may_create(request.user)}
    return render(request, "opportunities/board.html", context)
