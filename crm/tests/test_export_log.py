"""The export log (/audit/exports/) and the export rate limit (crm.exports, EXPORT_RATE_LIMIT).

The log lists every export and transfer from their audit rows, for administrators and superusers;
exports past the limit in a rolling hour are refused with a message, write no file and no audit row.
"""

import re
from datetime import datetime, timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from crm.audit import record_bulk_event
from crm.exports import exports_in_last_hour
from crm.models import DictionaryEntry
from crm.testing.world import make_persona
from crm.tests.test_settings import check_deploy, manage, one_line_error, production_env
from customers import actions
from customers.models import Customer
from customers.tests.factories import make_customer
from reports.actions.exports import export_analysis

EXPORT_LOG = "/audit/exports/"
LIMIT_MESSAGE = "You have exported {count} files in the last hour; the limit is {limit}. Try again later."


def export_rows():
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__event="export")


def table_rows(response):
    """The text of each row of the export table, cells joined by " | "; [] for the empty state."""
    html = response.content.decode()
    block = re.search(r'data-testid="export-table">(.*?)</table>', html, re.S)
    if block is None:
        assert 'data-testid="empty-state"' in html
        return []
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", block.group(1), re.S)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append(" | ".join(" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells))
    return rows


def log_page(client, user, query=None, language="en"):
    client.force_login(user)
    response = client.get(EXPORT_LOG, query or {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


def export_customers(user, count=1, **filters):
    for _number in range(count):
        actions.export_customers(actor=user, customers=Customer.objects.all(), file_format="csv", filters=filters)


def move_back(entries, delta):
    """Date the audit rows back by ``delta`` (instead of waiting)."""
    for entry in list(entries):
        LogEntry.objects.filter(pk=entry.pk).update(timestamp=entry.timestamp - delta)


# --- the log page ---------------------------------------------------------------------------------


@pytest.fixture
def log_world(admin, supervisor_sue, manager_ann, manager_bob, superuser_sam):
    """Sam exports customers (in January 2020) and transfers Ann's customer to Bob; Sue exports the
    composition. Around them: a login, a dictionary change and an import, which the log leaves out."""
    customer = make_customer(manager_ann, name="安诚贸易有限公司")
    make_customer(manager_bob, name="昌盛物流有限公司")
    export_customers(superuser_sam, q="安诚")
    move_back([export_rows().get()], timezone.now() - timezone.make_aware(datetime(2020, 1, 15, 12)))
    export_analysis(
        actor=supervisor_sue,
        analysis="composition",
        rows=[["A", 1], ["B", 1]],
        headers=["level", "customers"],
        filters={"dimension": "credit"},
        file_format="xlsx",
    )
    actions.transfer_customers(
        actor=superuser_sam,
        customers=Customer.objects.filter(pk=customer.pk),
        to_manager=manager_bob,
        filters={"from": "manager_ann", "codes": [customer.code]},
    )
    DictionaryEntry.objects.create(category="region", value="x", label="X", label_en="X")
    record_bulk_event(event="import", actor=superuser_sam, model=Customer, details={"file": "a.xlsx", "rows": 9})
    return {"customer": customer, "sam": superuser_sam, "sue": supervisor_sue, "admin": admin}


def test_administrators_see_every_export_and_transfer_newest_first(client, log_world):
    rows = table_rows(log_page(client, log_world["admin"]))
    code = log_world["customer"].code
    assert [row.split(" | ", 1)[1] for row in rows] == [
        f"Superuser Sam | Transfer | Customers | from: Manager Ann; to: Manager Bob; customer codes: {code} | 1 | — "
        "| —",
        "Supervisor Sue | Export | Customer composition | Grouped by: credit | 2 | XLSX | —",
        "Superuser Sam | Export | Customers | search: 安诚 | 2 | CSV | —",
    ]
    assert rows[-1].startswith("2020-01-15 ")


def test_an_unfiltered_export_and_a_deleted_users_export_read_as_such(client, admin, roles):
    departed = make_persona("superuser_sam")
    export_customers(departed)
    departed.delete()
    (row,) = table_rows(log_page(client, admin))
    assert row.split(" | ")[1:] == ["Superuser Sam (deleted user)", "Export", "Customers", "none", "0", "CSV", "—"]


def test_superusers_see_the_same_log(client, log_world):
    admin_rows = table_rows(log_page(client, log_world["admin"]))
    assert table_rows(log_page(client, log_world["sam"])) == admin_rows
    assert len(admin_rows) == 3


@pytest.mark.parametrize("persona", ["supervisor_sue", "manager_ann", "manager_bob", "viewer_vic"])
def test_the_log_is_refused_to_everyone_else(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(EXPORT_LOG).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get(EXPORT_LOG)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={EXPORT_LOG}"


def test_the_log_speaks_chinese_by_default(client, log_world):
    response = log_page(client, log_world["admin"], language="zh-hans")
    html = response.content.decode()
    assert "导出日志</h1>" in html
    headers = [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)
    ]
    assert headers == ["时间", "用户", "事件", "内容", "筛选", "行数", "格式", "IP 地址"]
    rows = table_rows(response)
    assert rows[2].split(" | ")[3:] == ["客户", "搜索：安诚", "2", "CSV", "—"]
    assert rows[1].split(" | ")[2] == "导出"
    assert rows[0].split(" | ")[2] == "移交"


def test_the_log_filters_by_user(client, log_world):
    rows = table_rows(log_page(client, log_world["admin"], {"actor": log_world["sue"].pk}))
    assert len(rows) == 1
    assert "Customer composition" in rows[0]


def test_the_log_filters_by_event(client, log_world):
    rows = table_rows(log_page(client, log_world["admin"], {"event": "transfer"}))
    assert len(rows) == 1
    assert "| Transfer |" in rows[0]
    rows = table_rows(log_page(client, log_world["admin"], {"event": "export", "actor": log_world["sam"].pk}))
    assert len(rows) == 1
    assert "search: 安诚" in rows[0]


def test_the_log_filters_by_date_range(client, log_world):
    rows = table_rows(log_page(client, log_world["admin"], {"date_from": "2020-01-01", "date_to": "2020-01-31"}))
    assert len(rows) == 1
    assert "search: 安诚" in rows[0]
    rows = table_rows(log_page(client, log_world["admin"], {"date_from": "2020-01-16"}))
    assert len(rows) == 2
    assert not any("安诚" in row for row in rows)
    assert table_rows(log_page(client, log_world["admin"], {"date_to": "2019-12-31"})) == []


def test_the_event_filter_offers_exports_and_transfers(client, log_world):
    form = log_page(client, log_world["admin"]).context["filter"].form
    assert [(value, str(label)) for value, label in form.fields["event"].choices] == [
        ("", "All"),
        ("export", "Export"),
        ("transfer", "Transfer"),
    ]
    assert {log_world["sam"], log_world["sue"], log_world["admin"]} <= set(form.fields["actor"].queryset)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "2026-13-45"}, "date_from", "Enter a valid date."),
        ({"date_to": "9999-99-99"}, "date_to", "Enter a valid date."),
        ({"event": "banana"}, "event", "Select a valid choice. banana is not one of the available choices."),
        ({"actor": "abc"}, "actor", "Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_bad_filter_input_is_a_message_and_the_other_filters_still_apply(client, log_world, query, field, message):
    response = log_page(client, log_world["admin"], {**query, "event": "transfer"} if field != "event" else query)
    assert response.context["filter"].form.errors[field] == [message]
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html
    assert message.replace("'", "&#x27;") in html
    rows = table_rows(response)
    assert len(rows) == (3 if field == "event" else 1)


def test_a_date_range_backwards_is_refused_on_both_ends(client, log_world):
    response = log_page(client, log_world["admin"], {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert {"date_from", "date_to"} <= set(response.context["filter"].form.errors)
    assert len(table_rows(response)) == 3


def test_a_page_the_log_does_not_have_is_said(client, log_world):
    client.force_login(log_world["admin"])
    response = client.get(EXPORT_LOG, {"page": "abc"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain == [(EXPORT_LOG, 302)]
    assert "“abc” is not a page number: here is the first page." in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_the_log_reads_a_bounded_number_of_queries(client, admin, superuser_sam, django_assert_max_num_queries, count):
    for number in range(count):
        record_bulk_event(
            event="export",
            actor=superuser_sam,
            model=Customer,
            details={
                "filter": {"q": f"n{number}", "account_manager": str(superuser_sam.pk)},
                "rows": number,
                "format": "csv",
            },
        )
    client.force_login(admin)
    # session, user, permissions; the page's keys, its rows; the user filter's choices; the names
    # the rows mention (one query for the users); the session's renewal on the first request (3)
    with django_assert_max_num_queries(10):
        response = client.get(EXPORT_LOG, {"event": "export"}, HTTP_ACCEPT_LANGUAGE="en")
    rows = table_rows(response)
    assert len(rows) == count
    assert rows[0].endswith(f"search: n{count - 1}, account manager: Superuser Sam | {count - 1} | CSV | —")


def test_the_menu_links_the_log_for_administrators_only(client, admin, supervisor_sue):
    client.force_login(admin)
    assert f'href="{EXPORT_LOG}"' in client.get("/").content.decode()
    client.force_login(supervisor_sue)
    assert f'href="{EXPORT_LOG}"' not in client.get("/").content.decode()


# --- the rate limit -------------------------------------------------------------------------------


@pytest.fixture
def limit_of(settings):
    def set_limit(limit):
        settings.EXPORT_RATE_LIMIT = limit

    return set_limit


def export_customers_page(client, follow=False, **query):
    return client.get(
        reverse("customers:export"), {"file_format": "csv", **query}, HTTP_ACCEPT_LANGUAGE="en", follow=follow
    )


def test_exports_up_to_the_limit_pass_and_the_next_is_refused_with_nothing_exported(
    client, superuser_sam, manager_ann, limit_of
):
    limit_of(3)
    make_customer(manager_ann, name="安诚贸易有限公司")
    client.force_login(superuser_sam)
    for _number in range(3):
        response = export_customers_page(client, q="安诚")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
    assert export_rows().count() == 3

    response = export_customers_page(client, q="安诚")
    assert response.status_code == 302
    assert response.url == f"{reverse('customers:export')}?q=%E5%AE%89%E8%AF%9A"
    assert "Content-Disposition" not in response
    assert export_rows().count() == 3
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert LIMIT_MESSAGE.format(count=3, limit=3) in page


def test_an_hour_later_exports_are_allowed_again(client, superuser_sam, limit_of):
    limit_of(2)
    export_customers(superuser_sam, count=2)
    client.force_login(superuser_sam)
    assert export_customers_page(client).status_code == 302
    move_back(export_rows(), timedelta(minutes=59))
    assert export_customers_page(client).status_code == 302
    move_back(export_rows()[:1], timedelta(minutes=2))
    assert export_customers_page(client).status_code == 200
    assert export_rows().count() == 3
    assert exports_in_last_hour(superuser_sam) == 2


def test_analysis_exports_count_with_customer_exports_for_the_same_user(client, superuser_sam, limit_of):
    limit_of(2)
    export_customers(superuser_sam)
    client.force_login(superuser_sam)
    url = reverse("reports:export", kwargs={"analysis": "contribution"})
    assert client.get(url, {"file_format": "xlsx", "year": "all"}).status_code == 200
    response = client.get(url, {"file_format": "csv", "year": "all"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response.url == f"{reverse('reports:contribution')}?year=all"
    assert export_rows().count() == 2


def test_supervisors_exporting_an_aggregate_analysis_are_limited_too_in_their_language(
    client, supervisor_sue, superuser_sam, limit_of
):
    limit_of(1)
    export_customers(superuser_sam, count=5)  # someone else's exports don't count
    client.force_login(supervisor_sue)
    url = reverse("reports:export", kwargs={"analysis": "composition"})
    query = {"file_format": "csv", "dimension": "credit"}
    assert client.get(url, query).status_code == 200
    response = client.get(url, query, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert response.redirect_chain == [(f"{reverse('reports:composition')}?dimension=credit", 302)]
    assert "您在过去一小时内已导出 1 个文件，上限为 1 个。请稍后再试。" in response.content.decode()
    assert export_rows().filter(actor=supervisor_sue).count() == 1


def test_transfers_and_other_events_do_not_count(superuser_sam, manager_ann, limit_of):
    limit_of(1)
    record_bulk_event(event="transfer", actor=superuser_sam, model=Customer, details={"rows": 1})
    record_bulk_event(event="import", actor=superuser_sam, model=Customer, details={"rows": 1})
    assert exports_in_last_hour(superuser_sam) == 0


def test_a_limit_of_zero_means_no_limit(client, superuser_sam, limit_of):
    limit_of(0)
    export_customers(superuser_sam, count=25)
    client.force_login(superuser_sam)
    assert export_customers_page(client).status_code == 200
    assert export_rows().count() == 26


def test_the_default_limit_is_20(client, superuser_sam):
    from django.conf import settings

    assert settings.EXPORT_RATE_LIMIT == 20
    export_customers(superuser_sam, count=19)
    client.force_login(superuser_sam)
    assert export_customers_page(client).status_code == 200
    response = export_customers_page(client, follow=True)
    assert LIMIT_MESSAGE.format(count=20, limit=20) in response.content.decode()


def test_the_count_is_one_query(superuser_sam, django_assert_num_queries):
    export_customers(superuser_sam, count=2)
    with django_assert_num_queries(1):
        assert exports_in_last_hour(superuser_sam) == 2


# --- the setting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["many", "-1", "2.5"])
def test_a_malformed_export_rate_limit_stops_start_up_with_one_line(value):
    line = one_line_error(check_deploy(production_env(EXPORT_RATE_LIMIT=value)))
    assert "EXPORT_RATE_LIMIT" in line


@pytest.mark.parametrize(("value", "expected"), [("0", "0"), ("5", "5"), ("", "20")])
def test_the_export_rate_limit_is_read_from_the_environment(value, expected):
    script = "from django.conf import settings; print(settings.EXPORT_RATE_LIMIT)"
    result = manage(production_env(EXPORT_RATE_LIMIT=value), "shell", "--no-imports", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
