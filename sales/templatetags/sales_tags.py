from django import template

from sales import selectors

register = template.Library()


@register.inclusion_tag("sales/_customer_orders_panel.html", takes_context=True)
def sales_customer_panel(context, customer):
    """The orders panel of the customer 360° page: latest orders, total amount, last order date."""
    summary = selectors.customer_orders_summary(user=context["request"].user, customer=customer)
    return {**summary, "customer": customer}
