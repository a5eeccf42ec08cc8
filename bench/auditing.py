"""The audit pages bench/run.py times (``--app audit``): /audit/ unfiltered and by each filter as an
administrator, and a customer's 360° page, whose history panel reads the customer's audit rows, as
the supervisor. Rows come from ``bench/seed.py --audit N``.
"""

import datetime as dt
from urllib.parse import urlencode

AUDIT = "/audit/"


def bench_admin():
    """``bench_admin``, an administrator (the audit page's role), made when missing (no password:
    the benchmark logs in with force_login)."""
    from django.contrib.auth import get_user_model

    from crm.actions import create_user
    from crm.roles import ADMINISTRATOR

    User = get_user_model()
    admin = User.objects.filter(username="bench_admin").first()
    return admin or create_user(username="bench_admin", password=None, full_name="基准管理员", roles=[ADMINISTRATOR])


def verify(client, user):
    """An administrator signs in with a second step (crm.two_factor): mark the forced login verified,
    as the tests do (crm.testing.two_factor); nothing for a user who needs none."""
    try:
        from crm.testing.two_factor import mark_verified, must_verify
    except ImportError:  # a checkout before two-factor sign-in
        return
    if must_verify(user):
        mark_verified(client, user)


def busy_customer():
    """(customer, its audit rows): the customer with the most audit rows of 200 in the middle of
    the table (one index range, not a count over the whole log)."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count, Max

    from customers.models import Customer

    middle = (Customer.all_objects.aggregate(top=Max("pk"))["top"] or 0) // 2
    counts = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Customer), object_id__range=(middle, middle + 199)
        )
        .values("object_id")
        .annotate(rows=Count("id"))
        .order_by("-rows", "object_id")
    )
    top = counts.first()
    if top is None:
        return None, 0
    return Customer.objects.filter(pk=top["object_id"]).first(), top["rows"]


def audit_pages(*, manager, today):
    """(label, url) of each /audit/ page timed as an administrator."""
    from django.contrib.contenttypes.models import ContentType

    from customers.models import Contact

    def q(**params):
        return f"{AUDIT}?{urlencode(params)}"

    year_ago = today - dt.timedelta(days=365)
    month = (year_ago, year_ago + dt.timedelta(days=30))
    contacts = ContentType.objects.get_for_model(Contact).pk
    return [
        ("audit: log, first page", AUDIT),
        ("audit: log, page 20", q(page=20)),
        ("audit: by user (an account manager)", q(actor=manager.pk)),
        ("audit: by model (contacts)", q(content_type=contacts)),
        ("audit: by action (deleted)", q(action=2)),
        ("audit: by action, an event (export)", q(action="export")),
        (f"audit: date range ({month[0]:%Y-%m-%d}…{month[1]:%Y-%m-%d})", q(date_from=month[0], date_to=month[1])),
        ("audit: user and date range", q(actor=manager.pk, date_from=month[0], date_to=month[1])),
        ("audit: export log", f"{AUDIT}exports/"),
    ]
