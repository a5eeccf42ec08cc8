"""The loss pages (流失预警): the list with its filters, counts and sorting, a record's page, and the
postpone and confirm steps through their views, for each role, with every refusal.

Records are raised as production raises them: the customers' last order dates moved back in the
database (the sales import's column; bypassing audit is fine in setup) and the real detect_losses
run as the system user.
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse

from crm.audit import system_actor
from customers import actions, selectors
from customers.actions.losses import confirm_loss, detect_losses, postpone_loss
from customers.models import Customer, LossMeasure, LossRecord
from customers.tests.factories import make_customer, share

pytestmark = pytest.mark.django_db

LIST = reverse("customers:losses")
LONG_AGO = dt.date(2024, 3, 1)


def warn(*customers, last_order_date=LONG_AGO):
    """Stale ``customers`` and raise their warnings with the real detection; their open records."""
    Customer.all_objects.filter(pk__in=[c.pk for c in customers]).update(last_order_date=last_order_date)
    detect_losses(actor=system_actor())
    records = LossRecord.objects.filter(customer__in=customers, status__in=LossRecord.OPEN)
    by_customer = {record.customer_id: record for record in records.select_related("customer")}
    return [by_customer[customer.pk] for customer in customers]


def stored(record):
    return LossRecord.objects.select_related("customer").get(pk=record.pk)


def page(client, user, url=LIST, language="en", **params):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url, params)


def text_of(response):
    return response.content.decode()


def rows(response):
    """The customer names of the table's rows, in order."""
    body = text_of(response).split('data-testid="loss-table"', 1)
    if len(body) < 2:
        return []
    return re.findall(r'<a href="/customers/losses/\d+/">([^<]+)</a>', body[1])


def select_options(response, name):
    """The (value, label) options of the filter select ``name``."""
    found = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', text_of(response), re.S)
    if found is None:
        return None
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1))


def counts(response):
    """{status key: count} of the counts above the table."""
    found = re.findall(
        r'data-testid="loss-count-(\w+)"[^>]*>[^<]*<span class="badge[^"]*">(\d+)</span>', text_of(response)
    )
    return {key: int(count) for key, count in found}


@pytest.fixture
def losses(manager_ann, manager_bob, supervisor_sue):
    """Ann's 安诚 (warning) and 恩泽 (postponed), bob's 博远 (confirmed) and 昌盛 (warning, shared
    with ann to view), and 鼎新 of bob's with no record."""
    anc = make_customer(manager_ann, name="安诚贸易有限公司")
    enz = make_customer(manager_ann, name="恩泽食品有限公司")
    boy = make_customer(manager_bob, name="博远科技有限公司")
    chs = make_customer(manager_bob, name="昌盛物流有限公司")
    make_customer(manager_bob, name="鼎新建材有限公司")
    share(chs, manager_ann, "view", actor=supervisor_sue)
    # 恩泽 is warned by a later detection than the others (the newest warning).
    records = dict(zip(["anc", "boy", "chs"], warn(anc, boy, chs), strict=True))
    records["enz"] = warn(enz, last_order_date=dt.date(2023, 6, 30))[0]
    postpone_loss(actor=manager_ann, record=records["enz"], measure="上门拜访，给予九折优惠")
    confirm_loss(actor=manager_bob, record=records["boy"], reason="客户转向竞争对手")
    return {key: stored(record) for key, record in records.items()}


def post(client, user, url, data, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(url, data)


def postpone_url(record):
    return reverse("customers:loss_postpone", args=[record.pk])


def confirm_url(record):
    return reverse("customers:loss_confirm", args=[record.pk])


def state(record):
    """What a refused step must leave as it was: the record's fields, its measures, its customer's status."""
    record = stored(record)
    measures = list(LossMeasure.objects.filter(record=record).values_list("text", flat=True))
    return (record.status, record.reason, record.confirmed_at, record.confirmed_by_id, measures, record.customer.status)


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- the list ------------------------------------------------------------------------------------


def test_account_manager_sees_the_records_of_the_customers_they_see(client, losses, manager_ann):
    response = page(client, manager_ann)
    assert response.status_code == 200
    assert sorted(rows(response)) == ["安诚贸易有限公司", "恩泽食品有限公司", "昌盛物流有限公司"]
    assert counts(response) == {"all": 3, "warning": 2, "postponed": 1, "confirmed": 0, "recovered": 0}
    # Their records are their customers': no choice of managers.
    assert select_options(response, "manager") is None
    assert select_options(response, "status") == [
        ("", "All"),
        ("warning", "Warning"),
        ("postponed", "Postponed"),
        ("confirmed", "Lost"),
        ("recovered", "Recovered"),
    ]


def test_another_manager_sees_only_their_own_customers_records(client, losses, manager_bob):
    response = page(client, manager_bob)
    assert sorted(rows(response)) == ["博远科技有限公司", "昌盛物流有限公司"]
    assert counts(response) == {"all": 2, "warning": 1, "postponed": 0, "confirmed": 1, "recovered": 0}


@pytest.mark.parametrize("persona", ["supervisor_sue", "viewer_vic", "admin", "superuser_sam"])
def test_those_who_see_all_see_every_record_and_choose_among_the_managers(
    client, losses, persona, manager_ann, manager_bob, request
):
    response = page(client, request.getfixturevalue(persona))
    assert response.status_code == 200
    assert sorted(rows(response)) == ["博远科技有限公司", "安诚贸易有限公司", "恩泽食品有限公司", "昌盛物流有限公司"]
    assert counts(response) == {"all": 4, "warning": 2, "postponed": 1, "confirmed": 1, "recovered": 0}
    assert select_options(response, "manager") == [
        ("", "All"),
        (str(manager_ann.pk), "Manager Ann"),
        (str(manager_bob.pk), "Manager Bob"),
    ]


def test_the_list_is_newest_warning_first_and_links_each_record(client, losses, supervisor_sue):
    response = page(client, supervisor_sue)
    html = text_of(response)
    for record in losses.values():
        assert f'href="{record.get_absolute_url()}"' in html
        assert record.customer.code in html
    # 恩泽 was raised last (a second detection).
    assert rows(response)[0] == "恩泽食品有限公司"


def test_each_count_links_to_the_list_of_its_status_keeping_the_other_filters(client, losses, supervisor_sue):
    response = page(client, supervisor_sue, customer="有限公司")
    links = dict(re.findall(r'href="([^"]+)" data-testid="loss-count-(\w+)"', text_of(response)))
    by_status = {key: url for url, key in links.items()}
    assert set(by_status) == {"all", "warning", "postponed", "confirmed", "recovered"}
    assert "customer=" in by_status["confirmed"] and "status=confirmed" in by_status["confirmed"]
    assert "status=" not in by_status["all"]
    confirmed = client.get(LIST + by_status["confirmed"].replace("&amp;", "&"))
    assert rows(confirmed) == ["博远科技有限公司"]
    assert 'data-testid="loss-count-confirmed" aria-current="page"' in text_of(confirmed)


@pytest.mark.parametrize(
    "status, expected",
    [
        ("warning", ["安诚贸易有限公司", "昌盛物流有限公司"]),
        ("postponed", ["恩泽食品有限公司"]),
        ("confirmed", ["博远科技有限公司"]),
        ("recovered", []),
    ],
)
def test_the_status_filter(client, losses, supervisor_sue, status, expected):
    response = page(client, supervisor_sue, status=status)
    assert sorted(rows(response)) == expected
    # The counts are the other filters': every status still counted.
    assert counts(response)["all"] == 4


def test_the_counts_follow_the_other_filters(client, losses, supervisor_sue, manager_bob):
    response = page(client, supervisor_sue, manager=manager_bob.pk)
    assert sorted(rows(response)) == ["博远科技有限公司", "昌盛物流有限公司"]
    assert counts(response) == {"all": 2, "warning": 1, "postponed": 0, "confirmed": 1, "recovered": 0}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("安诚", ["安诚贸易有限公司"]),
        ("ancheng", ["安诚贸易有限公司"]),
        ("ez", ["恩泽食品有限公司"]),
        ("物流", ["昌盛物流有限公司"]),
        ("没有这家", []),
    ],
)
def test_the_customer_filter_finds_name_pinyin_and_initials(client, losses, manager_ann, text, expected):
    assert sorted(rows(page(client, manager_ann, customer=text))) == expected


def test_the_customer_filter_finds_a_code(client, losses, manager_ann):
    code = losses["anc"].customer.code
    assert rows(page(client, manager_ann, customer=code)) == ["安诚贸易有限公司"]
    assert rows(page(client, manager_ann, customer=code.lower())) == ["安诚贸易有限公司"]


def test_the_customer_filter_stays_within_the_users_scope(client, losses, manager_ann):
    assert rows(page(client, manager_ann, customer="博远")) == []
    assert rows(page(client, manager_ann, customer=losses["boy"].customer.code)) == []


def test_the_manager_filter(client, losses, supervisor_sue, manager_ann):
    assert sorted(rows(page(client, supervisor_sue, manager=manager_ann.pk))) == [
        "安诚贸易有限公司",
        "恩泽食品有限公司",
    ]


def test_an_account_manager_cannot_filter_by_another_manager(client, losses, manager_ann, manager_bob):
    # The filter isn't theirs: a hand-made ?manager= is ignored, and the rows stay their scope's.
    response = page(client, manager_ann, manager=manager_bob.pk)
    assert sorted(rows(response)) == ["安诚贸易有限公司", "恩泽食品有限公司", "昌盛物流有限公司"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"last_order_from": "2024-01-01"}, ["博远科技有限公司", "安诚贸易有限公司", "昌盛物流有限公司"]),
        ({"last_order_to": "2023-12-31"}, ["恩泽食品有限公司"]),
        ({"last_order_to": "2023-06-30"}, ["恩泽食品有限公司"]),
        (
            {"last_order_from": "2023-07-01", "last_order_to": "2024-03-01"},
            ["博远科技有限公司", "安诚贸易有限公司", "昌盛物流有限公司"],
        ),
        ({"last_order_from": "2024-03-02"}, []),
    ],
)
def test_the_last_order_date_filters(client, losses, supervisor_sue, params, expected):
    assert sorted(rows(page(client, supervisor_sue, **params))) == expected


@pytest.mark.parametrize("bad", ["2024-13-45", "yesterday", "0000-00-00", "9999-12-31x", "1" * 500])
def test_a_malformed_date_is_a_message_and_the_other_filters_apply(client, losses, supervisor_sue, bad):
    response = page(client, supervisor_sue, last_order_from=bad, status="warning")
    assert response.status_code == 200
    html = text_of(response)
    assert 'data-testid="filter-errors"' in html
    assert "Enter a valid date." in html or "date" in html.lower()
    assert sorted(rows(response)) == ["安诚贸易有限公司", "昌盛物流有限公司"]


def test_a_reversed_date_range_is_a_message(client, losses, supervisor_sue):
    response = page(client, supervisor_sue, last_order_from="2024-12-31", last_order_to="2023-01-01")
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in text_of(response)
    assert len(rows(response)) == 4


def test_an_unknown_status_or_manager_is_a_message_not_a_500(client, losses, supervisor_sue):
    response = page(client, supervisor_sue, status="gone", manager="x")
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in text_of(response)
    assert len(rows(response)) == 4


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("customer", ["安诚贸易有限公司", "博远科技有限公司", "昌盛物流有限公司", "恩泽食品有限公司"]),
        ("-customer", ["恩泽食品有限公司", "昌盛物流有限公司", "博远科技有限公司", "安诚贸易有限公司"]),
        ("status", ["博远科技有限公司", "恩泽食品有限公司"]),  # confirmed, postponed first ("c" < "p" < "w")
    ],
)
def test_the_list_sorts_by_its_columns(client, losses, supervisor_sue, sort, expected):
    shown = rows(page(client, supervisor_sue, sort=sort))
    assert shown[: len(expected)] == expected


def test_the_list_sorts_by_last_order_date(client, losses, supervisor_sue):
    shown = rows(page(client, supervisor_sue, sort="last_order_date"))
    assert shown[0] == "恩泽食品有限公司"
    shown = rows(page(client, supervisor_sue, sort="-last_order_date"))
    assert shown[-1] == "恩泽食品有限公司"


def test_an_unknown_sort_or_page_is_no_500(client, losses, supervisor_sue):
    assert page(client, supervisor_sue, sort="password").status_code == 200
    response = page(client, supervisor_sue, page="999")
    assert response.status_code == 302


def test_the_list_speaks_chinese(client, losses, manager_ann):
    html = text_of(page(client, manager_ann, language="zh-hans"))
    assert "流失预警" in html
    assert "最近下单日期" in html  # the catalogue's word for the field, as on the customer page
    assert "暂缓流失" in html


def test_anonymous_users_are_sent_to_sign_in(client, losses):
    for url in (LIST, losses["anc"].get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- how many queries the list costs ------------------------------------------------------------


def _many(manager, count, supervisor):
    customers = [make_customer(manager) for _ in range(count)]
    records = warn(*customers)
    for record in records[::3]:
        postpone_loss(actor=manager, record=record, measure="电话回访")
    for record in records[1::5]:
        confirm_loss(actor=supervisor, record=record, reason="倒闭")
    return records


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_list_reads_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, manager_ann, manager_bob, supervisor_sue, persona, count, request
):
    _many(manager_ann, count, supervisor_sue)
    colleague = make_customer(manager_bob)
    share(colleague, manager_ann, "view", actor=supervisor_sue)
    warn(colleague)
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for params in (
        {},
        {"status": "warning", "customer": "测试", "last_order_from": "2020-01-01"},
        {"sort": "customer"},
    ):
        with django_assert_max_num_queries(12):
            response = client.get(LIST, params)
        assert response.status_code == 200
        assert rows(response)


# --- a record's page ------------------------------------------------------------------------------


def test_the_record_page_shows_the_record_and_its_measures(client, losses, manager_ann):
    record = losses["enz"]
    response = page(client, manager_ann, record.get_absolute_url())
    html = text_of(response)
    assert response.status_code == 200
    assert f'href="{record.customer.get_absolute_url()}">恩泽食品有限公司</a>' in html
    assert record.customer.code in html
    assert 'data-testid="loss-manager">Manager Ann<' in html
    assert 'data-testid="loss-last-order">2023-06-30<' in html
    assert "Postponed" in html
    assert "上门拜访，给予九折优惠" in html
    assert html.count('data-testid="loss-measure"') == 1
    assert 'data-testid="loss-postpone-form"' in html
    assert 'data-testid="loss-confirm-warning"' in html
    assert 'data-testid="history-panel"' in html
    assert 'data-testid="audience-panel"' in html


def test_a_confirmed_record_shows_who_confirmed_it_when_and_why_and_no_forms(client, losses, supervisor_sue):
    html = text_of(page(client, supervisor_sue, losses["boy"].get_absolute_url()))
    assert 'data-testid="loss-confirmed-by">Manager Bob<' in html
    assert "客户转向竞争对手" in html
    assert 'data-testid="loss-final-note"' in html
    assert 'data-testid="loss-forms"' not in html


def test_a_recovered_record_shows_the_date_of_the_order(client, losses, manager_ann):
    actions.record_order_dates(dates={losses["anc"].customer_id: dt.date(2026, 1, 5)})
    assert stored(losses["anc"]).status == LossRecord.Status.RECOVERED
    html = text_of(page(client, manager_ann, losses["anc"].get_absolute_url()))
    assert 'data-testid="loss-recovered-on">2026-01-05<' in html
    assert 'data-testid="loss-forms"' not in html


@pytest.mark.parametrize("persona", ["viewer_vic", "admin"])
def test_those_who_only_read_see_the_page_without_the_forms(client, losses, persona, request):
    response = page(client, request.getfixturevalue(persona), losses["anc"].get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="loss-forms"' not in text_of(response)


def test_a_colleague_the_customer_is_shared_with_reads_the_record_without_the_forms(client, losses, manager_ann):
    response = page(client, manager_ann, losses["chs"].get_absolute_url())
    assert response.status_code == 200
    assert "昌盛物流有限公司" in text_of(response)
    assert 'data-testid="loss-forms"' not in text_of(response)


def test_a_record_out_of_scope_is_not_found(client, losses, manager_ann):
    assert page(client, manager_ann, losses["boy"].get_absolute_url()).status_code == 404
    assert page(client, manager_ann, reverse("customers:loss_detail", args=[999999])).status_code == 404


def test_a_supervisor_gets_the_forms(client, losses, supervisor_sue):
    html = text_of(page(client, supervisor_sue, losses["chs"].get_absolute_url()))
    assert 'data-testid="loss-forms"' in html


def test_the_record_page_speaks_chinese(client, losses, manager_ann):
    html = text_of(page(client, manager_ann, losses["enz"].get_absolute_url(), language="zh-hans"))
    for words in ("暂缓流失", "确认流失", "暂缓措施", "流失原因", "最近下单日期"):
        assert words in html, words


# --- postpone and confirm --------------------------------------------------------------------------


def test_the_manager_postpones_with_a_measure(client, losses, manager_ann):
    record = losses["anc"]
    response = post(client, manager_ann, postpone_url(record), {"measure": "  每周电话回访  "})
    assert response.status_code == 302
    assert response["Location"] == record.get_absolute_url()
    after = stored(record)
    assert after.status == LossRecord.Status.POSTPONED
    measure = LossMeasure.objects.get(record=record)
    assert (measure.text, measure.created_by) == ("每周电话回访", manager_ann)
    shown = client.get(response["Location"])
    assert "每周电话回访" in text_of(shown)
    assert any("postponed" in message for message in messages_of(shown))


def test_postponing_again_appends_a_measure(client, losses, manager_ann):
    record = losses["enz"]
    post(client, manager_ann, postpone_url(record), {"measure": "第二次措施"})
    assert list(LossMeasure.objects.filter(record=record).order_by("id").values_list("text", flat=True)) == [
        "上门拜访，给予九折优惠",
        "第二次措施",
    ]


def test_a_supervisor_postpones_and_confirms_a_managers_record(client, losses, supervisor_sue):
    record = losses["chs"]
    post(client, supervisor_sue, postpone_url(record), {"measure": "主管出面协调"})
    assert stored(record).status == LossRecord.Status.POSTPONED
    response = post(client, supervisor_sue, confirm_url(record), {"reason": "客户已被收购"})
    assert response.status_code == 302
    after = stored(record)
    assert (after.status, after.reason, after.confirmed_by) == (
        LossRecord.Status.CONFIRMED,
        "客户已被收购",
        supervisor_sue,
    )
    assert after.confirmed_at is not None
    assert after.customer.status == Customer.Status.LOST


def test_the_manager_confirms_with_a_reason(client, losses, manager_ann):
    record = losses["enz"]
    response = post(client, manager_ann, confirm_url(record), {"reason": "公司注销"})
    assert response["Location"] == record.get_absolute_url()
    after = stored(record)
    assert (after.status, after.reason, after.confirmed_by) == (LossRecord.Status.CONFIRMED, "公司注销", manager_ann)
    assert after.customer.status == Customer.Status.LOST
    shown = client.get(response["Location"])
    assert any("confirmed" in message for message in messages_of(shown))
    assert 'data-testid="loss-forms"' not in text_of(shown)


@pytest.mark.parametrize("step", ["postpone", "confirm"])
def test_a_viewer_is_forbidden(client, losses, viewer_vic, step):
    record = losses["anc"]
    before = state(record)
    url = postpone_url(record) if step == "postpone" else confirm_url(record)
    response = post(client, viewer_vic, url, {"measure": "x", "reason": "x"})
    assert response.status_code == 403
    assert state(record) == before


@pytest.mark.parametrize("step", ["postpone", "confirm"])
def test_a_forged_id_of_another_managers_record_is_not_found(client, losses, manager_ann, step):
    record = losses["boy"]
    other = warn(make_customer(record.account_manager, name="远方客户有限公司"))[0]
    before, other_before = state(record), state(other)
    for target in (record, other):
        url = postpone_url(target) if step == "postpone" else confirm_url(target)
        response = post(client, manager_ann, url, {"measure": "伪造", "reason": "伪造"})
        assert response.status_code == 404
    assert (state(record), state(other)) == (before, other_before)


@pytest.mark.parametrize("step", ["postpone", "confirm"])
def test_a_colleague_the_customer_is_shared_with_is_forbidden(client, losses, manager_ann, step):
    record = losses["chs"]
    before = state(record)
    url = postpone_url(record) if step == "postpone" else confirm_url(record)
    response = post(client, manager_ann, url, {"measure": "越权", "reason": "越权"})
    assert response.status_code == 403
    assert state(record) == before


def test_a_colleague_with_edit_access_is_forbidden_too(client, manager_ann, manager_bob, supervisor_sue):
    customer = make_customer(manager_bob, name="鼎新建材有限公司")
    share(customer, manager_ann, "edit", actor=supervisor_sue)
    record = warn(customer)[0]
    assert page(client, manager_ann, record.get_absolute_url()).status_code == 200
    assert post(client, manager_ann, confirm_url(record), {"reason": "越权"}).status_code == 403
    assert stored(record).status == LossRecord.Status.WARNING


@pytest.mark.parametrize("step", ["postpone", "confirm"])
@pytest.mark.parametrize("persona", ["manager_bob", "supervisor_sue"])
def test_a_confirmed_record_is_final(client, losses, step, persona, request):
    record = losses["boy"]
    before = state(record)
    url = postpone_url(record) if step == "postpone" else confirm_url(record)
    response = post(client, request.getfixturevalue(persona), url, {"measure": "再试一次", "reason": "另一个原因"})
    assert response.status_code == 302
    assert state(record) == before
    shown = client.get(response["Location"])
    assert messages_of(shown) == ["This loss record is Lost: it can no longer be changed."]


def test_a_confirmed_record_is_still_forbidden_to_a_viewer(client, losses, viewer_vic):
    assert post(client, viewer_vic, confirm_url(losses["boy"]), {"reason": "x"}).status_code == 403


@pytest.mark.parametrize(
    "step, field, text",
    [
        ("postpone", "measure", ""),
        ("postpone", "measure", "   "),
        ("postpone", "measure", "措" * 10_000),
        ("confirm", "reason", ""),
        ("confirm", "reason", "\n\t "),
        ("confirm", "reason", "因" * 10_000),
    ],
)
def test_an_empty_or_too_long_text_is_shown_with_the_form_and_changes_nothing(
    client, losses, manager_ann, step, field, text
):
    record = losses["anc"]
    before = state(record)
    url = postpone_url(record) if step == "postpone" else confirm_url(record)
    response = post(client, manager_ann, url, {field: text})
    assert response.status_code == 200
    assert state(record) == before
    html = text_of(response)
    error = re.search(rf'data-testid="loss-{field}-error">([^<]+)<', html)
    assert error, html
    if text.strip():
        assert "at most 2000 characters" in error.group(1)
        # What was typed is kept, for the user to shorten.
        assert text[:100] in html
    else:
        expected = (
            "Describe the measure taken to keep the customer."
            if step == "postpone"
            else "Give the reason for the loss."
        )
        assert error.group(1) == expected


def test_a_too_long_reason_speaks_chinese(client, losses, manager_ann):
    response = post(client, manager_ann, confirm_url(losses["anc"]), {"reason": "因" * 10_000}, language="zh-hans")
    assert response.status_code == 200
    error = re.search(r'data-testid="loss-reason-error">([^<]+)<', text_of(response)).group(1)
    assert "2000" in error and not re.search(r"[A-Za-z]{3,}", error)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/steal",
        "//evil.example/",
        "/\\evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "customers:list",
        "x" * 10_000,
        "/customers/\t/",
        "/customers/\n/",
    ],
)
def test_a_next_to_another_host_is_ignored(client, losses, manager_ann, target):
    record = losses["anc"]
    response = post(client, manager_ann, postpone_url(record), {"measure": "电话回访", "next": target})
    assert response.status_code == 302
    assert response["Location"] == record.get_absolute_url()


def test_a_next_on_this_site_is_followed(client, losses, manager_ann):
    record = losses["anc"]
    back = record.customer.get_absolute_url()
    response = post(client, manager_ann, confirm_url(record), {"reason": "客户搬迁", "next": back})
    assert response["Location"] == back
    assert stored(record).status == LossRecord.Status.CONFIRMED


def test_a_refused_step_returns_to_next_too(client, losses, manager_bob):
    back = losses["boy"].customer.get_absolute_url()
    response = post(client, manager_bob, postpone_url(losses["boy"]), {"measure": "x", "next": back})
    assert response["Location"] == back


@pytest.mark.parametrize("name", ["customers:loss_postpone", "customers:loss_confirm"])
def test_the_steps_take_only_post(client, losses, manager_ann, name):
    client.force_login(manager_ann)
    record = losses["anc"]
    assert client.get(reverse(name, args=[record.pk])).status_code == 405
    assert stored(record).status == LossRecord.Status.WARNING


def test_a_record_confirmed_since_the_page_was_shown_is_a_message(client, losses, manager_ann, supervisor_sue):
    """The record moved on between the page and the post (a supervisor confirmed it): the
    manager's measure is refused with a message, not a 403, and nothing is added."""
    record = losses["anc"]
    confirm_loss(actor=supervisor_sue, record=record, reason="主管确认")
    response = post(client, manager_ann, postpone_url(record), {"measure": "晚了一步"})
    assert response.status_code == 302
    assert not LossMeasure.objects.filter(record=record).exists()
    assert messages_of(client.get(response["Location"])) == ["This loss record is Lost: it can no longer be changed."]


# --- the customers entry of the main menu -----------------------------------------------------------

CUSTOMERS = "/customers/"
EVERY_CUSTOMER = ("/customers/", "All customers", "全部客户")
NEW_CUSTOMER = ("/customers/new/", "New customer", "新建客户")
LOSS_WARNINGS = ("/customers/losses/", "Loss warnings", "流失预警")
RECYCLE_BIN = ("/customers/bin/", "Recycle bin", "回收站")
IMPORT = ("/customers/import/", "Import customers", "导入客户")
CUSTOMERS_DROPDOWN = {
    "supervisor_sue": [EVERY_CUSTOMER, LOSS_WARNINGS, RECYCLE_BIN, IMPORT],
    "superuser_sam": [EVERY_CUSTOMER, NEW_CUSTOMER, LOSS_WARNINGS, RECYCLE_BIN, IMPORT],
    "admin": [EVERY_CUSTOMER, LOSS_WARNINGS, RECYCLE_BIN],
    "manager_ann": [EVERY_CUSTOMER, NEW_CUSTOMER, LOSS_WARNINGS],
    "viewer_vic": [EVERY_CUSTOMER, LOSS_WARNINGS],
}


@pytest.mark.parametrize("persona", sorted(CUSTOMERS_DROPDOWN))
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_customers_entry_is_a_dropdown_with_the_loss_warnings(client, request, persona, language):
    from crm.tests.test_menu import get_dashboard, main_menu, submenu

    response = get_dashboard(client, request.getfixturevalue(persona), language)
    assert main_menu(response)[CUSTOMERS] == ("Customers" if language == "en" else "客户")
    column = 1 if language == "en" else 2
    assert submenu(response, CUSTOMERS) == [(entry[0], entry[column]) for entry in CUSTOMERS_DROPDOWN[persona]]
    for href, _text in submenu(response, CUSTOMERS):
        assert client.get(href).status_code == 200, href


def test_the_customers_entry_is_marked_current_on_the_loss_list(client, manager_ann):
    html = text_of(page(client, manager_ann))
    assert re.search(r'<a class="nav-link dropdown-toggle active" href="/customers/"', html)
    assert re.search(r'<a class="dropdown-item[^"]* active" href="/customers/losses/" aria-current="page"', html)


def test_counts_past_the_cap_are_shown_as_the_cap_and_more(client, losses, supervisor_sue, monkeypatch):
    # Each status is counted to LOSS_COUNT_CAP + 1 at most (1,000 in production): the
    # supervisor's 2 warnings past a cap of 1 read "1+", and so does the total.
    monkeypatch.setattr(selectors, "LOSS_COUNT_CAP", 1)
    response = page(client, supervisor_sue)
    badge = r'data-testid="loss-count-(\w+)"[^>]*>[^<]*<span class="badge[^"]*">([^<]+)</span>'
    shown = dict(re.findall(badge, text_of(response)))
    assert shown == {"all": "3+", "warning": "1+", "postponed": "1", "confirmed": "1", "recovered": "0"}


def test_counts_up_to_the_cap_are_exact(client, losses, supervisor_sue, monkeypatch):
    monkeypatch.setattr(selectors, "LOSS_COUNT_CAP", 2)
    assert counts(page(client, supervisor_sue)) == {
        "all": 4,
        "warning": 2,
        "postponed": 1,
        "confirmed": 1,
        "recovered": 0,
    }


def test_an_account_managers_counts_past_their_cap_say_so(client, losses, manager_ann, monkeypatch):
    # An account manager's records are read once, up to LOSS_SCOPE_COUNT_CAP (10,000 in
    # production): past it, every count is a floor.
    assert counts(page(client, manager_ann))["all"] == 3
    monkeypatch.setattr(selectors, "LOSS_SCOPE_COUNT_CAP", 1)
    badge = r'data-testid="loss-count-(\w+)"[^>]*>[^<]*<span class="badge[^"]*">([^<]+)</span>'
    shown = dict(re.findall(badge, text_of(page(client, manager_ann))))
    assert set(shown) == {"all", "warning", "postponed", "confirmed", "recovered"}
    assert all(value.endswith("+") for value in shown.values()), shown
