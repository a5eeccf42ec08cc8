"""The customer import pages: upload, preview, confirm, the progress the page polls, the file of
rejected rows and the template, in both languages; bad input gets a clear message, never a 500."""

import io
import os
from datetime import timedelta

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, CustomerImport

HEADER = "名称,地区,客户经理,客户等级,地址,电话,统一社会信用代码,联系人姓名,联系人手机\n"
GOOD = (
    "甲乙贸易有限公司,北京,manager_ann,大客户,北京市朝阳区建国路1号,010-88886666,91110000600037341L,张三,13812345678\n"
)
BAD = "丙丁科技有限公司,北京,manager_ann,1,北京市海淀区,12345,,,\n"


@pytest.fixture(autouse=True)
def imports_here(settings, tmp_path):
    settings.IMPORT_RUNNER = "inline"
    settings.IMPORT_DIR = tmp_path / "imports"


def upload(client, content, name="customers.csv", language="zh-hans", **data):
    body = content.encode("utf-8-sig") if isinstance(content, str) and content else bytes(content or b"")
    return client.post(
        reverse("customers:import"),
        {"file": SimpleUploadedFile(name, body), **data},
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.fixture
def sue(client, supervisor_sue, manager_ann):
    client.force_login(supervisor_sue)
    return client


def test_sue_checks_a_file_sees_the_counts_and_imports_it(sue, supervisor_sue, settings):
    response = upload(sue, HEADER + GOOD)
    job = CustomerImport.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert (job.status, job.total_rows, job.created_count, job.rejected_count) == ("previewed", 1, 1, 0)
    page = sue.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "要新建的客户" in page and 'data-testid="import-confirm"' in page
    assert Customer.objects.count() == 0

    response = sue.post(reverse("customers:import_confirm", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created_count, job.file_path) == ("done", 1, "")
    assert not any((settings.IMPORT_DIR).iterdir())  # the upload is gone once written
    customer = Customer.objects.get()
    assert customer.contacts.get().name == "张三"
    # Audited like a customer made on the form: the confirming user, from the request's address.
    created = LogEntry.objects.get_for_object(customer).get(action=LogEntry.Action.CREATE)
    assert (created.actor, created.remote_addr) == (supervisor_sue, "127.0.0.1")


def test_a_file_with_a_bad_row_is_shown_with_its_error_file_and_cannot_be_confirmed(sue, settings):
    upload(sue, HEADER + GOOD + BAD)
    job = CustomerImport.objects.get()
    assert (job.status, job.rejected_count, job.file_path) == ("previewed", 1, "")
    # Only the file of rejected rows is kept; the upload can't be imported anyway.
    assert [path.name for path in settings.IMPORT_DIR.iterdir()] == [job.errors_path]
    page = sue.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="import-confirm"' not in page and "下载被拒绝的行" in page

    errors = sue.get(reverse("customers:import_errors", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = b"".join(errors.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "行,列,值,原因"
    assert text.splitlines()[1].startswith("3,电话,12345,")

    response = sue.post(reverse("customers:import_confirm", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302
    assert Customer.objects.count() == 0
    job.refresh_from_db()
    assert job.status == "previewed"

    sue.post(reverse("customers:import_cancel", args=[job.pk]))
    assert list(settings.IMPORT_DIR.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (HEADER.encode("gbk") + GOOD.encode("gbk"), "gbk.csv", "GBK"),
        (os.urandom(10 * 1024 * 1024), "noise.xlsx", "不是可读取的 Excel 工作簿"),
        (os.urandom(10 * 1024 * 1024), "noise.csv", "UTF-8"),
        ("颜色\n红\n", "colours.csv", "颜色"),
    ],
)
def test_a_file_that_cannot_be_imported_fails_with_a_clear_message(sue, content, name, expected):
    upload(sue, content, name=name)
    job = CustomerImport.objects.get()
    assert job.status == "failed"
    page = sue.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert expected in page.content.decode()
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("notes.txt", {}, "请选择 Excel 工作簿"),
        ("customers.csv", {"default_manager": "999999"}, "请从列表中选择"),
        ("empty.csv", {"empty": True}, "空文件"),
    ],
)
def test_bad_input_on_the_upload_form_is_refused_with_a_message_and_no_job(sue, name, data, expected):
    data = dict(data)
    content = "" if data.pop("empty", False) else HEADER + GOOD
    response = upload(sue, content, name=name, **data)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_no_file_is_refused_in_english(sue):
    response = sue.post(reverse("customers:import"), {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused(sue, settings):
    settings.IMPORT_MAX_MB = 1
    response = upload(sue, b"x" * (1024 * 1024 + 1))
    assert "大于 1 MB" in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_the_default_manager_fills_rows_without_one(sue, manager_ann):
    header = "名称,地区,地址,电话\n"
    upload(sue, header + "甲乙贸易有限公司,北京,北京市朝阳区建国路1号,010-88886666\n", default_manager=manager_ann.pk)
    job = CustomerImport.objects.get()
    assert (job.created_count, job.default_manager) == (1, manager_ann)
    sue.post(reverse("customers:import_confirm", args=[job.pk]))
    assert Customer.objects.get().account_manager == manager_ann


def test_a_cancelled_import_writes_nothing_and_drops_its_file(sue, settings):
    upload(sue, HEADER + GOOD)
    job = CustomerImport.objects.get()
    response = sue.post(reverse("customers:import_cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled" and job.file_path == ""
    assert Customer.objects.count() == 0
    assert sue.post(reverse("customers:import_confirm", args=[job.pk])).status_code == 302
    assert Customer.objects.count() == 0


def test_the_progress_fragment_polls_while_a_job_runs_and_stops_after(sue, supervisor_sue):
    job = CustomerImport.objects.create(
        file_name="a.csv", created_by=supervisor_sue, status="importing", total_rows=1000, processed_rows=500
    )
    running = sue.get(reverse("customers:import_progress", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = running.content.decode()
    assert 'hx-trigger="every 1s"' in text and 'value="500"' in text and "500 / 1000" not in text
    assert "正在写入" in text
    job.status = "done"
    job.save()
    finished = sue.get(reverse("customers:import_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in finished


def test_a_job_whose_process_ended_is_shown_as_failed(sue, supervisor_sue):
    job = CustomerImport.objects.create(file_name="a.csv", created_by=supervisor_sue, status="previewing")
    CustomerImport.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    page = sue.get(job.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "中断" in page


@pytest.mark.parametrize(("language", "first"), [("zh-hans", "客户编号"), ("en", "Customer code")])
def test_the_template_has_the_columns_in_the_users_language(sue, language, first):
    response = sue.get(reverse("customers:import_template"), HTTP_ACCEPT_LANGUAGE=language)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in next(sheet.iter_rows())]
    assert header[0] == first and len(header) == 27
    csv_file = sue.get(reverse("customers:import_template"), {"format": "csv"}, HTTP_ACCEPT_LANGUAGE=language)
    assert csv_file.content.decode("utf-8-sig").split(",")[0] == first


def test_the_errors_of_a_job_without_rejected_rows_are_not_found(sue):
    upload(sue, HEADER + GOOD)
    job = CustomerImport.objects.get()
    assert sue.get(reverse("customers:import_errors", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("jobs", [3, 30])
def test_the_upload_page_lists_the_latest_imports_in_a_fixed_number_of_queries(
    sue, supervisor_sue, django_assert_max_num_queries, jobs
):
    CustomerImport.objects.bulk_create(
        CustomerImport(file_name=f"file{n}.csv", created_by=supervisor_sue, status="done") for n in range(jobs)
    )
    with django_assert_max_num_queries(8):
        response = sue.get(reverse("customers:import"))
    text = response.content.decode()
    assert text.count('data-testid="import-job"') == min(jobs, 10)


def test_the_same_file_again_has_nothing_to_import_and_a_duplicate_name_is_rejected(sue):
    upload(sue, HEADER + GOOD)
    sue.post(reverse("customers:import_confirm", args=[CustomerImport.objects.get().pk]))
    duplicate = "甲乙贸易股份有限公司,北京,manager_ann,1,别处,13800001111,,,\n"

    upload(sue, HEADER + GOOD)
    again = CustomerImport.objects.latest("pk")
    page = sue.get(again.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert (again.unchanged_count, again.created_count, again.updated_count) == (1, 0, 0)
    assert "没有需要导入的内容" in page and 'data-testid="import-confirm"' not in page

    upload(sue, HEADER + duplicate)
    rejected = CustomerImport.objects.latest("pk")
    assert rejected.rejected_count == 1
    errors = sue.get(reverse("customers:import_errors", args=[rejected.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已存在同名客户" in b"".join(errors.streaming_content).decode("utf-8-sig")
    assert Customer.objects.count() == 1
