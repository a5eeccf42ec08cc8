"""The four analyses on a small known world (reports.tests.matrix_analyses), per persona: the
figures the selectors compute, and the pages showing them (table, chart, totals)."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.testing.world import copy_world, make_personas, shared_world
from customers.tests.factories import customer_world
from reports import selectors
from reports.tests.matrix_analyses import YEAR, analyses_world

START, END = selectors.year_bounds(YEAR)


def build_world():
    return analyses_world(customer_world(make_personas()))


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    yield from shared_world(build_world, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


@pytest.fixture(autouse=True)
def english(client):
    # The pages in English unless a test asks for Chinese (the project's default language).
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def contribution_rows(world, persona, **kwargs):
    analysis = selectors.contribution_analysis(user=world[persona], **{"start": START, "end": END, **kwargs})
    return [(row["code"], row["amount"], row["orders"]) for row in analysis["rows"]], analysis


# --- contribution -------------------------------------------------------------------------------


def test_supervisor_contribution_of_a_year_covers_every_alive_customer(world):
    rows, analysis = contribution_rows(world, "supervisor_sue")
    assert rows == [
        (world["B"].code, Decimal("3600.00"), 1),
        (world["A"].code, Decimal("2500.50"), 2),
        (world["C"].code, Decimal("800.00"), 1),
    ]
    assert analysis["total"] == Decimal("6900.50")
    assert analysis["customers"] == 3
    assert [round(row["share"], 4) for row in analysis["top"]] == [0.5217, 0.3624, 0.1159]


def test_account_managers_contribution_covers_their_own_and_shared_customers_only(world):
    rows, analysis = contribution_rows(world, "manager_ann")
    assert rows == [(world["A"].code, Decimal("2500.50"), 2), (world["C"].code, Decimal("800.00"), 1)]
    assert (analysis["total"], analysis["customers"]) == (Decimal("3300.50"), 2)
    rows, analysis = contribution_rows(world, "manager_bob")
    assert rows == [(world["B"].code, Decimal("3600.00"), 1), (world["C"].code, Decimal("800.00"), 1)]
    assert analysis["total"] == Decimal("4400.00")


def test_contribution_of_all_years_adds_the_earlier_orders(world):
    rows, analysis = contribution_rows(world, "supervisor_sue", start=None, end=None)
    assert rows == [
        (world["B"].code, Decimal("3600.00"), 1),
        (world["A"].code, Decimal("2500.50"), 2),
        (world["C"].code, Decimal("1800.00"), 2),
        (world["D"].code, Decimal("300.00"), 1),
    ]
    assert (analysis["total"], analysis["customers"]) == (Decimal("8200.50"), 4)


def test_contribution_search_narrows_customers_and_total(world):
    rows, analysis = contribution_rows(world, "supervisor_sue", q="博远")
    assert rows == [(world["B"].code, Decimal("3600.00"), 1)]
    assert (analysis["total"], analysis["customers"]) == (Decimal("3600.00"), 1)
    # pinyin initials of 安诚贸易
    rows, _analysis = contribution_rows(world, "supervisor_sue", q="acmy")
    assert rows == [(world["A"].code, Decimal("2500.50"), 2)]


# --- composition --------------------------------------------------------------------------------


def counts(rows):
    return [(row["value"], row["count"]) for row in rows]


def test_composition_counts_every_value_in_choice_order_for_each_persona(world):
    sue = selectors.composition_analysis(user=world["supervisor_sue"], dimension="level")
    assert counts(sue["rows"]) == [(1, 1), (2, 0), (3, 2), (4, 1), (5, 0)]
    assert sue["total"] == 4
    ann = selectors.composition_analysis(user=world["manager_ann"], dimension="credit")
    assert counts(ann["rows"]) == [(1, 0), (2, 0), (3, 1), (4, 0), (5, 1), (None, 1)]
    bob = selectors.composition_analysis(user=world["manager_bob"], dimension="satisfaction")
    assert counts(bob["rows"]) == [(1, 0), (2, 0), (3, 0), (4, 1), (5, 0), (None, 2)]


# --- services -----------------------------------------------------------------------------------


def by_label(rows):
    return {str(row["label"]): row for row in rows}


def test_service_analysis_per_type_with_averages_and_median(world):
    analysis = selectors.service_analysis(user=world["supervisor_sue"], start=START, end=END)
    assert analysis["total"] == 5
    rows = {row["type_id"]: row for row in analysis["rows"]}
    complaint = next(row for row in analysis["rows"] if row["count"] == 4)
    assert analysis["rows"][0] is complaint
    assert (complaint["archived"], complaint["avg_satisfaction"], complaint["avg_rounds"]) == (2, 4.0, 1.0)
    assert complaint["median_to_archive"] == dt.timedelta(hours=20)
    consultation = next(row for row in analysis["rows"] if row["count"] == 1)
    assert (consultation["archived"], consultation["avg_satisfaction"]) == (1, 4.0)
    assert consultation["median_to_archive"] == dt.timedelta(hours=4)
    assert sum(row["count"] for row in rows.values()) == 5


def test_account_managers_service_analysis_counts_requests_of_their_customers(world):
    ann = selectors.service_analysis(user=world["manager_ann"], start=START, end=END)
    assert ann["total"] == 3  # A's two, C's (shared) one
    bob = selectors.service_analysis(user=world["manager_bob"], start=START, end=END)
    assert bob["total"] == 3  # B's two, C's one
    start, end = selectors.year_bounds(YEAR - 1)
    other_year = selectors.service_analysis(user=world["supervisor_sue"], start=start, end=end)
    assert other_year["total"] == 0


# --- losses -------------------------------------------------------------------------------------


def test_loss_analysis_lists_confirmed_losses_per_month_in_scope(world):
    sue = selectors.loss_analysis(user=world["supervisor_sue"], start=START, end=END)
    assert [record.customer.code for record in sue["rows"]] == [world[key].code for key in ("C", "B", "A")]
    assert [(row["month"], row["count"]) for row in sue["per_month"]] == [
        (dt.date(2025, 3, 1), 2),
        (dt.date(2025, 6, 1), 1),
    ]
    assert sue["count"] == 3
    ann = selectors.loss_analysis(user=world["manager_ann"], start=START, end=END)
    assert [record.customer.code for record in ann["rows"]] == [world["C"].code, world["A"].code]
    assert ann["count"] == 2


def test_loss_analysis_filters_by_manager_and_customer(world):
    bobs = selectors.loss_analysis(user=world["supervisor_sue"], manager=world["manager_bob"])
    assert sorted(record.customer.code for record in bobs["rows"]) == sorted([world["B"].code, world["C"].code])
    found = selectors.loss_analysis(user=world["supervisor_sue"], q="安诚")
    assert [record.customer.code for record in found["rows"]] == [world["A"].code]
    assert found["count"] == 1


# --- period figures (what a management report freezes) ----------------------------------------


def test_period_figures_are_plain_json_of_the_four_analyses(world):
    figures = selectors.period_figures(user=world["supervisor_sue"], start=START, end=END)
    assert json.loads(json.dumps(figures)) == figures
    assert figures["contribution"]["total"] == "6900.50"
    assert figures["contribution"]["customers"] == 3
    assert figures["contribution"]["top"][0] == {
        "code": world["B"].code,
        "name": "博远科技有限公司",
        "amount": "3600.00",
        "share": pytest.approx(3600 / 6900.5),
    }
    assert [row["count"] for row in figures["composition"]["level"]] == [1, 0, 2, 1, 0]
    assert figures["composition"]["credit"][-1]["value"] is None
    complaint = figures["services"][0]
    assert (complaint["count"], complaint["median_to_archive_hours"]) == (4, 20.0)
    assert figures["losses"]["count"] == 3
    assert figures["losses"]["per_month"] == [{"month": "2025-03", "count": 2}, {"month": "2025-06", "count": 1}]
    assert figures["losses"]["rows"][0] == {
        "customer_code": world["C"].code,
        "customer_name": "昌盛物流有限公司",
        "manager": "Manager Bob",
        "confirmed_on": "2025-06-01",
        "reason": "C的采购转向竞争对手",
    }


# --- the pages ----------------------------------------------------------------------------------


def chart_of(response, chart_id):
    content = response.content.decode()
    start = content.index(f'<script id="{chart_id}" type="application/json">') + len(
        f'<script id="{chart_id}" type="application/json">'
    )
    return json.loads(content[start : content.index("</script>", start)])


def test_contribution_page_shows_total_table_and_top_chart(client, world):
    client.force_login(world["manager_ann"])
    response = client.get(reverse("reports:contribution"), {"year": YEAR})
    assert response.status_code == 200
    table = response.context["table"]
    assert [row.get_cell_value("code") for row in table.rows] == [world["A"].code, world["C"].code]
    assert [row.get_cell("share") for row in table.rows] == ["75.76%", "24.24%"]
    assert response.context["analysis"]["total"] == Decimal("3300.50")
    chart = chart_of(response, "chart-contribution")
    assert chart["kind"] == "bar"
    assert chart["categories"] == ["安诚贸易有限公司", "昌盛物流有限公司"]
    assert chart["series"][0]["data"] == [2500.5, 800.0]
    assert "3,300.50" in response.content.decode()
    assert "博远" not in response.content.decode()
    assert not response.context["export_links"]


def test_contribution_page_defaults_to_this_year(client, world):
    client.force_login(world["supervisor_sue"])
    response = client.get(reverse("reports:contribution"))
    assert response.context["year"] == timezone.localdate().year
    assert f'name="year" value="{timezone.localdate().year}"' in response.content.decode()


@pytest.mark.parametrize("year", ["20266", "-1", "abc", "1999", "２０２５", "9" * 10_000])
def test_a_bad_year_is_an_error_message_and_the_default_year(client, world, year):
    client.force_login(world["supervisor_sue"])
    response = client.get(reverse("reports:services"), {"year": year})
    assert response.status_code == 200
    assert response.context["form"].errors["year"] == ["Enter a year between 2000 and 2100."]
    assert response.context["year"] == timezone.localdate().year
    assert "Enter a year between 2000 and 2100." in response.content.decode()


def test_a_bad_year_is_said_in_chinese_for_a_chinese_user(client, world):
    client.force_login(world["supervisor_sue"])
    response = client.get(reverse("reports:contribution"), {"year": "20266"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "请输入 2000 到 2100 之间的年份。" in response.content.decode()


def test_composition_page_by_credit_as_bars(client, world):
    client.force_login(world["manager_bob"])
    response = client.get(reverse("reports:composition"), {"dimension": "credit", "chart": "bar"})
    assert response.status_code == 200
    chart = chart_of(response, "chart-composition")
    assert chart["kind"] == "bar"
    assert chart["series"][0]["data"] == [0, 0, 2, 0, 0, 1]
    assert [row.get_cell("share") for row in response.context["table"].rows][2] == "66.67%"


def test_composition_with_an_unknown_grouping_says_so_and_groups_by_level(client, world):
    client.force_login(world["supervisor_sue"])
    response = client.get(reverse("reports:composition"), {"dimension": "region"})
    assert response.status_code == 200
    assert "dimension" in response.context["form"].errors
    assert chart_of(response, "chart-composition")["kind"] == "pie"
    assert chart_of(response, "chart-composition")["series"][0]["data"] == [1, 0, 2, 1, 0]


def test_services_page_table_shows_averages_and_median_duration(client, world):
    client.force_login(world["supervisor_sue"])
    response = client.get(reverse("reports:services"), {"year": YEAR})
    first = response.context["table"].rows[0]
    assert (first.get_cell("count"), first.get_cell("archived"), first.get_cell("avg_satisfaction")) == (
        "4",
        "2",
        "4.00",
    )
    assert first.get_cell("median_to_archive") == "20 hours"
    assert chart_of(response, "chart-services")["series"][0]["data"][0] == 4


def test_losses_page_chart_shows_every_month_of_the_year(client, world):
    client.force_login(world["supervisor_sue"])
    response = client.get(reverse("reports:losses"), {"year": YEAR})
    chart = chart_of(response, "chart-losses")
    assert chart["kind"] == "bar"
    assert chart["categories"][0] == "2025-01" and chart["categories"][-1] == "2025-12"
    assert chart["series"][0]["data"] == [0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    rows = response.context["table"].rows
    assert [row.get_cell_value("code") for row in rows] == [world[key].code for key in ("C", "B", "A")]
    assert rows[0].get_cell_value("manager") == "Manager Bob"


def test_losses_page_offers_only_managers_whose_customers_the_user_sees(client, world):
    client.force_login(world["manager_ann"])
    response = client.get(reverse("reports:losses"), {"manager": world["manager_bob"].pk, "year": YEAR})
    form = response.context["form"]
    choices = [label for value, label in form.fields["manager"].choices if value]
    assert choices == ["Manager Ann", "Manager Bob"]  # bob manages C and D, shared with ann
    assert not form.errors
    assert [row.get_cell_value("code") for row in response.context["table"].rows] == [world["C"].code]


def test_an_empty_analysis_shows_the_empty_state_and_no_chart(client, world):
    client.force_login(world["supervisor_sue"])
    response = client.get(reverse("reports:losses"), {"year": 2030})
    content = response.content.decode()
    assert 'data-testid="empty-state"' in content
    assert "report-chart" not in content


def test_export_buttons_show_only_for_those_allowed(client, world):
    client.force_login(world["supervisor_sue"])
    assert [link["format"] for link in client.get(reverse("reports:services")).context["export_links"]] == [
        "xlsx",
        "csv",
    ]
    assert client.get(reverse("reports:contribution")).context["export_links"] == []
    client.force_login(world["superuser_sam"])
    links = client.get(reverse("reports:contribution"), {"year": YEAR, "q": "博远"}).context["export_links"]
    assert links[0]["url"] == f"/reports/contribution/export/?year={YEAR}&q=%E5%8D%9A%E8%BF%9C&file_format=xlsx"


def test_index_links_the_analyses_and_management_reports_for_those_who_see_them(client, world):
    client.force_login(world["viewer_vic"])
    content = client.get(reverse("reports:index")).content.decode()
    for name in ("contribution", "composition", "services", "losses", "management"):
        assert f'data-testid="analysis-{name}"' in content
    client.force_login(world["manager_ann"])
    content = client.get(reverse("reports:index")).content.decode()
    assert 'data-testid="analysis-contribution"' in content
    assert 'data-testid="analysis-management"' not in content


def test_reports_menu_lists_the_analyses_and_management_reports_for_viewers(client, world):
    client.force_login(world["manager_ann"])
    menu = {str(item["label"]): item for item in client.get(reverse("reports:index")).context["nav_items"]}
    children = [child["url"] for child in menu["Reports"]["children"]]
    assert "/reports/contribution/" in children and "/reports/management/" not in children
    client.force_login(world["viewer_vic"])
    menu = {str(item["label"]): item for item in client.get(reverse("reports:index")).context["nav_items"]}
    assert "/reports/management/" in [child["url"] for child in menu["Reports"]["children"]]


@pytest.mark.parametrize("name", ["contribution", "composition", "services", "losses"])
def test_a_deep_or_bad_page_number_is_never_an_error(client, world, name):
    client.force_login(world["supervisor_sue"])
    for page in ("abc", "0", "999999"):
        assert client.get(reverse(f"reports:{name}"), {"page": page, "year": YEAR}).status_code == 200
