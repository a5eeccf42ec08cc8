from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, UpdateView
from django_filters.views import FilterView

from crm import access
from crm.exports import refuse_over_limit
from crm.forms import prepare_filter_form
from crm.mixins import ListPageMixin, PermissionRequiredMixin
from crm.security import client_ip
from customers import actions, selectors
from customers.actions import ActionError
from customers.filters import CustomerFilter
from customers.forms import ActivityForm, ContactForm, CustomerForm, ExportForm, ShareForm, TransferForm
from customers.models import Activity, Contact, Customer
from customers.tables import CustomerTable


class CustomerListView(LoginRequiredMixin, ListPageMixin, FilterView):
    template_name = "customers/customer_list.html"
    table_class = CustomerTable
    filterset_class = CustomerFilter
    scope_model = Customer

    def get_queryset(self):
        return self.narrow(selectors.customer_list_page(user=self.request.user))

    def narrow(self, queryset):
        after = self._keyset()
        return queryset if after is None else selectors.after_in_pinyin_order(queryset, *after)

    def _keyset(self):
        """(pinyin, id) from ``?after=``: deep pages in the default order without OFFSET."""
        if self.request.GET.get("sort"):
            return None
        pinyin, separator, pk = self.request.GET.get("after", "").rpartition("~")
        if not separator or not (pk.isascii() and pk.isdigit()):
            return None
        return pinyin[:400], int(pk)

    def _next_url(self, table):
        """A link to the rows after this page, in pinyin order (O(1) at any depth)."""
        if self.request.GET.get("sort") or not hasattr(table, "page") or not table.page.has_next():
            return None
        last = list(table.page.object_list)[-1].record
        query = self.request.GET.copy()
        query.pop("page", None)
        query["after"] = f"{last.name_pinyin}~{last.pk}"
        return f"?{query.urlencode()}"

    def _first_url(self):
        """On a page reached by keyset: the list's first page, its filters kept."""
        if self._keyset() is None:
            return None
        query = self.request.GET.copy()
        query.pop("after", None)
        query.pop("page", None)
        return f"?{query.urlencode()}" if query else self.request.path

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # The table's pager (customers/customer_table.html) reads these.
        context["table"].keyset_next = self._next_url(context["table"])
        context["table"].keyset_first = self._first_url()
        context["can_create"] = access.can(user, "customers.add_customer")
        context["can_restore"] = access.can(user, "customers.restore_customer")
        context["can_export"] = access.can(user, "customers.export_customer")
        context["can_transfer"] = access.can(user, "customers.transfer_customer")
        return context


class CustomerFormMixin:
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            self.object = self.save(form.save(commit=False))
        except ActionError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"name": self.object.name})
        return redirect(self.object)


class CustomerCreateView(PermissionRequiredMixin, CustomerFormMixin, CreateView):
    permission = "customers.add_customer"
    success_message = gettext_lazy("Customer %(name)s was created.")

    def save(self, customer):
        return actions.create_customer(actor=self.request.user, customer=customer)


class CustomerUpdateView(LoginRequiredMixin, CustomerFormMixin, UpdateView):
    success_message = gettext_lazy("Customer %(name)s was saved.")

    def get_object(self, queryset=None):
        return selectors.customer_by_code(user=self.request.user, code=self.kwargs["code"], action="change")

    def save(self, customer):
        return actions.update_customer(actor=self.request.user, customer=customer)


@login_required
def customer_detail(request, code):
    customer = selectors.customer_by_code(user=request.user, code=code)
    user = request.user
    # One read of the grants serves both the buttons and "who can see it".
    grants = selectors.customer_grants(customer=customer)
    held = next((codenames for person, codenames in grants.items() if person.pk == user.pk), set())
    allowed = access.allowed_actions(user, customer, ["change", "delete"], held=held)
    can_change = "change" in allowed
    context = {
        "customer": customer,
        "contacts": selectors.contacts_of(user=user, customer=customer),
        "activities": selectors.activities_of(user=user, customer=customer)[:50],
        "can_change": can_change,
        "can_delete": "delete" in allowed,
        "can_share": access.can(user, "customers.share_customer"),
    }
    context["audience"] = selectors.customer_audience(customer=customer, grants=grants)
    return render(request, "customers/customer_detail.html", context)


@login_required
def customer_delete(request, code):
    customer = selectors.customer_by_code(user=request.user, code=code, action="delete")
    if request.method == "POST":
        try:
            actions.delete_customer(actor=request.user, customer=customer)
        except ActionError as error:
            messages.error(request, str(error))
            return redirect(customer)
        messages.success(request, _("Customer %(name)s was moved to the recycle bin.") % {"name": customer.name})
        return redirect("customers:list")
    return render(request, "customers/customer_confirm_delete.html", {"customer": customer})


# The bin lists the most recently deleted customers; when it holds more, the page says so.
RECYCLE_BIN_SHOWN = 200


@login_required
def recycle_bin(request):
    access.require(request.user, "customers.restore_customer")
    deleted = list(selectors.recycle_bin(user=request.user)[: RECYCLE_BIN_SHOWN + 1])
    context = {"customers": deleted[:RECYCLE_BIN_SHOWN], "more": len(deleted) > RECYCLE_BIN_SHOWN}
    return render(request, "customers/recycle_bin.html", {**context, "shown": RECYCLE_BIN_SHOWN})


@login_required
@require_POST
def customer_restore(request, code):
    access.require(request.user, "customers.restore_customer")
    customer = get_object_or_404(selectors.recycle_bin(user=request.user), code=code)
    try:
        actions.restore_customer(actor=request.user, customer=customer)
    except ActionError as error:
        messages.error(request, str(error))
        return redirect("customers:bin")
    messages.success(request, _("Customer %(name)s was restored.") % {"name": customer.name})
    return redirect(customer)


@login_required
def customer_share(request, code):
    customer = selectors.customer_by_code(user=request.user, code=code)
    access.require(request.user, "customers.share_customer")
    form = ShareForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            actions.share_customer(
                actor=request.user, customer=customer, user=form.cleaned_data["user"], level=form.cleaned_data["level"]
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The customer was shared."))
            return redirect(customer)
    audience = selectors.customer_audience(customer=customer)
    return render(request, "customers/customer_share.html", {"customer": customer, "form": form, "audience": audience})


@login_required
@require_POST
def customer_unshare(request, code, user_id):
    customer = selectors.customer_by_code(user=request.user, code=code)
    access.require(request.user, "customers.share_customer")
    colleague = get_object_or_404(selectors.account_managers(), pk=user_id)
    try:
        actions.revoke_share(actor=request.user, customer=customer, user=colleague)
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Access was revoked."))
    return redirect("customers:share", code=customer.code)


# Contacts and activities: the same create/edit page and delete for either kind.
CHILD_KINDS = {
    "contact": {
        "form": ContactForm,
        "model": Contact,
        "save": actions.save_contact,
        "rows": selectors.contacts_of,
        "delete": actions.delete_contact,
        "saved": gettext_lazy("The contact was saved."),
        "deleted": gettext_lazy("The contact was deleted."),
        "titles": (gettext_lazy("Add contact"), gettext_lazy("Edit contact")),
        # The form names the primary contact whose badge a newly ticked "primary" moves.
        "form_kwargs": lambda user, customer: {
            "primary": selectors.contacts_of(user=user, customer=customer).filter(is_primary=True).first()
        },
    },
    "activity": {
        "form": ActivityForm,
        "model": Activity,
        "save": actions.save_activity,
        "rows": selectors.activities_of,
        "delete": actions.delete_activity,
        "saved": gettext_lazy("The activity was saved."),
        "deleted": gettext_lazy("The activity was deleted."),
        "titles": (gettext_lazy("Add activity"), gettext_lazy("Edit activity")),
    },
}


def _child_form(request, code, kind, pk=None):
    spec = CHILD_KINDS[kind]
    customer = selectors.customer_by_code(user=request.user, code=code, action="change")
    if pk is None:
        instance = spec["model"](customer=customer)
    else:
        instance = get_object_or_404(spec["rows"](user=request.user, customer=customer), pk=pk)
    extra = spec["form_kwargs"](request.user, customer) if "form_kwargs" in spec else {}
    form = spec["form"](request.POST or None, instance=instance, **extra)
    if request.method == "POST" and form.is_valid():
        child = form.save(commit=False)
        child.customer = customer
        spec["save"](actor=request.user, **{kind: child})
        messages.success(request, spec["saved"])
        return redirect(customer)
    title = spec["titles"][pk is not None]
    context = {"customer": customer, "form": form, "kind": kind, "title": title}
    return render(request, "customers/child_form.html", context)


def _child_delete(request, code, kind, pk):
    spec = CHILD_KINDS[kind]
    customer = selectors.customer_by_code(user=request.user, code=code, action="change")
    child = get_object_or_404(spec["rows"](user=request.user, customer=customer), pk=pk)
    spec["delete"](actor=request.user, **{kind: child})
    messages.success(request, spec["deleted"])
    return redirect(customer)


@login_required
def contact_create(request, code):
    return _child_form(request, code, "contact")


@login_required
def contact_edit(request, code, pk):
    return _child_form(request, code, "contact", pk)


@login_required
@require_POST
def contact_delete(request, code, pk):
    return _child_delete(request, code, "contact", pk)


@login_required
def activity_create(request, code):
    return _child_form(request, code, "activity")


@login_required
def activity_edit(request, code, pk):
    return _child_form(request, code, "activity", pk)


@login_required
@require_POST
def activity_delete(request, code, pk):
    return _child_delete(request, code, "activity", pk)


@login_required
def customer_export(request):
    """Export the filtered customer list (superusers only); every export is audited, and refused
    past the hourly limit (crm.exports)."""
    access.require(request.user, "customers.export_customer")
    filterset = CustomerFilter(
        request.GET or None, queryset=selectors.customer_list(user=request.user), request=request
    )
    prepare_filter_form(filterset)
    form = ExportForm(request.GET or None)
    if "file_format" not in request.GET or not form.is_valid() or not filterset.is_valid():
        return render(request, "customers/customer_export.html", {"form": form, "filter": filterset})
    refused = refuse_over_limit(request, request.path)
    if refused is not None:
        return refused
    file_format = form.cleaned_data["file_format"]
    body, content_type = actions.export_customers(
        actor=request.user,
        remote_addr=client_ip(request),
        customers=filterset.qs,
        file_format=file_format,
        filters={key: value for key, value in request.GET.items() if key != "file_format" and value},
    )
    response = HttpResponse(body, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.{file_format}"'
    return response


@login_required
def customer_transfer(request):
    """Move customers between account managers (superusers only), in two steps: a submission shows
    what would move (TransferForm.preview), and only its confirmation moves them. Audited."""
    access.require(request.user, "customers.transfer_customer")
    form = TransferForm(request.POST or None, user=request.user)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        if "confirm" in request.POST:
            if form.is_confirmed():
                moved = _transfer(request, form)
                if moved:
                    message = ngettext(
                        "%(count)d customer was transferred.", "%(count)d customers were transferred.", moved
                    )
                    messages.success(request, message % {"count": moved})
                    return redirect("customers:list")
            else:
                messages.error(request, CHANGED_SINCE_PREVIEW)
        context.update(preview=form.preview(), confirm_form=form.confirmation())
    return render(request, "customers/customer_transfer.html", context)


CHANGED_SINCE_PREVIEW = gettext_lazy(
    "The customers to transfer changed since the preview; nothing was transferred. Check the new preview."
)


def _transfer(request, form):
    """Run the confirmed transfer; on refusal, say why (the page then shows a fresh preview)."""
    source = form.cleaned_data["from_manager"]
    try:
        return actions.transfer_customers(
            actor=request.user,
            remote_addr=client_ip(request),
            customers=form.customers,
            to_manager=form.cleaned_data["to_manager"],
            filters={"from": source.username, "codes": form.cleaned_data["codes"]},
            expected=form.pks,
        )
    except ActionError as error:
        messages.error(request, str(error))
        return 0
