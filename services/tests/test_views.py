"""One service request's pages as their users meet them: create it (with the customer box's
suggestions), its page (fields, time figures, the timeline of every round, its buttons, who sees
it, bounded queries), and each step — delete, assign, handle, feedback — for the right persona,
refused for the others, with bad input and stale pages answered by a message and nothing changed."""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.actions import set_user_roles
from customers.actions import delete_customer, share_customer
from customers.tests.factories import make_customer
from services import actions
from services.models import ServiceEvent, ServiceRequest, Status
from services.tests.factories import archived, assigned, handled, make_request, service_type

pytestmark = pytest.mark.django_db

CREATE = reverse("services:create")
CHOICES = reverse("services:customer_choices")
# Queries of a request's page, whatever the number of timeline rows (measured: see the test).
PAGE_QUERY_BOUND = 12


@pytest.fixture
def client(client):
    """Pages in English unless a test asks for Chinese (in_chinese); the product's default is Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def in_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def text_of(markup):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def page_text(response):
    return text_of(response.content.decode())


def flash(response):
    texts = re.findall(r'role="alert">(.*?)<button', response.content.decode(), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) for text in texts]


def part(response, testid, end="</div>"):
    """The markup from the element with ``data-testid=testid`` to the next ``end``."""
    after = response.content.decode().split(f'data-testid="{testid}"', 1)[1]
    return after.split(">", 1)[1].split(end, 1)[0]


def actions_bar(response):
    """The test ids of the buttons above a request's fields."""
    return set(re.findall(r'data-testid="([^"]+)"', part(response, "request-actions")))


def stored(service_request):
    return ServiceRequest.objects.get(pk=service_request.pk)


def kinds(service_request):
    return list(ServiceEvent.objects.filter(service_request=service_request).values_list("kind", "round"))


def url(name, service_request):
    return reverse(f"services:{name}", args=[service_request.pk])


def seen_of(client, name, service_request):
    """The ``seen`` token the step's page gives its form (what the page showed)."""
    return client.get(url(name, service_request)).context["form"]["seen"].value()


def request_data(of, **changes):
    data = {
        "service_type": service_type("consultation").pk,
        "title": "打印机无法联网",
        "customer": of.code,
        "request": "客户的网络打印机从昨天起无法联网",
    }
    data.update(changes)
    return data


@pytest.fixture
def customer_a(manager_ann):
    """Ann's customer (manager_ann manages customer A)."""
    return make_customer(manager_ann, name="北京鑫达科技有限公司")


@pytest.fixture
def customer_b(manager_bob):
    return make_customer(manager_bob, name="上海博远贸易有限公司")


# --- create --------------------------------------------------------------------------------------


def test_an_account_manager_creates_a_request_and_lands_on_its_page(client, manager_ann, customer_a):
    client.force_login(manager_ann)
    response = client.post(CREATE, request_data(customer_a), follow=True)
    created = ServiceRequest.objects.get()
    assert response.redirect_chain[-1][0] == created.get_absolute_url()
    assert flash(response) == ["Service request “打印机无法联网” was created."]
    assert (created.created_by, created.status, created.customer, created.service_type.value) == (
        manager_ann,
        Status.NEW,
        customer_a,
        "consultation",
    )
    assert actions_bar(response) == {"delete-request"}
    assert kinds(created) == [("created", 0)]


def test_a_supervisor_creates_a_request_for_any_customer(client, supervisor_sue, customer_b):
    client.force_login(supervisor_sue)
    response = client.post(CREATE, request_data(customer_b))
    assert response.status_code == 302
    assert ServiceRequest.objects.get().customer == customer_b


def test_the_create_form_offers_the_service_types_in_the_users_language(client, manager_ann):
    client.force_login(manager_ann)
    select = part(client.get(CREATE), "service-request-form", "</select>")
    assert re.findall(r'<option value="\d+">([^<]+)</option>', select) == ["Consultation", "Suggestion", "Complaint"]
    in_chinese(client)
    select = part(client.get(CREATE), "service-request-form", "</select>")
    assert re.findall(r'<option value="\d+">([^<]+)</option>', select) == ["咨询", "建议", "投诉"]


def test_the_customer_page_link_fills_the_customer_in(client, manager_ann, customer_a):
    client.force_login(manager_ann)
    response = client.get(CREATE, {"customer": customer_a.code})
    box = part(response, "customer-field", 'id="customer-choices"')
    assert f'value="{customer_a.code}"' in box
    assert "北京鑫达科技有限公司" in text_of(box)
    # The customer box asks for suggestions as the user types (htmx), and works as a plain box without.
    assert f'hx-get="{CHOICES}"' in box and 'name="customer"' in box


def test_a_link_naming_someone_elses_customer_shows_no_name(client, manager_ann, customer_b):
    client.force_login(manager_ann)
    response = client.get(CREATE, {"customer": customer_b.code})
    assert "上海博远" not in page_text(response)
    assert 'data-testid="chosen-customer"' not in response.content.decode()


@pytest.mark.parametrize("case", ["someone_elses", "in_the_recycle_bin", "unknown", "a_name"])
def test_a_forged_customer_code_is_refused_in_the_users_language_and_nothing_is_created(
    client, manager_ann, customer_a, customer_b, case
):
    code = {
        "someone_elses": customer_b.code,
        "in_the_recycle_bin": customer_a.code,
        "unknown": "KH209901019999",
        "a_name": "北京鑫达科技有限公司",
    }[case]
    if case == "in_the_recycle_bin":
        delete_customer(actor=manager_ann, customer=customer_a)
    client.force_login(manager_ann)
    for language, message in (("en", "Choose a customer you can see."), ("zh-hans", "请选择一个您能看到的客户。")):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.post(CREATE, request_data(customer_a, customer=code))
        assert response.status_code == 200
        assert response.context["form"].errors["customer"] == [message]
        assert message in page_text(response)
        assert "打印机无法联网" in response.content.decode()  # what was typed stays
    assert not ServiceRequest.objects.exists()


def test_a_10000_character_request_is_refused_with_its_limit(client, manager_ann, customer_a):
    client.force_login(manager_ann)
    response = client.post(CREATE, request_data(customer_a, request="长" * 10_000))
    assert response.status_code == 200
    assert response.context["form"].errors["request"] == [
        "Ensure this value has at most 2000 characters (it has 10000)."
    ]
    in_chinese(client)
    response = client.post(CREATE, request_data(customer_a, request="长" * 10_000))
    assert response.context["form"].errors["request"] == ["最多 2000 个字符，现在有 10000 个。"]
    assert not ServiceRequest.objects.exists()


def test_an_empty_form_says_what_is_missing(client, manager_ann):
    client.force_login(manager_ann)
    response = client.post(CREATE, {})
    assert set(response.context["form"].errors) == {"service_type", "title", "customer", "request"}
    assert response.context["form"].errors["customer"] == ["Choose a customer you can see."]
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("persona", ["viewer_vic", "admin"])
def test_viewers_and_administrators_cannot_create(client, personas, persona, customer_a):
    client.force_login(personas[persona])
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, request_data(customer_a)).status_code == 403
    assert client.get(CHOICES, {"q": "鑫达"}).status_code == 403
    assert not ServiceRequest.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, customer_a):
    for target in (CREATE, CHOICES):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))


# --- the customer box's suggestions ------------------------------------------------------------


def suggested(response):
    return re.findall(r'data-code="([^"]+)"', response.content.decode())


@pytest.mark.parametrize("typed", ["鑫达", "xinda", "bjxd", "BJ", "北"])
def test_suggestions_match_name_pinyin_and_initials_among_visible_customers(
    client, manager_ann, customer_a, customer_b, typed
):
    make_customer(manager_ann, name="广州天河商贸有限公司")
    client.force_login(manager_ann)
    response = client.get(CHOICES, {"q": typed})
    assert response.status_code == 200
    assert suggested(response) == [customer_a.code]


def test_suggestions_match_a_code_prefix_and_htmx_sends_the_box_itself(client, manager_ann, customer_a):
    client.force_login(manager_ann)
    assert suggested(client.get(CHOICES, {"q": customer_a.code[:10]})) == [customer_a.code]
    assert suggested(client.get(CHOICES, {"customer": customer_a.code.lower()})) == [customer_a.code]


def test_someone_elses_customer_is_never_suggested(client, manager_ann, supervisor_sue, customer_b):
    client.force_login(manager_ann)
    response = client.get(CHOICES, {"q": "博远"})
    assert suggested(response) == []
    assert "No customer you can see matches." in page_text(response)
    client.force_login(supervisor_sue)
    assert suggested(client.get(CHOICES, {"q": "博远"})) == [customer_b.code]


def test_a_shared_customer_is_suggested(client, manager_ann, manager_bob, customer_b):
    share_customer(actor=manager_bob, customer=customer_b, user=manager_ann, level="view")
    client.force_login(manager_ann)
    assert suggested(client.get(CHOICES, {"q": "博远"})) == [customer_b.code]


def test_nothing_typed_suggests_nothing(client, manager_ann, customer_a):
    client.force_login(manager_ann)
    response = client.get(CHOICES, {"q": "  "})
    assert response.status_code == 200 and suggested(response) == []
    assert "customer-choices" not in response.content.decode()


def queries_of(client, target, data=None):
    """How many queries the page at ``target`` runs (read once before, so caches are warm)."""
    client.get(target, data)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target, data)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_at_most_10_suggestions_with_the_same_queries_for_3_and_30_customers(client, personas, persona):
    ann = personas["manager_ann"]
    client.force_login(personas[persona])
    counts = []
    for numbers in (range(3), range(3, 30)):
        for number in numbers:
            make_customer(ann, name=f"鑫达分公司{number:02d}有限公司")
        counts.append(queries_of(client, CHOICES, {"q": "鑫达"}))
    # The session, the user, their permissions, the customers; on PostgreSQL the search's EXPLAIN.
    assert counts[0] == counts[1] <= 5
    assert len(suggested(client.get(CHOICES, {"q": "鑫达"}))) == 10


def test_choosing_a_suggestion_fills_the_code_in(client, manager_ann, customer_a):
    client.force_login(manager_ann)
    response = client.get(CHOICES, {"q": "鑫达"})
    pick = re.search(r'hx-get="([^"]+pick=[^"]+)"', response.content.decode()).group(1)
    box = client.get(html.unescape(pick))
    assert box.status_code == 200
    content = box.content.decode()
    assert 'id="customer-field"' in content and f'value="{customer_a.code}"' in content
    assert "北京鑫达科技有限公司" in text_of(content)


def test_typing_over_a_chosen_customer_clears_the_choice_until_a_code_names_one_again(client, manager_ann, customer_a):
    # Each batch of suggestions redraws the chosen-customer line out of band: empty while the text
    # names no customer the user can see, the customer once it is a visible code.
    client.force_login(manager_ann)
    typed_over = client.get(CHOICES, {"customer": "别的公司"}).content.decode()
    assert 'id="chosen-customer" hx-swap-oob="true"' in typed_over
    assert 'data-testid="chosen-customer"' not in typed_over
    retyped = client.get(CHOICES, {"customer": customer_a.code}).content.decode()
    assert 'id="chosen-customer" hx-swap-oob="true"' in retyped
    assert 'data-testid="chosen-customer"' in retyped and "北京鑫达科技有限公司" in text_of(retyped)


def test_picking_someone_elses_code_fills_it_in_without_its_name(client, manager_ann, customer_b):
    client.force_login(manager_ann)
    content = client.get(CHOICES, {"pick": customer_b.code}).content.decode()
    assert "上海博远" not in content and 'data-testid="chosen-customer"' not in content


# --- the request's page --------------------------------------------------------------------------


@pytest.fixture
def two_rounds(manager_ann, manager_bob, supervisor_sue, customer_a):
    """Ann's request for her customer, assigned to Bob, handled, unsatisfied (2), handled again,
    satisfied (4): archived after two rounds."""
    request = handled(
        manager_ann, customer_a, manager_bob, supervisor=supervisor_sue, handling="第一次处理", title="两轮"
    )
    request = actions.give_feedback(actor=manager_ann, service_request=request, result="仍有问题", satisfaction=2)
    request = actions.handle_service_request(actor=manager_bob, service_request=request, handling="第二次处理")
    return actions.give_feedback(actor=supervisor_sue, service_request=request, result="已解决", satisfaction=4)


def timeline_rows(response):
    rows = re.findall(r'data-testid="timeline-row"(.*?)</li>', response.content.decode(), re.S)
    return [text_of("<x" + row) for row in rows]


def test_the_page_shows_the_fields_time_figures_and_every_round_on_the_timeline(
    client, supervisor_sue, two_rounds, customer_a
):
    client.force_login(supervisor_sue)
    response = client.get(two_rounds.get_absolute_url())
    assert response.status_code == 200
    fields = text_of(part(response, "request-fields", "</dl>"))
    for shown in (
        "Complaint",
        "北京鑫达科技有限公司",
        customer_a.code,
        two_rounds.request,
        "Manager Ann",
        "Manager Bob",
    ):
        assert shown in fields
    assert "第二次处理" in fields and "已解决" in fields and "第一次处理" not in fields  # the latest round
    assert "4 of 5 stars" in text_of(part(response, "satisfaction", "</dd>"))
    assert text_of(part(response, "status", "</span></span>")) == "Archived"
    assert f'href="{customer_a.get_absolute_url()}"' in part(response, "request-customer", "</dd>")
    assert text_of(part(response, "rounds", "</dd>")) == "2"
    for figure in ("to-assign", "to-first-handling", "to-archive"):
        assert text_of(part(response, figure, "</dd>")) == "under a minute"
    rows = timeline_rows(response)
    assert len(rows) == 6
    assert rows[0].startswith("Created · Manager Ann")
    assert rows[1].startswith("Assigned · round 1 · Supervisor Sue") and "Manager Bob" in rows[1]
    assert rows[2].startswith("Handled · round 1 · Manager Bob") and "第一次处理" in rows[2]
    assert rows[3].startswith("Feedback · round 1 · Manager Ann") and "仍有问题" in rows[3]
    assert "2 of 5 stars" in rows[3]
    assert rows[4].startswith("Handled · round 2 · Manager Bob") and "第二次处理" in rows[4]
    assert rows[5].startswith("Feedback · round 2 · Supervisor Sue") and "4 of 5 stars" in rows[5]
    assert actions_bar(response) == set()
    assert 'data-testid="archived-note"' in response.content.decode()
    history = part(response, "history-panel", "</ul>")
    assert "Manager Ann" in history and "Supervisor Sue" in history


def test_the_time_figures_read_as_durations(client, supervisor_sue, manager_ann, customer_a):
    request = assigned(manager_ann, customer_a, manager_ann, supervisor=supervisor_sue)
    ServiceRequest.objects.filter(pk=request.pk).update(
        created_at=request.first_assigned_at - timedelta(days=2, hours=3, minutes=10)
    )
    client.force_login(supervisor_sue)
    response = client.get(request.get_absolute_url())
    assert text_of(part(response, "to-assign", "</dd>")) == "2 days 3 hours"
    assert text_of(part(response, "to-first-handling", "</dd>")) == "—"
    assert text_of(part(response, "to-archive", "</dd>")) == "—"
    assert text_of(part(response, "rounds", "</dd>")) == "0"
    in_chinese(client)
    assert text_of(part(client.get(request.get_absolute_url()), "to-assign", "</dd>")) == "2 天 3 小时"


def test_the_page_says_who_can_see_the_request_and_why(client, manager_ann, manager_bob, supervisor_sue, customer_a):
    request = assigned(supervisor_sue, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    response = client.get(request.get_absolute_url())
    audience = text_of(part(response, "audience-panel", "</ul>"))
    assert "Supervisor Sue — created it" in audience
    assert "Manager Bob — handles it (assigned to them)" in audience
    assert "Manager Ann — manages its customer" in audience
    assert "All sales supervisors, administrators and viewers" in audience


def test_an_assignee_who_cannot_see_the_customer_reads_its_name_without_a_link(
    client, manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_bob)
    response = client.get(request.get_absolute_url())
    assert response.status_code == 200
    customer = part(response, "request-customer", "</dd>")
    assert "北京鑫达科技有限公司" in customer and "<a " not in customer
    assert actions_bar(response) == {"handle-request"}


def test_another_managers_request_is_not_found(client, manager_ann, manager_bob, customer_b):
    request = make_request(manager_bob, customer_b)
    client.force_login(manager_ann)
    for name in ("detail", "delete", "assign", "handle", "feedback"):
        assert client.get(url(name, request)).status_code == 404, name
        assert client.post(url(name, request), {"handling": "越权", "result": "越权"}).status_code == 404, name
    assert stored(request).status == Status.NEW


def test_a_request_of_a_customer_in_the_recycle_bin_is_not_found(client, manager_ann, customer_a):
    request = make_request(manager_ann, customer_a)
    delete_customer(actor=manager_ann, customer=customer_a)
    client.force_login(manager_ann)
    assert client.get(request.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("state", "buttons"),
    [
        (
            "new",
            {
                "manager_ann": {"delete-request"},
                "supervisor_sue": {"assign-request", "delete-request"},
                "superuser_sam": {"assign-request", "delete-request"},
                "viewer_vic": set(),
                "admin": set(),
            },
        ),
        (
            "assigned",
            {
                "manager_ann": set(),
                "manager_bob": {"handle-request"},
                "supervisor_sue": {"assign-request"},
                "viewer_vic": set(),
            },
        ),
        (
            "handled",
            {
                "manager_ann": {"feedback-request"},
                "manager_bob": set(),
                "supervisor_sue": {"feedback-request"},
                "admin": set(),
            },
        ),
        ("archived", {"manager_ann": set(), "manager_bob": set(), "supervisor_sue": set(), "superuser_sam": set()}),
    ],
)
def test_the_page_offers_each_persona_the_steps_that_are_theirs_now(client, personas, customer_a, state, buttons):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    make = {"new": make_request, "assigned": assigned, "handled": handled, "archived": archived}[state]
    request = make(ann, customer_a) if state == "new" else make(ann, customer_a, bob, supervisor=sue)
    for persona, expected in buttons.items():
        client.force_login(personas[persona])
        assert actions_bar(client.get(request.get_absolute_url())) == expected, persona


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_page_runs_the_same_number_of_queries_for_3_and_30_timeline_rows(client, personas, persona):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    request = assigned(ann, make_customer(ann), bob, supervisor=sue)
    client.force_login(personas[persona])

    def another_round():
        nonlocal request
        request = actions.handle_service_request(actor=bob, service_request=request, handling="再处理")
        request = actions.give_feedback(actor=sue, service_request=request, result="不满意", satisfaction=1)

    counts = []
    for rounds in (1, 14):  # 2 + 2 rows a round: 4 rows, then 32
        for _ in range(rounds):
            another_round()
        counts.append(queries_of(client, request.get_absolute_url()))
    assert counts[0] == counts[1] <= PAGE_QUERY_BOUND
    assert len(client.get(request.get_absolute_url()).context["timeline"]) == 2 + 2 * 15


# --- delete ------------------------------------------------------------------------------------


def test_the_creator_deletes_a_new_request_after_confirming(client, manager_ann, customer_a):
    request = make_request(manager_ann, customer_a, title="要删的")
    client.force_login(manager_ann)
    page = client.get(url("delete", request))
    assert "Delete the service request “要删的”?" in page_text(page)
    response = client.post(url("delete", request), follow=True)
    assert response.redirect_chain[-1][0] == reverse("services:list")
    assert flash(response) == ["Service request “要删的” was deleted."]
    assert not ServiceRequest.objects.exists() and not ServiceEvent.objects.exists()


def test_a_supervisor_deletes_someone_elses_new_request(client, supervisor_sue, manager_ann, customer_a):
    request = make_request(manager_ann, customer_a)
    client.force_login(supervisor_sue)
    assert client.post(url("delete", request)).status_code == 302
    assert not ServiceRequest.objects.exists()


def test_deleting_after_assignment_says_why_and_changes_nothing(client, manager_ann, supervisor_sue, customer_a):
    request = assigned(manager_ann, customer_a, manager_ann, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    for send in (client.get, client.post):
        response = send(url("delete", request))
        assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
        assert flash(client.get(response["Location"])) == ["A service request can only be deleted while it is new."]
    assert stored(request).status == Status.ASSIGNED


def test_someone_who_did_not_create_it_may_not_delete_it(
    client, manager_ann, manager_bob, supervisor_sue, viewer_vic, admin, customer_a
):
    new = make_request(manager_ann, customer_a)
    for persona in (viewer_vic, admin):
        client.force_login(persona)
        assert client.get(url("delete", new)).status_code == 403
        assert client.post(url("delete", new)).status_code == 403
    # Bob sees a request of Ann's customer once it is his to handle: deleting it is never his step.
    his = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_bob)
    assert client.post(url("delete", his)).status_code == 403
    assert ServiceRequest.objects.count() == 2


# --- assign ------------------------------------------------------------------------------------


def options(response, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', response.content.decode(), re.S)
    return [html.unescape(label) for label in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1))]


def test_the_assign_page_offers_active_account_managers_only_and_says_so(
    client, manager_ann, manager_bob, supervisor_sue, customer_a
):
    gone = get_user_model().objects.create_user("manager_gone", first_name="Gone")
    set_user_roles(user=gone, roles=["Account manager"])
    gone.is_active = False
    gone.save()
    request = make_request(manager_ann, customer_a)
    client.force_login(supervisor_sue)
    response = client.get(url("assign", request))
    assert options(response, "assignee") == ["---------", "Manager Ann", "Manager Bob"]
    assert "Only active users with the account manager role can be chosen." in page_text(response)
    assert request.request in page_text(response)


def test_a_supervisor_assigns_and_the_assignee_sees_the_handle_button(
    client, manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = make_request(manager_ann, customer_a)
    client.force_login(supervisor_sue)
    seen = seen_of(client, "assign", request)
    response = client.post(url("assign", request), {"assignee": manager_bob.pk, "seen": seen}, follow=True)
    assert flash(response) == ["The service request was assigned to Manager Bob."]
    assert (stored(request).status, stored(request).assigned_to) == (Status.ASSIGNED, manager_bob)
    assert kinds(request) == [("created", 0), ("assigned", 0)]
    client.force_login(manager_bob)
    assert actions_bar(client.get(request.get_absolute_url())) == {"handle-request"}


def test_a_supervisor_reassigns_a_request_waiting_for_its_handling(
    client, manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = assigned(manager_ann, customer_a, manager_ann, supervisor=supervisor_sue)
    client.force_login(supervisor_sue)
    page = client.get(url("assign", request))
    assert options(page, "assignee") == ["---------", "Manager Bob"]
    assert "Now assigned to Manager Ann." in page_text(page)
    seen = page.context["form"]["seen"].value()
    client.post(url("assign", request), {"assignee": manager_bob.pk, "seen": seen})
    assert stored(request).assigned_to == manager_bob
    assert kinds(request) == [("created", 0), ("assigned", 0), ("assigned", 0)]


def test_a_forged_assignee_is_refused_and_nothing_changes(client, manager_ann, supervisor_sue, viewer_vic, customer_a):
    request = make_request(manager_ann, customer_a)
    client.force_login(supervisor_sue)
    for forged in (viewer_vic.pk, supervisor_sue.pk, 987654, "abc", "-1", ""):
        response = client.post(url("assign", request), {"assignee": forged, "seen": "new::0"})
        assert response.status_code == 200
        assert response.context["form"].errors["assignee"], forged
    response = client.post(url("assign", request), {"assignee": viewer_vic.pk, "seen": "new::0"})
    assert response.context["form"].errors["assignee"] == [
        "Choose an active account manager from the list (not the one it is assigned to already)."
    ]
    in_chinese(client)
    response = client.post(url("assign", request), {"assignee": viewer_vic.pk, "seen": "new::0"})
    assert response.context["form"].errors["assignee"] == ["请从列表中选择一位在职的客户经理（不能是当前的分配对象）。"]
    assert stored(request).status == Status.NEW and kinds(request) == [("created", 0)]


def test_two_supervisors_assigning_at_once_the_second_is_told_and_changes_nothing(
    client, manager_ann, manager_bob, supervisor_sue, superuser_sam, customer_a
):
    request = make_request(manager_ann, customer_a)
    client.force_login(supervisor_sue)
    seen = seen_of(client, "assign", request)
    # Sam assigns it to Ann meanwhile; Sue's page still shows it new.
    actions.assign_service_request(actor=superuser_sam, service_request=request, assignee=manager_ann)
    response = client.post(url("assign", request), {"assignee": manager_bob.pk, "seen": seen}, follow=True)
    assert flash(response) == [
        "Someone else changed this service request in the meantime (it is now Assigned). Reload the page."
    ]
    assert stored(request).assigned_to == manager_ann
    assert kinds(request) == [("created", 0), ("assigned", 0)]


def test_assigning_a_handled_request_says_why(client, manager_ann, manager_bob, supervisor_sue, customer_a):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(supervisor_sue)
    response = client.post(url("assign", request), {"assignee": manager_ann.pk}, follow=True)
    assert flash(response) == ["This service request has been handled: it waits for feedback, not for an assignment."]
    assert stored(request).assigned_to == manager_bob


@pytest.mark.parametrize("persona", ["manager_ann", "viewer_vic", "admin"])
def test_only_supervisors_assign(client, personas, persona, customer_a):
    request = make_request(personas["manager_ann"], customer_a)
    client.force_login(personas[persona])
    assert client.get(url("assign", request)).status_code == 403
    response = client.post(url("assign", request), {"assignee": personas["manager_bob"].pk, "seen": "new::0"})
    assert response.status_code == 403
    assert stored(request).status == Status.NEW


# --- handle ------------------------------------------------------------------------------------


def test_the_assignee_records_the_handling(client, manager_ann, manager_bob, supervisor_sue, customer_a):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_bob)
    page = client.get(url("handle", request))
    assert request.request in page_text(page) and 'data-testid="another-round"' not in page.content.decode()
    seen = page.context["form"]["seen"].value()
    response = client.post(url("handle", request), {"handling": "已上门更换网卡", "seen": seen}, follow=True)
    assert flash(response) == ["The handling was recorded: the service request now waits for feedback."]
    after = stored(request)
    assert (after.status, after.handling, after.handled_by, after.rounds) == (
        Status.HANDLED,
        "已上门更换网卡",
        manager_bob,
        1,
    )
    assert kinds(request)[-1] == ("handled", 1)
    assert actions_bar(response) == set()


@pytest.mark.parametrize("blank", ["", "   "])
def test_an_empty_handling_is_refused_in_the_users_language(
    client, manager_ann, manager_bob, supervisor_sue, customer_a, blank
):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_bob)
    for language, message in (
        ("en", "Describe what was done for the customer."),
        ("zh-hans", "请说明为客户做了什么。"),
    ):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.post(url("handle", request), {"handling": blank, "seen": f"assigned:{manager_bob.pk}:0"})
        assert response.status_code == 200
        assert response.context["form"].errors["handling"] == [message]
        assert message in page_text(response)
    assert stored(request).status == Status.ASSIGNED and kinds(request)[-1] == ("assigned", 0)


def test_a_10000_character_handling_is_refused(client, manager_ann, manager_bob, supervisor_sue, customer_a):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_bob)
    response = client.post(url("handle", request), {"handling": "长" * 10_000})
    assert response.context["form"].errors["handling"] == [
        "Ensure this value has at most 2000 characters (it has 10000)."
    ]
    assert stored(request).status == Status.ASSIGNED


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "superuser_sam", "viewer_vic"])
def test_only_the_assignee_handles(client, personas, persona, customer_a):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    request = assigned(ann, customer_a, bob, supervisor=sue)
    client.force_login(personas[persona])
    assert client.get(url("handle", request)).status_code == 403
    assert client.post(url("handle", request), {"handling": "越权处理"}).status_code == 403
    assert stored(request).status == Status.ASSIGNED


def test_handling_again_before_feedback_says_why(client, manager_ann, manager_bob, supervisor_sue, customer_a):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_bob)
    response = client.post(url("handle", request), {"handling": "再写一次"}, follow=True)
    assert flash(response) == ["Only an assigned service request can be handled."]
    assert stored(request).handling == "已电话回复客户"


def test_an_assignee_whose_request_was_reassigned_meanwhile_is_told(
    client, manager_ann, manager_bob, supervisor_sue, customer_b
):
    # Bob still sees the request afterwards: it is of his customer.
    request = assigned(supervisor_sue, customer_b, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_bob)
    seen = seen_of(client, "handle", request)
    actions.assign_service_request(actor=supervisor_sue, service_request=request, assignee=manager_ann)
    response = client.post(url("handle", request), {"handling": "晚了一步", "seen": seen}, follow=True)
    assert response.status_code == 200
    assert flash(response) == [
        "Someone else changed this service request in the meantime (it is now Assigned). Reload the page."
    ]
    assert (stored(request).status, stored(request).handling) == (Status.ASSIGNED, "")


def test_an_assignee_who_sees_the_request_no_more_after_a_reassignment_finds_nothing(
    client, manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_bob)
    seen = seen_of(client, "handle", request)
    actions.assign_service_request(actor=supervisor_sue, service_request=request, assignee=manager_ann)
    response = client.post(url("handle", request), {"handling": "晚了一步", "seen": seen})
    assert response.status_code == 404
    assert (stored(request).status, stored(request).handling) == (Status.ASSIGNED, "")


# --- feedback ----------------------------------------------------------------------------------


def test_an_unsatisfied_customer_sends_the_request_round_again_until_satisfied(
    client, manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue, handling="第一次处理")
    client.force_login(manager_ann)
    page = client.get(url("feedback", request))
    assert "第一次处理" in text_of(part(page, "summary-handling"))
    assert "3 stars or more archive the request; fewer send it back to Manager Bob" in page_text(page)
    assert len(re.findall(r'type="radio" name="satisfaction"', page.content.decode())) == 5
    seen = page.context["form"]["seen"].value()
    response = client.post(
        url("feedback", request), {"result": "仍然无法联网", "satisfaction": "2", "seen": seen}, follow=True
    )
    assert flash(response) == [
        "Feedback recorded: satisfaction 2 of 5 is below 3, so the service request went back to Manager Bob "
        "for another round."
    ]
    assert (stored(request).status, stored(request).assigned_to) == (Status.ASSIGNED, manager_bob)

    client.force_login(manager_bob)
    page = client.get(url("handle", request))
    assert "Handled 1 time before; the customer was not satisfied with the result: 仍然无法联网" in page_text(page)
    client.post(url("handle", request), {"handling": "第二次处理", "seen": page.context["form"]["seen"].value()})

    client.force_login(supervisor_sue)
    seen = seen_of(client, "feedback", request)
    response = client.post(
        url("feedback", request), {"result": "已解决", "satisfaction": "4", "seen": seen}, follow=True
    )
    assert flash(response) == ["Feedback recorded: satisfaction 4 of 5, so the service request was archived."]
    after = stored(request)
    assert (after.status, after.rounds, after.satisfaction) == (Status.ARCHIVED, 2, 4)
    assert kinds(request) == [
        ("created", 0),
        ("assigned", 0),
        ("handled", 1),
        ("feedback", 1),
        ("handled", 2),
        ("feedback", 2),
    ]
    assert len(timeline_rows(response)) == 6


def test_the_archive_threshold_comes_from_the_setting(
    client, settings, manager_ann, manager_bob, supervisor_sue, customer_a
):
    settings.SERVICE_ARCHIVE_SATISFACTION = 4
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    page = client.get(url("feedback", request))
    assert "4 stars or more archive the request" in page_text(page)
    client.post(url("feedback", request), {"result": "一般", "satisfaction": "3"})
    assert stored(request).status == Status.ASSIGNED


@pytest.mark.parametrize("value", ["0", "6", "abc", ""])
def test_a_satisfaction_outside_1_to_5_is_refused_and_nothing_changes(
    client, manager_ann, manager_bob, supervisor_sue, customer_a, value
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    english = (
        "Choose how satisfied the customer is, from 1 to 5 stars."
        if value == ""
        else "Satisfaction is a whole number from 1 to 5."
    )
    chinese = "请选择客户的满意度（1 到 5 星）。" if value == "" else "满意度须为 1 到 5 的整数。"
    for language, message in (("en", english), ("zh-hans", chinese)):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.post(url("feedback", request), {"result": "客户满意", "satisfaction": value})
        assert response.status_code == 200
        assert response.context["form"].errors == {"satisfaction": [message]}
        assert message in page_text(response)
        assert "客户满意" in response.content.decode()  # what was typed stays
    after = stored(request)
    assert (after.status, after.satisfaction, after.result) == (Status.HANDLED, None, "")
    assert kinds(request)[-1] == ("handled", 1)


@pytest.mark.parametrize("persona", ["manager_bob", "viewer_vic", "admin"])
def test_feedback_by_someone_else_is_refused(client, personas, persona, customer_a):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    request = handled(ann, customer_a, bob, supervisor=sue)
    client.force_login(personas[persona])
    assert client.get(url("feedback", request)).status_code == 403
    assert client.post(url("feedback", request), {"result": "伪造", "satisfaction": "5"}).status_code == 403
    assert stored(request).status == Status.HANDLED


def test_feedback_on_an_unhandled_request_says_why(client, manager_ann, manager_bob, supervisor_sue, customer_a):
    request = assigned(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    response = client.post(url("feedback", request), {"result": "太早", "satisfaction": "5"}, follow=True)
    assert flash(response) == ["Feedback can only be given on a handled service request."]
    assert stored(request).status == Status.ASSIGNED


def test_two_feedbacks_at_once_the_second_is_told_and_changes_nothing(
    client, manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    seen = seen_of(client, "feedback", request)
    # Sue's feedback (unsatisfied) lands first; Ann's page still shows the request handled.
    actions.give_feedback(actor=supervisor_sue, service_request=request, result="不满意", satisfaction=1)
    response = client.post(url("feedback", request), {"result": "满意", "satisfaction": "5", "seen": seen}, follow=True)
    assert flash(response) == [
        "Someone else changed this service request in the meantime (it is now Assigned). Reload the page."
    ]
    after = stored(request)
    assert (after.status, after.satisfaction, after.result) == (Status.ASSIGNED, 1, "不满意")
    assert [kind for kind, _round in kinds(request)].count("feedback") == 1


def test_an_archived_request_refuses_every_step_with_a_message(
    client, manager_ann, manager_bob, supervisor_sue, customer_a
):
    request = archived(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    before = list(ServiceRequest.objects.values()), list(ServiceEvent.objects.values())
    client.force_login(supervisor_sue)
    for name, data in (
        ("delete", {}),
        ("assign", {"assignee": manager_ann.pk}),
        ("feedback", {"result": "再来", "satisfaction": "1"}),
    ):
        response = client.post(url(name, request), data)
        assert response.status_code == 302 and response["Location"] == request.get_absolute_url(), name
        assert flash(client.get(response["Location"])) == [
            "This service request is archived: it can no longer be changed."
        ], name
    in_chinese(client)
    response = client.post(url("feedback", request), {"result": "再来", "satisfaction": "1"}, follow=True)
    assert flash(response) == ["该服务请求已归档，不能再修改。"]
    assert (list(ServiceRequest.objects.values()), list(ServiceEvent.objects.values())) == before


def test_step_messages_read_in_chinese(client, manager_ann, manager_bob, supervisor_sue, customer_a):
    request = handled(manager_ann, customer_a, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    in_chinese(client)
    response = client.post(url("feedback", request), {"result": "解决了", "satisfaction": "5"}, follow=True)
    assert flash(response) == ["反馈已记录：满意度 5 星（满分 5 星），服务请求已归档。"]
    assert "客户满意度" in page_text(response)


@pytest.mark.parametrize("typed", ["\x00", "鑫\x00达", "%", "_", "'; --", "长" * 10_000])
def test_hostile_text_in_the_customer_box_gets_no_suggestion_and_no_error(client, manager_ann, customer_a, typed):
    client.force_login(manager_ann)
    # A NUL character is answered 400 by crm.middleware before any view runs.
    expected = 400 if "\x00" in typed else 200
    for data in ({"q": typed}, {"customer": typed}, {"pick": typed}):
        response = client.get(CHOICES, data)
        assert response.status_code == expected, data
        assert suggested(response) == []
    response = client.post(CREATE, request_data(customer_a, customer=typed))
    assert response.status_code == expected
    if expected == 200:
        assert response.context["form"].errors["customer"]
    assert not ServiceRequest.objects.exists()
