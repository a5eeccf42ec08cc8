"""The service request forms on their own: what each accepts, what it refuses and with which
words (in both languages), and the step forms' "what the page showed" token."""

import pytest
from django.utils import translation

from crm.models import DictionaryEntry
from customers.actions import delete_customer
from customers.tests.factories import make_customer
from services.forms import AssignForm, FeedbackForm, HandleForm, ServiceRequestForm, seen_token, visible_customer
from services.models import ServiceRequest, Status
from services.tests.factories import assigned, handled, make_request, service_type

pytestmark = pytest.mark.django_db


def request_data(of, **changes):
    data = {
        "service_type": service_type("consultation").pk,
        "title": "打印机无法联网",
        "customer": of.code,
        "request": "客户的网络打印机从昨天起无法联网",
    }
    data.update(changes)
    return data


# --- the create form ----------------------------------------------------------------------------


def test_the_create_form_takes_a_visible_customer_by_its_code_in_any_case(manager_ann):
    customer = make_customer(manager_ann)
    form = ServiceRequestForm(request_data(customer, customer=f"  {customer.code.lower()} "), user=manager_ann)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["customer"] == customer
    assert form.chosen_customer() == customer
    unsaved = form.save(commit=False)
    assert (unsaved.customer, unsaved.title, unsaved.pk) == (customer, "打印机无法联网", None)


@pytest.mark.parametrize("case", ["someone_elses", "in_the_recycle_bin", "unknown", "not_a_code", "empty"])
def test_a_customer_the_user_cannot_see_is_refused_with_one_message_in_both_languages(manager_ann, manager_bob, case):
    mine = make_customer(manager_ann)
    code = {
        "someone_elses": lambda: make_customer(manager_bob).code,
        "in_the_recycle_bin": lambda: delete_customer(actor=manager_ann, customer=mine) or mine.code,
        "unknown": lambda: "KH209901019999",
        "not_a_code": lambda: "北京鑫达",
        "empty": lambda: "",
    }[case]()
    for language, message in (("en", "Choose a customer you can see."), ("zh-hans", "请选择一个您能看到的客户。")):
        with translation.override(language):
            form = ServiceRequestForm(request_data(mine, customer=code), user=manager_ann)
            assert not form.is_valid()
            assert form.errors["customer"] == [message]
            assert form.chosen_customer() is None


def test_a_supervisor_may_name_any_customer(supervisor_sue, manager_bob):
    customer = make_customer(manager_bob)
    form = ServiceRequestForm(request_data(customer), user=supervisor_sue)
    assert form.is_valid(), form.errors


def test_the_create_form_offers_the_active_service_types_by_the_users_language(manager_ann):
    DictionaryEntry.objects.create(
        category=DictionaryEntry.Category.SERVICE_TYPE, value="retired", label="停用类型", is_active=False
    )
    for language, labels in (
        ("en", ["Consultation", "Suggestion", "Complaint"]),
        ("zh-hans", ["咨询", "建议", "投诉"]),
    ):
        with translation.override(language):
            form = ServiceRequestForm(user=manager_ann)
            offered = [str(label) for value, label in form.fields["service_type"].choices if value]
            assert offered == labels


def test_a_retired_service_type_is_refused(manager_ann):
    customer = make_customer(manager_ann)
    retired = DictionaryEntry.objects.create(
        category=DictionaryEntry.Category.SERVICE_TYPE, value="retired", label="停用类型", is_active=False
    )
    form = ServiceRequestForm(request_data(customer, service_type=retired.pk), user=manager_ann)
    assert not form.is_valid() and "service_type" in form.errors


def test_a_10000_character_request_or_a_101_character_title_is_refused_with_the_limit(manager_ann):
    customer = make_customer(manager_ann)
    form = ServiceRequestForm(request_data(customer, request="长" * 10_000, title="题" * 101), user=manager_ann)
    assert not form.is_valid()
    assert form.errors["request"] == ["Ensure this value has at most 2000 characters (it has 10000)."]
    assert form.errors["title"] == ["Ensure this value has at most 100 characters (it has 101)."]


def test_a_title_with_control_characters_is_refused(manager_ann):
    customer = make_customer(manager_ann)
    form = ServiceRequestForm(request_data(customer, title="标题\u202e反转"), user=manager_ann)
    assert not form.is_valid() and "title" in form.errors


def test_visible_customer_looks_up_codes_only(manager_ann, django_assert_num_queries):
    customer = make_customer(manager_ann)
    assert visible_customer(manager_ann, customer.code) == customer  # the user's permissions are read once
    with django_assert_num_queries(0):
        assert visible_customer(manager_ann, "x" * 10_000) is None
        assert visible_customer(manager_ann, "KH" + "1" * 20) is None
    with django_assert_num_queries(1):
        assert visible_customer(manager_ann, customer.code) == customer


# --- the step forms -----------------------------------------------------------------------------


def test_the_step_forms_carry_what_the_page_showed(manager_ann, supervisor_sue):
    request = assigned(manager_ann, make_customer(manager_ann), manager_ann, supervisor=supervisor_sue)
    form = HandleForm(service_request=request)
    assert form["seen"].value() == seen_token(request) == f"assigned:{manager_ann.pk}:0"
    bound = HandleForm({"seen": "new::0", "handling": "已处理"}, service_request=request)
    assert bound.is_valid()
    shown = bound.as_seen(request)
    assert (shown.status, shown.assigned_to_id, shown.rounds) == (Status.NEW, None, 0)
    assert ServiceRequest.objects.get(pk=request.pk).status == Status.ASSIGNED  # nothing saved


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_an_empty_handling_is_refused_in_both_languages(manager_ann, supervisor_sue, blank):
    request = assigned(manager_ann, make_customer(manager_ann), manager_ann, supervisor=supervisor_sue)
    for language, message in (
        ("en", "Describe what was done for the customer."),
        ("zh-hans", "请说明为客户做了什么。"),
    ):
        with translation.override(language):
            form = HandleForm({"handling": blank, "seen": seen_token(request)}, service_request=request)
            assert form.errors["handling"] == [message]


def test_a_10000_character_handling_is_refused(manager_ann, supervisor_sue):
    request = assigned(manager_ann, make_customer(manager_ann), manager_ann, supervisor=supervisor_sue)
    form = HandleForm({"handling": "长" * 10_000}, service_request=request)
    assert form.errors["handling"] == ["Ensure this value has at most 2000 characters (it has 10000)."]


@pytest.mark.parametrize("value", ["0", "6", "-1", "3.5", "abc", "三", "99999999999999999999"])
def test_a_satisfaction_outside_1_to_5_is_refused_in_both_languages(manager_ann, supervisor_sue, value):
    request = handled(manager_ann, make_customer(manager_ann), manager_ann, supervisor=supervisor_sue)
    for language, message in (
        ("en", "Satisfaction is a whole number from 1 to 5."),
        ("zh-hans", "满意度须为 1 到 5 的整数。"),
    ):
        with translation.override(language):
            form = FeedbackForm({"result": "已解决", "satisfaction": value}, service_request=request)
            assert form.errors == {"satisfaction": [message]}


def test_a_missing_satisfaction_or_result_says_what_is_missing(manager_ann, supervisor_sue):
    request = handled(manager_ann, make_customer(manager_ann), manager_ann, supervisor=supervisor_sue)
    form = FeedbackForm({"result": " "}, service_request=request)
    assert form.errors == {
        "result": ["Describe the result for the customer."],
        "satisfaction": ["Choose how satisfied the customer is, from 1 to 5 stars."],
    }


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5])
def test_a_satisfaction_of_1_to_5_is_taken_as_a_number(manager_ann, supervisor_sue, value):
    request = handled(manager_ann, make_customer(manager_ann), manager_ann, supervisor=supervisor_sue)
    form = FeedbackForm({"result": "已解决", "satisfaction": str(value)}, service_request=request)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["satisfaction"] == value


def test_the_satisfaction_choices_are_drawn_as_stars_with_words_for_screen_readers():
    with translation.override("en"):
        form = FeedbackForm()
        labels = [str(label) for _value, label in form.fields["satisfaction"].choices]
    assert len(labels) == 5
    assert "★★★☆☆" in labels[2] and "3 of 5 stars" in labels[2]


def test_the_assign_form_offers_active_account_managers_but_the_current_assignee(
    manager_ann, manager_bob, supervisor_sue
):
    new = make_request(manager_ann, make_customer(manager_ann))
    assert [label for value, label in AssignForm(service_request=new).fields["assignee"].choices if value] == [
        "Manager Ann",
        "Manager Bob",
    ]
    request = assigned(manager_ann, make_customer(manager_ann), manager_ann, supervisor=supervisor_sue)
    assert [label for value, label in AssignForm(service_request=request).fields["assignee"].choices if value] == [
        "Manager Bob"
    ]
