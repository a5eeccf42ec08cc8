"""Who may open and post every reports URL, for every persona: the analyses' rows
(reports.tests.matrix_analyses, the analyses helper's) and the management reports' rows below.

The world: customer_world with the analyses' orders, services and losses (analyses_world), and the
management reports of sue and sam: sue's draft of 2025 Q1 ("draft"), sue's submitted report of
2025 Q4 ("submitted"), sue's draft of 2025 Q4 too, made before the other was submitted ("late
draft"), and superuser sam's own draft of 2025 Q2 ("sam's draft").

Submitted reports are read by supervisors, administrators, viewers and superusers; a draft by its
author (and superusers, who see everything) alone: out of sight is 404. An account manager reads
no report at all (403 everywhere). Writing a draft, editing, submitting and deleting it belong to
its author (a supervisor; a superuser for their own); a step on a report that is not theirs is
403, a step on their report that its state refuses (a submitted report) a message and a redirect
(302) that changes nothing. A POST that does its work (ALLOWED) must have had its effect; every
other answer changes nothing, but an export handed out, which leaves one audit row.
"""

import pytest
from auditlog.models import LogEntry

from crm.testing.matrix import all_url_names, check_row, database_state, row_id, table
from crm.testing.world import copy_world, make_personas, shared_world
from customers.tests.factories import customer_world
from reports import actions
from reports.models import ManagementReport
from reports.tests.matrix_analyses import ANALYSES_MATRIX, analyses_world

Status = ManagementReport.Status
EDITED_SUMMARY = "矩阵改过的小结"


def build_world():
    world = analyses_world(customer_world(make_personas()))
    sue, sam = world["supervisor_sue"], world["superuser_sam"]
    world["draft"] = actions.create_report(actor=sue, kind="quarter", year=2025, number=1, summary="一季度初稿")
    world["late draft"] = actions.create_report(actor=sue, kind="quarter", year=2025, number=4)
    done = actions.create_report(actor=sue, kind="quarter", year=2025, number=4, summary="四季度定稿")
    world["submitted"] = actions.submit_report(actor=sue, report=done)
    world["sam's draft"] = actions.create_report(actor=sam, kind="quarter", year=2025, number=2)
    return world


class On:
    """URL kwargs naming the world's report ``key``."""

    def __init__(self, key):
        self.key = key

    def __call__(self, world):
        return {"pk": world[self.key].pk}

    def __repr__(self):
        return self.key


class Posted(dict):
    """Form data, with the label the table names it by."""

    def __init__(self, label, **data):
        super().__init__(**data)
        self.label = label

    def __repr__(self):
        return self.label


def _posted(label, key=None, **data):
    target = {"data": Posted(label, **data)}
    return {**target, "kwargs": On(key)} if key else target


REPORTS = ("draft", "late draft", "submitted", "sam's draft")
TARGETS = {
    **{key: {"kwargs": On(key)} for key in REPORTS},
    **{f"{key} summary": _posted(f"{key} summary", key, summary=EDITED_SUMMARY) for key in REPORTS},
    "draft 10000 characters": _posted("draft 10000 characters", "draft", summary="x" * 10_000),
    "new 2025 Q3": _posted("new 2025 Q3", kind="quarter", year="2025", number="3", summary="三季度"),
    "new 2025 Q4": _posted("new 2025 Q4", kind="quarter", year="2025", number="4"),
    "quarter 5": _posted("quarter 5", kind="quarter", year="2025", number="5"),
    "year 20266": _posted("year 20266", kind="month", year="20266", number="1"),
}

MANAGEMENT_MATRIX = table(
    """
                                                           anonymous admin sue ann bob vic sam
    # The list: readers of submitted reports and their writers; account managers read none.
    GET   reports:management                                  302    200  200 403 403 200 200
    POST  reports:management                                  302    405  405 405 405 405 405

    # A new draft: supervisors (and superusers). A period already submitted, a quarter 5 or a
    # year 20266 is the form's message (200), nothing saved.
    GET   reports:management_create                           302    403  200 403 403 403 200
    POST  reports:management_create    new 2025 Q3            302    403  302 403 403 403 302
    POST  reports:management_create    new 2025 Q4            302    403  200 403 403 403 200
    POST  reports:management_create    quarter 5              302    403  200 403 403 403 200
    POST  reports:management_create    year 20266             302    403  200 403 403 403 200

    GET   reports:management_detail    submitted              302    200  200 403 403 200 200
    GET   reports:management_detail    draft                  302    404  200 403 403 404 200
    GET   reports:management_detail    late draft             302    404  200 403 403 404 200
    GET   reports:management_detail    sam's draft            302    404  404 403 403 404 200
    POST  reports:management_detail    submitted              302    405  405 405 405 405 405

    # Edit the summary: the draft's author. A submitted report: a message (its author), else 403.
    GET   reports:management_edit      draft                  302    404  200 403 403 404 403
    POST  reports:management_edit      draft summary          302    404  302 403 403 404 403
    POST  reports:management_edit      draft 10000 characters 302    404  200 403 403 404 403
    GET   reports:management_edit      submitted              302    403  302 403 403 403 403
    POST  reports:management_edit      submitted summary      302    403  302 403 403 403 403
    GET   reports:management_edit      sam's draft            302    404  404 403 403 404 200
    POST  reports:management_edit      sam's draft summary    302    404  404 403 403 404 302

    # Submit: the draft's author; one report per period (the late draft's is taken: a message).
    GET   reports:management_submit    draft                  302    404  200 403 403 404 403
    POST  reports:management_submit    draft                  302    404  302 403 403 404 403
    POST  reports:management_submit    late draft             302    404  302 403 403 404 403
    GET   reports:management_submit    submitted              302    403  302 403 403 403 403
    POST  reports:management_submit    submitted              302    403  302 403 403 403 403
    POST  reports:management_submit    sam's draft            302    404  404 403 403 404 302

    # Delete: the draft's author; a submitted report never.
    GET   reports:management_delete    draft                  302    404  200 403 403 404 403
    POST  reports:management_delete    draft                  302    404  302 403 403 404 403
    GET   reports:management_delete    submitted              302    403  302 403 403 403 403
    POST  reports:management_delete    submitted              302    403  302 403 403 403 403
    POST  reports:management_delete    sam's draft            302    404  404 403 403 404 302
    """,
    targets=TARGETS,
)

MATRIX = ANALYSES_MATRIX + MANAGEMENT_MATRIX

# The POSTs that do their work, and for whom (written out by hand); any other 302 is a refusal
# with a message (or the login page).
ALLOWED = {
    ("reports:management_create", "new 2025 Q3"): {"supervisor_sue", "superuser_sam"},
    ("reports:management_edit", "draft summary"): {"supervisor_sue"},
    ("reports:management_edit", "sam's draft summary"): {"superuser_sam"},
    ("reports:management_submit", "draft"): {"supervisor_sue"},
    ("reports:management_submit", "sam's draft"): {"superuser_sam"},
    ("reports:management_delete", "draft"): {"supervisor_sue"},
    ("reports:management_delete", "sam's draft"): {"superuser_sam"},
}


def target_label(row):
    """The row's target as the table names it: its data's label, else its report's key."""
    if isinstance(row.data, Posted):
        return row.data.label
    return repr(row.kwargs) if isinstance(row.kwargs, On) else None


def does_its_work(row):
    return (
        row.method == "POST"
        and row.expected == 302
        and row.persona in ALLOWED.get((row.url_name, target_label(row)), ())
    )


def hands_out_an_export(row):
    return row.url_name == "reports:export" and row.method == "GET" and row.expected == 200


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    yield from shared_world(build_world, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


def reports_state():
    """Everything a reports URL could change, to prove a refused request changed nothing."""
    return database_state(reports=ManagementReport, audit=LogEntry.objects.exclude(additional_data__event="login"))


def _stored(world, key):
    return ManagementReport.objects.filter(pk=world[key].pk).first()


def _created(world, row):
    created = ManagementReport.objects.get(year=2025, period_number=3)
    assert (created.author, created.status, created.summary) == (world[row.persona], Status.DRAFT, "三季度")


def _edited(world, row):
    assert _stored(world, row.kwargs.key).summary == EDITED_SUMMARY


def _submitted(world, row):
    report = _stored(world, row.kwargs.key)
    assert report.status == Status.SUBMITTED and report.figures is not None


def _deleted(world, row):
    assert _stored(world, row.kwargs.key) is None


EFFECTS = {
    "reports:management_create": _created,
    "reports:management_edit": _edited,
    "reports:management_submit": _submitted,
    "reports:management_delete": _deleted,
}


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_reports_permission_matrix(client, world, row):
    before = reports_state()
    assert check_row(client, row, world) == row.expected
    after = reports_state()
    if does_its_work(row):
        EFFECTS[row.url_name](world, row)
    elif hands_out_an_export(row):
        added = after["audit"][len(before["audit"]) :]
        assert [entry["additional_data"]["event"] for entry in added] == ["export"]
        assert after["reports"] == before["reports"]
    else:
        assert after == before


def test_every_reports_url_has_a_matrix_row():
    names = {name for name in all_url_names() if name.startswith("reports:")}
    assert names <= {row.url_name for row in MATRIX}
    assert set(EFFECTS) <= names


def test_every_allowed_step_has_a_row_that_takes_it():
    # ALLOWED must not name a step the matrix never posts (it would test nothing).
    taken = {(row.url_name, target_label(row)) for row in MATRIX if does_its_work(row)}
    assert taken == set(ALLOWED)


def test_the_world_holds_each_kind_of_report(world):
    assert [(world[key].status, world[key].author.username) for key in REPORTS] == [
        (Status.DRAFT, "supervisor_sue"),
        (Status.DRAFT, "supervisor_sue"),
        (Status.SUBMITTED, "supervisor_sue"),
        (Status.DRAFT, "superuser_sam"),
    ]
    assert (world["late draft"].year, world["late draft"].period_number) == (2025, 4)
