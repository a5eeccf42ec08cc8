"""The transfer page as the superuser meets it (issue 10): unknown codes are named and nothing moves;
an empty code box is previewed as "all of ann's customers" and the browser asks before it moves."""

import re

from playwright.sync_api import expect

from customers.models import Customer
from tests.browser.conftest import login, submit


def customers_of(username):
    """How many customers ``username`` manages (read from the database, not the page)."""
    return len(Customer.objects.filter(account_manager__username=username).values_list("pk", flat=True))


def choose(page, *, codes):
    page.goto(f"{page.base_url}/customers/transfer/")
    page.select_option("#id_from_manager", label="安宁")
    page.select_option("#id_to_manager", label="鲍波")
    page.fill("#id_codes", codes)
    submit(page, "[data-testid=transfer-preview]")


def test_superuser_previews_and_confirms_a_transfer(page):
    login(page, "sam", "crm-demo-sam")
    anns = customers_of("ann")
    assert anns > 0

    # Codes that match nothing: a red error naming them, no confirmation, nothing moved.
    choose(page, codes="KH000 kh404")
    errors = page.locator("[data-testid=form-errors]")
    expect(errors).to_contain_text("KH000")
    expect(errors).to_contain_text("KH404")
    expect(page.locator("[data-testid=transfer-confirm]")).to_have_count(0)
    expect(page.locator(".alert-success")).to_have_count(0)

    # An empty box: all of ann's customers, previewed; declining the browser's question moves nothing.
    choose(page, codes="")
    expect(page.locator("[data-testid=transfer-everything]")).to_contain_text(str(anns))
    expect(page.locator("[data-testid=transfer-everything]")).to_contain_text("安宁")
    asked = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.click("[data-testid=transfer-confirm]")
    expect(page.locator("[data-testid=transfer-confirm]")).to_be_visible()
    assert asked and str(anns) in asked[0]
    assert customers_of("ann") == anns

    # Accepting it moves them, with a green message on the customer list.
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-testid=transfer-confirm]")
    expect(page.locator("[data-testid=messages] .alert-success")).to_contain_text(str(anns))
    expect(page).to_have_url(re.compile(r"/customers/$"))
    assert customers_of("ann") == 0
    assert customers_of("bob") >= anns
