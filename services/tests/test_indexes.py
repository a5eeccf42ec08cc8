"""The service request indexes (services/models.py Meta.indexes) serve the queries the pages make:
each queue is read in its order from the index that leads with what it filters on, so a change to a
selector or to an index that no longer matches fails here instead of sorting or scanning the table
at 200,000 requests (bench/README.md, services)."""

import pytest
from django.db import connection

from crm.models import DictionaryEntry
from services import selectors
from services.models import ServiceEvent, ServiceRequest, Status

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL"),
]


def _plan(queryset):
    """EXPLAIN of ``queryset`` with scans of the whole table, bitmap scans and sorts disabled: on a
    small test table scanning and sorting a few hundred rows is cheaper, so ask whether an index
    *can* serve the query in its order, and which (a Sort left in the plan means none can)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def many(supervisor_sue, manager_ann, manager_bob, customer_a, customer_b):
    """Thousands of requests, most archived, some in each queue; bulk-inserted (the planner's
    statistics need thousands of rows, not the actions' audit trail)."""
    kind = DictionaryEntry.objects.filter(category=DictionaryEntry.Category.SERVICE_TYPE).first()
    rows = []
    for n in range(6000):
        status = Status.ARCHIVED if n % 20 else (Status.NEW, Status.ASSIGNED, Status.HANDLED)[n // 20 % 3]
        owner, customer = (manager_ann, customer_a) if n % 10 == 0 else (manager_bob, customer_b)
        rows.append(
            ServiceRequest(
                service_type=kind,
                title=f"服务请求{n}",
                customer=customer,
                request="客户来电",
                status=status,
                created_by=owner if n % 3 else supervisor_sue,
                assigned_to=None if status == Status.NEW else owner,
                rounds=0 if status in (Status.NEW, Status.ASSIGNED) else 1,
            )
        )
    ServiceRequest.objects.bulk_create(rows, batch_size=2000)
    first = ServiceRequest.objects.order_by("pk").first()
    ServiceEvent.objects.bulk_create(
        [
            ServiceEvent(service_request=request, kind=ServiceEvent.Kind.CREATED, round=0, actor=request.created_by)
            for request in ServiceRequest.objects.order_by("pk")[:3000]
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE services_servicerequest")
        cursor.execute("ANALYZE services_serviceevent")
    return first


def _page_keys(queryset):
    return queryset.values("pk")[:51]


@pytest.mark.parametrize("queue", ["assignment_queue", "feedback_queue"])
def test_a_supervisors_queues_are_read_in_order_from_the_status_index(many, supervisor_sue, queue):
    plan = _plan(_page_keys(getattr(selectors, queue)(user=supervisor_sue)))
    assert "service_status_idx" in plan, plan
    assert "Sort" not in plan, plan  # newest first as the index holds them


def test_a_supervisors_archive_and_list_are_read_in_order_from_an_index(many, supervisor_sue):
    # Most requests are archived: walking the creation-time index and skipping the few open ones
    # is as good as the status index; either way no sort of the whole archive.
    for queryset in (selectors.archive(user=supervisor_sue), selectors.service_list(user=supervisor_sue)):
        plan = _plan(_page_keys(queryset))
        assert "service_status_idx" in plan or "service_created_idx" in plan, plan
        assert "Sort" not in plan, plan


def test_an_account_managers_handling_queue_is_read_from_the_assignee_index(many, manager_ann):
    plan = _plan(_page_keys(selectors.handling_queue(user=manager_ann)))
    assert "service_assignee_idx" in plan, plan
    assert "Sort" not in plan, plan


def test_an_account_managers_feedback_queue_is_read_from_the_creator_index(many, manager_ann):
    plan = _plan(_page_keys(selectors.feedback_queue(user=manager_ann)))
    assert "service_creator_idx" in plan, plan
    assert "Sort" not in plan, plan


def test_a_customers_requests_and_a_requests_timeline_are_read_from_their_indexes(many, supervisor_sue, customer_a):
    plan = _plan(selectors.requests_of_customer(user=supervisor_sue, customer=customer_a).values("pk")[:10])
    assert "service_customer_idx" in plan, plan
    assert "Sort" not in plan, plan
    plan = _plan(selectors.timeline(user=supervisor_sue, service_request=many).values("pk"))
    assert "serviceevent_request_idx" in plan, plan
