"""The customer import's check and write (customers.imports, customers.actions.imports) and the
``import_customers`` command: clean files in CSV and XLSX, rejected rows, duplicates, a repeated
import, files that aren't customer files at all."""

import csv
import io
import os

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.utils import translation

from crm.audit import system_actor
from customers.actions import create_customer
from customers.actions.imports import import_file, preview_file
from customers.imports import ImportFileError, read_rows, template_rows
from customers.models import Contact, Customer, CustomerUserObjectPermission
from customers.tests.factories import OWNER, grants, make_customer, region

HEADER = ["name", "region", "account_manager", "level", "address", "phone", "uscc", "contact_name", "contact_mobile"]
ROWS = [
    [
        "甲乙贸易有限公司",
        "北京",
        "manager_ann",
        "大客户",
        "北京市朝阳区建国路1号",
        "010-88886666",
        "91110000600037341L",
        "张三",
        "13812345678",
    ],
    ["丙丁科技有限公司", "beijing", "manager_ann", "1", "北京市海淀区中关村2号", "13911112222", "", "", ""],
]


def write_csv(path, rows, header=HEADER, encoding="utf-8-sig"):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def customers_state():
    return (
        list(Customer.all_objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
        CustomerUserObjectPermission.objects.count(),
        LogEntry.objects.count(),
    )


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def clean_csv(tmp_path, manager_ann):
    return write_csv(tmp_path / "customers.csv", ROWS)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_clean_file_creates_customers_with_codes_pinyin_grants_contacts_and_audit(
    tmp_path, supervisor_sue, manager_ann, kind
):
    path = write_csv(tmp_path / "c.csv", ROWS) if kind == "csv" else write_xlsx(tmp_path / "c.xlsx", ROWS)
    preview = preview_file(path, actor=supervisor_sue)
    assert (preview.rows, preview.create, preview.update, preview.unchanged, preview.rejected) == (2, 2, 0, 0, 0)
    assert Customer.objects.count() == 0

    counts = import_file(path, actor=supervisor_sue)

    assert (counts.create, counts.update) == (2, 0)
    first = Customer.objects.get(name="甲乙贸易有限公司")
    assert first.code.startswith("KH") and len(first.code) == 14
    assert first.name_pinyin == "jiayimaoyiyouxiangongsi"
    assert first.level == 3 and first.region.value == "beijing" and first.uscc == "91110000600037341L"
    assert first.account_manager == manager_ann and first.created_by == supervisor_sue
    assert grants(first, manager_ann) == OWNER
    contact = first.contacts.get()
    assert (contact.name, contact.mobile, contact.is_primary) == ("张三", "13812345678", True)
    created = LogEntry.objects.filter(object_pk=str(first.pk), action=LogEntry.Action.CREATE)
    assert created.get(content_type__model="customer").actor == supervisor_sue
    summary = LogEntry.objects.get(additional_data__event="import")
    assert summary.actor == supervisor_sue and summary.additional_data["created"] == 2


def test_importing_the_same_file_again_changes_nothing_and_records_no_audit_row(clean_csv, supervisor_sue):
    import_file(clean_csv, actor=supervisor_sue)
    before = customers_state()

    counts = import_file(clean_csv, actor=supervisor_sue)

    assert (counts.create, counts.update, counts.unchanged, counts.rejected) == (0, 0, 2, 0)
    assert customers_state() == before


def test_a_file_with_one_bad_row_writes_nothing_and_names_its_row_and_column(tmp_path, supervisor_sue, manager_ann):
    rows = [*ROWS, ["戊己有限公司", "北京", "manager_ann", "1", "地址", "12345", "", "", ""]]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = customers_state()

    counts = import_file(path, actor=supervisor_sue)

    assert customers_state() == before
    assert counts.rejected == 1
    [error] = counts.errors
    assert (error.row, error.column, error.value) == (4, "Phone", "12345")
    assert "mainland phone number" in error.reason


def test_the_error_file_lists_the_rejected_rows_in_chinese(tmp_path, supervisor_sue, manager_ann):
    rows = [["戊己有限公司", "火星", "manager_ann", "1", "地址", "13800001111", "", "", ""]]
    path = write_csv(tmp_path / "bad.csv", rows)
    with translation.override("zh-hans"), pytest.raises(CommandError, match="拒绝"):
        call_command("import_customers", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    text = (tmp_path / "bad.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "行,列,值,原因"
    assert text.splitlines()[1].startswith("2,地区,火星,")
    assert Customer.objects.count() == 0


def test_a_duplicate_by_uscc_updates_that_customer(tmp_path, supervisor_sue, manager_ann):
    existing = make_customer(manager_ann, name="老名字有限公司", uscc="91110000600037341L")
    path = write_csv(tmp_path / "c.csv", ROWS[:1])

    counts = import_file(path, actor=supervisor_sue)

    assert (counts.create, counts.update) == (0, 1)
    existing.refresh_from_db()
    assert existing.name == "甲乙贸易有限公司" and existing.level == 3
    assert existing.contacts.get().name == "张三"
    assert Customer.objects.count() == 1


def test_a_duplicate_by_name_without_a_code_is_rejected(tmp_path, supervisor_sue, manager_ann):
    make_customer(manager_ann, name="丙丁科技股份有限公司", address="别处")
    path = write_csv(tmp_path / "c.csv", ROWS)
    before = customers_state()

    counts = import_file(path, actor=supervisor_sue)

    assert customers_state() == before
    [error] = counts.errors
    assert (error.row, error.column) == (3, "Name")
    assert "already exists" in error.reason


def test_the_same_customer_twice_in_a_file_is_rejected(tmp_path, supervisor_sue, manager_ann):
    path = write_csv(tmp_path / "c.csv", [ROWS[1], ROWS[1]])
    counts = preview_file(path, actor=supervisor_sue)
    assert [(e.row, e.reason) for e in counts.errors] == [(3, "The same customer as row 2.")]


def test_a_row_with_a_code_updates_only_the_cells_it_fills(tmp_path, supervisor_sue, manager_ann):
    customer = make_customer(manager_ann, address="旧地址")
    path = write_csv(tmp_path / "c.csv", [[customer.code, "新地址"]], header=["客户编号", "地址"])

    counts = import_file(path, actor=supervisor_sue)

    assert counts.update == 1
    customer.refresh_from_db()
    assert customer.address == "新地址" and customer.phone.startswith("139")
    change = LogEntry.objects.get(
        content_type__model="customer", object_pk=str(customer.pk), action=LogEntry.Action.UPDATE
    )
    assert change.actor == supervisor_sue and set(change.changes_dict) == {"address"}


def test_a_supervisor_cannot_move_a_customer_to_another_manager(tmp_path, supervisor_sue, manager_ann, manager_bob):
    customer = make_customer(manager_ann)
    path = write_csv(tmp_path / "c.csv", [[customer.code, "manager_bob"]], header=["code", "account_manager"])
    counts = preview_file(path, actor=supervisor_sue)
    assert [e.column for e in counts.errors] == ["Account manager"]


def test_a_formula_is_read_as_its_text(tmp_path, supervisor_sue, manager_ann):
    row = ['=HYPERLINK("http://x","点我")', "北京", "manager_ann", "1", "=1+1", "13800001111", "", "", ""]
    import_file(write_xlsx(tmp_path / "f.xlsx", [row]), actor=supervisor_sue)
    customer = Customer.objects.get()
    assert customer.name == '=HYPERLINK("http://x","点我")' and customer.address == "=1+1"


def test_a_gbk_file_gets_a_clear_message(tmp_path, supervisor_sue, manager_ann):
    path = write_csv(
        tmp_path / "gbk.csv",
        ROWS,
        header=["名称", "地区", "客户经理", "等级", "地址", "电话", "统一社会信用代码", "联系人姓名", "联系人手机"],
        encoding="gbk",
    )
    with pytest.raises(ImportFileError, match="GBK"):
        preview_file(path, actor=supervisor_sue)


def test_ten_megabytes_of_nonsense_get_a_clear_message(tmp_path, supervisor_sue):
    for name in ("noise.csv", "noise.xlsx"):
        path = tmp_path / name
        path.write_bytes(os.urandom(10 * 1024 * 1024))
        with pytest.raises(ImportFileError) as caught:
            preview_file(path, actor=supervisor_sue)
        assert name in str(caught.value)


def test_a_file_of_unknown_columns_or_kind_is_refused(tmp_path, supervisor_sue):
    path = write_csv(tmp_path / "c.csv", [["x"]], header=["名称", "颜色"])
    with pytest.raises(ImportFileError, match="颜色"):
        read_rows(path)
    other = tmp_path / "c.txt"
    other.write_text("name\n甲\n")
    with pytest.raises(ImportFileError, match="neither"):
        read_rows(other)


def test_too_many_rows_are_refused(tmp_path, supervisor_sue, settings):
    settings.IMPORT_MAX_ROWS = 1
    with pytest.raises(ImportFileError, match="more than 1 rows"):
        preview_file(write_csv(tmp_path / "c.csv", ROWS), actor=supervisor_sue)


def test_the_template_headers_are_read_back_in_both_languages(tmp_path, supervisor_sue, manager_ann):
    for language in ("en", "zh-hans"):
        with translation.override(language):
            header = template_rows()
        path = write_csv(tmp_path / f"{language}.csv", [], header=header)
        columns, rows = read_rows(path)
        assert list(rows) == [] and columns == header


def test_the_command_imports_with_a_default_manager_and_a_dry_run_writes_nothing(tmp_path, manager_ann):
    path = write_csv(tmp_path / "c.csv", [row[:2] + row[3:] for row in ROWS], header=HEADER[:2] + HEADER[3:])
    out = io.StringIO()
    call_command(
        "import_customers", str(path), "--dry-run", "--manager", "manager_ann", stdout=out, stderr=io.StringIO()
    )
    assert "2 rows: 2 new" in out.getvalue() and Customer.objects.count() == 0

    call_command("import_customers", str(path), "--manager", "manager_ann", stdout=io.StringIO(), stderr=io.StringIO())

    assert set(Customer.objects.values_list("account_manager__username", flat=True)) == {"manager_ann"}
    assert set(Customer.objects.values_list("created_by", flat=True)) == {system_actor().pk}


def test_the_command_refuses_an_unknown_manager_and_a_missing_file(tmp_path, manager_ann):
    path = write_csv(tmp_path / "c.csv", ROWS)
    with pytest.raises(CommandError, match="not an active account manager"):
        call_command("import_customers", str(path), "--manager", "nobody")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_customers", str(tmp_path / "missing.csv"))


def _audit_rows(customer):
    """The audit rows of a customer, its grants and its contacts, in the order they were written."""
    objects = [
        customer,
        *CustomerUserObjectPermission.objects.filter(content_object=customer),
        *customer.contacts.all(),
    ]
    rows = []
    for obj in objects:
        for entry in LogEntry.objects.get_for_object(obj):
            rows.append((entry.pk, entry))
    return [entry for _pk, entry in sorted(rows, key=lambda pair: pair[0])]


def test_an_imported_customer_has_the_audit_rows_of_one_made_by_hand(tmp_path, supervisor_sue, manager_ann):
    values = {"level": 3, "address": "北京市朝阳区建国路1号", "phone": "010-88886666"}
    by_hand = Customer(name="手工录入有限公司", region=region(), account_manager=manager_ann, **values)
    create_customer(actor=supervisor_sue, customer=by_hand, contact=Contact(name="张三", mobile="13812345678"))
    row = [
        "批量导入有限公司",
        "北京",
        "manager_ann",
        "3",
        values["address"],
        values["phone"],
        "",
        "张三",
        "13812345678",
    ]

    import_file(write_csv(tmp_path / "c.csv", [row]), actor=supervisor_sue)

    imported = Customer.objects.get(name="批量导入有限公司")
    hand_rows, import_rows = _audit_rows(by_hand), _audit_rows(imported)
    assert len(import_rows) == len(hand_rows) == 5  # the customer, three grants, the contact
    same = ("region", "account_manager", "level", "address", "phone", "created_by", "status", "permission", "user")
    for made, written in zip(hand_rows, import_rows, strict=True):
        assert (written.content_type, written.action, written.actor) == (made.content_type, made.action, made.actor)
        assert written.additional_data == made.additional_data  # the actor's name kept on the row
        assert set(written.changes_dict) == set(made.changes_dict)
        for field in same:
            assert written.changes_dict.get(field) == made.changes_dict.get(field), field


def run_command(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_customers", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_command_imports_a_clean_file_and_again_changes_nothing(tmp_path, manager_ann, kind):
    path = write_csv(tmp_path / "c.csv", ROWS) if kind == "csv" else write_xlsx(tmp_path / "c.xlsx", ROWS)
    assert "2 rows: 2 new, 0 changed, 0 unchanged, 0 rejected" in run_command(path)
    assert Customer.objects.count() == 2
    before = customers_state()

    again = run_command(path)
    assert "2 rows: 0 new, 0 changed, 2 unchanged, 0 rejected" in again and "nothing to write" in again

    assert customers_state() == before


def test_the_command_updates_a_duplicate_by_uscc(tmp_path, manager_ann):
    existing = make_customer(manager_ann, name="老名字有限公司", uscc="91110000600037341L")
    assert "1 rows: 0 new, 1 changed" in run_command(write_csv(tmp_path / "c.csv", ROWS[:1]))
    existing.refresh_from_db()
    assert existing.name == "甲乙贸易有限公司"


def test_the_command_rejects_a_duplicate_by_name_and_writes_nothing(tmp_path, manager_ann):
    make_customer(manager_ann, name="丙丁科技股份有限公司")
    before = customers_state()
    with pytest.raises(CommandError, match="nothing was written"):
        run_command(write_csv(tmp_path / "c.csv", ROWS))
    assert customers_state() == before
    text = (tmp_path / "c.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].startswith('3,Name,丙丁科技有限公司,"A customer with this name already exists')


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("gbk.csv", "名称,地区\n甲乙贸易有限公司,北京\n".encode("gbk"), "GBK"),
        ("noise.csv", os.urandom(10 * 1024 * 1024), "not a CSV text file in UTF-8"),
        ("noise.xlsx", os.urandom(10 * 1024 * 1024), "not a readable Excel workbook"),
    ],
)
def test_the_command_refuses_a_file_it_cannot_read_with_one_clear_line(tmp_path, manager_ann, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=expected):
        run_command(path)
    assert Customer.objects.count() == 0
