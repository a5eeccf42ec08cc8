from django import template
from django.utils.translation import gettext as _

from crm.tables import cell_html
from customers import selectors, tables
from customers.models import Customer
from customers.rules import may_act_on_loss

register = template.Library()


@register.filter
def stars(value, out_of=5):
    """A rating (satisfaction, credit) as filled and empty stars, ``★★☆☆☆``, with the number in
    words for screen readers; "—" for no rating."""
    if value in (None, ""):
        return "—"
    try:
        filled = max(0, min(int(value), out_of))
    except (TypeError, ValueError):
        return "—"
    spoken = _("%(value)s of %(max)s stars") % {"value": filled, "max": out_of}
    return cell_html(
        '<span class="rating" aria-hidden="true">{}{}</span><span class="visually-hidden">{}</span>',
        "★" * filled,
        "☆" * (out_of - filled),
        spoken,
    )


# --- customer loss (issue 13): the lost mark, the 360° page's panel ---------------------------------

# Past (confirmed or recovered) records the panel shows before it points to the list.
PANEL_PAST_LIMIT = 5


def status_badges():
    """Customer status -> its badge in the active language; a lost customer (流失) stands out in
    red with an icon. A list draws its rows' badges from one such dict."""
    badges = {
        value: cell_html('<span class="badge text-bg-success">{}</span>', label)
        for value, label in Customer.Status.choices
    }
    badges[Customer.Status.LOST] = cell_html(
        '<span class="badge text-bg-danger" data-testid="lost-badge">'
        '<i class="bi bi-person-x" aria-hidden="true"></i> {}</span>',
        Customer.Status.LOST.label,
    )
    return badges


@register.filter
def customer_status_badge(customer, badges=None):
    """``{{ customer|customer_status_badge }}``: the customer's status as a badge, wherever
    customers are listed or named (``badges``: a list's ``status_badges()``)."""
    badge = (badges or status_badges()).get(customer.status)
    return badge if badge is not None else cell_html('<span class="badge text-bg-success">{}</span>', "")


@register.filter
def loss_status_badge(record):
    """``{{ record|loss_status_badge }}``: a loss record's status (预警, 暂缓流失, ...) as the loss list
    draws it (customers.tables.loss_status_badge)."""
    return tables.loss_status_badge(record)


@register.inclusion_tag("customers/_loss_panel.html", takes_context=True)
def loss_panel(context, customer):
    """The loss panel of the customer 360° page: the customer's open loss record (its status, when
    it was raised, the last order date and account manager of that day, its measures) with the
    postpone and confirm forms for those who may act on it (customers.rules.may_act_on_loss), and
    the latest past records (confirmed with reason, recovered with the order's date), as far as
    the user may see them (selectors.losses_of_customer). Nothing for a customer without records.
    One query, however many rows (selectors.loss_panel_records)."""
    user = context["request"].user
    # At most one record is open, and it is the newest (none is raised while one is open); one
    # more past record than shown tells whether there are more.
    records = selectors.loss_panel_records(user=user, customer=customer, limit=PANEL_PAST_LIMIT + 2)
    for record in records:
        record.customer = customer  # the rule reads the customer's manager: this customer, loaded
    open_record = next((record for record in records if record.is_open), None)
    past = [record for record in records if not record.is_open]
    return {
        "shown": bool(records),
        "customer": customer,
        "open_record": open_record,
        "measures": open_record.measure_list if open_record else [],
        "may_act": open_record is not None and may_act_on_loss(user, open_record),
        "past_records": past[:PANEL_PAST_LIMIT],
        "more_past": len(past) > PANEL_PAST_LIMIT,
        "next": customer.get_absolute_url(),
    }
