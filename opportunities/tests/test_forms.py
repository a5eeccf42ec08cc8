"""Bad input to the opportunity forms gets a clear message in the user's language."""

import pytest
from django.utils import translation

from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER
from opportunities.forms import AssignForm, FailForm, OpportunityForm, PlanItemForm, PlanResultForm, SucceedForm
from opportunities.tests.factories import source

pytestmark = pytest.mark.django_db


def valid_data(**changes):
    data = {
        "title": "年度采购",
        "customer_name": "重庆曾记物流有限公司",
        "source": source().pk,
        "success_rate": "60",
        "contact_name": "李娜",
        "contact_phone": "13812345678",
        "description": "展会上认识",
    }
    data.update(changes)
    return data


def test_a_valid_opportunity_form_is_valid():
    form = OpportunityForm(data=valid_data())
    assert form.is_valid(), form.errors
    assert list(form.fields) == [
        "title",
        "customer_name",
        "source",
        "success_rate",
        "contact_name",
        "contact_phone",
        "description",
    ]


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("101", "Ensure this value is less than or equal to 100."),
        ("-5", "Ensure this value is greater than or equal to 0."),
        ("abc", "Enter a whole number."),
        ("50.5", "Enter a whole number."),
    ],
)
def test_a_success_rate_outside_0_to_100_or_not_a_number_is_refused(rate, message):
    form = OpportunityForm(data=valid_data(success_rate=rate))
    assert not form.is_valid()
    assert form.errors["success_rate"] == [message]


def test_the_success_rate_message_reads_in_chinese():
    with translation.override("zh-hans"):
        form = OpportunityForm(data=valid_data(success_rate="abc"))
        assert not form.is_valid()
        message = form.errors["success_rate"][0]
    assert "整数" in message


def test_a_10000_character_description_is_refused_with_its_limit():
    form = OpportunityForm(data=valid_data(description="长" * 10_000))
    assert not form.is_valid()
    assert "at most 2000 characters" in form.errors["description"][0]


def test_a_source_from_another_dictionary_category_or_inactive_is_refused():
    from crm.models import DictionaryEntry

    region = DictionaryEntry.objects.filter(category=DictionaryEntry.Category.REGION).first()
    assert not OpportunityForm(data=valid_data(source=region.pk)).is_valid()
    entry = source("web")
    entry.is_active = False
    entry.save(update_fields=["is_active"])
    assert not OpportunityForm(data=valid_data(source=entry.pk)).is_valid()


def test_control_characters_in_a_title_are_refused():
    assert "title" in OpportunityForm(data=valid_data(title="采购\u202e意向")).errors


def test_a_plan_date_that_is_not_a_date_is_refused():
    form = PlanItemForm(data={"plan_date": "下周三", "todo": "回访"})
    assert form.errors["plan_date"] == ["Enter a valid date."]
    form = PlanItemForm(data={"plan_date": "9999-12-31", "todo": "回访"})
    assert "plan_date" in form.errors
    assert PlanItemForm(data={"plan_date": "2026-03-02", "todo": "回访"}).is_valid()


def test_a_plan_result_is_required():
    assert "result" in PlanResultForm(data={"result": ""}).errors


def test_terminating_needs_a_reason_within_its_limit():
    assert "reason" in FailForm(data={"reason": "  "}).errors
    assert "reason" in FailForm(data={"reason": "长" * 1001}).errors
    assert FailForm(data={"reason": "客户预算取消"}).is_valid()
    assert SucceedForm(data={}).is_valid()


def test_the_assignee_choices_are_active_account_managers_and_a_forged_id_is_refused(personas):
    gone = create_user(username="manager_gone", password="x-unused-x", roles=[ACCOUNT_MANAGER])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    form = AssignForm()
    offered = {pk for pk, _label in form.fields["assigned_to"].choices if pk}
    assert offered == {personas["manager_ann"].pk, personas["manager_bob"].pk}
    assert "account manager role" in str(form.fields["assigned_to"].help_text)
    for forged in (personas["supervisor_sue"].pk, gone.pk, 999_999, "abc"):
        form = AssignForm(data={"assigned_to": forged})
        assert not form.is_valid()
        assert form.errors["assigned_to"] == ["Select a valid choice. That choice is not one of the available choices."]
    assert AssignForm(data={"assigned_to": personas["manager_bob"].pk}).is_valid()
