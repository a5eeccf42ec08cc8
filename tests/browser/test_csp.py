"""The pages under the content security policy (issue 15): the supervisor (苏梅) and an account
manager (安宁) walk the dashboard with its htmx card and chart, the customer list, a 360° page and
the contribution analysis over all years; the supervisor also a management report and the
assignment queue's inline assign (htmx), the account manager the new request's customer chooser
(htmx); the browser reports no violation, and the charts are drawn at their heights.

A violation is caught three ways: the page's securitypolicyviolation events (a listener added
before any of the page's own scripts run), the console's CSP messages, and the browser's reports
to /csp-report/. The first test shows each of them firing on a real violation, so the walk's
"none" means none.
"""

import logging
import re

from playwright.sync_api import expect

from crm.demo import DEMO_USERS
from customers.models import Customer
from reports.models import ManagementReport
from services.models import ServiceRequest, Status
from tests.browser.conftest import login

PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS}

# Runs in every document before its own scripts (Playwright adds it through the DevTools protocol,
# which the page's policy doesn't govern).
LISTENER = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI} (${where})`);
});
"""


class Watch:
    """What the browser said about the policy on the pages of one context."""

    def __init__(self, page):
        self.console = []
        self.reports = []
        page.add_init_script(LISTENER)
        page.on("console", self._console)
        page.on("request", self._request)

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def _request(self, request):
        if request.url.endswith("/csp-report/"):
            self.reports.append(request.post_data)


def violations(page):
    return page.evaluate("window.cspViolations")


def sign_in(page, username):
    page.context.clear_cookies()
    login(page, username, PASSWORDS[username])
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()


def expect_charts_drawn(page, heights):
    """The page's charts, one a height, each drawn as an SVG with shapes and text at its height."""
    charts = page.locator(".report-chart")
    expect(charts).to_have_count(len(heights))
    for index, height in enumerate(heights):
        chart = charts.nth(index)
        expect(chart).to_have_attribute("data-height", height)
        expect(chart).to_have_attribute("data-drawn", "true")
        expect(chart.locator("svg path").first).to_be_attached()
        expect(chart.locator("svg")).to_contain_text(re.compile(r"\S"))
        # static/js/charts.js sets the height from data-height (no style="" in markup) before it
        # draws, and marks the chart drawn after
        assert abs(chart.bounding_box()["height"] - int(height.removesuffix("px"))) <= 1


def visit(page, path, ready):
    page.goto(f"{page.base_url}{path}")
    expect(page.locator(ready).first).to_be_visible()
    assert violations(page) == [], path


def walk(page, username):
    """The pages of the brief that ``username`` may open, each checked for its own content."""
    sign_in(page, username)
    # The dashboard: the supervisor's figures card comes by htmx and holds a chart.
    if username == "sue":
        expect(page.locator("[data-testid=reports-figures]")).to_be_visible()
        expect_charts_drawn(page, ["220px"])
    assert violations(page) == [], "dashboard"
    customer = Customer.objects.filter(account_manager__username="ann").order_by("code").first()
    visit(page, "/customers/", "table tbody tr")
    visit(page, customer.get_absolute_url(), f"text={customer.name}")
    visit(page, "/reports/contribution/?year=all", ".report-chart")
    expect_charts_drawn(page, ["360px"])
    assert violations(page) == [], "contribution chart"
    if username == "ann":
        choose_customer(page, customer)
    if username == "sue":
        report = ManagementReport.objects.filter(status=ManagementReport.Status.SUBMITTED).order_by("pk").first()
        visit(page, report.get_absolute_url(), ".report-chart")
        # contribution (if any orders), the composition's three parts, services, losses (if any)
        figures = report.figures
        contribution = ["360px"] if figures["contribution"]["top"] else []
        losses = ["360px"] if figures["losses"]["rows"] else []
        expect_charts_drawn(page, [*contribution, "300px", "300px", "300px", "360px", *losses])
        assert violations(page) == [], "management report charts"
        assign_inline(page)


def choose_customer(page, customer):
    """The new service request's customer chooser: choices fetched by htmx as she types."""
    visit(page, "/services/new/", "#id_customer")
    page.locator("#id_customer").press_sequentially(customer.name_initials[:3], delay=50)
    choice = page.locator(f"[data-testid=customer-choices] [data-testid=customer-choice][data-code={customer.code}]")
    expect(choice).to_contain_text(customer.name)
    assert violations(page) == [], "customer chooser"


def assign_inline(page):
    """Assign the oldest new request to 安宁 from the queue, in place (htmx)."""
    request = ServiceRequest.objects.filter(status=Status.NEW).order_by("pk").first()
    assert request is not None, "the demo has new service requests"
    visit(page, "/services/assign/", f"[data-testid=assign-form-{request.pk}]")
    page.locator(f"#assignee-{request.pk}").select_option(label="安宁")
    page.locator(f"[data-testid=assign-form-{request.pk}] button[type=submit]").click()
    expect(page.locator(f"[data-testid=assigned-{request.pk}]")).to_contain_text("安宁")
    expect(page).to_have_url(re.compile(r"/services/assign/$"))  # in place, no page load
    assert violations(page) == [], "inline assign"


def test_a_violation_is_seen_by_every_watch_and_logged_by_the_server(page, caplog):
    watch = Watch(page)
    sign_in(page, "sue")
    assert violations(page) == []
    with caplog.at_level(logging.WARNING, logger="crm.csp"):
        # What a template's <style> would do: blocked, reported, logged.
        with page.expect_request(lambda request: request.url.endswith("/csp-report/")) as sent:
            page.evaluate("""() => {
                const style = document.createElement("style");
                style.textContent = "body { color: red; }";
                document.head.appendChild(style);
            }""")
        assert sent.value.response().status == 204
    page.wait_for_function("window.cspViolations.length > 0")
    assert violations(page)[0].startswith("style-src-elem blocked inline")
    assert any("style-src" in text for text in watch.console)
    assert len(watch.reports) == 1 and "style-src-elem" in watch.reports[0]
    assert any("'style-src-elem' blocked 'inline'" in record.getMessage() for record in caplog.records)


def test_the_supervisor_and_an_account_manager_meet_no_violation(page):
    watch = Watch(page)
    for username in ("sue", "ann"):
        walk(page, username)
    assert watch.console == []
    assert watch.reports == []
