import io
from datetime import time, timedelta

from auditlog.models import LogEntry
from django.contrib.auth import authenticate, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from crm.demo import DEMO_USERS
from crm.roles import ACCOUNT_MANAGER, ADMINISTRATOR
from customers import actions
from customers.models import Activity, Customer
from opportunities.models import Opportunity, PlanItem, Status
from sales import selectors as sales_selectors


def _seed():
    out = io.StringIO()
    call_command("seed_demo", customers=0, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_one_user_per_role_with_the_printed_passwords(db):
    output = _seed()
    User = get_user_model()
    for username, password, _name, roles, superuser in DEMO_USERS:
        assert f"{username}" in output and password in output
        user = User.objects.get(username=username)
        assert set(user.groups.values_list("name", flat=True)) == set(roles)
        assert user.is_superuser is superuser
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=password) == user
    assert User.objects.get(username="admin").is_staff
    assert User.objects.get(username="ann").groups.filter(name=ACCOUNT_MANAGER).exists()
    assert User.objects.get(username="admin").groups.filter(name=ADMINISTRATOR).exists()


def test_seed_demo_run_twice_changes_nothing(db):
    _seed()
    User = get_user_model()
    users = list(User.objects.order_by("pk").values_list("pk", "username", "password"))
    audit_rows = LogEntry.objects.count()
    _seed()
    assert list(User.objects.order_by("pk").values_list("pk", "username", "password")) == users
    assert LogEntry.objects.count() == audit_rows


def test_seed_demo_adds_opportunities_in_every_state_with_plans_once(db):
    _seed_customers(4)
    statuses = set(Opportunity.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    developing = Opportunity.objects.filter(status=Status.DEVELOPING)
    assert developing.exists() and all(opportunity.plan_items.exists() for opportunity in developing)
    assert PlanItem.objects.exclude(result="").exists() and PlanItem.objects.filter(result="").exists()
    rows = (
        Customer.all_objects.count(),
        list(Opportunity.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        list(PlanItem.objects.order_by("pk").values_list("pk", "result", "updated_at")),
        LogEntry.objects.count(),
    )
    out = io.StringIO()
    call_command("seed_demo", customers=4, stdout=out)
    assert f"Opportunities: {len(rows[1])} present, skipped." in out.getvalue()
    assert (
        Customer.all_objects.count(),
        list(Opportunity.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        list(PlanItem.objects.order_by("pk").values_list("pk", "result", "updated_at")),
        LogEntry.objects.count(),
    ) == rows


def test_seed_demo_without_customers_adds_no_opportunities(db):
    # A success would create a customer that --customers 0 didn't ask for.
    assert "Opportunities: no demo users or customers, skipped." in _seed()
    assert not Opportunity.objects.exists() and not Customer.all_objects.exists()


def test_seed_demo_records_its_changes_as_the_system_user(db):
    _seed()
    entry = LogEntry.objects.filter(object_repr="ann", action=LogEntry.Action.CREATE).get()
    assert entry.actor.username == "system"


# --------------------------------------------------------------------------- dates of the demo data


def _seed_customers(count=12):
    call_command("seed_demo", customers=count, stdout=io.StringIO())


def _local(moment):
    return timezone.localtime(moment)


def _in_office_hours(moment):
    local = _local(moment)
    return local.weekday() < 5 and time(9) <= local.time() < time(18)


def test_demo_customers_were_entered_over_past_years_in_office_hours(db):
    # Before: all of them were entered the moment seed_demo ran, so the entry-date filter found
    # nothing for any earlier range.
    _seed_customers()
    customers = list(Customer.objects.order_by("created_at"))
    # The 12 asked for, and the one a demo opportunity's success created (dated as it closed).
    assert len(customers) == 13
    assert Customer.objects.filter(created_by=None).count() == 12
    entered = [_local(customer.created_at) for customer in customers]
    assert entered[-1] - entered[0] >= timedelta(days=2 * 365)
    assert all(moment < timezone.now() for moment in entered)
    assert all(_in_office_hours(moment) for moment in entered), entered
    assert len({moment.date() for moment in entered}) >= 10
    recent = [moment for moment in entered if moment.date() >= timezone.localdate() - timedelta(days=30)]
    assert 1 <= len(recent) < len(entered)
    # The code carries the entry day, and the history says the customer was entered then.
    customer_type = ContentType.objects.get_for_model(Customer)
    for customer in customers:
        assert customer.code.startswith(f"KH{_local(customer.created_at):%Y%m%d}")
        created = LogEntry.objects.get(
            content_type=customer_type, object_pk=str(customer.pk), action=LogEntry.Action.CREATE
        )
        assert created.timestamp == customer.created_at
        assert created.changes["code"][1] == customer.code
        assert created.object_repr == str(customer)
        assert all(contact.created_at == customer.created_at for contact in customer.contacts.all())


def test_the_entry_date_filter_finds_demo_customers_of_earlier_years(client, db):
    _seed_customers()
    client.force_login(get_user_model().objects.get(username="sue"))
    today = timezone.localdate()
    response = client.get(
        reverse("customers:list"),
        {"created_from": (today - timedelta(days=4 * 366)).isoformat(), "created_to": (today - timedelta(days=366))},
    )
    assert response.status_code == 200
    listed = {row.record.code for row in response.context["table"].page.object_list}
    year_ago = today - timedelta(days=365)
    earlier = {customer.code for customer in Customer.objects.all() if _local(customer.created_at).date() < year_ago}
    assert listed == earlier and len(earlier) >= 3


def test_demo_activities_happen_on_working_days_in_office_hours_after_the_entry(db):
    # Before: each happened at the time of day seed_demo ran, minus up to 8 hours (00:03 at night).
    _seed_customers()
    activities = list(Activity.objects.select_related("customer"))
    assert len(activities) >= 10
    assert all(_in_office_hours(activity.occurred_at) for activity in activities), [
        _local(activity.occurred_at) for activity in activities if not _in_office_hours(activity.occurred_at)
    ]
    assert len({_local(activity.occurred_at).time() for activity in activities}) >= 5
    assert all(activity.customer.created_at < activity.occurred_at < timezone.now() for activity in activities)
    # Recorded when it happened, in the history too.
    activity_type = ContentType.objects.get_for_model(Activity)
    for activity in activities:
        assert activity.created_at == activity.occurred_at
        entry = LogEntry.objects.get(content_type=activity_type, object_pk=str(activity.pk))
        assert entry.timestamp == activity.occurred_at
    follow_ups = [activity.next_follow_up for activity in activities if activity.next_follow_up]
    assert all(day > timezone.localdate() and day.weekday() < 5 for day in follow_ups)


class _Again(Exception):
    """Rolls the first seeding back."""


def _snapshot():
    return {
        "customers": list(Customer.objects.order_by("code").values_list("code", "name", "created_at")),
        "activities": sorted(Activity.objects.values_list("customer__code", "occurred_at", "title")),
        "opportunities": sorted(
            Opportunity.objects.values_list(
                "title", "status", "created_at", "assigned_at", "closed_at", "customer__code"
            )
        ),
        "plan": sorted(PlanItem.objects.values_list("opportunity__title", "plan_date", "todo", "result_recorded_at")),
    }


def test_demo_data_is_the_same_every_time_it_is_seeded(db):
    try:
        with transaction.atomic():
            _seed_customers(8)
            first = _snapshot()
            raise _Again
    except _Again:
        pass
    assert not Customer.all_objects.exists()
    _seed_customers(8)
    assert _snapshot() == first


def test_a_customer_entered_after_the_demo_gets_the_first_number_of_the_day(db):
    _seed_customers(4)
    customer = actions.create_customer(
        actor=None,
        customer=Customer(name="今天新建有限公司", account_manager=get_user_model().objects.get(username="ann")),
    )
    assert customer.code == f"KH{timezone.localdate():%Y%m%d}0001"


def test_demo_warehouses_are_listed_in_pinyin_order(db):
    _seed_customers(2)
    sue = get_user_model().objects.get(username="sue")
    assert sales_selectors.warehouses(stock=sales_selectors.stock_list(user=sue)) == [
        "北京一号库",
        "广州南沙库",
        "上海中转库",
    ]
