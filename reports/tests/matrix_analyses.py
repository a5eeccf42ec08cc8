"""The analyses' permission matrix rows (reports/tests/test_permissions.py runs them with the
management reports' rows) and the small world of known figures the analyses' tests compute.

The world: customers.tests.factories.customer_world (A ann's, B bob's, C bob's shared with ann to
view, D bob's shared with ann to edit, E ann's in the recycle bin) with orders, levels and ratings,
service requests and confirmed losses whose figures the tests state exactly (ANALYSES_FIGURES).

Every role opens the analyses (each sees its own scope's figures: 200 for all); exporting the
contribution or the losses copies customer data, superusers alone; the aggregate analyses may be
exported by supervisors and administrators too. Read-only pages: a POST is refused (405).
"""

import datetime as dt

from django.utils import timezone

from crm.testing.matrix import table
from customers.actions.losses import confirm_loss
from customers.models import Customer, Level, LossRecord, Rating
from customers.tests.loss_factories import warned
from sales.tests.factories import line, load, order, product
from services.models import ServiceRequest
from services.tests.factories import archived, make_request, service_type

# The year the world's orders and losses are dated in (a past year: the pages default to this one).
YEAR = 2025

# (order number, customer key, date, [(quantity, unit price)]).
ORDERS = [
    ("SO-A-0001", "A", "2025-03-12", [("2", "1000.00")]),
    ("SO-A-0002", "A", "2025-07-01", [("1", "300.25"), ("1", "200.25")]),
    ("SO-B-0001", "B", "2025-05-20", [("3", "1200.00")]),
    ("SO-C-0001", "C", "2025-11-30", [("1", "800.00")]),
    ("SO-C-0002", "C", "2024-06-01", [("10", "100.00")]),
    ("SO-D-0001", "D", "2024-12-31", [("1", "300.00")]),
    ("SO-E-0001", "E", "2025-02-01", [("1", "9999.00")]),
]
# Levels and ratings (credit, satisfaction) of the world's customers; E is in the bin.
RATINGS = {
    "A": (Level.MAJOR, Rating.FIVE, Rating.FOUR),
    "B": (Level.MAJOR, Rating.THREE, None),
    "C": (Level.PARTNER, None, None),
    "D": (Level.ORDINARY, Rating.THREE, Rating.FOUR),
    "E": (Level.STRATEGIC_PARTNER, Rating.ONE, Rating.ONE),
}
# Confirmed losses: customer key -> local time of the confirmation.
LOSSES = {"A": (2025, 3, 15, 10), "B": (2025, 3, 20, 9), "C": (2025, 6, 1, 23)}
# Service requests of the world's year (created_by, customer, type, archived with satisfaction,
# hours from creation to archive).
SERVICES = [
    ("manager_ann", "A", "complaint", 5, 10),
    ("manager_ann", "A", "complaint", 3, 30),
    ("manager_ann", "C", "complaint", None, None),
    ("manager_bob", "B", "consultation", 4, 4),
    ("manager_bob", "B", "complaint", None, None),
]


def _local(*parts):
    return timezone.make_aware(dt.datetime(*parts))


def analyses_world(world):
    """Orders, ratings, service requests and confirmed losses on ``world`` (customer_world's)."""
    load(
        products=[product("P-1001", price="1000.00")],
        orders=[order(number, world[key], order_date=day) for number, key, day, _lines in ORDERS],
        order_lines=[
            line(number, index, "P-1001", quantity, price)
            for number, _key, _day, lines in ORDERS
            for index, (quantity, price) in enumerate(lines, start=1)
        ],
    )
    for key, (level, credit, satisfaction) in RATINGS.items():
        # Setup: the ratings are the customers' own fields, set without the form; all of them
        # were entered early in the world's year.
        Customer.all_objects.filter(pk=world[key].pk).update(
            level=level, credit=credit, satisfaction=satisfaction, created_at=_local(YEAR, 1, 10, 9)
        )
    sue = world["supervisor_sue"]
    services = []
    for creator, key, kind, satisfaction, hours in SERVICES:
        persona = world[creator]
        created = _local(YEAR, 4, 1, 9)
        if satisfaction is None:
            request = make_request(persona, world[key], service_type=service_type(kind))
        else:
            request = archived(
                persona, world[key], persona, supervisor=sue, satisfaction=satisfaction, service_type=service_type(kind)
            )
        ServiceRequest.objects.filter(pk=request.pk).update(
            created_at=created, archived_at=created + dt.timedelta(hours=hours) if hours else None
        )
        services.append(request.pk)
    losses = {}
    for key, moment in LOSSES.items():
        record = confirm_loss(actor=sue, record=warned(world[key]), reason=f"{key}的采购转向竞争对手")
        LossRecord.objects.filter(pk=record.pk).update(confirmed_at=_local(*moment))
        losses[key] = record.pk
    return {**world, "service_pks": services, "loss_pks": losses}


def _export(analysis, file_format="xlsx", **filters):
    return {"kwargs": {"analysis": analysis}, "data": {"file_format": file_format, **filters}}


ANALYSES_MATRIX = table(
    """
                                                      anonymous admin sue ann bob vic sam
    GET   reports:index                                  302    200  200 200 200 200 200
    GET   reports:contribution                           302    200  200 200 200 200 200
    GET   reports:contribution  all years                302    200  200 200 200 200 200
    GET   reports:contribution  year 20266               302    200  200 200 200 200 200
    GET   reports:composition                            302    200  200 200 200 200 200
    GET   reports:composition   by credit as bars        302    200  200 200 200 200 200
    GET   reports:composition   unknown grouping         302    200  200 200 200 200 200
    GET   reports:services                               302    200  200 200 200 200 200
    GET   reports:services      year -1                  302    200  200 200 200 200 200
    GET   reports:losses                                 302    200  200 200 200 200 200
    # A manager the user can't pick is an error on the field, not a wider list.
    GET   reports:losses        manager bob              302    200  200 200 200 200 200
    # Customer data leaves only with a superuser; the aggregate analyses with the roles that
    # may export them (supervisor, administrator).
    GET   reports:export        contribution xlsx        302    403  403 403 403 403 200
    GET   reports:export        contribution csv         302    403  403 403 403 403 200
    GET   reports:export        composition xlsx         302    200  200 403 403 403 200
    GET   reports:export        composition csv          302    200  200 403 403 403 200
    GET   reports:export        services xlsx            302    200  200 403 403 403 200
    GET   reports:export        services csv             302    200  200 403 403 403 200
    GET   reports:export        losses xlsx              302    403  403 403 403 403 200
    GET   reports:export        losses csv               302    403  403 403 403 403 200
    # No format: back to the analysis with a message; an unknown analysis is missing.
    GET   reports:export        composition no format    302    302  302 403 403 403 302
    GET   reports:export        unknown analysis         302    404  404 404 404 404 404
    # Read-only pages: a POST writes nothing and is refused.
    POST  reports:index                                  302    405  405 405 405 405 405
    POST  reports:contribution                           302    405  405 405 405 405 405
    POST  reports:composition                            302    405  405 405 405 405 405
    POST  reports:services                               302    405  405 405 405 405 405
    POST  reports:losses                                 302    405  405 405 405 405 405
    POST  reports:export        composition xlsx         302    405  405 405 405 405 405
    GET   reports:dashboard_figures                      302    403  200 403 403 403 200
    POST  reports:dashboard_figures                      302    405  405 405 405 405 405
    """,
    targets={
        "all years": {"data": {"year": "all"}},
        "year 20266": {"data": {"year": "20266"}},
        "by credit as bars": {"data": {"dimension": "credit", "chart": "bar"}},
        "unknown grouping": {"data": {"dimension": "region"}},
        "year -1": {"data": {"year": "-1"}},
        "manager bob": {"data": lambda world: {"manager": world["manager_bob"].pk}},
        **{
            f"{analysis} {file_format}": _export(analysis, file_format, year=str(YEAR))
            for analysis in ("contribution", "composition", "services", "losses")
            for file_format in ("xlsx", "csv")
        },
        "composition no format": {"kwargs": {"analysis": "composition"}, "data": {}},
        "unknown analysis": _export("customers"),
    },
)

# Exports a matrix row hands out (200) must each leave one audit row (the management helper's
# test_permissions and reports/tests/test_analyses_permissions.py check it).
EXPORT_ROWS = [row for row in ANALYSES_MATRIX if row.url_name == "reports:export" and row.expected == 200]
