"""Every page, as the role that can see it, in both languages, on a desktop and on a 390 px phone.

Each look saves a full-page screenshot to test-artifacts/ (screen-<page>-<language>-<width>.png)
and asserts what a user notices at once: the page they asked for (no redirect, the right status),
in their language, and no horizontal scrolling of the page. When a page does scroll, the failure
names the elements that stick out (the outermost ones, which are where a fix belongs).

One browser, one context per width, each logged in once; the demo data is seeded once per language
(the live server needs committed data, which each test's flush removes again).
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from customers import actions
from customers.models import Customer, LossRecord
from sales.models import Order
from services.models import ServiceRequest
from tests.browser.conftest import login, screenshot, submit

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}

# The elements whose right edge passes the window's, outermost first, leaving out those inside a
# box that scrolls or clips them (a .table-responsive): those don't move the page.
STICKING_OUT = """async () => {
    await document.fonts.ready;  // icons and CJK glyphs in place before measuring
    const width = window.innerWidth;
    const clipped = (element) => {
        for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
            if (getComputedStyle(parent).overflowX !== "visible") return true;
        }
        return false;
    };
    const describe = (element) => {
        const testid = element.closest("[data-testid]");
        const classes = [...element.classList].slice(0, 3).map((name) => "." + name).join("");
        const text = (element.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 40);
        return `${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}${classes}`
            + (testid ? ` in [data-testid=${testid.dataset.testid}]` : "")
            + ` right=${Math.round(element.getBoundingClientRect().right)}px "${text}"`;
    };
    const out = [...document.body.querySelectorAll("*")].filter(
        (element) => element.getBoundingClientRect().right > width + 0.5 && !clipped(element)
    );
    const outermost = out.filter((element) => !out.includes(element.parentElement));
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: width,
        elements: outermost.slice(0, 8).map(describe),
    };
}"""


@dataclass(frozen=True)
class Screen:
    name: str
    path: str
    status: int = 200


def demo_world():
    """The objects the pages are about, from the demo data, plus a shared and a deleted customer."""
    users = get_user_model().objects
    sam, bob = users.get(username="sam"), users.get(username="bob")
    customer = (
        Customer.objects.filter(account_manager__username="ann", orders__isnull=False).distinct().order_by("code")
    ).first()
    assert customer is not None, "the demo gives ann customers with orders"
    actions.share_customer(actor=sam, customer=customer, user=bob, level="view")
    deleted = Customer.objects.filter(account_manager__username="bob").order_by("code").first()
    actions.delete_customer(actor=sam, customer=deleted)
    order = Order.objects.filter(customer=customer).order_by("-order_date", "-id").first()
    return {"customer": customer, "order": order}


def superuser_screens(world):
    """The pages the superuser can see (which is every page but the 403)."""
    code = world["customer"].code
    return [
        Screen("dashboard", reverse("dashboard")),
        Screen("customer-list", reverse("customers:list")),
        Screen("customer-detail", reverse("customers:detail", args=[code])),
        *loss_panel_screens(),
        Screen("customer-create", reverse("customers:create")),
        Screen("customer-edit", reverse("customers:edit", args=[code])),
        Screen("contact-create", reverse("customers:contact_create", args=[code])),
        Screen("activity-create", reverse("customers:activity_create", args=[code])),
        Screen("customer-share", reverse("customers:share", args=[code])),
        Screen("customer-transfer", reverse("customers:transfer")),
        Screen("customer-export", reverse("customers:export")),
        Screen("recycle-bin", reverse("customers:bin")),
        Screen("customer-delete", reverse("customers:delete", args=[code])),
        Screen("order-list", reverse("sales:order_list")),
        Screen("order-detail", reverse("sales:order_detail", args=[world["order"].order_no])),
        Screen("product-list", reverse("sales:product_list")),
        Screen("stock-list", reverse("sales:stock_list")),
        *service_screens(),
        Screen("audit-log", reverse("audit")),
        Screen("password-change", reverse("password_change")),
        Screen("404", "/customers/KH000000000000/", status=404),
    ]


def loss_panel_screens():
    """The customer page with its loss panel: a customer whose open record the demo postponed with
    a measure (the panel's record, measures and both forms)."""
    record = LossRecord.objects.filter(status="postponed").order_by("pk").first()
    assert record is not None, "the demo postpones a loss warning"
    return [Screen("customer-detail-loss", reverse("customers:detail", args=[record.customer.code]))]


def service_screens():
    """The services pages, on the demo's requests: a new one (its assign and delete pages), a
    handled one (its feedback page) and one archived after two rounds (the longest timeline)."""
    requests = ServiceRequest.objects.order_by("pk")
    new = requests.filter(status="new").first()
    handled = requests.filter(status="handled").first()
    archived = requests.filter(status="archived", rounds__gte=2).first()
    assert new and handled and archived, "the demo has service requests in every state, two rounds too"
    return [
        Screen("service-list", reverse("services:list")),
        Screen("service-assign-queue", reverse("services:assign_queue")),
        Screen("service-handle-queue", reverse("services:handle_queue")),
        Screen("service-feedback-queue", reverse("services:feedback_queue")),
        Screen("service-archive", reverse("services:archive")),
        Screen("service-create", reverse("services:create")),
        Screen("service-detail", reverse("services:detail", kwargs={"pk": archived.pk})),
        Screen("service-detail-new", reverse("services:detail", kwargs={"pk": new.pk})),
        Screen("service-assign", reverse("services:assign", kwargs={"pk": new.pk})),
        Screen("service-delete", reverse("services:delete", kwargs={"pk": new.pk})),
        Screen("service-feedback", reverse("services:feedback", kwargs={"pk": handled.pk})),
    ]


def look(page, screen, language):
    """Open ``screen`` and check it is the page asked for, then ``check`` it."""
    response = page.goto(f"{page.base_url}{screen.path}")
    assert response is not None and response.status == screen.status, f"{screen.path}: status {response.status}"
    assert response.url == f"{page.base_url}{screen.path}", f"{screen.path}: answered by {response.url}"
    check(page, screen.name, language)


def check(page, name, language):
    """The page shown is in ``language``; save its screenshot and assert it doesn't scroll sideways."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    found = page.evaluate(STICKING_OUT)
    width = page.viewport_size["width"]
    screenshot(page, f"screen-{name}-{language}-{width}")
    assert found["scrollWidth"] <= found["innerWidth"], (
        f"{name} ({language}, {width} px) scrolls sideways: {found['scrollWidth']} px wide; "
        + "; ".join(found["elements"])
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_fits_a_desktop_and_a_phone_without_scrolling_sideways(desktop, phone, language, subtests):
    world = demo_world()
    windows = (desktop, phone)

    for page in windows:
        with subtests.test("login", width=page.viewport_size["width"]):
            look(page, Screen("login", reverse("login")), language)
        login(page, "sam", PASSWORDS["sam"])
        expect(page.locator("[data-testid=dashboard]")).to_be_visible()

    for screen in superuser_screens(world):
        for page in windows:
            with subtests.test(screen.name, width=page.viewport_size["width"]):
                look(page, screen, language)

    # The transfer's second step: the preview of all of ann's customers, with its confirm button.
    for page in windows:
        with subtests.test("customer-transfer-preview", width=page.viewport_size["width"]):
            page.goto(f"{page.base_url}{reverse('customers:transfer')}")
            page.select_option("#id_from_manager", label="安宁")
            page.select_option("#id_to_manager", label="鲍波")
            submit(page, "[data-testid=transfer-preview]")
            expect(page.locator("[data-testid=transfer-everything]")).to_be_visible()
            expect(page.locator("[data-testid=transfer-confirm]")).to_be_visible()
            check(page, "customer-transfer-preview", language)

    # An account manager's own dashboard, and the page that refuses them the audit log.
    for page in windows:
        page.context.clear_cookies()  # logged out; the language comes from the browser
        login(page, "ann", PASSWORDS["ann"])
        expect(page.locator("[data-testid=dashboard]")).to_be_visible()
        for screen in (Screen("dashboard-manager", reverse("dashboard")), Screen("403", reverse("audit"), 403)):
            with subtests.test(screen.name, width=page.viewport_size["width"]):
                look(page, screen, language)
