"""Who may open and post every opportunities URL, for every persona and every state.

The world (built once for the module): U is unassigned, created by ann; D is in development,
created by sue and assigned to ann; B is in development, created by ann and assigned to bob; C was
terminated (closed), created by sue and developed by ann. D, B and C have a plan item each. K is a
customer of ann's named as D's customer, L one of bob's named as B's: the likely existing customers
their success may link to.

So for an account manager: ann is U's and B's creator and D's and C's assignee, bob is B's
assignee and another manager for the rest. Out of scope is 404; a step that is not the persona's
in any state (not its creator or assignee as the step needs, nor a supervisor) is 403; anonymous
goes to login (302). A step that is the persona's but not allowed in the opportunity's state now
redirects (302) to the opportunity's page with a message and changes nothing; a POST that is
allowed redirects (302) and must have had its effect (EFFECTS). Every other answer changes
nothing.
"""

import pytest
from auditlog.models import LogEntry

from crm.testing.matrix import all_url_names, check_row, database_state, row_id, table
from crm.testing.world import copy_world, make_personas, shared_world
from customers.models import Customer
from customers.tests.factories import make_customer
from opportunities import actions
from opportunities.models import Opportunity, PlanItem, Status
from opportunities.tests.factories import add_plan_item, developing, make_opportunity, source

CREATED_TITLE = "矩阵新建的机会"
EDITED_TITLE = "矩阵改过的机会"
NEW_TODO = "矩阵新计划"
EDITED_TODO = "矩阵改过的计划"
RESULT = "矩阵记录的效果"
REASON = "矩阵终止原因"


def build_world():
    world = make_personas()
    ann, bob, sue = world["manager_ann"], world["manager_bob"], world["supervisor_sue"]
    world["U"] = make_opportunity(ann, title="矩阵未指派")
    world["D"] = developing(sue, ann, supervisor=sue, title="矩阵安开发", customer_name="矩阵鼎盛有限公司")
    world["B"] = developing(ann, bob, supervisor=sue, title="矩阵博开发", customer_name="矩阵博远有限公司")
    world["C"] = developing(sue, ann, supervisor=sue, title="矩阵已终止")
    world["items"] = {key: add_plan_item(world[key], actor=world[key].assigned_to) for key in ("D", "B", "C")}
    actions.fail_opportunity(actor=ann, opportunity=world["C"], reason="客户放弃")
    world["customers"] = {
        "D": make_customer(ann, name="矩阵鼎盛有限公司"),
        "B": make_customer(bob, name="矩阵博远有限公司"),
    }
    return world


class On:
    """URL kwargs naming world opportunity ``key``, optionally the plan item of ``item_of``."""

    def __init__(self, key, item_of=None):
        self.key = key
        self.item_of = item_of

    def __call__(self, world):
        kwargs = {"pk": world[self.key].pk}
        if self.item_of:
            kwargs["item"] = world["items"][self.item_of].pk
        return kwargs

    def __repr__(self):
        return self.key + (f" item of {self.item_of}" if self.item_of else "")


def opportunity_data(title):
    def data(world):
        return {
            "title": title,
            "customer_name": "矩阵客户有限公司",
            "source": source().pk,
            "success_rate": 50,
            "contact_name": "矩阵联系人",
            "contact_phone": "13900001111",
        }

    return data


def assign_data(key):
    """Assign to whichever of ann and bob doesn't develop it now (bob if unassigned), from a page
    showing the opportunity as it is."""

    def data(world):
        opportunity = world[key]
        target = world["manager_ann"] if opportunity.assigned_to == world["manager_bob"] else world["manager_bob"]
        return {"assigned_to": target.pk, "shown_assignee": opportunity.assigned_to_id or ""}

    return data


def link_data(key):
    def data(world):
        return {"customer": world["customers"][key].pk if key in world["customers"] else 1}

    return data


PLAN_DATA = {"plan_date": "2026-03-02", "todo": NEW_TODO}
EDITED_PLAN = {"plan_date": "2026-03-03", "todo": EDITED_TODO}

TARGETS = {
    **{key: {"kwargs": On(key)} for key in "UDBC"},
    **{f"{key} item": {"kwargs": On(key, key)} for key in "DBC"},
    "D with B's item": {"kwargs": On("D", "B")},
    "new": {"data": opportunity_data(CREATED_TITLE)},
    **{f"{key} edited": {"kwargs": On(key), "data": opportunity_data(EDITED_TITLE)} for key in "UDBC"},
    **{f"{key} to another": {"kwargs": On(key), "data": assign_data(key)} for key in "UDBC"},
    **{f"{key} new item": {"kwargs": On(key), "data": PLAN_DATA} for key in "UDBC"},
    **{f"{key} item edited": {"kwargs": On(key, key), "data": EDITED_PLAN} for key in "DBC"},
    **{f"{key} item result": {"kwargs": On(key, key), "data": {"result": RESULT}} for key in "DBC"},
    **{f"{key} anyway": {"kwargs": On(key), "data": {"allow_duplicate": "on"}} for key in "UDBC"},
    **{f"{key} to its customer": {"kwargs": On(key), "data": link_data(key)} for key in "UDBC"},
    **{f"{key} with a reason": {"kwargs": On(key), "data": {"reason": REASON}} for key in "UDBC"},
}

MATRIX = table(
    """
                                                         anonymous admin sue ann bob vic sam
    GET   opportunities:list                                302    200  200 200 200 200 200
    GET   opportunities:mine                                302    200  200 200 200 200 200
    GET   opportunities:board                               302    200  200 200 200 200 200
    GET   opportunities:create                              302    403  200 200 200 403 200
    POST  opportunities:create      new                     302    403  302 302 302 403 302

    GET   opportunities:detail      U                       302    200  200 200 404 200 200
    GET   opportunities:detail      D                       302    200  200 200 404 200 200
    GET   opportunities:detail      B                       302    200  200 200 200 200 200
    GET   opportunities:detail      C                       302    200  200 200 404 200 200

    # Edit and delete: its creator or a supervisor, while unassigned.
    GET   opportunities:edit        U                       302    403  200 200 404 403 200
    GET   opportunities:edit        D                       302    403  302 403 404 403 302
    GET   opportunities:edit        B                       302    403  302 302 403 403 302
    GET   opportunities:edit        C                       302    403  302 403 404 403 302
    POST  opportunities:edit        U edited                302    403  302 302 404 403 302
    POST  opportunities:edit        D edited                302    403  302 403 404 403 302
    POST  opportunities:edit        B edited                302    403  302 302 403 403 302
    POST  opportunities:edit        C edited                302    403  302 403 404 403 302
    GET   opportunities:delete      U                       302    403  200 200 404 403 200
    GET   opportunities:delete      B                       302    403  302 302 403 403 302
    GET   opportunities:delete      C                       302    403  302 403 404 403 302
    POST  opportunities:delete      U                       302    403  302 302 404 403 302
    POST  opportunities:delete      D                       302    403  302 403 404 403 302
    POST  opportunities:delete      B                       302    403  302 302 403 403 302
    POST  opportunities:delete      C                       302    403  302 403 404 403 302

    # Assign and re-assign: a supervisor, until it is closed.
    GET   opportunities:assign      U                       302    403  200 403 404 403 200
    GET   opportunities:assign      D                       302    403  200 403 404 403 200
    GET   opportunities:assign      B                       302    403  200 403 403 403 200
    GET   opportunities:assign      C                       302    403  302 403 404 403 302
    POST  opportunities:assign      U to another            302    403  302 403 404 403 302
    POST  opportunities:assign      D to another            302    403  302 403 404 403 302
    POST  opportunities:assign      B to another            302    403  302 403 403 403 302
    POST  opportunities:assign      C to another            302    403  302 403 404 403 302

    # The plan: its assignee or a supervisor, while in development.
    GET   opportunities:plan_create  U                      302    403  302 403 404 403 302
    GET   opportunities:plan_create  D                      302    403  200 200 404 403 200
    GET   opportunities:plan_create  B                      302    403  200 403 200 403 200
    GET   opportunities:plan_create  C                      302    403  302 302 404 403 302
    POST  opportunities:plan_create  U new item             302    403  302 403 404 403 302
    POST  opportunities:plan_create  D new item             302    403  302 302 404 403 302
    POST  opportunities:plan_create  B new item             302    403  302 403 302 403 302
    POST  opportunities:plan_create  C new item             302    403  302 302 404 403 302
    GET   opportunities:plan_edit    D item                 302    403  200 200 404 403 200
    GET   opportunities:plan_edit    B item                 302    403  200 403 200 403 200
    GET   opportunities:plan_edit    C item                 302    403  302 302 404 403 302
    POST  opportunities:plan_edit    D item edited          302    403  302 302 404 403 302
    POST  opportunities:plan_edit    B item edited          302    403  302 403 302 403 302
    POST  opportunities:plan_edit    C item edited          302    403  302 302 404 403 302
    GET   opportunities:plan_result  D item                 302    403  200 200 404 403 200
    GET   opportunities:plan_result  B item                 302    403  200 403 200 403 200
    GET   opportunities:plan_result  C item                 302    403  302 302 404 403 302
    POST  opportunities:plan_result  D item result          302    403  302 302 404 403 302
    POST  opportunities:plan_result  B item result          302    403  302 403 302 403 302
    POST  opportunities:plan_result  C item result          302    403  302 302 404 403 302
    POST  opportunities:plan_delete  D item                 302    403  302 302 404 403 302
    POST  opportunities:plan_delete  B item                 302    403  302 403 302 403 302
    POST  opportunities:plan_delete  C item                 302    403  302 302 404 403 302
    GET   opportunities:plan_delete  D item                 302    405  405 405 405 405 405
    # A plan item is reached under its own opportunity only.
    GET   opportunities:plan_edit    D with B's item        302    403  404 404 404 403 404
    POST  opportunities:plan_delete  D with B's item        302    403  404 404 404 403 404

    # Closing: its assignee or a supervisor, while in development.
    GET   opportunities:succeed     U                       302    403  302 403 404 403 302
    GET   opportunities:succeed     D                       302    403  200 200 404 403 200
    GET   opportunities:succeed     B                       302    403  200 403 200 403 200
    GET   opportunities:succeed     C                       302    403  302 302 404 403 302
    POST  opportunities:succeed     U anyway                302    403  302 403 404 403 302
    POST  opportunities:succeed     D anyway                302    403  302 302 404 403 302
    POST  opportunities:succeed     B anyway                302    403  302 403 302 403 302
    POST  opportunities:succeed     C anyway                302    403  302 302 404 403 302
    POST  opportunities:link        U to its customer       302    403  302 403 404 403 302
    POST  opportunities:link        D to its customer       302    403  302 302 404 403 302
    POST  opportunities:link        B to its customer       302    403  302 403 302 403 302
    POST  opportunities:link        C to its customer       302    403  302 302 404 403 302
    GET   opportunities:link        D                       302    405  405 405 405 405 405
    GET   opportunities:fail        U                       302    403  302 403 404 403 302
    GET   opportunities:fail        D                       302    403  200 200 404 403 200
    GET   opportunities:fail        B                       302    403  200 403 200 403 200
    GET   opportunities:fail        C                       302    403  302 302 404 403 302
    POST  opportunities:fail        U with a reason         302    403  302 403 404 403 302
    POST  opportunities:fail        D with a reason         302    403  302 302 404 403 302
    POST  opportunities:fail        B with a reason         302    403  302 403 302 403 302
    POST  opportunities:fail        C with a reason         302    403  302 302 404 403 302
    """,
    targets=TARGETS,
)

# The steps each opportunity's state allows, and to whom (SPEC §4, written out by hand): a POST
# row of these does its work; any other 302 is a refusal with a message.
SUPERVISORS = {"supervisor_sue", "superuser_sam"}
ALLOWED = {
    ("opportunities:create", None): SUPERVISORS | {"manager_ann", "manager_bob"},
    ("opportunities:edit", "U"): SUPERVISORS | {"manager_ann"},
    ("opportunities:delete", "U"): SUPERVISORS | {"manager_ann"},
    ("opportunities:assign", "U"): SUPERVISORS,
    ("opportunities:assign", "D"): SUPERVISORS,
    ("opportunities:assign", "B"): SUPERVISORS,
    **{
        (url_name, key): SUPERVISORS | {assignee}
        for key, assignee in (("D", "manager_ann"), ("B", "manager_bob"))
        for url_name in (
            "opportunities:plan_create",
            "opportunities:plan_edit",
            "opportunities:plan_result",
            "opportunities:plan_delete",
            "opportunities:succeed",
            "opportunities:link",
            "opportunities:fail",
        )
    },
}


def target_key(row):
    return getattr(row.kwargs, "key", None)


def does_its_work(row):
    return (
        row.method == "POST" and row.expected == 302 and row.persona in ALLOWED.get((row.url_name, target_key(row)), ())
    )


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    yield from shared_world(build_world, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


def opportunities_state():
    """Everything an opportunities URL could change, to prove a refused request changed nothing."""
    return database_state(
        opportunities=Opportunity,
        plan=PlanItem,
        customers=Customer.all_objects,
        audit=LogEntry.objects.exclude(additional_data__event="login"),
    )


def _opportunity(world, row):
    return Opportunity.objects.filter(pk=world[target_key(row)].pk).first()


def _item(world, row):
    return PlanItem.objects.filter(pk=world["items"][row.kwargs.item_of].pk).first()


def _created(world, row):
    assert Opportunity.objects.get(title=CREATED_TITLE).created_by == world[row.persona]


def _edited(world, row):
    assert _opportunity(world, row).title == EDITED_TITLE


def _deleted(world, row):
    assert _opportunity(world, row) is None


def _assigned(world, row):
    assert _opportunity(world, row).assigned_to_id == assign_data(target_key(row))(world)["assigned_to"]
    assert _opportunity(world, row).status == Status.DEVELOPING


def _planned(world, row):
    assert _opportunity(world, row).plan_items.filter(todo=NEW_TODO, created_by=world[row.persona]).exists()


def _plan_edited(world, row):
    assert _item(world, row).todo == EDITED_TODO


def _result_recorded(world, row):
    assert _item(world, row).result == RESULT


def _plan_deleted(world, row):
    assert _item(world, row) is None


def _succeeded(world, row):
    opportunity = _opportunity(world, row)
    assert opportunity.status == Status.SUCCEEDED
    assert opportunity.customer.name == opportunity.customer_name
    assert opportunity.customer != world["customers"][target_key(row)]  # another company: a new customer
    assert opportunity.customer.account_manager == opportunity.assigned_to


def _linked(world, row):
    opportunity = _opportunity(world, row)
    assert (opportunity.status, opportunity.customer) == (Status.SUCCEEDED, world["customers"][target_key(row)])


def _failed(world, row):
    assert (_opportunity(world, row).status, _opportunity(world, row).failure_reason) == (Status.FAILED, REASON)


EFFECTS = {
    "opportunities:create": _created,
    "opportunities:edit": _edited,
    "opportunities:delete": _deleted,
    "opportunities:assign": _assigned,
    "opportunities:plan_create": _planned,
    "opportunities:plan_edit": _plan_edited,
    "opportunities:plan_result": _result_recorded,
    "opportunities:plan_delete": _plan_deleted,
    "opportunities:succeed": _succeeded,
    "opportunities:link": _linked,
    "opportunities:fail": _failed,
}


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_opportunities_permission_matrix(client, world, row):
    before = opportunities_state()
    assert check_row(client, row, world) == row.expected
    if does_its_work(row):
        EFFECTS[row.url_name](world, row)
    else:
        assert opportunities_state() == before


def test_every_opportunities_url_has_a_matrix_row():
    names = {name for name in all_url_names() if name.startswith("opportunities:")}
    assert names <= {row.url_name for row in MATRIX}
    assert set(EFFECTS) <= names


def test_every_allowed_step_has_a_row_that_takes_it():
    # ALLOWED must not name a step the matrix never posts (it would test nothing).
    taken = {(row.url_name, target_key(row)) for row in MATRIX if does_its_work(row)}
    assert taken == set(ALLOWED)


def test_the_world_is_as_the_matrix_reads_it(world):
    assert [world[key].status for key in "UDBC"] == ["unassigned", "developing", "developing", "failed"]
    assert world["D"].assigned_to == world["manager_ann"] and world["B"].created_by == world["manager_ann"]
    assert world["B"].assigned_to == world["manager_bob"] and world["U"].created_by == world["manager_ann"]
