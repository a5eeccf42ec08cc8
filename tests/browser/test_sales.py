"""An account manager follows a customer's orders down to the lines, then checks a product's stock.

The demo data (seed_demo, 12 customers) holds three years of orders imported through the real
``import_sales``; the expected figures are read from the database the live server uses.
"""

import re
from decimal import Decimal
from urllib.parse import quote_plus

from django.db.models import F, Sum
from playwright.sync_api import expect

from customers.models import Customer
from sales.models import Order, OrderLine, Stock
from tests.browser.conftest import login, screenshot, submit


def figure(value):
    """A pattern for the number ``value`` as a page may show it: with or without thousands
    separators, with or without trailing decimal zeros ("18,800.50", "18800.5", "1,234")."""
    integer, fraction = f"{Decimal(value):.2f}".split(".")
    digits = ",?".join(re.escape(digit) for digit in integer)
    fraction = fraction.rstrip("0")
    decimals = rf"\.{fraction}0*" if fraction else r"(\.0+)?"
    # Not a part of a longer number on either side.
    return rf"(?<![\d.,]){digits}{decimals}(?![\d]|[.,]\d)"


def test_figure_matches_the_number_as_shown_and_nothing_else():
    assert re.fullmatch(figure(Decimal("18800.50")), "18,800.50")
    assert re.fullmatch(figure(Decimal("18800.50")), "18800.5")
    assert re.fullmatch(figure(Decimal("1234")), "1,234")
    assert re.fullmatch(figure(Decimal("1234")), "1234.00")
    assert not re.search(figure(Decimal("1234")), "11,234")
    assert not re.search(figure(Decimal("1234")), "1,234.5")
    assert not re.search(figure(Decimal("18800.50")), "18,800.51")


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
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()

    page.goto(f"{page.base_url}/customers/")
    page.fill("#id_q", customer.code)
    submit(page, "[data-testid=filter-form] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"[?&]q={re.escape(quote_plus(customer.code))}(&|$)"))
    page.click(f"text={customer.name}")
    page.wait_for_url(f"**/customers/{customer.code}/")
    panel = page.locator("[data-testid=orders-panel]")
    header = panel.locator(".card-header")
    expect(header).to_contain_text(customer.last_order_date.strftime("%Y-%m-%d"))
    expect(header).to_contain_text(
        re.compile(f"{re.escape(f'{customer_total:,.2f}')}|{re.escape(f'{customer_total:.2f}')}")
    )
    first_row = panel.locator("tbody tr").first
    expect(first_row.locator("td").first).to_have_text(latest.order_no)  # the latest order comes first
    screenshot(page, "sales-customer-orders-panel")

    first_row.locator("a").click()
    page.wait_for_url("**/sales/orders/**")
    expect(page.locator("[data-testid=order-no]")).to_have_text(latest.order_no)
    body = page.locator("[data-testid=order-lines] tbody")
    expect(body.locator("tr")).to_have_count(lines.count())
    for line in lines.select_related("product"):
        expect(body).to_contain_text(line.product.name)
    # The total's digits are the order's total (a currency sign or unit around them is fine).
    expect(page.locator("[data-testid=order-total]")).to_have_text(
        re.compile(rf"^\D*{figure(order_total.quantize(Decimal('0.01')))}\D*$")
    )
    screenshot(page, "sales-order-detail")

    product = lines.select_related("product").first().product
    stock_total = Stock.objects.filter(product=product).aggregate(total=Sum("quantity"))["total"]
    page.goto(f"{page.base_url}/sales/stock/")
    page.fill("#id_product", product.code)
    submit(page, "[data-testid=filter-form] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"[?&]product={re.escape(quote_plus(product.code))}(&|$)"))
    stock_rows = len(Stock.objects.filter(product=product))
    rows = page.locator("[data-testid=stock-table] tbody tr")
    expect(rows).to_have_count(stock_rows)
    for index in range(stock_rows):
        expect(rows.nth(index)).to_contain_text(product.name)
    totals = page.locator("[data-testid=stock-totals] li")
    expect(totals).to_have_count(1)
    expect(totals.first).to_contain_text(product.code)
    # The figure before the unit is the product's stock over all warehouses.
    expect(totals.first.locator("span.text-nowrap")).to_have_text(re.compile(rf"^{figure(stock_total)}(\s|$)"))
    screenshot(page, "sales-stock-totals")
