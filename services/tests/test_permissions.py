"""Who may open and post every services URL, for every persona and every state of a request.

The world (built once for the module): KA is ann's customer, KB bob's; carl is a third account
manager (no persona). Two requests in each state:

- N, A, H, R: created by ann for KA; A, H and R were assigned to bob (H handled by him, R archived
  after two rounds: satisfaction 2, handled again, satisfaction 4). So ann is their creator (and
  their customer's manager) and bob their assignee; for N, bob is another manager.
- NB, AB, HB, RB: created by sue for bob's KB; AB, HB and RB were assigned to carl. So bob sees
  them through his customer without having created them or being their assignee, and ann is
  another manager.
- D: created by ann for KD and assigned to bob; KD is in the recycle bin since, and its requests
  with it: no one reaches them (404), not even a supervisor.

Out of scope is 404; a step that is not the persona's in any state (not its creator, its assignee
or a supervisor as the step needs) is 403; anonymous goes to login (302). A step that is the
persona's but not allowed in the request's state now redirects (302) to the request's page with a
message and changes nothing; a POST that is allowed redirects (302) and must have had its effect
(EFFECTS). Every other answer changes nothing. Administrators and viewers read only.
"""

import pytest
from auditlog.models import LogEntry

from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER
from crm.testing.matrix import all_url_names, check_row, database_state, row_id, table
from crm.testing.world import copy_world, make_personas, shared_world
from customers.actions import delete_customer
from customers.tests.factories import make_customer
from services import actions
from services.forms import seen_token
from services.models import ServiceEvent, ServiceRequest, Status
from services.tests.factories import archived, assigned, handled, make_request, service_type

CREATED_TITLE = "矩阵新建的服务请求"
HANDLING = "矩阵记录的处理"
RESULT = "矩阵记录的结果"
OURS = ("N", "A", "H", "R")
OF_BOBS_CUSTOMER = ("NB", "AB", "HB", "RB")


def build_world():
    world = make_personas()
    ann, bob, sue = world["manager_ann"], world["manager_bob"], world["supervisor_sue"]
    carl = create_user(
        username="manager_carl", password="x-unused-x", full_name="Manager Carl", roles=[ACCOUNT_MANAGER]
    )
    world["manager_carl"] = carl
    world["KA"] = ka = make_customer(ann, name="矩阵安诚贸易有限公司")
    world["KB"] = kb = make_customer(bob, name="矩阵博远科技有限公司")
    world["N"] = make_request(ann, ka, title="矩阵新请求")
    world["A"] = assigned(ann, ka, bob, supervisor=sue, title="矩阵已分配")
    world["H"] = handled(ann, ka, bob, supervisor=sue, title="矩阵已处理")
    first_round = archived(ann, ka, bob, supervisor=sue, satisfaction=2, title="矩阵已归档")
    again = actions.handle_service_request(actor=bob, service_request=first_round, handling="再次回访客户")
    world["R"] = actions.give_feedback(actor=ann, service_request=again, result="客户满意", satisfaction=4)
    world["NB"] = make_request(sue, kb, title="矩阵博新请求")
    world["AB"] = assigned(sue, kb, carl, supervisor=sue, title="矩阵博已分配")
    world["HB"] = handled(sue, kb, carl, supervisor=sue, title="矩阵博已处理")
    world["RB"] = archived(sue, kb, carl, supervisor=sue, title="矩阵博已归档")
    world["KD"] = kd = make_customer(ann, name="矩阵已删除有限公司")
    world["D"] = assigned(ann, kd, bob, supervisor=sue, title="矩阵回收站客户的请求")
    delete_customer(actor=ann, customer=kd)
    return world


class On:
    """URL kwargs naming world request ``key``."""

    def __init__(self, key):
        self.key = key

    def __call__(self, world):
        return {"pk": world[self.key].pk}

    def __repr__(self):
        return self.key


class Posted:
    """Form data naming world request ``key`` (``key`` is None for a new request): ``make(world,
    request)`` builds it from the request as the page showed it."""

    def __init__(self, key, make, label):
        self.key = key
        self.make = make
        self.label = label

    def __call__(self, world):
        return self.make(world, world[self.key] if self.key else None)

    def __repr__(self):
        return self.label


def _other_manager(world, service_request):
    """Whichever of ann and bob it is not assigned to (bob if new): a choice the assign form offers."""
    return world["manager_ann"] if service_request.assigned_to == world["manager_bob"] else world["manager_bob"]


def _create(customer_key):
    def make(world, _request):
        return {
            "service_type": service_type().pk,
            "title": CREATED_TITLE,
            "customer": world[customer_key].code,
            "request": "客户反映发票抬头有误",
        }

    return make


def _assign(world, service_request):
    return {"assignee": _other_manager(world, service_request).pk, "seen": seen_token(service_request)}


def _assign_inline(world, service_request):
    return {"pk": service_request.pk, **_assign(world, service_request)}


def _handle(world, service_request):
    return {"handling": HANDLING, "seen": seen_token(service_request)}


def _feedback(satisfaction):
    def make(world, service_request):
        return {"result": RESULT, "satisfaction": satisfaction, "seen": seen_token(service_request)}

    return make


def _seen(world, service_request):
    return {"seen": seen_token(service_request)}


ALL_KEYS = OURS + OF_BOBS_CUSTOMER + ("D",)
TARGETS = {
    **{key: {"kwargs": On(key)} for key in ALL_KEYS},
    "new for KA": {"data": Posted(None, _create("KA"), "new for KA")},
    "new for KB": {"data": Posted(None, _create("KB"), "new for KB")},
    "new for KD": {"data": Posted(None, _create("KD"), "new for KD")},
    **{f"{key} seen": {"kwargs": On(key), "data": Posted(key, _seen, f"{key} seen")} for key in ALL_KEYS},
    **{f"{key} to another": {"kwargs": On(key), "data": Posted(key, _assign, f"{key} to another")} for key in ALL_KEYS},
    **{f"{key} handled": {"kwargs": On(key), "data": Posted(key, _handle, f"{key} handled")} for key in ALL_KEYS},
    **{
        f"{key} satisfied": {"kwargs": On(key), "data": Posted(key, _feedback(4), f"{key} satisfied")}
        for key in ALL_KEYS
    },
    **{
        f"{key} unsatisfied": {"kwargs": On(key), "data": Posted(key, _feedback(2), f"{key} unsatisfied")}
        for key in ("H", "HB")
    },
    **{
        f"{key} inline": {"data": Posted(key, _assign_inline, f"{key} inline")}
        for key in ("N", "NB", "A", "H", "R", "D")
    },
    "no request inline": {"data": {"pk": "", "assignee": ""}},
    "search": {"data": {"q": "矩阵"}},
}

MATRIX = table(
    """
                                                         anonymous admin sue ann bob vic sam
    # The lists: everyone signed in; the rows are scoped (their contents: test_queues.py).
    GET   services:list                                     302    200  200 200 200 200 200
    GET   services:archive                                  302    200  200 200 200 200 200
    GET   services:menu_counts                              302    200  200 200 200 200 200
    POST  services:menu_counts                              302    405  405 405 405 405 405
    # 服务分配 assigns: supervisors. 服务处理 and 服务反馈: those who create requests.
    GET   services:assign_queue                             302    403  200 403 403 403 200
    GET   services:handle_queue                             302    403  200 200 200 403 200
    GET   services:feedback_queue                           302    403  200 200 200 403 200

    # 服务创建: account managers and supervisors, for a customer they can see (else the form's error;
    # KD's in the recycle bin).
    GET   services:create                                   302    403  200 200 200 403 200
    POST  services:create           new for KA              302    403  302 302 200 403 302
    POST  services:create           new for KB              302    403  302 200 302 403 302
    POST  services:create           new for KD              302    403  200 200 200 403 200
    GET   services:customer_choices                         302    403  200 200 200 403 200
    GET   services:customer_choices search                  302    403  200 200 200 403 200

    GET   services:detail           N                       302    200  200 200 404 200 200
    GET   services:detail           A                       302    200  200 200 200 200 200
    GET   services:detail           H                       302    200  200 200 200 200 200
    GET   services:detail           R                       302    200  200 200 200 200 200
    GET   services:detail           NB                      302    200  200 404 200 200 200
    GET   services:detail           AB                      302    200  200 404 200 200 200
    GET   services:detail           HB                      302    200  200 404 200 200 200
    GET   services:detail           RB                      302    200  200 404 200 200 200
    GET   services:detail           D                       302    404  404 404 404 404 404

    # Delete: its creator or a supervisor, while new.
    GET   services:delete           N                       302    403  200 200 404 403 200
    GET   services:delete           A                       302    403  302 302 403 403 302
    GET   services:delete           H                       302    403  302 302 403 403 302
    GET   services:delete           R                       302    403  302 302 403 403 302
    GET   services:delete           NB                      302    403  200 404 403 403 200
    GET   services:delete           AB                      302    403  302 404 403 403 302
    GET   services:delete           HB                      302    403  302 404 403 403 302
    GET   services:delete           RB                      302    403  302 404 403 403 302
    POST  services:delete           N                       302    403  302 302 404 403 302
    POST  services:delete           A                       302    403  302 302 403 403 302
    POST  services:delete           H                       302    403  302 302 403 403 302
    POST  services:delete           R                       302    403  302 302 403 403 302
    POST  services:delete           NB                      302    403  302 404 403 403 302
    POST  services:delete           AB                      302    403  302 404 403 403 302
    POST  services:delete           HB                      302    403  302 404 403 403 302
    POST  services:delete           RB                      302    403  302 404 403 403 302
    POST  services:delete           D                       302    404  404 404 404 404 404

    # Assign, and re-assign while waiting for its handling: a supervisor.
    GET   services:assign           N                       302    403  200 403 404 403 200
    GET   services:assign           A                       302    403  200 403 403 403 200
    GET   services:assign           H                       302    403  302 403 403 403 302
    GET   services:assign           R                       302    403  302 403 403 403 302
    GET   services:assign           NB                      302    403  200 404 403 403 200
    GET   services:assign           AB                      302    403  200 404 403 403 200
    GET   services:assign           HB                      302    403  302 404 403 403 302
    GET   services:assign           RB                      302    403  302 404 403 403 302
    POST  services:assign           N to another            302    403  302 403 404 403 302
    POST  services:assign           A to another            302    403  302 403 403 403 302
    POST  services:assign           H to another            302    403  302 403 403 403 302
    POST  services:assign           R to another            302    403  302 403 403 403 302
    POST  services:assign           NB to another           302    403  302 404 403 403 302
    POST  services:assign           AB to another           302    403  302 404 403 403 302
    POST  services:assign           HB to another           302    403  302 404 403 403 302
    POST  services:assign           RB to another           302    403  302 404 403 403 302
    POST  services:assign           D to another            302    404  404 404 404 404 404
    # 服务分配's inline form assigns one request of the queue: a supervisor.
    POST  services:assign_queue     N inline                302    403  302 403 403 403 302
    POST  services:assign_queue     NB inline               302    403  302 403 403 403 302
    POST  services:assign_queue     A inline                302    403  302 403 403 403 302
    POST  services:assign_queue     H inline                302    403  302 403 403 403 302
    POST  services:assign_queue     R inline                302    403  302 403 403 403 302
    POST  services:assign_queue     D inline                302    403  404 403 403 403 404
    POST  services:assign_queue     no request inline       302    403  404 403 403 403 404

    # Handle: its assignee alone, while assigned (carl, who has AB, HB and RB, is no persona).
    GET   services:handle           N                       302    403  403 403 404 403 403
    GET   services:handle           A                       302    403  403 403 200 403 403
    GET   services:handle           H                       302    403  403 403 302 403 403
    GET   services:handle           R                       302    403  403 403 302 403 403
    GET   services:handle           NB                      302    403  403 404 403 403 403
    GET   services:handle           AB                      302    403  403 404 403 403 403
    GET   services:handle           HB                      302    403  403 404 403 403 403
    GET   services:handle           RB                      302    403  403 404 403 403 403
    POST  services:handle           N handled               302    403  403 403 404 403 403
    POST  services:handle           A handled               302    403  403 403 302 403 403
    POST  services:handle           H handled               302    403  403 403 302 403 403
    POST  services:handle           R handled               302    403  403 403 302 403 403
    POST  services:handle           NB handled              302    403  403 404 403 403 403
    POST  services:handle           AB handled              302    403  403 404 403 403 403
    POST  services:handle           HB handled              302    403  403 404 403 403 403
    POST  services:handle           RB handled              302    403  403 404 403 403 403
    POST  services:handle           D handled               302    404  404 404 404 404 404

    # Feedback: its creator or a supervisor, while handled.
    GET   services:feedback         N                       302    403  302 302 404 403 302
    GET   services:feedback         A                       302    403  302 302 403 403 302
    GET   services:feedback         H                       302    403  200 200 403 403 200
    GET   services:feedback         R                       302    403  302 302 403 403 302
    GET   services:feedback         NB                      302    403  302 404 403 403 302
    GET   services:feedback         AB                      302    403  302 404 403 403 302
    GET   services:feedback         HB                      302    403  200 404 403 403 200
    GET   services:feedback         RB                      302    403  302 404 403 403 302
    POST  services:feedback         N satisfied             302    403  302 302 404 403 302
    POST  services:feedback         A satisfied             302    403  302 302 403 403 302
    POST  services:feedback         H satisfied             302    403  302 302 403 403 302
    POST  services:feedback         H unsatisfied           302    403  302 302 403 403 302
    POST  services:feedback         R satisfied             302    403  302 302 403 403 302
    POST  services:feedback         NB satisfied            302    403  302 404 403 403 302
    POST  services:feedback         AB satisfied            302    403  302 404 403 403 302
    POST  services:feedback         HB satisfied            302    403  302 404 403 403 302
    POST  services:feedback         HB unsatisfied          302    403  302 404 403 403 302
    POST  services:feedback         RB satisfied            302    403  302 404 403 403 302
    GET   services:feedback         D                       302    404  404 404 404 404 404
    """,
    targets=TARGETS,
)

# The steps each request's state allows, and to whom (SPEC §2, §4, written out by hand): a POST
# row of these does its work; any other 302 is a refusal with a message.
SUPERVISORS = {"supervisor_sue", "superuser_sam"}
ALLOWED = {
    ("services:create", "new for KA"): SUPERVISORS | {"manager_ann"},
    ("services:create", "new for KB"): SUPERVISORS | {"manager_bob"},
    ("services:delete", "N"): SUPERVISORS | {"manager_ann"},
    ("services:delete", "NB"): SUPERVISORS,
    **{("services:assign", f"{key} to another"): SUPERVISORS for key in ("N", "A", "NB", "AB")},
    **{("services:assign_queue", f"{key} inline"): SUPERVISORS for key in ("N", "NB", "A")},
    ("services:handle", "A handled"): {"manager_bob"},
    ("services:feedback", "H satisfied"): SUPERVISORS | {"manager_ann"},
    ("services:feedback", "H unsatisfied"): SUPERVISORS | {"manager_ann"},
    ("services:feedback", "HB satisfied"): SUPERVISORS,
    ("services:feedback", "HB unsatisfied"): SUPERVISORS,
}


def target_label(row):
    """The row's target as the table names it: its data's label, else its request's key."""
    return repr(row.data) if isinstance(row.data, Posted) else repr(row.kwargs) if row.kwargs else None


def does_its_work(row):
    return (
        row.method == "POST"
        and row.expected == 302
        and row.persona in ALLOWED.get((row.url_name, target_label(row)), ())
    )


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    yield from shared_world(build_world, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


def services_state():
    """Everything a services URL could change, to prove a refused request changed nothing."""
    return database_state(
        requests=ServiceRequest,
        events=ServiceEvent,
        audit=LogEntry.objects.exclude(additional_data__event="login"),
    )


def _key(row):
    return row.data.key if isinstance(row.data, Posted) else row.kwargs.key


def _stored(world, row):
    return ServiceRequest.objects.filter(pk=world[_key(row)].pk).first()


def _last_event(service_request):
    return ServiceEvent.objects.filter(service_request=service_request).order_by("at", "id").last()


def _created(world, row):
    created = ServiceRequest.objects.get(title=CREATED_TITLE)
    customer = world["KA" if target_label(row) == "new for KA" else "KB"]
    assert (created.created_by, created.customer, created.status) == (world[row.persona], customer, Status.NEW)
    assert _last_event(created).kind == ServiceEvent.Kind.CREATED


def _deleted(world, row):
    assert _stored(world, row) is None
    assert not ServiceEvent.objects.filter(service_request_id=world[_key(row)].pk).exists()


def _assigned(world, row):
    stored = _stored(world, row)
    assignee = _other_manager(world, world[_key(row)])
    assert (stored.status, stored.assigned_to) == (Status.ASSIGNED, assignee)
    event = _last_event(stored)
    assert (event.kind, event.actor, event.assignee) == (ServiceEvent.Kind.ASSIGNED, world[row.persona], assignee)


def _handled(world, row):
    stored = _stored(world, row)
    assert (stored.status, stored.handling, stored.handled_by) == (Status.HANDLED, HANDLING, world[row.persona])
    assert stored.rounds == world[_key(row)].rounds + 1
    event = _last_event(stored)
    assert (event.kind, event.actor, event.text) == (ServiceEvent.Kind.HANDLED, world[row.persona], HANDLING)


def _fed_back(world, row):
    stored = _stored(world, row)
    satisfaction = row.data(world)["satisfaction"]
    expected = Status.ARCHIVED if satisfaction >= actions.archive_threshold() else Status.ASSIGNED
    assert (stored.status, stored.result, stored.satisfaction) == (expected, RESULT, satisfaction)
    assert stored.assigned_to == world[_key(row)].assigned_to  # another round goes to the same assignee
    event = _last_event(stored)
    assert (event.kind, event.actor, event.satisfaction) == (
        ServiceEvent.Kind.FEEDBACK,
        world[row.persona],
        satisfaction,
    )


EFFECTS = {
    "services:create": _created,
    "services:delete": _deleted,
    "services:assign": _assigned,
    "services:assign_queue": _assigned,
    "services:handle": _handled,
    "services:feedback": _fed_back,
}


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_services_permission_matrix(client, world, row):
    before = services_state()
    assert check_row(client, row, world) == row.expected
    if does_its_work(row):
        EFFECTS[row.url_name](world, row)
    else:
        assert services_state() == before


def test_every_services_url_has_a_matrix_row():
    names = {name for name in all_url_names() if name.startswith("services:")}
    assert names <= {row.url_name for row in MATRIX}
    assert set(EFFECTS) <= names


def test_every_allowed_step_has_a_row_that_takes_it():
    # ALLOWED must not name a step the matrix never posts (it would test nothing).
    taken = {(row.url_name, target_label(row)) for row in MATRIX if does_its_work(row)}
    assert taken == set(ALLOWED)


def test_every_state_and_persona_role_is_in_the_world(world):
    ann, bob, sue, carl = (world[name] for name in ("manager_ann", "manager_bob", "supervisor_sue", "manager_carl"))
    states = [Status.NEW, Status.ASSIGNED, Status.HANDLED, Status.ARCHIVED]
    assert [world[key].status for key in OURS] == states
    assert [world[key].status for key in OF_BOBS_CUSTOMER] == states
    assert {world[key].created_by for key in OURS} == {ann}
    assert {world[key].assigned_to for key in OURS[1:]} == {bob}
    assert {world[key].created_by for key in OF_BOBS_CUSTOMER} == {sue}
    assert {world[key].assigned_to for key in OF_BOBS_CUSTOMER[1:]} == {carl}
    assert {world[key].customer.account_manager for key in OF_BOBS_CUSTOMER} == {bob}
    assert world["R"].rounds == 2 and world["H"].rounds == 1
    assert world["D"].customer.deleted_at is not None
