"""Reads of opportunities and their plans, scoped to the user through crm.access."""

import re
import unicodedata

from django.db import connection
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from crm import access
from customers.models import Customer
from customers.selectors import account_managers, find_duplicates
from opportunities import rules
from opportunities.models import Opportunity, PlanItem, Status

_LATIN = re.compile(r"^[a-z0-9]+$")


def opportunity_list(*, user):
    """The opportunities ``user`` may see, with what a list shows, newest first."""
    return (
        access.visible(user, Opportunity)
        .select_related("source", "assigned_to", "created_by")
        .order_by("-created_at", "-id")
    )


def search_q(text):
    """The list's search box: title, customer name (substring, pinyin or its initials, as on the
    customer list) and contact. An empty text matches everything."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return Q()
    if connection.vendor == "postgresql" and len(text) == 2 and " " not in text:
        # Two characters have no trigram (migration 0003): their bigram is looked up instead (0005).
        condition = Q(search_bigrams__has_bigram=text.lower())
    else:
        condition = Q(title__icontains=text) | Q(customer_name__icontains=text) | Q(contact_name__icontains=text)
    key = text.lower().replace(" ", "")
    if _LATIN.match(key):
        # The keys are lower-case letters: a plain (index-friendly) substring match.
        condition |= Q(customer_name_pinyin__contains=key) | Q(customer_name_initials__contains=key)
    return condition


def opportunity_detail(*, user, pk):
    """The opportunity ``pk`` with its people, source and customer, if ``user`` may see it (else 404)."""
    return get_object_or_404(
        access.visible(user, Opportunity).select_related("source", "created_by", "assigned_to", "customer"),
        pk=pk,
    )


def plan_of(*, user, opportunity):
    """The plan items of ``opportunity`` that ``user`` may see, by date."""
    return access.visible(user, PlanItem).filter(opportunity=opportunity).order_by("plan_date", "id")


def plan_item_by_pk(*, user, pk):
    """The plan item ``pk`` with its opportunity, if ``user`` may see it (else 404)."""
    return get_object_or_404(access.visible(user, PlanItem).select_related("opportunity"), pk=pk)


def opportunities_of_customer(*, user, customer):
    """The opportunities ``user`` may see that became ``customer`` (the customer page's panel)."""
    return (
        access.visible(user, Opportunity)
        .filter(customer=customer)
        .select_related("assigned_to")
        .order_by("-closed_at", "-id")
    )


def _next_open_item():
    """The earliest plan item of the outer opportunity that has no result yet (overdue ones first)."""
    return PlanItem.objects.filter(opportunity=OuterRef("pk"), result="").order_by("plan_date", "id")


def my_developing(*, user):
    """ "My opportunities in development": those assigned to ``user``, each annotated with its next
    planned step (``next_plan_date``, ``next_plan_todo``; None when nothing is left to do), in one
    query however many there are. Oldest assignment first: it has waited longest."""
    following = _next_open_item()
    return (
        access.visible(user, Opportunity)
        .filter(assigned_to=user, status=Status.DEVELOPING)
        .select_related("source")
        .annotate(
            next_plan_date=Subquery(following.values("plan_date")[:1]),
            next_plan_todo=Subquery(following.values("todo")[:1]),
        )
        .order_by("assigned_at", "id")
    )


def todays_plan_items(*, user, day=None):
    """The open plan items due on ``day`` (today by default) of the opportunities in development
    assigned to ``user`` (the dashboard's card), with their opportunity."""
    day = day or timezone.localdate()
    return (
        access.visible(user, PlanItem)
        .filter(
            plan_date=day,
            result="",
            opportunity__assigned_to=user,
            opportunity__status=Status.DEVELOPING,
        )
        .select_related("opportunity")
        .order_by("opportunity__title", "id")
    )


def board_counts(*, user, visible=None):
    """{status: count} of the opportunities ``user`` may see, every status present (0 if none):
    the whole pipeline for a supervisor, one's own for an account manager. One query.
    ``visible``: access.visible(user, Opportunity), if the caller has it already."""
    counts = dict.fromkeys(Status.values, 0)
    visible = access.visible(user, Opportunity) if visible is None else visible
    rows = visible.order_by().values_list("status").annotate(count=Count("pk"))
    counts.update(dict(rows))
    return counts


def board_column(*, user, status, limit=50, visible=None):
    """The newest ``limit`` cards of one board column (``status``), with the assignee for the card.
    ``visible``: access.visible(user, Opportunity), if the caller has it already."""
    visible = access.visible(user, Opportunity) if visible is None else visible
    return (
        visible.filter(status=status)
        .select_related("assigned_to")
        .only("title", "customer_name", "success_rate", "status", "created_at", "assigned_to")
        .order_by("-created_at", "-id")[:limit]
    )


def assignable_managers():
    """Whom an opportunity may be assigned to: active users holding the account manager role."""
    return account_managers()


# Every step a page may offer, by name, with the predicate that allows it (opportunities.rules).
STEPS = {
    "edit": rules.may_edit,
    "delete": rules.may_delete,
    "assign": rules.may_assign,
    "plan": rules.may_plan,
    "close": rules.may_close,
}


def opportunity_steps(*, user, opportunity):
    """The names of the STEPS ``user`` may take on ``opportunity`` now (for the page's buttons):
    the same predicates the actions check, so a button shown is a step allowed."""
    return {name for name, allowed in STEPS.items() if allowed(user, opportunity)}


# Who a step belongs to, whatever the opportunity's state: its creator (edit, delete), its
# assignee (plan, close) or a holder of the model-level permission (a supervisor). Someone else
# asking for the step is refused outright (403); someone it belongs to is told why the state
# doesn't allow it now (opportunity_steps says whether it does).
def _creator_or(user, opportunity, model, action):
    return opportunity.created_by_id == user.pk or access.sees_all(user, model, action)


def _assignee_or(user, opportunity, model, action):
    mine = opportunity.assigned_to_id is not None and opportunity.assigned_to_id == user.pk
    return mine or access.sees_all(user, model, action)


STEP_HOLDERS = {
    "edit": lambda user, opportunity: _creator_or(user, opportunity, Opportunity, "change"),
    "delete": lambda user, opportunity: _creator_or(user, opportunity, Opportunity, "delete"),
    "assign": lambda user, opportunity: access.can(user, "opportunities.assign_opportunity"),
    "plan": lambda user, opportunity: _assignee_or(user, opportunity, PlanItem, "change"),
    "close": lambda user, opportunity: _assignee_or(user, opportunity, Opportunity, "change"),
}


def holds_step(*, user, opportunity, step):
    """True if ``step`` (a key of STEPS) belongs to ``user`` on ``opportunity`` in some state: its
    creator or assignee as the step needs, or a supervisor. Active signed-in users only."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return STEP_HOLDERS[step](user, opportunity)


def assignee_filter_choices(*, user):
    """The account managers the list's assignee filter offers: everyone for those who see every
    opportunity; for an account manager, the assignees of the opportunities they see."""
    managers = assignable_managers()
    if access.sees_all(user, Opportunity):
        return managers
    return managers.filter(pk__in=access.visible(user, Opportunity).order_by().values("assigned_to_id"))


def likely_duplicates(*, user, opportunity):
    """The customers the duplicate rules find for ``opportunity``'s customer (its name and contact
    phone), as [(customer, reasons, visible)]: ``visible`` says whether ``user`` may see the
    customer (else the page names only who manages it). Two queries."""
    found = find_duplicates(name=opportunity.customer_name, phone=opportunity.contact_phone)
    return duplicates_as_seen(user=user, duplicates=found)


def duplicates_as_seen(*, user, duplicates):
    """[(customer, reasons)] from the duplicate rules as [(customer, reasons, visible)] for ``user``."""
    seen = access.permitted_ids(user, Customer, "view", [customer.pk for customer, _reasons in duplicates])
    return [(customer, reasons, customer.pk in seen) for customer, reasons in duplicates]


def board(*, user, limit=20):
    """The pipeline board as ``user`` sees it (the whole pipeline for a supervisor, administrator
    or viewer, one's own for an account manager): for each status in workflow order, (status,
    count, the newest ``limit`` cards), and the success rate of the closed ones (a percentage,
    None when none is closed). One query for the counts and one per column."""
    visible = access.visible(user, Opportunity)  # the user's scope worked out once, not per column
    counts = board_counts(user=user, visible=visible)
    columns = [
        (Status(status), counts[status], list(board_column(user=user, status=status, limit=limit, visible=visible)))
        for status in Status.values
    ]
    closed = counts[Status.SUCCEEDED] + counts[Status.FAILED]
    rate = round(100 * counts[Status.SUCCEEDED] / closed) if closed else None
    return columns, rate
