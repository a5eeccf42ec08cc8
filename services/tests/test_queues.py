"""The services lists as their users meet them: every request, 服务分配 (with the inline assign form,
with and without htmx), 服务处理, 服务反馈, 服务归档 and the menu's queue counts — the rows each
persona gets, the filters and their dropdowns, sorting, bad input, and a query count that doesn't
grow with the rows."""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import make_customer
from services.models import ServiceEvent, ServiceRequest, Status
from services.tables import (
    ArchiveTable,
    AssignQueueTable,
    FeedbackQueueTable,
    HandleQueueTable,
    ServiceTable,
)
from services.tests.factories import archived, assigned, handled, make_request, service_type

pytestmark = pytest.mark.django_db

LIST = reverse("services:list")
ASSIGN = reverse("services:assign_queue")
HANDLE = reverse("services:handle_queue")
FEEDBACK = reverse("services:feedback_queue")
ARCHIVE = reverse("services:archive")
COUNTS = reverse("services:menu_counts")
PAGES = {"list": LIST, "assign": ASSIGN, "handle": HANDLE, "feedback": FEEDBACK, "archive": ARCHIVE}
# Queries of a services list, whatever the number of rows (measured: see the tests).
LIST_QUERY_BOUND = 12
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client(client):
    """Pages in English unless a test asks for Chinese; the product's default is Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def signed_in(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def text_of(markup):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def flash(response):
    texts = re.findall(r'role="alert">(.*?)<button', response.content.decode(), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) for text in texts]


def listed(response):
    assert response.status_code == 200, response.status_code
    return [row.record.title for row in response.context["table"].page.object_list]


def options(response, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', response.content.decode(), re.S)
    assert select, name
    return [html.unescape(label) for label in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1))]


def stored(service_request):
    return ServiceRequest.objects.get(pk=service_request.pk)


@pytest.fixture
def ann_customer(manager_ann):
    return make_customer(manager_ann, name="安诚贸易有限公司")


@pytest.fixture
def bob_customer(manager_bob):
    return make_customer(manager_bob, name="博远科技有限公司")


@pytest.fixture
def world(personas, ann_customer, bob_customer):
    """One request in each state, made in this order (the lists' newest first is the reverse)."""
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    a, b = ann_customer, bob_customer
    return {
        "ann_new": make_request(ann, a, title="安的新请求"),
        "bob_new": make_request(bob, b, title="博的新请求", service_type=service_type("suggestion")),
        # Bob's customer, assigned to Ann: she sees it without seeing the customer.
        "to_ann": assigned(sue, b, ann, supervisor=sue, title="指派给安"),
        "to_bob": assigned(ann, a, bob, supervisor=sue, title="安录入指派给博"),
        "ann_handled": handled(ann, a, bob, supervisor=sue, title="博已处理安的请求"),
        "sue_handled": handled(sue, b, ann, supervisor=sue, title="主管录入安已处理"),
        "archived": archived(
            ann, a, bob, supervisor=sue, satisfaction=4, title="已归档请求", service_type=service_type("consultation")
        ),
    }


def titles(world, *names):
    return [world[name].title for name in names]


# --- what each persona gets -------------------------------------------------------------------

PERSONAS = ("manager_ann", "manager_bob", "supervisor_sue", "viewer_vic", "admin", "superuser_sam")
EVERY_ROW_NEWEST_FIRST = ("archived", "sue_handled", "ann_handled", "to_bob", "to_ann", "bob_new", "ann_new")
# The rows of each page per persona, in the page's default order; None: the page is refused (403).
CONTENTS = {
    "list": {
        "manager_ann": ("archived", "sue_handled", "ann_handled", "to_bob", "to_ann", "ann_new"),
        "manager_bob": ("archived", "sue_handled", "ann_handled", "to_bob", "to_ann", "bob_new"),
        "supervisor_sue": EVERY_ROW_NEWEST_FIRST,
        "viewer_vic": EVERY_ROW_NEWEST_FIRST,
        "admin": EVERY_ROW_NEWEST_FIRST,
        "superuser_sam": EVERY_ROW_NEWEST_FIRST,
    },
    # The work queues: those waiting longest first.
    "assign": {
        "manager_ann": None,
        "manager_bob": None,
        "supervisor_sue": ("ann_new", "bob_new"),
        "viewer_vic": None,
        "admin": None,
        "superuser_sam": ("ann_new", "bob_new"),
    },
    "handle": {
        "manager_ann": ("to_ann",),
        "manager_bob": ("to_bob",),
        "supervisor_sue": (),
        "viewer_vic": None,
        "admin": None,
        "superuser_sam": (),
    },
    "feedback": {
        "manager_ann": ("ann_handled",),  # she created it; not the one Sue created
        "manager_bob": (),  # he handled both, created neither
        "supervisor_sue": ("ann_handled", "sue_handled"),
        "viewer_vic": None,
        "admin": None,
        "superuser_sam": ("ann_handled", "sue_handled"),
    },
    "archive": dict.fromkeys(
        ("manager_ann", "manager_bob", "supervisor_sue", "viewer_vic", "admin", "superuser_sam"), ("archived",)
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_list_shows_each_persona_their_rows_or_refuses_the_page(client, personas, world, persona):
    signed_in(client, personas[persona])
    for page, contents in CONTENTS.items():
        response = client.get(PAGES[page])
        if contents[persona] is None:
            assert response.status_code == 403, page
        else:
            assert listed(response) == titles(world, *contents[persona]), page


@pytest.mark.parametrize("url", list(PAGES.values()) + [COUNTS])
def test_anonymous_visitors_are_sent_to_log_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("persona", "tabs"),
    [
        ("supervisor_sue", [ASSIGN, HANDLE, FEEDBACK, ARCHIVE, LIST, "/services/new/"]),
        ("manager_ann", [HANDLE, FEEDBACK, ARCHIVE, LIST, "/services/new/"]),
        ("viewer_vic", [ARCHIVE, LIST]),
        ("admin", [ARCHIVE, LIST]),
    ],
)
def test_the_lists_link_to_the_pages_the_user_has(client, personas, persona, tabs):
    signed_in(client, personas[persona])
    page = client.get(LIST).content.decode()
    block = page.split('data-testid="service-queues"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="([^"]+)"', block) == tabs


def test_each_queue_row_links_to_its_step(client, world, manager_ann, supervisor_sue):
    signed_in(client, manager_ann)
    page = client.get(HANDLE).content.decode()
    assert f'href="{reverse("services:handle", kwargs={"pk": world["to_ann"].pk})}"' in page
    signed_in(client, supervisor_sue)
    page = client.get(FEEDBACK).content.decode()
    for name in ("ann_handled", "sue_handled"):
        assert f'href="{reverse("services:feedback", kwargs={"pk": world[name].pk})}"' in page
    assert f'href="{world["ann_handled"].get_absolute_url()}"' in page


def test_the_archive_shows_the_satisfaction_and_offers_no_step(client, world, viewer_vic):
    signed_in(client, viewer_vic)
    response = client.get(ARCHIVE)
    body = response.content.decode().split('data-testid="archive-table"', 1)[1]
    assert "★★★★" in body
    assert "<form" not in body.split("</table>", 1)[0]
    assert "/handle/" not in body and "/feedback/" not in body


def test_an_empty_queue_says_so(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    response = client.get(HANDLE)
    assert listed(response) == []
    assert "No service request waits for your handling." in text_of(response.content.decode())


def test_the_queue_pages_speak_chinese(client, world, supervisor_sue):
    signed_in(client, supervisor_sue, "zh-hans")
    for url, heading in [(ASSIGN, "服务分配"), (HANDLE, "服务处理"), (FEEDBACK, "服务反馈"), (ARCHIVE, "服务归档")]:
        page = client.get(url).content.decode()
        assert heading in re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1), url


# --- search, filters and their dropdowns -----------------------------------------------------


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("新请求", ("ann_new",)),  # title
        ("安诚", ("archived", "ann_handled", "to_bob", "ann_new")),  # customer name
        ("anchengmaoyi", ("archived", "ann_handled", "to_bob", "ann_new")),  # its pinyin
        ("acmy", ("archived", "ann_handled", "to_bob", "ann_new")),  # its initials
        # Bob's customer: she sees the requests assigned to her, not the customer itself.
        ("博远", ("sue_handled", "to_ann")),
        ("没有这个", ()),
    ],
)
def test_the_search_box_finds_title_and_customer_name_pinyin_initials(client, world, manager_ann, search, found):
    signed_in(client, manager_ann)
    assert listed(client.get(LIST, {"q": search})) == titles(world, *found)


def test_the_search_box_finds_the_customers_code(client, world, manager_ann, ann_customer):
    signed_in(client, manager_ann)
    assert listed(client.get(LIST, {"q": ann_customer.code.lower()})) == titles(
        world, "archived", "ann_handled", "to_bob", "ann_new"
    )


def test_the_filters_narrow_by_type_status_and_created_date(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    assert listed(client.get(LIST, {"status": Status.HANDLED})) == titles(world, "sue_handled", "ann_handled")
    assert listed(client.get(LIST, {"service_type": service_type("suggestion").pk})) == titles(world, "bob_new")
    today = timezone.localdate()
    assert len(listed(client.get(LIST, {"created_from": today.isoformat(), "created_to": today.isoformat()}))) == 7
    assert listed(client.get(LIST, {"created_to": (today - timedelta(days=1)).isoformat()})) == []
    assert listed(client.get(LIST, {"created_from": (today + timedelta(days=1)).isoformat()})) == []


def test_the_archive_filters_by_satisfaction_type_and_search(client, world, supervisor_sue, ann_customer, manager_ann):
    signed_in(client, supervisor_sue)
    assert listed(client.get(ARCHIVE, {"satisfaction": 4})) == ["已归档请求"]
    assert listed(client.get(ARCHIVE, {"satisfaction": 5})) == []
    assert listed(client.get(ARCHIVE, {"service_type": service_type("consultation").pk})) == ["已归档请求"]
    assert listed(client.get(ARCHIVE, {"service_type": service_type("complaint").pk})) == []
    assert listed(client.get(ARCHIVE, {"q": "安诚"})) == ["已归档请求"]
    assert listed(client.get(ARCHIVE, {"q": "博远"})) == []


def test_a_queue_filters_by_search_and_type(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    assert listed(client.get(ASSIGN, {"q": "博远"})) == ["博的新请求"]
    assert listed(client.get(ASSIGN, {"service_type": service_type("complaint").pk})) == ["安的新请求"]


def test_the_filter_dropdowns_offer_all_then_the_choices(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    response = client.get(LIST)
    assert options(response, "status") == ["All", "New", "Assigned", "Handled", "Archived"]
    assert options(response, "service_type") == ["All", "Consultation", "Suggestion", "Complaint"]
    archive = client.get(ARCHIVE)
    assert options(archive, "satisfaction") == ["All", "★", "★★", "★★★", "★★★★", "★★★★★"]
    assert options(archive, "service_type") == ["All", "Consultation", "Suggestion", "Complaint"]
    assert "status" not in archive.context["filter"].filters
    for url in (ASSIGN, HANDLE, FEEDBACK):
        assert list(client.get(url).context["filter"].filters) == ["q", "service_type"], url


def test_the_filter_dropdowns_speak_chinese(client, world, supervisor_sue):
    signed_in(client, supervisor_sue, "zh-hans")
    response = client.get(LIST)
    assert options(response, "status") == ["全部", "新创建", *options(response, "status")[2:]]
    assert options(response, "service_type") == ["全部", "咨询", "建议", "投诉"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"status": "closed"}, "status"),
        ({"service_type": "999999"}, "service_type"),
        ({"service_type": "abc"}, "service_type"),
        ({"created_from": "2026-13-45"}, "created_from"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_a_bad_filter_value_is_shown_as_an_error_and_the_list_stays_whole(client, world, supervisor_sue, query, error):
    signed_in(client, supervisor_sue)
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert error in response.context["filter"].form.errors
    assert len(listed(response)) == 7


def test_a_satisfaction_that_is_not_1_to_5_is_an_error_not_a_500(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    for value in ("0", "6", "abc"):
        response = client.get(ARCHIVE, {"satisfaction": value})
        assert "satisfaction" in response.context["filter"].form.errors
        assert listed(response) == ["已归档请求"]


# --- sorting ----------------------------------------------------------------------------------

SORTABLE = [
    (LIST, "title"),
    (LIST, "customer"),
    (LIST, "service_type"),
    (LIST, "status"),
    (LIST, "created_by"),
    (LIST, "assigned_to"),
    (LIST, "created_at"),
    (ASSIGN, "created_at"),
    (FEEDBACK, "handled_at"),
    (FEEDBACK, "rounds"),
    (ARCHIVE, "archived_at"),
    (ARCHIVE, "satisfaction"),
]


def test_every_sortable_column_sorts_both_ways(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    for url, column in SORTABLE:
        ascending = listed(client.get(url, {"sort": column}))
        descending = listed(client.get(url, {"sort": f"-{column}"}))
        assert sorted(ascending) == sorted(descending) and ascending, (url, column)
        if column in ("title", "created_at", "archived_at", "handled_at"):
            assert ascending == list(reversed(descending)), (url, column)


def test_the_list_sorts_by_title(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    assert listed(client.get(LIST, {"sort": "title"})) == sorted(world[name].title for name in world)


@pytest.mark.parametrize("table", [ServiceTable, HandleQueueTable, FeedbackQueueTable, ArchiveTable])
def test_each_table_draws_a_cell_for_every_column_it_shows(table):
    shown = [column.name for column in table([]).columns]
    assert shown == list(table.Meta.fields)
    assert set(shown) <= set(table([]).cell_renderers())


def test_the_assign_table_draws_its_form_cell(db):
    table = AssignQueueTable([], action=ASSIGN, csrf_token="t", managers=[(1, "Ann")])
    assert [column.name for column in table.columns] == list(AssignQueueTable.Meta.fields)
    assert set(AssignQueueTable.Meta.fields) <= set(table.cell_renderers())


# --- bounded queries --------------------------------------------------------------------------


def queries_of(client, at_most, url, data=None):
    """How many queries the page at ``url`` runs (read once before, so caches are warm), failing
    past LIST_QUERY_BOUND (``at_most``: pytest-django's django_assert_max_num_queries)."""
    client.get(url, data)
    with at_most(LIST_QUERY_BOUND) as captured:
        response = client.get(url, data)
    assert response.status_code == 200
    assert not [query for query in captured.captured_queries if "COUNT(" in query["sql"].upper()]
    return len(captured.captured_queries)


def fill(personas, customer, count):
    """``count`` requests in each state of the queues, all created by Ann and assigned to her."""
    ann, sue = personas["manager_ann"], personas["supervisor_sue"]
    for number in range(count):
        make_request(ann, customer, title=f"安录入新{number:02d}")
        assigned(ann, customer, ann, supervisor=sue, title=f"安录入指派{number:02d}")
        handled(ann, customer, ann, supervisor=sue, title=f"安录入处理{number:02d}")
        archived(ann, customer, ann, supervisor=sue, title=f"安录入归档{number:02d}")


QUERIES = {
    "manager_ann": [
        (LIST, {}),
        (LIST, {"q": "安录入"}),
        (LIST, {"q": "安诚", "status": "new", "sort": "customer"}),
        (HANDLE, {}),
        (HANDLE, {"q": "安录入"}),
        (FEEDBACK, {}),
        (ARCHIVE, {}),
        (ARCHIVE, {"q": "anc", "satisfaction": 4}),
    ],
    "supervisor_sue": [
        (LIST, {}),
        (LIST, {"q": "安录入", "sort": "-assigned_to"}),
        (ASSIGN, {}),
        (ASSIGN, {"q": "安录入"}),
        (FEEDBACK, {}),
        (ARCHIVE, {}),
        (ARCHIVE, {"created_from": "2020-01-01", "service_type": "1"}),
    ],
}


@pytest.mark.parametrize("persona", list(QUERIES))
def test_each_list_runs_the_same_number_of_queries_for_3_and_30_rows(
    client, personas, ann_customer, persona, django_assert_max_num_queries
):
    signed_in(client, personas[persona])
    fill(personas, ann_customer, 3)
    few = [queries_of(client, django_assert_max_num_queries, url, data) for url, data in QUERIES[persona]]
    fill(personas, ann_customer, 27)
    many = [queries_of(client, django_assert_max_num_queries, url, data) for url, data in QUERIES[persona]]
    assert many == few
    assert max(many) <= LIST_QUERY_BOUND
    # The pages did show the 30 rows of each queue.
    queue = HANDLE if persona == "manager_ann" else ASSIGN
    assert len(listed(client.get(queue))) == 30


# --- the inline assignment --------------------------------------------------------------------


def assign_post(request, assignee, **changes):
    data = {"pk": request.pk, "assignee": getattr(assignee, "pk", assignee), "seen": f"{Status.NEW}::0"}
    data.update(changes)
    return data


def test_each_new_request_has_an_assign_form_offering_the_active_account_managers(
    client, world, supervisor_sue, manager_ann, manager_bob
):
    signed_in(client, supervisor_sue)
    page = client.get(ASSIGN).content.decode()
    for name in ("ann_new", "bob_new"):
        request = world[name]
        form = page.split(f'data-testid="assign-form-{request.pk}"', 1)[1].split("</form>", 1)[0]
        assert f'name="pk" value="{request.pk}"' in form
        assert 'name="seen" value="new::0"' in form
        assert 'name="csrfmiddlewaretoken"' in form
        assert re.findall(r'<option value="(\d*)"', form) == ["", str(manager_ann.pk), str(manager_bob.pk)]
    assert page.count('hx-post="/services/assign/"') == 2


def test_a_supervisor_assigns_a_new_request_inline_with_htmx(client, world, supervisor_sue, manager_bob):
    request = world["ann_new"]
    signed_in(client, supervisor_sue)
    response = client.post(ASSIGN, assign_post(request, manager_bob), **HTMX)
    assert response.status_code == 200
    assert text_of(response.content.decode()) == "Assigned to Manager Bob · Open"
    assert response["HX-Trigger"] == "services-counts-changed"
    row = stored(request)
    assert (row.status, row.assigned_to_id) == (Status.ASSIGNED, manager_bob.pk)
    event = ServiceEvent.objects.filter(service_request=request).latest("id")
    assert (event.kind, event.actor_id, event.assignee_id) == ("assigned", supervisor_sue.pk, manager_bob.pk)
    # It left the queue.
    assert listed(client.get(ASSIGN)) == ["博的新请求"]


def test_without_javascript_the_assignment_says_so_and_returns_to_the_queue_as_it_was(
    client, world, supervisor_sue, manager_ann
):
    request = world["bob_new"]
    signed_in(client, supervisor_sue)
    url = f"{ASSIGN}?q=%E5%8D%9A&service_type={service_type('suggestion').pk}"
    response = client.post(url, assign_post(request, manager_ann))
    assert response.status_code == 302 and response["Location"] == url
    assert flash(client.get(url)) == ["The service request “博的新请求” was assigned to Manager Ann."]
    assert stored(request).assigned_to_id == manager_ann.pk


def test_the_assignment_is_said_in_chinese(client, world, supervisor_sue, manager_ann):
    signed_in(client, supervisor_sue, "zh-hans")
    response = client.post(ASSIGN, assign_post(world["ann_new"], manager_ann), follow=True)
    assert flash(response) == ["服务请求“安的新请求”已分配给Manager Ann。"]
    htmx = client.post(ASSIGN, assign_post(world["bob_new"], manager_ann), **HTMX)
    assert text_of(htmx.content.decode()) == "已分配给Manager Ann · 查看"


@pytest.mark.parametrize("forged", ["viewer_vic", "supervisor_sue", "inactive", "999999", "abc", ""])
def test_a_forged_assignee_is_refused_with_a_message_and_nothing_changes(
    client, world, personas, supervisor_sue, forged
):
    if forged == "inactive":
        personas["manager_bob"].is_active = False
        personas["manager_bob"].save(update_fields=["is_active"])
        assignee = personas["manager_bob"].pk
    else:
        assignee = personas[forged].pk if forged in personas else forged
    request = world["ann_new"]
    signed_in(client, supervisor_sue)
    data = assign_post(request, assignee)
    htmx = client.post(ASSIGN, data, **HTMX)
    assert htmx.status_code == 200
    markup = htmx.content.decode()
    assert 'data-testid="assign-error"' in markup and f'data-testid="assign-form-{request.pk}"' in markup
    response = client.post(ASSIGN, data, follow=True)
    [message] = flash(response)
    assert message.startswith("The service request “安的新请求” was not assigned: ")
    error = text_of(markup.split('data-testid="assign-error">', 1)[1].split("</div>", 1)[0])
    assert message.endswith(error) and error
    row = stored(request)
    assert (row.status, row.assigned_to_id) == (Status.NEW, None)
    assert not ServiceEvent.objects.filter(service_request=request, kind="assigned").exists()


def test_the_refused_form_keeps_the_choice_and_says_why_in_chinese(client, world, supervisor_sue, manager_ann):
    request = world["ann_new"]
    signed_in(client, supervisor_sue, "zh-hans")
    # Someone else assigned it in the meantime: the page's form still says "new".
    assigned_now = client.post(ASSIGN, assign_post(request, manager_ann), **HTMX)
    assert assigned_now.status_code == 200
    markup = client.post(ASSIGN, assign_post(request, manager_ann), **HTMX).content.decode()
    error = text_of(markup.split('data-testid="assign-error">', 1)[1].split("</div>", 1)[0])
    assert error and not re.search(r"[A-Za-z]{3,}", error.replace("Manager Ann", ""))
    assert f'<option value="{manager_ann.pk}" selected>' in markup


def test_assigning_from_a_stale_page_is_refused_and_the_first_assignment_stays(
    client, world, supervisor_sue, manager_ann, manager_bob
):
    request = world["ann_new"]
    signed_in(client, supervisor_sue)
    # Two supervisors had the queue open; the first assigns to Ann, the second then picks Bob.
    client.post(ASSIGN, assign_post(request, manager_ann))
    response = client.post(ASSIGN, assign_post(request, manager_bob), follow=True)
    assert flash(response)[-1] == (
        "The service request “安的新请求” was not assigned: Someone else changed this service request in the "
        "meantime (it is now Assigned). Reload the page."
    )
    row = stored(request)
    assert (row.status, row.assigned_to_id) == (Status.ASSIGNED, manager_ann.pk)
    assert ServiceEvent.objects.filter(service_request=request, kind="assigned").count() == 1


def test_a_handled_request_posted_to_the_queue_is_refused(client, world, supervisor_sue, manager_ann):
    request = world["ann_handled"]
    signed_in(client, supervisor_sue)
    seen = f"{Status.HANDLED}:{request.assigned_to_id}:{request.rounds}"
    response = client.post(ASSIGN, assign_post(request, manager_ann, seen=seen), follow=True)
    assert flash(response) == [
        "The service request “博已处理安的请求” was not assigned: This service request has been handled: it waits "
        "for feedback, not for an assignment."
    ]
    assert stored(request).status == Status.HANDLED


@pytest.mark.parametrize("pk", ["", "abc", "12a", "-1", "9" * 5000, "999999"])
def test_a_request_that_is_missing_or_no_number_is_not_found(client, world, supervisor_sue, manager_ann, pk):
    signed_in(client, supervisor_sue)
    response = client.post(ASSIGN, {"pk": pk, "assignee": manager_ann.pk, "seen": "new::0"})
    assert response.status_code == 404
    assert (
        not ServiceRequest.objects.filter(assigned_to=manager_ann, status=Status.ASSIGNED)
        .exclude(pk=world["to_ann"].pk)
        .exists()
    )


@pytest.mark.parametrize("persona", ["manager_ann", "manager_bob", "viewer_vic", "admin"])
def test_only_supervisors_may_post_to_the_assignment_queue(client, world, personas, persona):
    request = world["ann_new"]
    signed_in(client, personas[persona])
    response = client.post(ASSIGN, assign_post(request, personas["manager_ann"]), **HTMX)
    assert response.status_code == 403
    assert stored(request).status == Status.NEW


def test_the_assignment_queue_runs_no_query_per_row_for_its_forms(
    client, personas, ann_customer, django_assert_max_num_queries
):
    # The managers of the select are read once for the page, however many rows and managers.
    signed_in(client, personas["supervisor_sue"])
    for number in range(3):
        make_request(personas["manager_ann"], ann_customer, title=f"新{number}")
    few = queries_of(client, django_assert_max_num_queries, ASSIGN)
    for number in range(30):
        make_request(personas["manager_ann"], ann_customer, title=f"新多{number}")
    assert queries_of(client, django_assert_max_num_queries, ASSIGN) == few


# --- the menu's counts ------------------------------------------------------------------------


def counts_of(response):
    assert response.status_code == 200
    markup = response.content.decode()
    badges = re.findall(r'<span id="menu-count-(\w+)" hx-swap-oob="true"[^>]*>(\d+)</span>', markup)
    return {name: int(count) for name, count in badges}


@pytest.mark.parametrize(
    ("persona", "counts"),
    [
        ("supervisor_sue", {"assign": 2, "handle": 0, "feedback": 2, "services": 4}),
        ("superuser_sam", {"assign": 2, "handle": 0, "feedback": 2, "services": 4}),
        ("manager_ann", {"handle": 1, "feedback": 1, "services": 2}),
        ("manager_bob", {"handle": 1, "feedback": 0, "services": 1}),
        ("viewer_vic", {"services": 0}),
        ("admin", {"services": 0}),
    ],
)
def test_the_menu_counts_are_each_users_queues(client, world, personas, persona, counts):
    signed_in(client, personas[persona])
    assert counts_of(client.get(COUNTS)) == counts


def test_the_menu_counts_take_one_query_and_fill_the_menus_badges(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    client.get(COUNTS)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(COUNTS)
    on_requests = [query for query in captured.captured_queries if "services_servicerequest" in query["sql"]]
    assert len(on_requests) == 1
    assert len(captured.captured_queries) <= 4  # the session, the user, their permissions
    page = client.get("/").content.decode()
    for name in counts_of(response):
        assert f'<span id="menu-count-{name}"' in page, name
    assert "no-store" in response["Cache-Control"]


def test_the_pages_themselves_do_not_count_the_queues(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    client.get("/customers/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/customers/").status_code == 200
    assert not [query for query in captured.captured_queries if "services_servicerequest" in query["sql"]]


def test_an_assignment_changes_the_counts(client, world, supervisor_sue, manager_ann):
    signed_in(client, supervisor_sue)
    client.post(ASSIGN, assign_post(world["ann_new"], manager_ann), **HTMX)
    assert counts_of(client.get(COUNTS))["assign"] == 1
    signed_in(client, manager_ann)
    assert counts_of(client.get(COUNTS))["handle"] == 2


def test_the_menu_counts_are_fetched_not_posted(client, world, supervisor_sue):
    signed_in(client, supervisor_sue)
    assert client.post(COUNTS).status_code == 405
