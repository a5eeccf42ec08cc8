"""The customer export is for office users: headers in the user's language, labels instead of
codes, managers by display name; and the file reads back in (issue 10). The import accepts the
labels in either language and the stored codes."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils import translation

from customers import actions
from customers.models import Customer, Level
from customers.resources import CustomerResource
from customers.tests.factories import make_customer, region

pytestmark = pytest.mark.django_db

EXPORT = reverse("customers:export")

HEADERS = {
    "zh-hans": ["客户编号", "名称", "地区", "客户经理", "客户等级", "满意度", "信用度", "地址"],
    "en": ["Customer code", "Name", "Region", "Account manager", "Level", "Satisfaction", "Credit", "Address"],
}


@pytest.fixture
def customer(manager_ann):
    return make_customer(
        manager_ann,
        name="重庆曾记物流有限公司",
        region=region("chongqing"),
        level=Level.MAJOR,
        satisfaction=4,
        credit=2,
        address="=1+1",
        registered_capital=Decimal("1234.50"),
    )


def export_rows(client, user, language, file_format="csv"):
    client.force_login(user)
    response = client.get(EXPORT, {"file_format": file_format}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    if file_format == "csv":
        reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
        header, *rows = list(reader)
        return header, [dict(zip(header, row, strict=True)) for row in rows]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    return header, [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", {"客户等级": "大客户", "满意度": "★★★★", "信用度": "★★", "状态": "正常", "地区": "重庆"}),
        ("en", {"Level": "Major customer", "Satisfaction": "★★★★", "Credit": "★★", "Status": "Active"}),
    ],
)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_export_speaks_the_users_language_with_labels_and_display_names(
    client, superuser_sam, customer, language, expected, file_format
):
    header, rows = export_rows(client, superuser_sam, language, file_format)
    assert header[: len(HEADERS[language])] == HEADERS[language]
    assert not {"code", "level", "account_manager", "legal_rep", "status"} & set(header)
    (row,) = rows
    for column, value in expected.items():
        assert row[column] == value, column
    manager = "客户经理" if language == "zh-hans" else "Account manager"
    assert row[manager] == "Manager Ann"  # the display name, not the username manager_ann
    with translation.override(language):
        assert row[header[2]] == region("chongqing").display_label
    capital = row["注册资金（万元）" if language == "zh-hans" else "Registered capital (10k yuan)"]
    assert capital == ("1234.50" if file_format == "csv" else 1234.5)  # numbers stay numbers
    assert row[header[7]] == "'=1+1"  # formula-like text stays neutralised


def export_dataset(language, queryset=None):
    with translation.override(language):
        return CustomerResource().export(queryset if queryset is not None else Customer.objects.all())


def scramble(customer, manager):
    """Change every exported choice, the region and the manager, through the update action."""
    customer.refresh_from_db()
    customer.level, customer.satisfaction, customer.credit = Level.ORDINARY, 1, 5
    customer.region = region("beijing")
    customer.account_manager = manager
    customer.address = "changed"
    actions.update_customer(actor=None, customer=customer)


def imported(dataset, user, language="zh-hans", **kwargs):
    with translation.override(language):
        result = CustomerResource(actor=user).import_data(dataset, **kwargs)
    assert not result.has_errors(), [error.error for _n, errors in result.row_errors() for error in errors]
    return result


def snapshot(customer):
    customer = Customer.objects.get(pk=customer.pk)
    return {
        "level": customer.level,
        "satisfaction": customer.satisfaction,
        "credit": customer.credit,
        "region": customer.region.value,
        "account_manager": customer.account_manager.username,
        "address": customer.address,
        "registered_capital": customer.registered_capital,
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_export_imports_back_in_either_language(customer, manager_ann, manager_bob, superuser_sam, language):
    before = snapshot(customer)
    dataset = export_dataset(language)
    scramble(customer, manager_bob)
    assert snapshot(customer) != before
    # The other language reads the file too: an office abroad may import what the head office exported.
    other = "en" if language == "zh-hans" else "zh-hans"
    result = imported(dataset, superuser_sam, other)
    assert result.totals["update"] == 1 and not result.has_validation_errors()
    assert snapshot(customer) == before
    assert snapshot(customer)["address"] == "=1+1"  # the export's quote is gone again
    # Nothing changed since: importing again skips the row.
    assert imported(export_dataset(language), superuser_sam).totals["skip"] == 1


def test_the_import_accepts_codes_and_english_labels_under_any_header(customer, manager_bob, superuser_sam):
    before = snapshot(customer)
    scramble(customer, manager_bob)
    dataset = tablib.Dataset(headers=["code", "Level", "满意度", "credit", "region", "客户经理", "ADDRESS"])
    dataset.append([customer.code.lower(), "Major customer", 4, "★★", "chongqing", "manager_ann", "=1+1"])
    assert imported(dataset, superuser_sam).totals["update"] == 1
    assert snapshot(customer) == before


def test_a_row_without_a_code_is_a_new_customer_made_through_the_create_action(manager_ann, superuser_sam):
    dataset = tablib.Dataset(headers=["名称", "客户经理", "客户等级", "地区"])
    dataset.append(["苏州单氏贸易有限公司", "Manager Ann", "重点开发客户", "Jiangsu"])
    assert imported(dataset, superuser_sam).totals["new"] == 1
    created = Customer.objects.get(name="苏州单氏贸易有限公司")
    assert created.code.startswith("KH") and created.level == Level.KEY_DEVELOPMENT
    assert created.account_manager == manager_ann and created.region == region("jiangsu")
    assert "shanshi" in created.name_pinyin  # the action derived the search keys
    assert created.created_by == superuser_sam


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("客户等级", "VIP", "“VIP”不是"),
        ("满意度", "7", "“7”不是"),
        ("地区", "火星", "没有地区“火星”"),
        ("客户经理", "nobody", "没有用户“nobody”"),
        ("客户编号", "KH000000000000", "没有您可以修改的客户 KH000000000000"),
    ],
)
def test_a_bad_cell_is_refused_with_a_message_in_the_users_language_and_nothing_changes(
    customer, superuser_sam, column, value, message
):
    before = snapshot(customer)
    dataset = export_dataset("zh-hans")
    row = list(dataset[0])
    row[dataset.headers.index(column)] = value
    row[dataset.headers.index("地址")] = "changed"
    bad = tablib.Dataset(row, headers=dataset.headers)
    with translation.override("zh-hans"):
        result = CustomerResource(actor=superuser_sam).import_data(bad)
    assert result.has_validation_errors()
    messages = " ".join(str(m) for invalid in result.invalid_rows for ms in invalid.error_dict.values() for m in ms)
    assert message in messages
    assert snapshot(customer) == before
    assert Customer.all_objects.count() == 1


def test_a_display_name_two_users_share_asks_for_the_username(customer, manager_ann, manager_bob, superuser_sam):
    manager_bob.first_name, manager_bob.last_name = manager_ann.first_name, manager_ann.last_name
    manager_bob.save()
    dataset = tablib.Dataset(headers=["名称", "客户经理"])
    dataset.append(["新客户有限公司", "Manager Ann"])
    with translation.override("zh-hans"):
        result = CustomerResource(actor=superuser_sam).import_data(dataset)
    assert result.has_validation_errors()
    assert not Customer.objects.filter(name="新客户有限公司").exists()


def test_an_import_updates_only_customers_the_importing_user_may_change(
    customer, manager_ann, manager_bob, superuser_sam
):
    bobs = make_customer(manager_bob, name="上海华信有限公司")
    dataset = export_dataset("zh-hans", Customer.objects.filter(pk=bobs.pk))
    with translation.override("zh-hans"):
        result = CustomerResource(actor=manager_ann).import_data(dataset)
    assert result.has_validation_errors() and result.totals["update"] == 0


def test_the_export_reads_labels_and_names_without_a_query_per_row(client, superuser_sam, manager_ann, manager_bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count):
        while Customer.objects.count() < count:
            manager = manager_ann if Customer.objects.count() % 2 else manager_bob
            make_customer(manager, region=region("chongqing"), level=Level.MAJOR, satisfaction=3, credit=4)
        with CaptureQueriesContext(connection) as queries:
            _header, rows = export_rows(client, superuser_sam, "zh-hans")
        assert len(rows) == count
        return len(queries)

    queries_for(3)  # the first request also fills caches (content types, the session)
    assert queries_for(3) == queries_for(30)
