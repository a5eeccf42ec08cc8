"""The opportunities pages as their users meet them: the list (search, filters, sorting, bounded
queries), create and edit, the detail page with its plan and its buttons, each workflow step,
"my opportunities in development" and the board."""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.actions import set_user_roles
from customers.models import Customer
from customers.tests.factories import make_customer
from opportunities import actions
from opportunities.models import Opportunity, PlanItem, Status
from opportunities.tables import OpportunityTable
from opportunities.tests.factories import CREATE, add_plan_item, audit_rows, developing, make_opportunity, source

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")
# Queries of a list, board or detail page, whatever the number of rows (measured: see the tests).
LIST_QUERY_BOUND = 12
PAGE_QUERY_BOUND = 12


@pytest.fixture
def client(client):
    """Pages in English unless a test asks for Chinese (in_chinese); the product's default is Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def text_of(markup):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def page_text(response):
    return text_of(response.content.decode())


def flash(response):
    texts = re.findall(r'role="alert">(.*?)<button', response.content.decode(), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) for text in texts]


def listed_titles(response):
    return [row.record.title for row in response.context["table"].page.object_list]


def stored(opportunity):
    return Opportunity.objects.get(pk=opportunity.pk)


def in_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def opportunity_data(**changes):
    data = {
        "title": "年度网络设备采购",
        "customer_name": "北京鑫达科技有限公司",
        "source": source().pk,
        "success_rate": "60",
        "contact_name": "王经理",
        "contact_phone": "13812345678",
        "description": "客户计划明年扩建机房",
    }
    data.update(changes)
    return data


def actions_bar(response):
    """The hrefs and test ids of the buttons above an opportunity's fields."""
    block = response.content.decode().split('data-testid="opportunity-actions"', 1)[1].split("</div>", 1)[0]
    return set(re.findall(r'data-testid="([^"]+)"', block))


# --- the list ----------------------------------------------------------------------------------


@pytest.fixture
def listed(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    return {
        "ann_new": make_opportunity(ann, title="安的新机会", customer_name="曾氏贸易有限公司", contact_name="李雷"),
        "to_ann": developing(sue, ann, supervisor=sue, title="指派给安", customer_name="华光电子有限公司"),
        "bob_own": make_opportunity(bob, title="博自己的", customer_name="博远科技有限公司"),
    }


def test_an_account_manager_lists_what_she_created_or_develops_newest_first(client, listed, manager_ann):
    client.force_login(manager_ann)
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed_titles(response) == ["指派给安", "安的新机会"]


def test_a_supervisor_lists_every_opportunity(client, listed, supervisor_sue):
    client.force_login(supervisor_sue)
    assert sorted(listed_titles(client.get(LIST))) == sorted(["安的新机会", "指派给安", "博自己的"])


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("新机会", ["安的新机会"]),  # title
        ("曾氏", ["安的新机会"]),  # customer name
        ("zsmy", ["安的新机会"]),  # its initials (曾 read as zeng)
        ("huaguang", ["指派给安"]),  # its pinyin
        ("李雷", ["安的新机会"]),  # contact
        ("博远", []),  # bob's: not in her scope
    ],
)
def test_the_search_box_finds_title_customer_name_pinyin_initials_and_contact(
    client, listed, manager_ann, search, found
):
    client.force_login(manager_ann)
    assert listed_titles(client.get(LIST, {"q": search})) == found


def test_the_filters_narrow_by_status_source_assignee_and_created_date(client, listed, supervisor_sue, manager_ann):
    client.force_login(supervisor_sue)
    assert listed_titles(client.get(LIST, {"status": Status.DEVELOPING})) == ["指派给安"]
    assert listed_titles(client.get(LIST, {"assigned_to": manager_ann.pk})) == ["指派给安"]
    assert len(listed_titles(client.get(LIST, {"source": source().pk}))) == 3
    assert listed_titles(client.get(LIST, {"source": source("telemarketing").pk})) == []
    today = timezone.localdate()
    assert len(listed_titles(client.get(LIST, {"created_from": today.isoformat()}))) == 3
    assert listed_titles(client.get(LIST, {"created_to": (today - timedelta(days=1)).isoformat()})) == []


def options(response, name):
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', response.content.decode(), re.S)
    return [html.unescape(label) for label in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1))]


def test_the_filter_dropdowns_offer_all_then_the_choices(client, listed, supervisor_sue, manager_bob):
    client.force_login(supervisor_sue)
    response = client.get(LIST)
    assert options(response, "status") == [
        "All",
        "Unassigned",
        "In development",
        "Developed successfully",
        "Development terminated",
    ]
    assert options(response, "assigned_to") == ["All", "Manager Ann", "Manager Bob"]
    assert options(response, "source")[0] == "All"


def test_an_account_manager_is_offered_only_the_assignees_of_what_she_sees(client, listed, manager_bob):
    client.force_login(manager_bob)
    assert options(client.get(LIST), "assigned_to") == ["All"]


@pytest.mark.parametrize("column", [column for column in OpportunityTable.Meta.fields if column != "contact_name"])
def test_every_sortable_column_sorts_both_ways(client, listed, supervisor_sue, column):
    client.force_login(supervisor_sue)
    ascending = listed_titles(client.get(LIST, {"sort": column}))
    descending = listed_titles(client.get(LIST, {"sort": f"-{column}"}))
    assert sorted(ascending) == sorted(descending) == sorted(["安的新机会", "指派给安", "博自己的"])
    if column in ("title", "customer_name", "success_rate", "created_at"):
        assert ascending == list(reversed(descending))


def test_the_table_draws_a_cell_for_every_column():
    assert set(OpportunityTable([]).cell_renderers()) == set(OpportunityTable.Meta.fields)


def test_the_list_offers_new_opportunity_to_account_managers_and_supervisors_only(client, personas):
    for persona, offered in [("manager_ann", True), ("supervisor_sue", True), ("viewer_vic", False), ("admin", False)]:
        client.force_login(personas[persona])
        assert ('data-testid="new-opportunity"' in client.get(LIST).content.decode()) is offered, persona


def queries_of(client, url, data=None):
    """How many queries the page at ``url`` runs (read once before, so caches are warm)."""
    client.get(url, data)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(captured.captured_queries)


LIST_QUERIES = (
    ("plain", {}),
    ("search", {"q": "安录入"}),
    ("status", {"status": "developing"}),
    ("sorted", {"sort": "assigned_to"}),
)


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_list_runs_the_same_number_of_queries_for_3_and_30_rows(client, personas, persona):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]

    def add(numbers):
        for number in numbers:
            if number % 3 == 0:
                make_opportunity(ann, title=f"安录入{number:02d}")
            elif number % 3 == 1:
                developing(sue, ann, supervisor=sue, title=f"指派给安{number:02d}")
            else:
                developing(ann, bob, supervisor=sue, title=f"安录入博开发{number:02d}")

    client.force_login(personas[persona])
    add(range(3))
    few = {label: queries_of(client, LIST, query) for label, query in LIST_QUERIES}
    add(range(3, 30))
    many = {label: queries_of(client, LIST, query) for label, query in LIST_QUERIES}
    assert many == few
    assert max(many.values()) <= LIST_QUERY_BOUND
    assert len(listed_titles(client.get(LIST))) == 30


def test_the_list_counts_no_rows(client, listed, manager_ann, django_assert_max_num_queries):
    client.force_login(manager_ann)
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as captured:
        client.get(LIST)
    assert not [query for query in captured.captured_queries if "COUNT(" in query["sql"].upper()]


# --- create, edit, delete ----------------------------------------------------------------------


def test_an_account_manager_creates_an_opportunity_and_lands_on_its_page(client, manager_ann):
    client.force_login(manager_ann)
    response = client.post(reverse("opportunities:create"), opportunity_data(), follow=True)
    opportunity = Opportunity.objects.get()
    assert response.redirect_chain[-1][0] == opportunity.get_absolute_url()
    assert flash(response) == ["Opportunity “年度网络设备采购” was created."]
    assert (opportunity.created_by, opportunity.status, opportunity.success_rate) == (manager_ann, "unassigned", 60)
    assert opportunity.customer_name_initials == "bjxdkjyxgs"
    assert actions_bar(response) == {"edit-opportunity", "delete-opportunity"}


@pytest.mark.parametrize("persona", ["viewer_vic", "admin"])
def test_viewers_and_administrators_cannot_create(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("opportunities:create")).status_code == 403
    assert client.post(reverse("opportunities:create"), opportunity_data()).status_code == 403
    assert not Opportunity.objects.exists()


def test_the_creator_edits_an_unassigned_opportunity(client, manager_ann):
    opportunity = make_opportunity(manager_ann)
    client.force_login(manager_ann)
    form = client.get(reverse("opportunities:edit", args=[opportunity.pk]))
    assert form.status_code == 200
    assert f'value="{opportunity.title}"' in form.content.decode()
    response = client.post(
        reverse("opportunities:edit", args=[opportunity.pk]), opportunity_data(title="改过的概要"), follow=True
    )
    assert flash(response) == ["Opportunity “改过的概要” was saved."]
    assert stored(opportunity).title == "改过的概要"


def test_editing_or_deleting_after_assignment_says_why_and_changes_nothing(
    client, manager_ann, manager_bob, supervisor_sue
):
    opportunity = developing(manager_ann, manager_bob, supervisor=supervisor_sue, title="已指派")
    client.force_login(manager_ann)
    for url_name in ("opportunities:edit", "opportunities:delete"):
        url = reverse(url_name, args=[opportunity.pk])
        for request in (lambda url=url: client.get(url), lambda url=url: client.post(url, opportunity_data())):
            response = request()
            assert response.status_code == 302 and response["Location"] == opportunity.get_absolute_url()
            assert flash(client.get(response["Location"])) == [
                "An opportunity can only be edited or deleted while it is unassigned."
            ]
    assert stored(opportunity).title == "已指派"


def test_the_creator_deletes_an_unassigned_opportunity_after_confirming(client, manager_ann):
    opportunity = make_opportunity(manager_ann, title="要删的")
    client.force_login(manager_ann)
    page = client.get(reverse("opportunities:delete", args=[opportunity.pk]))
    assert "Delete the opportunity “要删的”?" in page_text(page)
    response = client.post(reverse("opportunities:delete", args=[opportunity.pk]), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert flash(response) == ["Opportunity “要删的” was deleted."]
    assert not Opportunity.objects.exists()


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "english", "chinese"),
    [
        ("101", "Ensure this value is less than or equal to 100.", "请输入不大于 100 的数。"),
        ("-1", "Ensure this value is greater than or equal to 0.", "请输入不小于 0 的数。"),
        ("abc", "Enter a whole number.", "请输入整数。"),
        ("12.5", "Enter a whole number.", "请输入整数。"),
    ],
)
def test_a_success_rate_outside_0_to_100_or_not_a_number_is_refused_in_the_users_language(
    client, manager_ann, rate, english, chinese
):
    opportunity = make_opportunity(manager_ann, success_rate=40)
    client.force_login(manager_ann)
    for language, message in (("en", english), ("zh-hans", chinese)):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for url in (reverse("opportunities:create"), reverse("opportunities:edit", args=[opportunity.pk])):
            response = client.post(url, opportunity_data(success_rate=rate))
            assert response.status_code == 200
            assert response.context["form"].errors["success_rate"] == [message]
            assert f'value="{rate}"' in response.content.decode()  # what was typed stays
    assert Opportunity.objects.count() == 1
    assert stored(opportunity).success_rate == 40


def test_a_10000_character_description_is_refused_with_its_limit(client, manager_ann):
    client.force_login(manager_ann)
    response = client.post(reverse("opportunities:create"), opportunity_data(description="长" * 10_000))
    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [
        "Ensure this value has at most 2000 characters (it has 10000)."
    ]
    in_chinese(client)
    response = client.post(reverse("opportunities:create"), opportunity_data(description="长" * 10_000))
    assert response.context["form"].errors["description"] == ["最多 2000 个字符，现在有 10000 个。"]
    assert not Opportunity.objects.exists()


def test_a_plan_date_that_is_not_a_date_is_refused(client, manager_ann, supervisor_sue):
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    url = reverse("opportunities:plan_create", args=[opportunity.pk])
    for value in ("2026-02-30", "明天", "9999-12-31"):
        response = client.post(url, {"plan_date": value, "todo": "电话回访"})
        assert response.status_code == 200
        assert response.context["form"].errors["plan_date"], value
    in_chinese(client)
    response = client.post(url, {"plan_date": "明天", "todo": "电话回访"})
    assert response.context["form"].errors["plan_date"] == ["输入一个有效的日期。"]
    assert not PlanItem.objects.exists()


def test_a_forged_assignee_id_is_refused(client, manager_ann, supervisor_sue, viewer_vic):
    opportunity = make_opportunity(manager_ann)
    client.force_login(supervisor_sue)
    url = reverse("opportunities:assign", args=[opportunity.pk])
    for forged in (viewer_vic.pk, supervisor_sue.pk, 987654, "abc", "-1"):
        response = client.post(url, {"assigned_to": forged})
        assert response.status_code == 200
        assert response.context["form"].errors["assigned_to"] == [
            "Select a valid choice. That choice is not one of the available choices."
        ]
    assert stored(opportunity).status == Status.UNASSIGNED
    assert audit_rows(opportunity) == [(CREATE, "manager_ann", audit_rows(opportunity)[0][2])]


# --- assign ------------------------------------------------------------------------------------


def test_the_assign_dropdown_offers_active_account_managers_only_and_says_so(
    client, personas, manager_ann, manager_bob, supervisor_sue
):
    gone = personas["manager_bob"].__class__.objects.create_user("manager_gone", first_name="Gone")
    set_user_roles(user=gone, roles=["Account manager"])
    gone.is_active = False
    gone.save()
    opportunity = make_opportunity(manager_ann)
    client.force_login(supervisor_sue)
    response = client.get(reverse("opportunities:assign", args=[opportunity.pk]))
    assert options(response, "assigned_to") == ["---------", "Manager Ann", "Manager Bob"]
    assert "Only active users with the account manager role can be chosen." in page_text(response)


def test_a_supervisor_assigns_and_the_assignee_then_develops_it(client, manager_ann, manager_bob, supervisor_sue):
    opportunity = make_opportunity(manager_ann)
    client.force_login(supervisor_sue)
    url = reverse("opportunities:assign", args=[opportunity.pk])
    response = client.post(url, {"assigned_to": manager_bob.pk, "shown_assignee": ""}, follow=True)
    assert flash(response) == ["The opportunity was assigned to Manager Bob."]
    assert (stored(opportunity).status, stored(opportunity).assigned_to) == (Status.DEVELOPING, manager_bob)
    client.force_login(manager_bob)
    page = client.get(opportunity.get_absolute_url())
    assert actions_bar(page) == {"succeed-opportunity", "fail-opportunity"}
    assert 'data-testid="add-plan-item"' in page.content.decode()


def test_reassigning_from_a_stale_page_is_refused_with_a_message(client, manager_ann, manager_bob, supervisor_sue):
    opportunity = make_opportunity(manager_ann)
    client.force_login(supervisor_sue)
    url = reverse("opportunities:assign", args=[opportunity.pk])
    shown = client.get(url).context["form"]["shown_assignee"].value()
    assert shown in (None, "")
    # Someone else assigns it to ann meanwhile; this page still says it is unassigned.
    actions.assign_opportunity(actor=supervisor_sue, opportunity=opportunity, assignee=manager_ann)
    response = client.post(url, {"assigned_to": manager_bob.pk, "shown_assignee": ""}, follow=True)
    assert flash(response) == [
        "Someone else assigned this opportunity in the meantime, to Manager Ann. Reload the page to see it."
    ]
    assert stored(opportunity).assigned_to == manager_ann


def test_reassigning_restamps_the_assignment(client, manager_ann, manager_bob, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    before = stored(opportunity).assigned_at
    client.force_login(supervisor_sue)
    url = reverse("opportunities:assign", args=[opportunity.pk])
    page = client.get(url)
    assert options(page, "assigned_to") == ["---------", "Manager Bob"]
    client.post(url, {"assigned_to": manager_bob.pk, "shown_assignee": page.context["form"]["shown_assignee"].value()})
    after = stored(opportunity)
    assert after.assigned_to == manager_bob and after.assigned_at > before


# --- the plan ----------------------------------------------------------------------------------


def test_the_assignee_plans_records_a_result_edits_and_deletes_items(client, manager_ann, supervisor_sue):
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    today = timezone.localdate()
    for day, todo in ((today + timedelta(days=3), "上门演示"), (today - timedelta(days=2), "电话回访")):
        response = client.post(
            reverse("opportunities:plan_create", args=[opportunity.pk]),
            {"plan_date": day.isoformat(), "todo": todo},
            follow=True,
        )
        assert flash(response) == ["The plan item was saved."]
    late, soon = PlanItem.objects.order_by("plan_date")
    page = client.get(opportunity.get_absolute_url())
    items = re.findall(r'data-testid="plan-item">(.*?)</li>', page.content.decode(), re.S)
    assert ["电话回访" in items[0], "上门演示" in items[1]] == [True, True]  # by date
    assert 'data-testid="plan-overdue"' in items[0] and 'data-testid="plan-overdue"' not in items[1]

    response = client.post(
        reverse("opportunities:plan_result", args=[opportunity.pk, late.pk]), {"result": "客户有意向"}, follow=True
    )
    assert flash(response) == ["The result was recorded."]
    items = re.findall(r'data-testid="plan-item">(.*?)</li>', response.content.decode(), re.S)
    assert 'data-testid="plan-done"' in items[0] and "客户有意向" in items[0]
    assert 'data-testid="plan-overdue"' not in items[0]

    response = client.post(
        reverse("opportunities:plan_edit", args=[opportunity.pk, soon.pk]),
        {"plan_date": soon.plan_date.isoformat(), "todo": "上门演示并报价"},
        follow=True,
    )
    assert flash(response) == ["The plan item was saved."]
    assert PlanItem.objects.get(pk=soon.pk).todo == "上门演示并报价"
    response = client.post(reverse("opportunities:plan_delete", args=[opportunity.pk, soon.pk]), follow=True)
    assert flash(response) == ["The plan item was deleted."]
    assert list(PlanItem.objects.values_list("todo", flat=True)) == ["电话回访"]


def test_a_plan_item_of_another_opportunity_is_not_found_under_this_one(client, manager_ann, supervisor_sue):
    mine = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue)
    other = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue)
    item = add_plan_item(other, actor=manager_ann)
    client.force_login(manager_ann)
    assert client.get(reverse("opportunities:plan_edit", args=[mine.pk, item.pk])).status_code == 404
    assert client.post(reverse("opportunities:plan_delete", args=[mine.pk, item.pk])).status_code == 404
    assert PlanItem.objects.filter(pk=item.pk).exists()


def test_the_creator_who_does_not_develop_it_may_not_plan(client, manager_ann, manager_bob, supervisor_sue):
    opportunity = developing(manager_ann, manager_bob, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    page = client.get(opportunity.get_absolute_url())
    assert page.status_code == 200
    assert actions_bar(page) == set()
    assert 'data-testid="add-plan-item"' not in page.content.decode()
    url = reverse("opportunities:plan_create", args=[opportunity.pk])
    assert client.post(url, {"plan_date": "2026-03-02", "todo": "越权"}).status_code == 403
    assert not PlanItem.objects.exists()


# --- closing -----------------------------------------------------------------------------------


def test_success_creates_the_customer_and_opens_its_edit_page(client, manager_ann, supervisor_sue):
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, customer_name="鼎盛机械有限公司")
    client.force_login(manager_ann)
    page = client.get(reverse("opportunities:succeed", args=[opportunity.pk]))
    assert "鼎盛机械有限公司" in page_text(page) and 'data-testid="likely-duplicates"' not in page.content.decode()
    response = client.post(reverse("opportunities:succeed", args=[opportunity.pk]), follow=True)
    customer = Customer.objects.get(name="鼎盛机械有限公司")
    assert response.redirect_chain[-1][0] == reverse("customers:edit", args=[customer.code])
    assert flash(response) == [
        f"Developed successfully: customer 鼎盛机械有限公司 ({customer.code}) was created. Complete its details now."
    ]
    assert (stored(opportunity).status, stored(opportunity).customer) == (Status.SUCCEEDED, customer)
    assert customer.account_manager == manager_ann


def test_a_supervisor_succeeding_for_the_assignee_lands_on_the_customer_page(client, manager_ann, supervisor_sue):
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, customer_name="鼎盛机械有限公司")
    client.force_login(supervisor_sue)
    response = client.post(reverse("opportunities:succeed", args=[opportunity.pk]), follow=True)
    customer = Customer.objects.get(name="鼎盛机械有限公司")
    assert response.redirect_chain[-1][0] == customer.get_absolute_url()
    assert flash(response) == [
        f"Developed successfully: customer 鼎盛机械有限公司 ({customer.code}) was created for its account manager."
    ]


def test_a_likely_existing_customer_one_sees_is_shown_and_can_be_linked(client, manager_ann, supervisor_sue):
    existing = make_customer(manager_ann, name="鼎盛机械有限公司")
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, customer_name="鼎盛机械")
    client.force_login(manager_ann)
    url = reverse("opportunities:succeed", args=[opportunity.pk])
    page = client.get(url)
    found = re.findall(r'data-testid="likely-duplicate">(.*?)</li>', page.content.decode(), re.S)
    assert len(found) == 1 and existing.code in found[0] and "managed by Manager Ann" in page_text(page)
    # Confirming without "another company" ticked is refused and shows it again; nothing created.
    response = client.post(url, {})
    assert response.status_code == 200
    assert "A customer like this one already exists." in page_text(response)
    assert Customer.objects.count() == 1
    response = client.post(reverse("opportunities:link", args=[opportunity.pk]), {"customer": existing.pk}, follow=True)
    assert response.redirect_chain[-1][0] == existing.get_absolute_url()
    assert flash(response) == ["Developed successfully: the opportunity was linked to the existing customer."]
    assert (stored(opportunity).status, stored(opportunity).customer) == (Status.SUCCEEDED, existing)
    assert Customer.objects.count() == 1


def test_a_likely_existing_customer_one_cannot_see_shows_only_who_manages_it(
    client, manager_ann, manager_bob, supervisor_sue
):
    hidden = make_customer(manager_bob, name="鼎盛机械有限公司", phone="010-88886666", address="保密路1号")
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, customer_name="鼎盛机械有限公司")
    client.force_login(manager_ann)
    page = client.get(reverse("opportunities:succeed", args=[opportunity.pk]))
    text = page_text(page)
    assert "A customer with the same name already exists, managed by Manager Bob." in text
    assert hidden.code not in text and "保密路" not in text and hidden.get_absolute_url() not in page.content.decode()
    # "Create anyway": another company of that name.
    response = client.post(reverse("opportunities:succeed", args=[opportunity.pk]), {"allow_duplicate": "on"})
    assert response.status_code == 302
    assert Customer.objects.filter(name="鼎盛机械有限公司").count() == 2
    assert stored(opportunity).customer.account_manager == manager_ann


def test_linking_a_customer_that_was_not_offered_is_refused(client, manager_ann, manager_bob, supervisor_sue):
    unrelated = make_customer(manager_bob, name="无关公司有限公司")
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, customer_name="鼎盛机械有限公司")
    client.force_login(manager_ann)
    url = reverse("opportunities:link", args=[opportunity.pk])
    for forged in (unrelated.pk, "abc", "", 10**30):
        response = client.post(url, {"customer": forged}, follow=True)
        assert flash(response) == ["Choose one of the existing customers shown to link the opportunity to."]
    assert stored(opportunity).status == Status.DEVELOPING


def test_terminating_needs_a_reason_then_closes_the_opportunity(client, manager_ann, supervisor_sue):
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue)
    client.force_login(manager_ann)
    url = reverse("opportunities:fail", args=[opportunity.pk])
    response = client.post(url, {"reason": "  "})
    assert response.context["form"].errors["reason"] == ["This field is required."]
    assert stored(opportunity).status == Status.DEVELOPING
    response = client.post(url, {"reason": "客户预算取消"}, follow=True)
    assert flash(response) == ["The development of this opportunity was terminated."]
    assert stored(opportunity).status == Status.FAILED
    assert "客户预算取消" in page_text(response)


# --- closed opportunities are read-only ---------------------------------------------------------


@pytest.fixture(params=["succeeded", "failed"])
def closed(request, manager_ann, supervisor_sue):
    opportunity = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, title="已关闭")
    item = add_plan_item(opportunity, actor=manager_ann, todo="关闭前的计划")
    if request.param == "succeeded":
        actions.succeed_opportunity(actor=manager_ann, opportunity=opportunity)
    else:
        actions.fail_opportunity(actor=manager_ann, opportunity=opportunity, reason="客户放弃")
    return stored(opportunity), item


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue", "superuser_sam", "viewer_vic", "admin"])
def test_a_closed_opportunity_shows_no_buttons(client, personas, closed, persona):
    opportunity, _item = closed
    client.force_login(personas[persona])
    page = client.get(opportunity.get_absolute_url())
    assert actions_bar(page) == set()
    content = page.content.decode()
    for hook in ('data-testid="add-plan-item"', 'data-testid="record-result"', "plan/"):
        assert hook not in content
    assert 'data-testid="closed-note"' in content


def forged_posts(opportunity, item, world):
    pk = opportunity.pk
    return {
        "opportunities:edit": ([pk], opportunity_data()),
        "opportunities:delete": ([pk], {}),
        "opportunities:assign": ([pk], {"assigned_to": world["manager_bob"].pk, "shown_assignee": ""}),
        "opportunities:plan_create": ([pk], {"plan_date": "2026-03-02", "todo": "伪造"}),
        "opportunities:plan_edit": ([pk, item.pk], {"plan_date": "2026-03-02", "todo": "伪造"}),
        "opportunities:plan_result": ([pk, item.pk], {"result": "伪造"}),
        "opportunities:plan_delete": ([pk, item.pk], {}),
        "opportunities:succeed": ([pk], {"allow_duplicate": "on"}),
        "opportunities:link": ([pk], {"customer": "1"}),
        "opportunities:fail": ([pk], {"reason": "伪造"}),
    }


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_a_forged_post_on_a_closed_opportunity_gets_a_message_and_changes_nothing(client, personas, closed, persona):
    opportunity, item = closed
    before = (list(Opportunity.objects.values()), list(PlanItem.objects.values()), Customer.objects.count())
    client.force_login(personas[persona])
    label = opportunity.get_status_display()
    for url_name, (args, data) in forged_posts(opportunity, item, personas).items():
        response = client.post(reverse(url_name, args=args), data)
        if response.status_code == 403:
            # Not her step in any state (ann didn't create it, so may not edit or assign it).
            assert persona == "manager_ann" and url_name in (
                "opportunities:edit",
                "opportunities:delete",
                "opportunities:assign",
            ), url_name
            continue
        assert response.status_code == 302 and response["Location"] == opportunity.get_absolute_url(), url_name
        assert flash(client.get(response["Location"])) == [
            f"This opportunity is already closed ({label}): it can no longer be changed."
        ], url_name
    assert (list(Opportunity.objects.values()), list(PlanItem.objects.values()), Customer.objects.count()) == before


def test_a_forged_post_is_refused_in_chinese_too(client, closed):
    opportunity, _item = closed
    client.force_login(opportunity.assigned_to)
    in_chinese(client)
    response = client.post(reverse("opportunities:fail", args=[opportunity.pk]), {"reason": "伪造"}, follow=True)
    status = {"succeeded": "开发成功", "failed": "终止开发"}[opportunity.status]
    assert flash(response) == [f"该销售机会已结束（{status}），不能再修改。"]


def test_a_step_the_state_does_not_allow_yet_says_why(client, manager_ann, supervisor_sue):
    opportunity = make_opportunity(manager_ann)
    client.force_login(supervisor_sue)
    for url_name, message in (
        (
            "opportunities:plan_create",
            "The development plan can only be changed while the opportunity is in development.",
        ),
        ("opportunities:succeed", "Only an opportunity in development can be closed."),
        ("opportunities:fail", "Only an opportunity in development can be closed."),
    ):
        response = client.post(
            reverse(url_name, args=[opportunity.pk]), {"reason": "太早", "todo": "太早"}, follow=True
        )
        assert flash(response) == [message], url_name
    assert stored(opportunity).status == Status.UNASSIGNED and not PlanItem.objects.exists()


# --- the detail page ---------------------------------------------------------------------------


def test_the_detail_page_shows_the_fields_who_sees_it_and_the_history(client, manager_ann, manager_bob, supervisor_sue):
    opportunity = developing(manager_ann, manager_bob, supervisor=supervisor_sue, title="详情页", success_rate=75)
    client.force_login(supervisor_sue)
    response = client.get(opportunity.get_absolute_url())
    text = page_text(response)
    assert "详情页" in text and "75%" in text and opportunity.contact_name in text
    audience = response.content.decode().split('data-testid="audience-panel"', 1)[1].split("</ul>", 1)[0]
    audience = text_of(audience)
    assert "Manager Ann — created it" in audience
    assert "Manager Bob — develops it (assigned to them)" in audience
    assert "All sales supervisors, administrators and viewers" in audience
    history = response.content.decode().split('data-testid="history-panel"', 1)[1]
    assert "Created" in history and "Manager Ann" in history and "Supervisor Sue" in history
    assert actions_bar(response) == {"assign-opportunity", "succeed-opportunity", "fail-opportunity"}


def test_another_managers_opportunity_is_not_found(client, manager_ann, manager_bob):
    opportunity = make_opportunity(manager_bob)
    client.force_login(manager_ann)
    assert client.get(opportunity.get_absolute_url()).status_code == 404
    assert client.post(reverse("opportunities:delete", args=[opportunity.pk])).status_code == 404
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_detail_page_runs_the_same_number_of_queries_for_3_and_30_plan_items(client, personas, persona):
    ann, sue = personas["manager_ann"], personas["supervisor_sue"]
    opportunity = developing(sue, ann, supervisor=sue)
    client.force_login(personas[persona])
    counts = []
    for numbers in (range(3), range(3, 30)):
        for number in numbers:
            add_plan_item(opportunity, actor=ann, todo=f"计划{number:02d}")
        counts.append(queries_of(client, opportunity.get_absolute_url()))
    assert counts[0] == counts[1] <= PAGE_QUERY_BOUND
    assert len(client.get(opportunity.get_absolute_url()).context["plan"]) == 30


# --- my opportunities, the board ----------------------------------------------------------------


def test_my_opportunities_list_each_with_its_next_open_step(client, manager_ann, manager_bob, supervisor_sue):
    today = timezone.localdate()
    late = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, title="有逾期")
    add_plan_item(late, actor=manager_ann, plan_date=today - timedelta(days=1), todo="逾期的回访")
    add_plan_item(late, actor=manager_ann, plan_date=today + timedelta(days=5), todo="之后的演示")
    developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, title="没计划")
    developing(supervisor_sue, manager_bob, supervisor=supervisor_sue, title="博的")
    make_opportunity(manager_ann, title="未指派的")
    client.force_login(manager_ann)
    response = client.get(reverse("opportunities:mine"))
    rows = re.findall(r"<tr>(.*?)</tr>", response.content.decode().split("<tbody>", 1)[1], re.S)
    texts = [text_of(row) for row in rows]
    assert len(texts) == 2
    assert "有逾期" in texts[0] and "逾期的回访" in texts[0] and "Overdue" in texts[0]
    assert "之后的演示" not in texts[0]
    assert "没计划" in texts[1] and "Nothing planned" in texts[1]


def test_a_supervisor_has_no_opportunities_of_her_own_in_development(client, supervisor_sue, manager_ann):
    developing(supervisor_sue, manager_ann, supervisor=supervisor_sue)
    client.force_login(supervisor_sue)
    response = client.get(reverse("opportunities:mine"))
    assert 'data-testid="empty-state"' in response.content.decode()


def board_columns(response):
    return {
        status: (count, len(cards), [card.title for card in cards])
        for status, count, cards in response.context["columns"]
    }


def test_the_board_shows_columns_by_status_with_counts_cards_their_age_and_the_success_rate(
    client, manager_ann, manager_bob, supervisor_sue
):
    make_opportunity(manager_ann, title="新的")
    old = make_opportunity(manager_bob, title="博的旧机会")
    Opportunity.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=12))
    developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, title="开发中")
    won = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, title="成功的")
    actions.succeed_opportunity(actor=manager_ann, opportunity=won)
    for title in ("失败一", "失败二", "失败三"):
        lost = developing(supervisor_sue, manager_bob, supervisor=supervisor_sue, title=title)
        actions.fail_opportunity(actor=manager_bob, opportunity=lost, reason="放弃")
    client.force_login(supervisor_sue)
    response = client.get(reverse("opportunities:board"))
    columns = board_columns(response)
    assert {status: count for status, (count, _cards, _titles) in columns.items()} == {
        "unassigned": 2,
        "developing": 1,
        "succeeded": 1,
        "failed": 3,
    }
    assert response.context["success_rate"] == 25
    text = page_text(response)
    assert "Success rate: 25% of the closed opportunities were developed successfully." in text
    card = response.content.decode().split("博的旧机会", 1)[1]
    assert "12 days old" in text_of(card.split("</li>", 1)[0])
    assert actions_bar_free(response)

    client.force_login(manager_ann)
    mine = board_columns(client.get(reverse("opportunities:board")))
    assert {status: titles for status, (_count, _cards, titles) in mine.items()} == {
        "unassigned": ["新的"],
        "developing": ["开发中"],
        "succeeded": ["成功的"],
        "failed": [],
    }


# The board's card loop as its template drew it before the cards were drawn in Python
# (opportunities_tags.board_cards): the two must draw the same cards.
CARDS_AS_TEMPLATE = """{% load i18n crm_tags %}{% for card in cards %}
<li class="list-group-item small" data-testid="board-card">
  <a class="fw-semibold text-break" href="{{ card.get_absolute_url }}">{{ card.title }}</a>
  <div class="text-break">{{ card.customer_name }}</div>
  <div class="d-flex flex-wrap justify-content-between text-muted gap-2">
    <span>{% blocktranslate with rate=card.success_rate %}{{ rate }}% likely{% endblocktranslate %}</span>
    <span class="text-nowrap" data-testid="card-age">{% blocktranslate count days=card.age %}{{ days }} day old\
{% plural %}{{ days }} days old{% endblocktranslate %}</span>
  </div>
  {% if card.assigned_to_id %}<div class="text-muted">{{ card.assigned_to|person }}</div>{% endif %}
</li>
{% empty %}
<li class="list-group-item small text-muted">{% translate "None" %}</li>
{% endfor %}"""


def squeezed(markup):
    return re.sub(r">\s+<", "><", str(markup)).strip()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_board_cards_are_drawn_as_the_template_drew_them(manager_ann, supervisor_sue, language):
    from django.template import Context, Template
    from django.utils import translation

    from opportunities.templatetags.opportunities_tags import board_cards

    manager_ann.first_name, manager_ann.last_name = "<Ann>", "& Co"
    manager_ann.save()
    hostile = make_opportunity(supervisor_sue, title='<script>alert("t")</script>', customer_name="A & B <c>")
    plain = developing(supervisor_sue, manager_ann, supervisor=supervisor_sue, title="开发中")
    cards = list(Opportunity.objects.filter(pk__in=[hostile.pk, plain.pk]).select_related("assigned_to").order_by("pk"))
    for card, age in zip(cards, (1, 1234), strict=True):
        card.age = age
    with translation.override(language):
        expected = Template(CARDS_AS_TEMPLATE).render(Context({"cards": cards}))
        assert squeezed(board_cards(cards)) == squeezed(expected)
        assert squeezed(board_cards([])) == squeezed(Template(CARDS_AS_TEMPLATE).render(Context({"cards": []})))
    assert "<script>" not in board_cards(cards)


def actions_bar_free(response):
    """The board offers no workflow step: no form posts anywhere but the page's own chrome."""
    forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', response.content.decode())
    return all("/opportunities/" not in action for action in forms)


@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_the_board_and_my_opportunities_run_the_same_number_of_queries_for_3_and_30_rows(client, personas, persona):
    ann, sue = personas["manager_ann"], personas["supervisor_sue"]
    client.force_login(personas[persona])
    pages = (reverse("opportunities:board"), reverse("opportunities:mine"))
    counts = []
    for numbers in (range(3), range(3, 30)):
        for number in numbers:
            opportunity = developing(sue, ann, supervisor=sue, title=f"看板{number:02d}")
            add_plan_item(opportunity, actor=ann)
            if number % 2:
                actions.fail_opportunity(actor=ann, opportunity=opportunity, reason="放弃")
        counts.append([queries_of(client, url) for url in pages])
    assert counts[0] == counts[1]
    assert max(counts[1]) <= PAGE_QUERY_BOUND
