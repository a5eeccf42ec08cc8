"""The services analysis' read (service_composition): exact figures per service type on a small
known set of requests, per persona's scope.

A is ann's customer, B bob's, C bob's shared with ann (to view). Requests (type, customer,
created, state; archived ones with satisfaction, rounds and time from creation to archive):

    r1 complaint     A 2026-03-01 archived ★4, 1 round, 24 h
    r2 complaint     B 2026-02-10 archived ★2, 2 rounds, 10 h
    r3 complaint     C 2026-05-01 archived ★5, 1 round, 72 h
    r4 complaint     B 2026-04-01 new
    r5 consultation  A 2026-06-01 assigned
    r6 consultation  A 2025-12-31 23:30 local (15:30 UTC) archived ★3, 3 rounds, 120 h
    r8 complaint     A 2026-07-01 archived ★4, 1 round, 48 h
"""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone, translation

from crm.models import DictionaryEntry
from customers.tests.factories import make_customer, share
from services.models import ServiceRequest
from services.selectors import _medians_to_archive, service_composition
from services.tests.factories import archived, assigned, make_request, service_type

pytestmark = pytest.mark.django_db

YEAR_2026 = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31)}
HOUR = dt.timedelta(hours=1)


def local(*args):
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def desk(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    a = make_customer(ann, name="安诚贸易有限公司")
    b = make_customer(bob, name="博远科技有限公司")
    c = make_customer(bob, name="昌盛物流有限公司")
    share(c, ann, "view", actor=sue)
    complaint, consultation = service_type("complaint"), service_type("consultation")

    def done(creator, customer, assignee, kind, created, hours, satisfaction, rounds):
        # Archived through the actions; its times and figures then set to known values (a low
        # satisfaction would send it back for another round).
        request = archived(creator, customer, assignee, supervisor=sue, service_type=kind)
        ServiceRequest.objects.filter(pk=request.pk).update(
            created_at=created, archived_at=created + hours * HOUR, rounds=rounds, satisfaction=satisfaction
        )
        return request

    done(ann, a, ann, complaint, local(2026, 3, 1, 9, 0), 24, 4, 1)
    done(bob, b, bob, complaint, local(2026, 2, 10, 9, 0), 10, 2, 2)
    done(bob, c, bob, complaint, local(2026, 5, 1, 9, 0), 72, 5, 1)
    new = make_request(bob, b, service_type=complaint)
    ServiceRequest.objects.filter(pk=new.pk).update(created_at=local(2026, 4, 1, 9, 0))
    open_one = assigned(ann, a, ann, supervisor=sue, service_type=consultation)
    ServiceRequest.objects.filter(pk=open_one.pk).update(created_at=local(2026, 6, 1, 9, 0))
    done(ann, a, ann, consultation, local(2025, 12, 31, 23, 30), 120, 3, 3)
    done(ann, a, ann, complaint, local(2026, 7, 1, 9, 0), 48, 4, 1)
    return personas


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def table(rows):
    return [
        (
            row["label"],
            row["count"],
            row["archived"],
            None if row["avg_satisfaction"] is None else round(row["avg_satisfaction"], 4),
            None if row["avg_rounds"] is None else round(row["avg_rounds"], 4),
            row["median_to_archive"],
        )
        for row in rows
    ]


@pytest.mark.parametrize("persona", ["supervisor_sue", "admin", "viewer_vic", "superuser_sam"])
def test_a_year_per_type_for_those_who_see_every_request(desk, persona):
    assert table(service_composition(user=desk[persona], **YEAR_2026)) == [
        # ★ (4 + 2 + 5 + 4) / 4, rounds (1 + 2 + 1 + 1) / 4, median of 10, 24, 48, 72 h
        ("Complaint", 5, 4, 3.75, 1.25, 36 * HOUR),
        ("Consultation", 1, 0, None, None, None),
        ("Suggestion", 0, 0, None, None, None),
    ]


def test_account_managers_figures_cover_requests_they_may_see(desk):
    assert table(service_composition(user=desk["manager_ann"], **YEAR_2026)) == [
        # r1, r3 (C is shared with her), r8; median of 24, 48, 72 h
        ("Complaint", 3, 3, 4.3333, 1.0, 48 * HOUR),
        ("Consultation", 1, 0, None, None, None),
        ("Suggestion", 0, 0, None, None, None),
    ]
    assert table(service_composition(user=desk["manager_bob"], **YEAR_2026)) == [
        # r2, r3, r4; median of 10 and 72 h
        ("Complaint", 3, 2, 3.5, 1.5, 41 * HOUR),
        ("Consultation", 0, 0, None, None, None),
        ("Suggestion", 0, 0, None, None, None),
    ]


def test_dates_are_local_days(desk):
    sue = desk["supervisor_sue"]
    # r6 was created at 23:30 on 31 December 2025 local time (15:30 UTC): in 2025 only.
    last_day = service_composition(user=sue, start=dt.date(2025, 12, 31), end=dt.date(2025, 12, 31))
    assert table(last_day)[0] == ("Consultation", 1, 1, 3.0, 3.0, 120 * HOUR)
    assert table(service_composition(user=sue))[:2] == [
        ("Complaint", 5, 4, 3.75, 1.25, 36 * HOUR),
        ("Consultation", 2, 1, 3.0, 3.0, 120 * HOUR),
    ]
    spring = service_composition(user=sue, start=dt.date(2026, 3, 1), end=dt.date(2026, 5, 1))
    assert table(spring)[0] == ("Complaint", 3, 2, 4.5, 1.0, 48 * HOUR)  # r1, r3 archived; r4 new


def test_every_type_of_the_dictionary_is_listed_ties_by_label(desk):
    DictionaryEntry.objects.create(
        category=DictionaryEntry.Category.SERVICE_TYPE, value="repair", label="维修", label_en="Repair", is_active=False
    )
    rows = service_composition(user=desk["supervisor_sue"], start=dt.date(2030, 1, 1), end=dt.date(2030, 12, 31))
    assert [(row["label"], row["count"]) for row in rows] == [
        ("Complaint", 0),
        ("Consultation", 0),
        ("Repair", 0),
        ("Suggestion", 0),
    ]
    assert rows[0]["type_id"] == service_type("complaint").pk
    with translation.override("zh-hans"):
        assert service_composition(user=desk["supervisor_sue"], **YEAR_2026)[0]["label"] == "投诉"


def test_an_inactive_user_gets_zeros(desk):
    ann = desk["manager_ann"]
    ann.is_active = False
    assert [row["count"] for row in service_composition(user=ann)] == [0, 0, 0]


def test_the_window_median_agrees_on_every_database(desk):
    # service_composition uses percentile_cont on PostgreSQL; the window query elsewhere (SQLite).
    archived_requests = ServiceRequest.objects.filter(status="archived")
    assert _medians_to_archive(archived_requests) == {
        service_type("complaint").pk: 36 * HOUR,  # 10, 24, 48, 72 h
        service_type("consultation").pk: 120 * HOUR,
    }
    assert _medians_to_archive(archived_requests.exclude(customer__name="安诚贸易有限公司")) == {
        service_type("complaint").pk: 41 * HOUR  # 10, 72 h
    }


def test_figures_are_floats_and_durations(desk):
    complaint = service_composition(user=desk["supervisor_sue"], **YEAR_2026)[0]
    assert isinstance(complaint["avg_satisfaction"], float)
    assert isinstance(complaint["avg_rounds"], float)
    assert isinstance(complaint["median_to_archive"], dt.timedelta)


@pytest.mark.parametrize("size", [3, 30])
def test_the_same_few_queries_with_more_requests(personas, size, django_assert_num_queries):
    ann, sue = personas["manager_ann"], personas["supervisor_sue"]
    customer = make_customer(ann)
    for _index in range(size):
        archived(ann, customer, ann, supervisor=sue)
    for user in (ann, sue):
        user.get_all_permissions()
        # the figures (with the medians on PostgreSQL), the middle rows of the medians (elsewhere),
        # the dictionary's types
        with django_assert_num_queries(2 if connection.vendor == "postgresql" else 3):
            rows = service_composition(user=user)
        assert [(row["label"], row["count"], row["archived"]) for row in rows][0] == ("Complaint", size, size)
