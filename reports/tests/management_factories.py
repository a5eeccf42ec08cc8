"""Management reports and a small known data set for one month, made the way production makes
them: customers, orders (through the sales import), service requests and confirmed losses through
their apps' actions, reports through reports.actions."""

import itertools

from django.utils import timezone

from customers.actions.losses import confirm_loss
from customers.models import Level
from customers.tests.factories import make_customer
from customers.tests.loss_factories import warned
from reports import actions
from sales.tests.factories import line, load, order, product
from services.tests.factories import archived, make_request

_serial = itertools.count(1)


def this_month():
    """("month", year, month) of today: a period that has begun and holds what happens now."""
    today = timezone.localdate()
    return "month", today.year, today.month


def draft(author, kind=None, year=None, number=None, summary=""):
    """A draft by ``author`` (this month unless told)."""
    default_kind, default_year, default_number = this_month()
    return actions.create_report(
        actor=author,
        kind=kind or default_kind,
        year=year or default_year,
        number=number or default_number,
        summary=summary,
    )


def submitted(author, **period):
    return actions.submit_report(actor=author, report=draft(author, **period))


def orders(customer, *lines_, day=None):
    """One order of ``customer`` dated ``day`` (today) with ``lines_`` (quantity, unit price) of one
    product, loaded through the sales import; returns its number."""
    serial = next(_serial)
    order_no = f"SO-RPT-{serial:05d}"
    load(
        products=[product("P-RPT-1", price="100.00")],
        orders=[order(order_no, customer, order_date=(day or timezone.localdate()).isoformat())],
        order_lines=[
            line(order_no, number, "P-RPT-1", quantity, price) for number, (quantity, price) in enumerate(lines_, 1)
        ],
    )
    return order_no


def month_data(ann, bob, sue):
    """This month, as a supervisor sees it: ann's A ordered 2 × 3,200.00 (and 999.00 last year, out
    of the period), bob's B 100.00 + 3 × 50.00; one service request of A archived with
    satisfaction 4, one new for B; bob's L lost (confirmed by sue). A is a major customer, B and L
    ordinary ones."""
    a = make_customer(ann, name="安诚贸易有限公司", level=Level.MAJOR)
    b = make_customer(bob, name="博远科技有限公司")
    lost = make_customer(bob, name="乐凯食品有限公司")
    today = timezone.localdate()
    orders(a, ("2", "3200.00"))
    orders(a, ("1", "999.00"), day=today.replace(year=today.year - 1))
    orders(b, ("1", "100.00"), ("3", "50.00"))
    archived(ann, a, ann, supervisor=sue, satisfaction=4, title="安诚发票抬头有误")
    make_request(bob, b, title="博远送货延迟")
    confirm_loss(actor=sue, record=warned(lost), reason="改用竞争对手的产品")
    return {"A": a, "B": b, "L": lost}
