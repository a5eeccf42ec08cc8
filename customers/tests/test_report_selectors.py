"""The reports' reads of customers (composition, confirmed_losses, losses_per_month): exact
figures on a small known set, per persona's scope.

A is ann's customer, B bob's, C bob's shared with ann (to view); E was ann's and is in the
recycle bin. Time zone: Asia/Shanghai (the settings' default), so a moment just after local
midnight on 1 February is still 31 January in UTC.
"""

import datetime as dt

import pytest
from django.utils import timezone, translation

from customers import actions
from customers.actions.losses import confirm_loss
from customers.models import Customer, Level, LossRecord, Rating
from customers.selectors import (
    COMPOSITION_DIMENSIONS,
    composition,
    composition_all,
    confirmed_losses,
    losses_per_month,
)
from customers.tests.factories import make_customer, share
from customers.tests.loss_factories import created_at, detect, stale

pytestmark = pytest.mark.django_db

SEE_ALL = ["supervisor_sue", "admin", "viewer_vic", "superuser_sam"]


def local(*args):
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    customers = {
        "A": make_customer(ann, name="安诚贸易有限公司", level=Level.MAJOR, credit=5, satisfaction=4),
        "B": make_customer(bob, name="博远科技有限公司", level=Level.ORDINARY, credit=5),
        "C": make_customer(bob, name="昌盛物流有限公司", level=Level.MAJOR, satisfaction=2),
        "E": make_customer(ann, name="恩泽食品有限公司", level=Level.PARTNER, credit=1, satisfaction=1),
    }
    share(customers["C"], ann, "view", actor=sue)
    created_at(customers["A"], local(2026, 1, 10, 9, 0))
    created_at(customers["B"], local(2026, 3, 1, 9, 0))
    created_at(customers["C"], local(2026, 2, 15, 23, 30))  # 15:30 UTC
    created_at(customers["E"], local(2026, 1, 5, 9, 0))
    actions.delete_customer(actor=ann, customer=customers["E"])
    return {**personas, **customers}


def counts(rows):
    return [(row["value"], row["label"], row["count"]) for row in rows]


LEVEL_LABELS = [str(label) for _value, label in Level.choices]
STARS = [label for _value, label in Rating.choices]


@pytest.mark.parametrize("persona", SEE_ALL)
def test_level_composition_counts_every_alive_customer(world, persona):
    assert counts(composition(user=world[persona], dimension="level")) == [
        (1, "Ordinary customer", 1),
        (2, "Key development customer", 0),
        (3, "Major customer", 2),
        (4, "Partner", 0),
        (5, "Strategic partner", 0),
    ]


def test_account_managers_composition_covers_own_and_shared_customers(world):
    ann_levels = composition(user=world["manager_ann"], dimension="level")
    assert [row["count"] for row in ann_levels] == [0, 0, 2, 0, 0]
    bob_levels = composition(user=world["manager_bob"], dimension="level")
    assert [row["count"] for row in bob_levels] == [1, 0, 1, 0, 0]
    assert counts(composition(user=world["manager_ann"], dimension="credit")) == [
        (1, "★", 0),
        (2, "★★", 0),
        (3, "★★★", 0),
        (4, "★★★★", 0),
        (5, "★★★★★", 1),
        (None, "Not rated", 1),
    ]


def test_credit_and_satisfaction_end_with_the_unrated(world):
    sue = world["supervisor_sue"]
    assert counts(composition(user=sue, dimension="credit")) == [
        *[(value, STARS[value - 1], 2 if value == 5 else 0) for value in range(1, 6)],
        (None, "Not rated", 1),
    ]
    satisfaction = composition(user=sue, dimension="satisfaction")
    assert [(row["value"], row["count"]) for row in satisfaction] == [(1, 0), (2, 1), (3, 0), (4, 1), (5, 0), (None, 1)]


def test_until_counts_customers_entered_up_to_that_local_day(world):
    sue = world["supervisor_sue"]
    # C was entered at 23:30 local time on 15 February (15:30 UTC): on that day, not the next.
    assert [row["count"] for row in composition(user=sue, dimension="level", until=dt.date(2026, 2, 15))] == [
        0,
        0,
        2,
        0,
        0,
    ]
    assert [row["count"] for row in composition(user=sue, dimension="level", until=dt.date(2026, 2, 14))] == [
        0,
        0,
        1,
        0,
        0,
    ]
    assert sum(row["count"] for row in composition(user=sue, dimension="credit", until=dt.date(2025, 12, 31))) == 0


def test_labels_follow_the_active_language(world):
    with translation.override("zh-hans"):
        rows = composition(user=world["supervisor_sue"], dimension="credit")
        assert rows[-1]["label"] == "未评级"
        assert rows[0]["label"] == "★"
        assert composition(user=world["supervisor_sue"], dimension="level")[0]["label"] == ("普通客户")
    assert set(COMPOSITION_DIMENSIONS) == {"level", "credit", "satisfaction"}


def test_unknown_dimension_is_refused(world):
    with pytest.raises(ValueError, match="region"):
        composition(user=world["supervisor_sue"], dimension="region")


def test_composition_is_one_query(world, django_assert_num_queries):
    sue = world["supervisor_sue"]
    sue.get_all_permissions()
    with django_assert_num_queries(1):
        composition(user=sue, dimension="satisfaction", until=dt.date(2026, 12, 31))


# --- losses -------------------------------------------------------------------------------------


@pytest.fixture
def losses(world):
    """Confirmed losses: A's by ann at 00:30 local on 1 February (16:30 UTC on 31 January), B's by
    bob on 10 March, C's (bob's, shared with ann) by supervisor sue on 20 March, G's by ann (then G
    went to the recycle bin); F (ann's) only warned."""
    ann, bob, sue = world["manager_ann"], world["manager_bob"], world["supervisor_sue"]
    world["F"] = make_customer(ann, name="丰华机械有限公司")
    world["G"] = make_customer(ann, name="广源化工有限公司")
    for key in "ABCFG":
        stale(world[key])
    detect()
    confirmations = {
        "A": (ann, "客户转向竞争对手", local(2026, 2, 1, 0, 30)),
        "B": (bob, "公司倒闭", local(2026, 3, 10, 10, 0)),
        "C": (sue, "价格原因", local(2026, 3, 20, 15, 0)),
        "G": (ann, "搬迁外地", local(2026, 3, 5, 9, 0)),
    }
    records = {}
    for key, (actor, reason, moment) in confirmations.items():
        record = LossRecord.objects.get(customer=world[key])
        confirm_loss(actor=actor, record=record, reason=reason)
        LossRecord.objects.filter(pk=record.pk).update(confirmed_at=moment)  # a known day
        records[key] = record.pk
    actions.delete_customer(actor=ann, customer=Customer.objects.get(pk=world["G"].pk))
    records["F"] = LossRecord.objects.get(customer=world["F"]).pk
    return {**world, "records": records}


def keys(losses, rows):
    by_pk = {pk: key for key, pk in losses["records"].items()}
    return [by_pk[row.pk] for row in rows]


@pytest.mark.parametrize("persona", SEE_ALL)
def test_confirmed_losses_newest_first_for_those_who_see_all(losses, persona):
    rows = list(confirmed_losses(user=losses[persona]))
    assert keys(losses, rows) == ["C", "B", "A"]
    assert [
        (row.customer.name, row.account_manager.username, row.confirmed_by.username, row.reason) for row in rows
    ] == [
        ("昌盛物流有限公司", "manager_bob", "supervisor_sue", "价格原因"),
        ("博远科技有限公司", "manager_bob", "manager_bob", "公司倒闭"),
        ("安诚贸易有限公司", "manager_ann", "manager_ann", "客户转向竞争对手"),
    ]


def test_account_managers_see_the_losses_of_their_own_and_shared_customers(losses):
    assert keys(losses, confirmed_losses(user=losses["manager_ann"])) == ["C", "A"]
    assert keys(losses, confirmed_losses(user=losses["manager_bob"])) == ["C", "B"]


def test_losses_between_local_dates(losses):
    sue = losses["supervisor_sue"]
    # A was confirmed at 00:30 on 1 February local time: in February, not in January.
    assert keys(losses, confirmed_losses(user=sue, start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 10))) == ["B", "A"]
    assert keys(losses, confirmed_losses(user=sue, end=dt.date(2026, 1, 31))) == []
    assert keys(losses, confirmed_losses(user=sue, start=dt.date(2026, 3, 11))) == ["C"]


def test_losses_by_customer_search_and_by_manager(losses):
    sue, ann, bob = losses["supervisor_sue"], losses["manager_ann"], losses["manager_bob"]
    assert keys(losses, confirmed_losses(user=sue, q="昌盛")) == ["C"]
    assert keys(losses, confirmed_losses(user=sue, q="acmy")) == ["A"]  # initials of 安诚贸易
    assert keys(losses, confirmed_losses(user=sue, q="广源")) == []  # in the recycle bin
    assert keys(losses, confirmed_losses(user=sue, manager=bob)) == ["C", "B"]
    assert keys(losses, confirmed_losses(user=sue, manager=ann)) == ["A"]
    assert keys(losses, confirmed_losses(user=ann, manager=bob)) == ["C"]
    assert keys(losses, confirmed_losses(user=ann, q="博远")) == []


def test_losses_per_month_in_local_months(losses):
    sue = losses["supervisor_sue"]
    assert losses_per_month(records=confirmed_losses(user=sue)) == [
        {"month": dt.date(2026, 2, 1), "count": 1},
        {"month": dt.date(2026, 3, 1), "count": 2},
    ]
    assert losses_per_month(records=confirmed_losses(user=losses["manager_ann"])) == [
        {"month": dt.date(2026, 2, 1), "count": 1},
        {"month": dt.date(2026, 3, 1), "count": 1},
    ]
    assert losses_per_month(records=confirmed_losses(user=sue, start=dt.date(2027, 1, 1))) == []


def test_loss_reads_are_one_query_each(losses, django_assert_num_queries):
    ann = losses["manager_ann"]
    ann.get_all_permissions()
    with django_assert_num_queries(1):
        rows = list(confirmed_losses(user=ann, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)))
        [(row.customer.code, row.account_manager.username, row.confirmed_by.username) for row in rows]
    with django_assert_num_queries(1):
        losses_per_month(records=confirmed_losses(user=ann))


@pytest.mark.parametrize("size", [3, 30])
def test_loss_reads_stay_one_query_with_more_records(personas, size, django_assert_max_num_queries):
    ann, sue = personas["manager_ann"], personas["supervisor_sue"]
    customers = [stale(make_customer(ann)) for _index in range(size)]
    detect()
    for customer in customers:
        confirm_loss(actor=ann, record=LossRecord.objects.get(customer=customer), reason="不再采购")
    for user in (ann, sue):
        user.get_all_permissions()
        with django_assert_max_num_queries(1):
            rows = [(row.customer.code, row.account_manager.username) for row in confirmed_losses(user=user)]
        with django_assert_max_num_queries(1):
            per_month = losses_per_month(records=confirmed_losses(user=user))
        assert len(rows) == size
        assert per_month == [{"month": timezone.localdate().replace(day=1), "count": size}]


@pytest.mark.parametrize("until", [None, dt.date(2026, 2, 15)])
def test_composition_all_equals_each_dimension_for_every_persona(world, until):
    for persona in SEE_ALL + ["manager_ann", "manager_bob"]:
        user = world[persona]
        assert composition_all(user=user, until=until) == {
            dimension: composition(user=user, dimension=dimension, until=until) for dimension in COMPOSITION_DIMENSIONS
        }, persona
    ann_credit = composition_all(user=world["manager_ann"])["credit"]
    assert [row["count"] for row in ann_credit] == [0, 0, 0, 0, 1, 1]


def test_an_account_managers_composition_reads_their_scope_by_parts(world, django_assert_num_queries):
    ann, sue = world["manager_ann"], world["supervisor_sue"]
    for user in (ann, sue):
        user.get_all_permissions()
    # the ids shared with her, then one statement (a GROUP BY per part, UNION ALL)
    with django_assert_num_queries(2):
        assert [row["count"] for row in composition(user=ann, dimension="level")] == [0, 0, 2, 0, 0]
    # the ids shared with her, then one count per part
    with django_assert_num_queries(3):
        composition_all(user=ann)
    with django_assert_num_queries(1):
        composition_all(user=sue)


def test_an_account_manager_without_shared_customers(personas):
    bob = personas["manager_bob"]
    make_customer(bob, level=Level.PARTNER)
    assert [row["count"] for row in composition(user=bob, dimension="level")] == [0, 0, 0, 1, 0]
    assert [row["count"] for row in composition_all(user=bob)["level"]] == [0, 0, 0, 1, 0]
    bob.is_active = False
    assert [row["count"] for row in composition(user=bob, dimension="level")] == [0, 0, 0, 0, 0]
