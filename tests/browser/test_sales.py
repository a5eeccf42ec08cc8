"""An account manager follows a customer's orders down to the lines, then checks a product's stock.

The demo data (seed_demo, 12 customers) holds three years of orders imported through the real
``import_sales``; the expected figures are read from the database the live server uses.
"""

import re
from decimal import Decimal

from django.db.models import F, Sum

from customers.models import Customer
from sales.models import Order, OrderLine, Stock
from tests.browser.conftest import login, screenshot


def money(text):
    """A figure as the page shows it ("18,800.50") as a Decimal."""
    return Decimal(re.sub(r"[^\d.\-]", "", text))


def test_account_manager_follows_a_customers_orders_to_the_lines_and_looks_up_stock(page):
    customer = (
        Customer.objects.filter(account_manager__username="ann", orders__isnull=False).distinct().order_by("code")
    ).first()
    assert customer is not None, "the demo gives ann customers with orders"
    latest = Order.objects.filter(customer=customer).order_by("-order_date", "-id").first()
    lines = OrderLine.objects.filter(order=latest)
    order_total = lines.aggregate(total=Sum(F("quantity") * F("unit_price")))["total"]
    customer_total = OrderLine.objects.filter(order__customer=customer).aggregate(
        total=Sum(F("quantity") * F("unit_price"))
    )["total"]

    login(page, "ann", "crm-demo-ann")
    page.wait_for_selector("[data-testid=dashboard]")

    page.goto(f"{page.base_url}/customers/")
    page.fill("#id_q", customer.code)
    page.click("[data-testid=filter-form] button[type=submit]")
    page.click(f"text={customer.name}")
    panel = page.locator("[data-testid=orders-panel]")
    panel.wait_for()
    header = panel.locator(".card-header").inner_text()
    assert customer.last_order_date.strftime("%Y-%m-%d") in header
    assert f"{customer_total:,.2f}" in header or f"{customer_total:.2f}" in header
    first_row = panel.locator("tbody tr").first
    assert first_row.locator("td").first.inner_text() == latest.order_no  # the latest order comes first
    screenshot(page, "sales-customer-orders-panel")

    first_row.locator("a").click()
    page.wait_for_selector("[data-testid=order-no]")
    assert page.locator("[data-testid=order-no]").inner_text() == latest.order_no
    assert page.locator("[data-testid=order-lines] tbody tr").count() == lines.count()
    for line in lines.select_related("product"):
        assert line.product.name in page.locator("[data-testid=order-lines] tbody").inner_text()
    assert money(page.locator("[data-testid=order-total]").inner_text()) == order_total.quantize(Decimal("0.01"))
    screenshot(page, "sales-order-detail")

    product = lines.select_related("product").first().product
    stock_total = Stock.objects.filter(product=product).aggregate(total=Sum("quantity"))["total"]
    page.goto(f"{page.base_url}/sales/stock/")
    page.fill("#id_product", product.code)
    page.click("[data-testid=filter-form] button[type=submit]")
    page.wait_for_selector("[data-testid=stock-table]")
    rows = page.locator("[data-testid=stock-table] tbody tr")
    assert rows.count() == Stock.objects.filter(product=product).count()
    for index in range(rows.count()):
        assert product.name in rows.nth(index).inner_text()
    totals = page.locator("[data-testid=stock-totals] li")
    assert totals.count() == 1
    assert product.code in totals.first.inner_text()
    shown = totals.first.locator("span.text-nowrap").inner_text().split()[0]
    assert money(shown) == stock_total
    screenshot(page, "sales-stock-totals")
