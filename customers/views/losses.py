"""The loss pages (SPEC §4, 客户流失): the list of loss records (流失预警) with counts per status, a
record's page, and its two steps, postpone (暂缓流失) and confirm (确认流失).

Rows come through customers.selectors (the user's scope: an account manager sees the records of the
customers they may see); who may take a step is customers.rules.may_act_on_loss, which the actions
ask again under their lock.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from crm import access
from crm.mixins import ListPageMixin, request_scope_parts
from customers import rules, selectors
from customers.actions import ActionError
from customers.actions.losses import confirm_loss, postpone_loss
from customers.filters import LossFilter
from customers.forms import ConfirmLossForm, PostponeLossForm
from customers.models import LossRecord
from customers.tables import LossTable, loss_status_badge


class LossListView(LoginRequiredMixin, ListPageMixin, FilterView):
    """流失预警: the loss records the user may see, filtered, sorted, with counts per status (the
    other filters applied) that link to the list of that status."""

    template_name = "customers/loss_list.html"
    table_class = LossTable
    filterset_class = LossFilter
    scope_model = LossRecord

    def get_queryset(self):
        return selectors.loss_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_tabs"] = self._status_tabs(context["filter"])
        return context

    def _status_tabs(self, filterset):
        """(label, count, url, current) for "all" and each status, each a link to the list of that
        status with the other filters kept. The counts are those of the records the other filters
        leave (those in error left out, as from the list), in one query."""
        cleaned = getattr(filterset.form, "cleaned_data", None) or {}
        parts = request_scope_parts(self.request, LossRecord)
        for name, value in cleaned.items():
            if name != "status":
                parts = [filterset.filters[name].filter(part, value) for part in parts]
        each_status = access.sees_all(self.request.user, LossRecord)
        counts = selectors.loss_counts(parts=parts, each_status=each_status)
        current = cleaned.get("status") or ""
        others = self.request.GET.copy()
        for name in ("status", "page"):
            others.pop(name, None)
        # (count, more): "All" adds the counts up, and is "n+" when one of them is.
        everything = (sum(count for count, _more in counts.values()), any(more for _count, more in counts.values()))
        tabs = [(_("All"), everything, _query(others), current == "", "all")]
        for value, label in LossRecord.Status.choices:
            tabs.append((label, counts[value], _query(others, status=value), current == value, value))
        return tabs


def _query(params, **extra):
    query = params.copy()
    query.update(extra)
    return f"?{query.urlencode()}"


def _detail(request, record, *, postpone_form=None, confirm_form=None, status=200):
    """The record's page: its fields, measures, the forms when the user may act, who sees it."""
    user = request.user
    context = {
        "record": record,
        "customer": record.customer,
        "measures": selectors.measures_of(record=record),
        "status_badge": loss_status_badge(record),
        "may_act": rules.may_act_on_loss(user, record),
        "postpone_form": postpone_form,
        "confirm_form": confirm_form,
        "audience": selectors.customer_audience(customer=record.customer),
    }
    return render(request, "customers/loss_detail.html", context, status=status)


def _record(user, pk):
    """The record ``pk`` through the user's scope (404 outside it), with what its page shows."""
    return get_object_or_404(selectors.loss_list(user=user).select_related("confirmed_by"), pk=pk)


@login_required
def loss_detail(request, pk):
    return _detail(request, _record(request.user, pk))


def _authorised(request, record):
    """403 unless the record's steps are the user's (customers.rules.may_act_on_loss). A final
    (confirmed or recovered) record refuses everyone: whose steps they were is told so by a
    message instead (their page was older than the record), and False is returned."""
    if rules.may_act_on_loss(request.user, record):
        return True
    if record.is_open or not rules.acts_on_losses_of(request.user, record):
        raise PermissionDenied
    messages.error(
        request,
        _("This loss record is %(status)s: it can no longer be changed.") % {"status": record.get_status_display()},
    )
    return False


def _back(request, record):
    """Where a step returns: ``next``, if it is a path on this site (the customer page's panel),
    else the record's page."""
    target = request.POST.get("next", "")
    local = (
        target.startswith("/")
        and len(target) <= NEXT_LIMIT
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )
    return HttpResponseRedirect(target) if local else redirect(record)


# A longer ``next`` is no page of ours.
NEXT_LIMIT = 2000


@login_required
@require_POST
def loss_postpone(request, pk):
    """暂缓流失: add a measure (customers.actions.losses.postpone_loss)."""
    record = _record(request.user, pk)
    if not _authorised(request, record):
        return _back(request, record)
    form = PostponeLossForm(request.POST)
    if not form.is_valid():
        return _detail(request, record, postpone_form=form)
    names = {"name": record.customer.name}
    try:
        postpone_loss(actor=request.user, record=record, measure=form.cleaned_data["measure"])
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The measure was recorded: the loss of %(name)s is postponed.") % names)
    return _back(request, record)


@login_required
@require_POST
def loss_confirm(request, pk):
    """确认流失: confirm the loss with a reason (customers.actions.losses.confirm_loss); final."""
    record = _record(request.user, pk)
    if not _authorised(request, record):
        return _back(request, record)
    form = ConfirmLossForm(request.POST)
    if not form.is_valid():
        return _detail(request, record, confirm_form=form)
    names = {"name": record.customer.name}
    try:
        confirm_loss(actor=request.user, record=record, reason=form.cleaned_data["reason"])
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The loss of %(name)s was confirmed: the customer is now marked as lost.") % names)
    return _back(request, record)


loss_list = LossListView.as_view()
