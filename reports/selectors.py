"""The four analyses (SPEC §5), read through the other apps' selectors (STYLE §1).

Each function here feeds a page's table, its chart and its export alike, so the three can't
disagree; ``period_figures`` feeds a management report. The figures are computed by the apps that
own the data (sales.selectors.contribution, customers.selectors.composition and confirmed_losses,
services.selectors.service_composition), each scoped to the user through crm.access: an account
manager's figures cover their own customers and those shared with them.

Periods are whole days, inclusive; the contribution rounds them to whole months (it reads the
monthly totals the sales import keeps), which is exact for the years, quarters and months the
pages and the management report ask for.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from crm.display import display_name
from customers import selectors as customer_selectors
from sales import selectors as sales_selectors
from services import selectors as service_selectors

# The contribution chart and the management report show the largest customers, this many.
TOP = 20
# A management report lists this many confirmed losses of its period (their count is exact).
REPORT_LOSS_ROWS = 200
CENT = Decimal("0.01")


def year_bounds(year):
    """(1 January, 31 December) of ``year``."""
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def contribution_analysis(*, user, start, end, q="", first=None):
    """Order amount per customer ``user`` may see, for orders dated in [start, end] (None: all
    time), customers matching ``q`` (name, initials, code): {"rows": the per-customer queryset
    (largest first), "total": Decimal, "customers": int, "top": the first TOP rows as dicts, each
    with its "share" of the total (a fraction, 0 when the total is 0)}.

    ``first`` (at least TOP): a page showing only the first rows (the analysis's first page) gets
    "rows" as a list of that many, read once, the top taken from them: each read groups every
    customer's month totals (about 0.45 s for a supervisor at a million customers)."""
    rows = sales_selectors.contribution(user=user, start=start, end=end, q=q)
    if first is not None:
        rows = list(rows[: max(first, TOP)])
    totals = sales_selectors.contribution_totals(user=user, start=start, end=end, q=q)
    total = totals["total"] or Decimal(0)
    top = [{**row, "share": float(row["amount"] / total) if total else 0.0} for row in rows[:TOP]]
    return {"rows": rows, "total": total, "customers": totals["customers"], "top": top}


def composition_analysis(*, user, dimension, until=None):
    """How many customers ``user`` may see fall in each value of ``dimension`` (level, credit,
    satisfaction; customers entered up to ``until`` if given): {"rows": [{"value", "label",
    "count"}] in choice order, zero counts included, "total": int}. ValueError for an unknown
    dimension (the page's form refuses it first)."""
    rows = customer_selectors.composition(user=user, dimension=dimension, until=until)
    return {"rows": rows, "total": sum(row["count"] for row in rows)}


def service_analysis(*, user, start, end):
    """Service requests ``user`` may see, created in [start, end], per service type: {"rows":
    [{"type_id", "label", "count", "archived", "avg_satisfaction", "avg_rounds",
    "median_to_archive"}] (most requested first, every type of the dictionary), "total": int}."""
    rows = service_selectors.service_composition(user=user, start=start, end=end)
    return {"rows": rows, "total": sum(row["count"] for row in rows)}


def loss_analysis(*, user, start=None, end=None, q="", manager=None):
    """Confirmed losses of the customers ``user`` may see, confirmed in [start, end] (local
    dates), customers matching ``q``, managed by ``manager`` when confirmed: {"rows": the records
    (newest first), "per_month": [{"month", "count"}] ascending, "count": int (the sum of the
    months: no query of its own)}."""
    rows = customer_selectors.confirmed_losses(user=user, start=start, end=end, q=q, manager=manager)
    per_month = customer_selectors.losses_per_month(records=rows)
    return {"rows": rows, "per_month": per_month, "count": sum(month["count"] for month in per_month)}


def _money(amount):
    """An amount as text with its cents ("6900.50"), whatever the database's Sum returned."""
    return str(Decimal(amount or 0).quantize(CENT))


def _hours(span):
    return None if span is None else round(span.total_seconds() / 3600, 2)


def _rounded(value):
    return None if value is None else round(float(value), 2)


def period_figures(*, user, start, end):
    """The four analyses for [start, end] as ``user`` sees them, as plain JSON values: what a
    management report freezes when it is submitted. Decimals are strings, dates ISO, labels text
    in the active language::

        {"contribution": {"total": "123.45", "customers": 3,
                          "top": [{"code", "name", "amount": "…", "share": 0.12}, ...]},
         "composition": {"level": [{"value", "label", "count"}, ...], "credit": [...],
                         "satisfaction": [...]},
         "services": [{"label", "count", "archived", "avg_satisfaction", "avg_rounds",
                       "median_to_archive_hours"}, ...],
         "losses": {"count": n, "rows": [{"customer_code", "customer_name", "manager",
                                         "confirmed_on", "reason"}, ...],
                    "per_month": [{"month": "2026-10", "count": n}, ...]}}

    The composition counts the customers entered up to ``end``; the losses list the first
    REPORT_LOSS_ROWS records (newest first), their count covers all.
    """
    contribution = contribution_analysis(user=user, start=start, end=end)
    losses = loss_analysis(user=user, start=start, end=end)
    loss_rows = [
        {
            "customer_code": record.customer.code,
            "customer_name": record.customer.name,
            "manager": display_name(record.account_manager) if record.account_manager else "",
            "confirmed_on": timezone.localdate(record.confirmed_at).isoformat() if record.confirmed_at else None,
            "reason": record.reason,
        }
        for record in losses["rows"][:REPORT_LOSS_ROWS]
    ]
    return {
        "contribution": {
            "total": _money(contribution["total"]),
            "customers": contribution["customers"],
            "top": [
                {"code": row["code"], "name": row["name"], "amount": _money(row["amount"]), "share": row["share"]}
                for row in contribution["top"]
            ],
        },
        # the three dimensions in one scan of the customers (customers.selectors.composition_all)
        "composition": {
            dimension: [{"value": row["value"], "label": str(row["label"]), "count": row["count"]} for row in rows]
            for dimension, rows in customer_selectors.composition_all(user=user, until=end).items()
        },
        "services": [
            {
                "label": str(row["label"]),
                "count": row["count"],
                "archived": row["archived"],
                "avg_satisfaction": _rounded(row["avg_satisfaction"]),
                "avg_rounds": _rounded(row["avg_rounds"]),
                "median_to_archive_hours": _hours(row["median_to_archive"]),
            }
            for row in service_analysis(user=user, start=start, end=end)["rows"]
        ],
        "losses": {
            "count": losses["count"],
            "rows": loss_rows,
            "per_month": [
                {"month": month["month"].strftime("%Y-%m"), "count": month["count"]} for month in losses["per_month"]
            ],
        },
    }
