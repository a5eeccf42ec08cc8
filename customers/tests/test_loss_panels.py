"""Customer loss outside the loss pages (issue 13): the lost mark (流失) on the customer list, the
360° page's header and the services customer suggestions; the 360° page's loss panel
({% loss_panel %}); the dashboard's losses card (customers/dashboard.py). Scoped through
crm.access, each in a fixed number of queries."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from crm.audit import system_actor
from customers import selectors
from customers.actions.losses import confirm_loss, detect_losses, postpone_loss, recover_losses
from customers.models import Customer, LossMeasure, LossRecord
from customers.tests.factories import make_customer, share
from customers.tests.test_views import DETAIL_QUERY_BOUND

pytestmark = pytest.mark.django_db


def days_ago(days):
    return timezone.localdate() - timedelta(days=days)


def last_ordered(customer, day):
    # Test setup: the sales import's field, moved without it (bypassing audit is fine here).
    Customer.all_objects.filter(pk=customer.pk).update(last_order_date=day)


def warn(customer, last_order=700):
    """``customer`` stale for ``last_order`` days and warned by the real detection: its open record."""
    last_ordered(customer, days_ago(last_order))
    detect_losses(actor=system_actor())
    return LossRecord.objects.get(customer=customer, status__in=LossRecord.OPEN)


def recover(customer, ordered=300):
    """A newer order of ``customer`` (``ordered`` days ago) recovers its open record."""
    last_ordered(customer, days_ago(ordered))
    recover_losses(customer_ids=[customer.pk])


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ")).strip()


def part(html, testid, end="</ul>"):
    """The HTML from the element marked ``testid`` to the next ``end``, or None."""
    if f'data-testid="{testid}"' not in html:
        return None
    return html.split(f'data-testid="{testid}"', 1)[1].split(end, 1)[0]


def in_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def client(client):
    return in_language(client, "en")


@pytest.fixture
def losses(manager_ann, manager_bob, supervisor_sue):
    """ann's customer with a recovered record and an open one postponed with two measures (ann's,
    then sue's); ann's customer confirmed lost; an active customer of ann's without records; bob's
    customer with a warning."""
    keeping = make_customer(manager_ann, name="安宁挽留客户有限公司")
    warn(keeping, last_order=700)
    recover(keeping, ordered=300)
    open_record = warn(keeping, last_order=300)
    postpone_loss(actor=manager_ann, record=open_record, measure="电话回访，提供九折优惠")
    postpone_loss(actor=supervisor_sue, record=open_record, measure="主管上门拜访")
    lost = make_customer(manager_ann, name="安宁已流失客户有限公司")
    lost_record = confirm_loss(actor=manager_ann, record=warn(lost), reason="客户转向竞争对手")
    active = make_customer(manager_ann, name="安宁正常客户有限公司")
    last_ordered(active, days_ago(10))
    bobs = make_customer(manager_bob, name="鲍波预警客户有限公司")
    bobs_record = warn(bobs)
    return {
        "keeping": keeping,
        "open": LossRecord.objects.get(pk=open_record.pk),
        "recovered": LossRecord.objects.get(customer=keeping, status=LossRecord.Status.RECOVERED),
        "lost": Customer.objects.get(pk=lost.pk),
        "lost_record": lost_record,
        "active": active,
        "bobs": bobs,
        "bobs_record": bobs_record,
    }


# --- the lost mark -----------------------------------------------------------------------------------


def list_rows(html):
    return {
        text(row).split(" ")[0]: row
        for row in re.findall(r"<tr>(.*?)</tr>", part(html, "customer-table", "</table>"), re.S)
    }


def test_a_lost_customer_is_marked_lost_in_the_customer_list(client, manager_ann, losses):
    client.force_login(manager_ann)
    rows = list_rows(client.get(reverse("customers:list")).content.decode())
    lost_row = rows[losses["lost"].code]
    assert 'data-testid="lost-badge"' in lost_row and "text-bg-danger" in lost_row and "Lost" in text(lost_row)
    for other in ("keeping", "active"):
        assert 'data-testid="lost-badge"' not in rows[losses[other].code]
        assert "Active" in text(rows[losses[other].code])


def test_the_lost_mark_speaks_chinese(client, manager_ann, losses):
    client.force_login(manager_ann)
    html = in_language(client, "zh-hans").get(reverse("customers:list")).content.decode()
    assert "流失" in text(list_rows(html)[losses["lost"].code])
    html = client.get(losses["lost"].get_absolute_url()).content.decode()
    assert "流失" in text(part(html, "lost-badge", "</span>"))


def test_the_customer_page_header_marks_a_lost_customer(client, manager_ann, losses):
    client.force_login(manager_ann)
    html = client.get(losses["lost"].get_absolute_url()).content.decode()
    header = html.split('data-testid="customer-fields"', 1)[0]
    assert 'data-testid="lost-badge"' in header and "text-bg-danger" in header
    html = client.get(losses["keeping"].get_absolute_url()).content.decode()
    assert 'data-testid="lost-badge"' not in html


def test_the_services_customer_suggestions_mark_a_lost_customer(client, manager_ann, losses):
    client.force_login(manager_ann)
    html = client.get(reverse("services:customer_choices"), {"q": "安宁"}).content.decode()
    choices = dict(re.findall(r'data-testid="customer-choice" data-code="([^"]+)"(.*?)</button>', html, re.S))
    assert set(choices) == {losses["keeping"].code, losses["lost"].code, losses["active"].code}
    assert 'data-testid="lost-badge"' in choices[losses["lost"].code]
    assert 'data-testid="lost-badge"' not in choices[losses["keeping"].code]
    # The chosen customer's line says it too.
    html = client.get(reverse("services:customer_choices"), {"pick": losses["lost"].code}).content.decode()
    assert 'data-testid="lost-badge"' in part(html, "chosen-customer", "</div>")


# --- the 360° page's loss panel ----------------------------------------------------------------------


def panel_of(client, user, customer):
    client.force_login(user)
    response = client.get(customer.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    if 'data-testid="loss-panel"' not in html:
        return None
    return html.split('data-testid="loss-panel"', 1)[1].split('data-testid="audience-panel"', 1)[0]


def has_forms(html, record):
    postpone = reverse("customers:loss_postpone", kwargs={"pk": record.pk})
    confirm = reverse("customers:loss_confirm", kwargs={"pk": record.pk})
    return (postpone in html, confirm in html)


def test_the_panel_shows_the_open_record_with_its_measures_and_past_records(client, manager_ann, losses):
    html = panel_of(client, manager_ann, losses["keeping"])
    record = losses["open"]
    opened = part(html, "open-loss-record", 'data-testid="past-loss-records"')
    assert "Postponed" in text(opened)
    assert record.last_order_date == days_ago(300)
    assert text(part(opened, "loss-last-order", "</dd>")).endswith(date_format(record.last_order_date))
    assert "Manager Ann" in text(part(opened, "loss-manager", "</dd>"))
    measures = re.findall(r'data-testid="loss-measure">(.*?)</li>', opened, re.S)
    assert [text(m).split(" ")[0] for m in measures] == ["电话回访，提供九折优惠", "主管上门拜访"]
    assert "Manager Ann" in text(measures[0]) and "Supervisor Sue" in text(measures[1])
    assert record.get_absolute_url() in opened
    past = part(html, "past-loss-records")
    assert "Recovered" in text(past) and "Recovered by the order of" in text(past)
    assert losses["recovered"].get_absolute_url() in past
    assert f"{reverse('customers:losses')}?customer={losses['keeping'].code}" in html


@pytest.mark.parametrize(
    "persona, forms",
    [("manager_ann", True), ("supervisor_sue", True), ("superuser_sam", True), ("viewer_vic", False), ("admin", False)],
)
def test_the_forms_show_to_the_customers_manager_and_supervisors_only(client, request, persona, forms, losses):
    html = panel_of(client, request.getfixturevalue(persona), losses["keeping"])
    assert "电话回访，提供九折优惠" in html
    assert has_forms(html, losses["open"]) == (forms, forms)


def test_a_colleague_the_customer_is_shared_with_sees_the_record_without_forms(
    client, manager_bob, supervisor_sue, losses
):
    share(losses["keeping"], manager_bob, "edit", actor=supervisor_sue)
    html = panel_of(client, manager_bob, losses["keeping"])
    assert "Postponed" in text(html) and "主管上门拜访" in html
    assert has_forms(html, losses["open"]) == (False, False)
    # ...while on his own customer's record he may act.
    assert has_forms(panel_of(client, manager_bob, losses["bobs"]), losses["bobs_record"]) == (True, True)


def test_a_confirmed_record_shows_date_person_and_reason_and_no_forms(client, manager_ann, losses):
    html = panel_of(client, manager_ann, losses["lost"])
    assert 'data-testid="open-loss-record"' not in html
    past = text(part(html, "past-loss-records"))
    record = losses["lost_record"]
    confirmed_on = timezone.localtime(record.confirmed_at).date()
    with translation.override("en"):
        assert f"Confirmed on {date_format(confirmed_on)} by Manager Ann" in past
    assert "客户转向竞争对手" in past and "Lost" in past
    assert has_forms(html, record) == (False, False)


def test_a_customer_without_loss_records_has_no_panel(client, manager_ann, losses):
    assert panel_of(client, manager_ann, losses["active"]) is None


def test_a_warning_without_measures_says_so_and_a_never_ordered_customer_too(client, manager_ann):
    customer = make_customer(manager_ann, name="从未下单客户有限公司")
    Customer.all_objects.filter(pk=customer.pk).update(created_at=timezone.now() - timedelta(days=400))
    detect_losses(actor=system_actor())
    html = panel_of(client, manager_ann, customer)
    assert "Warning" in text(part(html, "open-loss-record", "</dl>"))
    assert text(part(html, "loss-last-order", "</dd>")).endswith("Never ordered")
    assert 'data-testid="no-loss-measures"' in html


def test_the_panel_speaks_chinese(client, manager_ann, losses):
    client.force_login(manager_ann)
    html = in_language(client, "zh-hans").get(losses["keeping"].get_absolute_url()).content.decode()
    html = html.split('data-testid="loss-panel"', 1)[1].split('data-testid="audience-panel"', 1)[0]
    assert "客户流失" in html and "暂缓流失" in html and "已挽回" in html and "措施" in html
    html = client.get(losses["lost"].get_absolute_url()).content.decode()
    assert "已流失" in html and "确认" in html


def render_panel(user, customer):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load customers_tags %}{% loss_panel customer %}")
    with translation.override("en"):
        return template.render(Context({"request": request, "customer": customer}))


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "viewer_vic"])
def test_the_panel_costs_one_query_with_3_and_30_records_and_measures(request, persona, manager_ann):
    # The records with their measures, joined (selectors.loss_panel_records).
    user = request.getfixturevalue(persona)
    customer = make_customer(manager_ann, name="多次流失客户有限公司")
    user.get_all_permissions()  # as every page has read them before the panel
    open_record = warn(customer)
    made = 0
    for count in (3, 30):
        # Past records straight into the table (a customer recovered many times over the years)
        # and the measures through the action.
        LossRecord.objects.bulk_create(
            LossRecord(
                customer=customer,
                account_manager=manager_ann,
                last_order_date=days_ago(2000 + n),
                status=LossRecord.Status.RECOVERED,
                recovered_on=days_ago(1900 + n),
                raised_at=timezone.now() - timedelta(days=1950 + n),
            )
            for n in range(made, count)
        )
        for n in range(made, count):
            postpone_loss(actor=manager_ann, record=open_record, measure=f"第{n}次措施")
        made = count
        with CaptureQueriesContext(connection) as captured:
            html = render_panel(user, customer)
        assert len(captured) == 1, [q["sql"] for q in captured.captured_queries]
        assert html.count('data-testid="loss-measure"') == count
        assert html.count('data-testid="past-loss-record"') == min(count, 5)
        assert ('data-testid="more-loss-records"' in html) is (count > 5)
    assert LossMeasure.objects.filter(record=open_record).count() == 30


# --- the dashboard card ------------------------------------------------------------------------------


def dashboard(client, user, language="en"):
    client.force_login(user)
    in_language(client, language)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def card_of(html):
    if 'data-testid="losses-card"' not in html:
        return None
    return html.split('data-testid="losses-card"', 1)[1].split('<div class="col-12 col-lg-6">', 1)[0]


def figure(html, name):
    found = re.search(rf'data-testid="count-loss-{name}">([^<]*)<', html)
    return found.group(1) if found else None


def test_an_account_manager_sees_their_own_open_warnings(client, manager_ann, losses):
    card = card_of(dashboard(client, manager_ann))
    assert figure(card, "open") == "1"
    rows = re.findall(r'data-testid="open-loss">(.*?)</li>', card, re.S)
    assert len(rows) == 1
    assert "安宁挽留客户有限公司" in rows[0] and "Postponed" in text(rows[0])
    assert losses["open"].get_absolute_url() in rows[0]
    assert "鲍波预警客户有限公司" not in card and "安宁已流失客户有限公司" not in card
    assert figure(card, "warning") is None


def test_another_account_manager_sees_theirs(client, manager_bob, losses):
    card = card_of(dashboard(client, manager_bob))
    assert figure(card, "open") == "1"
    assert "鲍波预警客户有限公司" in card and "Warning" in text(card)
    assert losses["bobs_record"].get_absolute_url() in card


def test_a_shared_customers_warning_is_not_the_colleagues_own(client, manager_bob, supervisor_sue, losses):
    share(losses["keeping"], manager_bob, "edit", actor=supervisor_sue)
    card = card_of(dashboard(client, manager_bob))
    assert figure(card, "open") == "1" and "安宁挽留客户有限公司" not in card


@pytest.mark.parametrize("persona", ["supervisor_sue", "viewer_vic", "admin", "superuser_sam"])
def test_those_who_see_every_record_see_counts_per_open_status(client, request, persona, losses):
    card = card_of(dashboard(client, request.getfixturevalue(persona)))
    assert (figure(card, "warning"), figure(card, "postponed")) == ("1", "1")
    assert f'href="{reverse("customers:losses")}?status=warning"' in card
    assert f'href="{reverse("customers:losses")}?status=postponed"' in card
    assert figure(card, "open") is None and 'data-testid="open-loss"' not in card


def test_the_cards_counts_past_the_cap_say_so(client, supervisor_sue, losses, monkeypatch):
    # The card counts like the list, to LOSS_COUNT_CAP + 1 at most (1,000 in production).
    monkeypatch.setattr(selectors, "LOSS_COUNT_CAP", 0)
    card = card_of(dashboard(client, supervisor_sue))
    assert (figure(card, "warning"), figure(card, "postponed")) == ("0+", "0+")


def test_the_cards_links_open_their_pages(client, manager_ann, supervisor_sue, losses):
    for user in (manager_ann, supervisor_sue):
        card = card_of(dashboard(client, user))
        urls = set(re.findall(r'href="([^"]+)"', card.replace("&amp;", "&")))
        assert urls
        for url in urls:
            assert client.get(url).status_code == 200, url


def test_the_card_lists_five_oldest_first_and_points_to_the_list_for_more(client, manager_ann):
    for n in range(7):
        warn(make_customer(manager_ann, name=f"批量流失客户{n}有限公司"), last_order=700 - n)
    card = card_of(dashboard(client, manager_ann))
    assert figure(card, "open") == "7"
    names = re.findall(r"批量流失客户(\d)有限公司", card)
    assert names == ["0", "1", "2", "3", "4"]  # the oldest last order first
    assert f'href="{reverse("customers:losses")}" data-testid="more-open-losses"' in card


def test_a_manager_without_warnings_is_told_so(client, manager_ann):
    card = card_of(dashboard(client, manager_ann))
    assert figure(card, "open") == "0" and 'data-testid="no-open-losses"' in card


def test_a_user_without_the_customers_module_gets_no_card(client, roles, losses):
    nobody = get_user_model().objects.create_user("norole", password="x")
    assert card_of(dashboard(client, nobody)) is None


def test_the_card_speaks_chinese(client, manager_ann, supervisor_sue, losses):
    card = card_of(dashboard(client, manager_ann, "zh-hans"))
    assert "我的流失预警" in card and "暂缓流失" in card
    card = card_of(dashboard(client, supervisor_sue, "zh-hans"))
    assert "预警" in card and "暂缓流失" in card and "即将流失的客户" in card


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "viewer_vic"])
def test_the_card_costs_one_query_with_3_and_30_records(client, request, persona, manager_ann, manager_bob):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    made, totals = 0, []
    for rows in (3, 30):
        while made < rows:
            warn(make_customer(manager_ann if made % 2 else manager_bob), last_order=700 - made)
            made += 1
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            html = client.get("/").content.decode()
        totals.append(len(captured))
        own = [query for query in captured.captured_queries if '"customers_lossrecord"' in query["sql"]]
        assert len(own) == 1, own
        if persona == "manager_ann":
            assert figure(card_of(html), "open") == str(rows // 2)
        else:
            assert figure(card_of(html), "warning") == str(rows)
    assert totals[0] == totals[1]


def test_a_panel_without_an_open_record_costs_one_query(manager_ann, losses):
    manager_ann.get_all_permissions()
    with CaptureQueriesContext(connection) as captured:
        html = render_panel(manager_ann, losses["lost"])
    assert len(captured) == 1 and "客户转向竞争对手" in html


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_customer_page_with_loss_records_stays_within_its_query_bound(
    client, request, persona, manager_ann, django_assert_max_num_queries
):
    customer = make_customer(manager_ann, name="多次流失客户有限公司")
    open_record = warn(customer)
    user = request.getfixturevalue(persona)
    client.force_login(user)
    client.get(customer.get_absolute_url())  # renews the session, as a signed-in user's first page does
    measured, made = [], 0
    for count in (3, 30):
        for n in range(made, count):
            postpone_loss(actor=manager_ann, record=open_record, measure=f"第{n}次措施")
        made = count
        with django_assert_max_num_queries(DETAIL_QUERY_BOUND) as queries:
            html = client.get(customer.get_absolute_url()).content.decode()
        assert html.count('data-testid="loss-measure"') == count
        measured.append(len(queries.captured_queries))
    assert measured[0] == measured[1]
