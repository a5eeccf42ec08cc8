"""The analyses' permission matrix (reports.tests.matrix_analyses.ANALYSES_MATRIX) on its world:
each persona's status for every analysis page and export; an export handed out leaves exactly
one audit row naming its actor, analysis and format, and nothing else changes; a refused request
changes nothing at all."""

import pytest
from auditlog.models import LogEntry

from crm.testing.matrix import check_row, database_state, row_id
from crm.testing.world import copy_world, make_personas, shared_world
from customers.models import Customer, LossRecord
from customers.tests.factories import customer_world
from reports.models import ManagementReport
from reports.tests.matrix_analyses import ANALYSES_MATRIX, EXPORT_ROWS, analyses_world
from sales.models import Order
from services.models import ServiceRequest


def build_world():
    return analyses_world(customer_world(make_personas()))


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    yield from shared_world(build_world, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


def business_state():
    return database_state(
        customers=Customer.all_objects,
        orders=Order,
        services=ServiceRequest,
        losses=LossRecord,
        reports=ManagementReport,
    )


def audit_rows():
    return list(LogEntry.objects.exclude(additional_data__event="login").order_by("pk").values())


@pytest.mark.parametrize("row", ANALYSES_MATRIX, ids=row_id)
def test_analyses_permission_matrix(client, world, row):
    before, audit_before = business_state(), audit_rows()
    assert check_row(client, row, world) == row.expected
    assert business_state() == before
    new = audit_rows()[len(audit_before) :]
    assert audit_rows()[: len(audit_before)] == audit_before
    if row in EXPORT_ROWS:
        assert len(new) == 1
        details = new[0]["additional_data"]
        assert (details["event"], details["analysis"], details["format"]) == (
            "export",
            row.kwargs["analysis"],
            row.data["file_format"],
        )
        assert new[0]["actor_id"] == world[row.persona].pk
    else:
        assert new == []


def test_every_export_of_every_analysis_and_format_has_rows():
    exported = {(row.kwargs["analysis"], row.data["file_format"]) for row in EXPORT_ROWS}
    assert exported == {(a, f) for a in ("contribution", "composition", "services", "losses") for f in ("xlsx", "csv")}
