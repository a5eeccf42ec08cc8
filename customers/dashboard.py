"""The customers app's dashboard cards (crm.dashboard): how many customers and follow-ups the user
has, their own follow-ups for an account manager, and for those who see every customer
(supervisors, administrators, viewers) the same numbers per account manager; and the customers
about to be lost (loss records still open): one's own, or the counts per open status.

Every number comes through crm.access, so an account manager counts only what they see; each card
costs a fixed number of queries however many rows there are (aggregates, not rows).
"""

from datetime import timedelta

from django.db.models import Count, Q, Window
from django.utils import timezone

from crm import access
from crm.dashboard import card
from crm.display import display_name
from customers import selectors
from customers.models import Activity, Customer, LossRecord

# Follow-ups due within this many days are "due"; earlier ones are overdue.
DUE_DAYS = 14


def _days():
    today = timezone.localdate()
    return today, today + timedelta(days=DUE_DAYS)


def _follow_up_counts(activities, today, until, group_by=None):
    """Due and overdue follow-ups of ``activities``, in total or per ``group_by`` (one query)."""
    counts = {
        "due": Count("pk", filter=Q(next_follow_up__gte=today)),
        "overdue": Count("pk", filter=Q(next_follow_up__lt=today)),
    }
    activities = activities.filter(next_follow_up__lte=until).order_by()
    if group_by is None:
        return activities.aggregate(**counts)
    return {row[group_by]: row for row in activities.values(group_by).annotate(**counts)}


def _name(first_name, last_name, username):
    # crm.display.display_name, from the columns the grouped query read.
    return f"{first_name} {last_name}".strip() or username


def team(request):
    """Per account manager, for a user who sees every customer: their customers, follow-ups due
    and overdue, by name; active account managers without customers are listed too. Three
    queries whatever the number of rows, read once per request (both cards use them)."""
    if not hasattr(request, "_dashboard_team"):
        user = request.user
        today, until = _days()
        manager = ("account_manager", "account_manager__first_name", "account_manager__last_name")
        grouped = (
            access.visible(user, Customer)
            .order_by()
            .values(*manager, "account_manager__username")
            .annotate(count=Count("pk"))
        )
        rows = {
            row["account_manager"]: {
                "pk": row["account_manager"],
                "name": _name(*(row[key] for key in manager[1:]), row["account_manager__username"]),
                "customers": row["count"],
            }
            for row in grouped
        }
        for person in selectors.account_managers():
            rows.setdefault(person.pk, {"pk": person.pk, "name": display_name(person), "customers": 0})
        follow_ups = _follow_up_counts(
            access.visible(user, Activity), today, until, group_by="customer__account_manager"
        )
        for pk, row in rows.items():
            counts = follow_ups.get(pk, {})
            row.update(due=counts.get("due", 0), overdue=counts.get("overdue", 0))
        request._dashboard_team = sorted(rows.values(), key=lambda row: (row["name"], row["pk"]))
    return request._dashboard_team


@card("customers.summary", template="customers/_dashboard_summary.html", order=10)
def summary(request):
    """Everyone with the customers module: customers, follow-ups due and overdue in their scope."""
    user = request.user
    if not (user.is_superuser or user.has_module_perms("customers")):
        return None
    today, until = _days()
    if access.sees_all(user, Customer):
        rows = team(request)
        # Every customer has an account manager, so the team's rows add up to the whole.
        totals = {key: sum(row[key] for row in rows) for key in ("customers", "due", "overdue")}
    else:
        totals = {
            "customers": selectors.customer_count(user=user),
            **_follow_up_counts(selectors.follow_ups(user=user, until=until), today, until),
        }
    return {**totals, "days": DUE_DAYS, "scope": "team" if access.sees_all(user, Customer) else "own"}


@card("customers.follow_ups", template="customers/_dashboard_follow_ups.html", order=20)
def follow_ups(request):
    """An account manager's own follow-ups due within two weeks, overdue ones first; for those who
    see every customer, the team's numbers per account manager instead."""
    user = request.user
    if not (user.is_superuser or user.has_module_perms("customers")):
        return None
    today, until = _days()
    if access.sees_all(user, Customer):
        return {"team": team(request), "today": today, "days": DUE_DAYS}
    return {"follow_ups": selectors.follow_ups(user=user, until=until)[:10], "today": today, "days": DUE_DAYS}


# Open loss records the losses card lists before it points to the list.
LOSS_LIMIT = 5


@card("customers.losses", template="customers/_dashboard_losses.html", order=25)
def losses(request):
    """Customer loss (issue 13). An account manager: how many open loss records (预警, 暂缓流失)
    their own customers have, and the five whose last order is oldest, each linking to its record.
    Those who see every record (supervisors, administrators, viewers): how many records are in
    warning and postponed, each linking to the list filtered by it. One query either way."""
    user = request.user
    if not (user.is_superuser or user.has_module_perms("customers")):
        return None
    if access.sees_all(user, LossRecord):
        counts = selectors.loss_counts(parts=[selectors.loss_list(user=user)], statuses=LossRecord.OPEN)
        return {"scope": "all", "counts": counts}
    # The total rides along each row as a window count, so the rows and the count are one query.
    rows = list(selectors.open_losses(user=user).annotate(total=Window(Count("pk")))[:LOSS_LIMIT])
    return {"scope": "own", "records": rows, "total": rows[0].total if rows else 0}
