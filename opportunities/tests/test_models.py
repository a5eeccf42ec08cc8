"""The opportunity's status table, its derived properties and the database's own guards."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from opportunities.models import TERMINAL, TRANSITIONS, Opportunity, PlanItem, Status
from opportunities.tests.factories import add_plan_item, developing, make_opportunity


def test_the_status_table_follows_the_workflow():
    assert {
        Status.UNASSIGNED: {Status.DEVELOPING},
        Status.DEVELOPING: {Status.DEVELOPING, Status.SUCCEEDED, Status.FAILED},
        Status.SUCCEEDED: set(),
        Status.FAILED: set(),
    } == TRANSITIONS
    assert set(TRANSITIONS) == set(Status)
    assert {Status.SUCCEEDED, Status.FAILED} == TERMINAL


@pytest.mark.parametrize(
    ("current", "allowed"),
    [
        (Status.UNASSIGNED, {Status.DEVELOPING}),
        (Status.DEVELOPING, {Status.DEVELOPING, Status.SUCCEEDED, Status.FAILED}),
        (Status.SUCCEEDED, set()),
        (Status.FAILED, set()),
    ],
)
def test_can_move_to_answers_from_the_table(current, allowed):
    opportunity = Opportunity(status=current)
    assert {status for status in Status if opportunity.can_move_to(status)} == allowed
    assert opportunity.is_closed == (current in TERMINAL)


def test_the_status_labels_read_as_the_product_names_them():
    assert [str(label) for label in Status.labels] == [
        "Unassigned",
        "In development",
        "Developed successfully",
        "Development terminated",
    ]


def test_a_plan_item_is_done_once_it_has_a_result_and_overdue_when_its_date_passed_undone():
    today = date(2026, 3, 10)
    assert PlanItem(plan_date=date(2026, 3, 9), result="").is_overdue(today)
    assert not PlanItem(plan_date=date(2026, 3, 10), result="").is_overdue(today)
    done = PlanItem(plan_date=date(2026, 3, 1), result="已签意向书")
    assert done.is_done and not done.is_overdue(today)


@pytest.mark.parametrize("rate", [-1, 101])
def test_model_validation_refuses_a_success_rate_outside_0_to_100(rate):
    with pytest.raises(ValidationError) as error:
        Opportunity(success_rate=rate).clean_fields(exclude=["created_by", "title", "customer_name", "contact_name"])
    assert "success_rate" in error.value.message_dict


@pytest.mark.django_db
def test_the_database_refuses_a_success_rate_outside_0_to_100(manager_ann):
    opportunity = make_opportunity(manager_ann)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.filter(pk=opportunity.pk).update(success_rate=101)
    assert Opportunity.objects.get(pk=opportunity.pk).success_rate == 40


@pytest.mark.django_db
def test_the_database_refuses_an_opportunity_in_development_without_an_assignee(manager_ann):
    opportunity = make_opportunity(manager_ann)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.filter(pk=opportunity.pk).update(status=Status.DEVELOPING)
    assert Opportunity.objects.get(pk=opportunity.pk).status == Status.UNASSIGNED


@pytest.mark.django_db
def test_deleting_an_opportunity_takes_its_plan_with_it(manager_ann, supervisor_sue):
    opportunity = developing(manager_ann, manager_ann, supervisor=supervisor_sue)
    add_plan_item(opportunity, actor=manager_ann)
    # Only possible outside the workflow (it refuses deleting an assigned opportunity): the plan
    # still never outlives its opportunity.
    Opportunity.objects.filter(pk=opportunity.pk).delete()
    assert not PlanItem.objects.exists()
