"""Who may open and post every customers URL, for every persona and every kind of customer.

The world (customers.tests.factories.customer_world, built once for the module): A is ann's own
customer; B is bob's; C is bob's, shared with ann to view; D is bob's, shared with ann to edit; E
is ann's, in the recycle bin. Each has a contact and an activity. Out of scope is 404, visible but
forbidden is 403, anonymous goes to login (302). A POST that succeeds redirects (302) and must
have made its change, an export handed out must be in the audit trail; every other answer must
change nothing.
"""

import pytest
from auditlog.models import LogEntry

from crm.audit import system_actor
from crm.testing.matrix import (
    SIGNED_IN,
    Row,
    all_url_names,
    check_row,
    database_state,
    only,
    row_id,
    rows_for_all_personas,
    succeeded,
    table,
)
from crm.testing.world import copy_world, make_personas, shared_world
from customers.actions.losses import confirm_loss, detect_losses
from customers.forms import TransferForm
from customers.models import (
    Activity,
    Contact,
    Customer,
    CustomerImport,
    CustomerUserObjectPermission,
    LossMeasure,
    LossRecord,
)
from customers.tests.factories import OWNER, customer_world, grants, region

# What each persona holds on each customer of the world, besides anonymous.
# Roles with model-level permissions reach every customer the same way.
ROLE_LEVELS = {
    "admin": {"view", "share"},
    "supervisor_sue": {"view", "share"},
    "viewer_vic": {"view"},
    "superuser_sam": {"view", "change", "delete", "share"},
}
# Account managers reach rows through object permissions only.
MANAGER_LEVELS = {
    "manager_ann": {
        "A": {"view", "change", "delete"},
        "B": set(),
        "C": {"view"},
        "D": {"view", "change"},
    },
    "manager_bob": {
        "A": set(),
        "B": {"view", "change", "delete"},
        "C": {"view", "change", "delete"},
        "D": {"view", "change", "delete"},
    },
}
CUSTOMERS = ("A", "B", "C", "D")

CREATED_NAME = "矩阵新建测试有限公司"
EDITED_ADDRESS = "上海市浦东新区世纪大道100号"
NEW_CONTACT = "新联系人"
EDITED_CONTACT = "改名联系人"
NEW_ACTIVITY = "矩阵新交往记录"
EDITED_ACTIVITY = "矩阵改过的交往记录"


def _levels(persona, key):
    if persona in MANAGER_LEVELS:
        return MANAGER_LEVELS[persona][key]
    return ROLE_LEVELS[persona]


def expect(key, level, ok):
    """Expected statuses on customer ``key`` for an action needing ``level``: ``ok`` if allowed,
    404 if the customer is out of the persona's scope, else 403."""
    expected = {"anonymous": 302}
    for persona in SIGNED_IN:
        levels = _levels(persona, key)
        if "view" not in levels:
            expected[persona] = 404
        elif level in levels:
            expected[persona] = ok
        else:
            expected[persona] = 403
    return expected


class On:
    """URL kwargs naming world customer ``key``, optionally a child row or a user of the world."""

    def __init__(self, key, child=None, child_of=None, user=None):
        self.key = key
        self.child = child
        self.child_of = child_of or key
        self.user = user

    def __call__(self, world):
        kwargs = {"code": world[self.key].code}
        if self.child:
            kwargs["pk"] = world[self.child][self.child_of].pk
        if self.user:
            kwargs["user_id"] = world[self.user].pk
        return kwargs

    def __repr__(self):
        text = self.key
        if self.child:
            text += f".{self.child}" + (f"[of {self.child_of}]" if self.child_of != self.key else "")
        if self.user:
            text += f" user={self.user}"
        return text


def create_data(persona):
    def data(world):
        manager = world[persona] if persona in MANAGER_LEVELS else world["manager_ann"]
        return {
            "name": CREATED_NAME,
            "region": region().pk,
            "account_manager": manager.pk,
            "level": 1,
            "address": "北京市朝阳区建国路1号",
            "phone": "010-66001234",
        }

    return data


def edit_data(key):
    def data(world):
        customer = world[key]
        return {
            "name": customer.name,
            "region": customer.region_id,
            "account_manager": customer.account_manager_id,
            "level": customer.level,
            "address": EDITED_ADDRESS,
            "phone": customer.phone,
        }

    return data


def share_target(world, key):
    """The account manager a share row shares with: whichever of ann and bob doesn't manage it."""
    return world["manager_ann"] if world[key].account_manager == world["manager_bob"] else world["manager_bob"]


def share_data(key):
    def data(world):
        return {"user": share_target(world, key).pk, "level": "edit"}

    return data


def transfer_data(world):
    return {"from_manager": world["manager_ann"].pk, "to_manager": world["manager_bob"].pk, "codes": world["A"].code}


def transfer_confirmation(world):
    """What the transfer page's preview of ``transfer_data`` sends back to confirm it."""
    form = TransferForm(transfer_data(world), user=world["superuser_sam"])
    assert form.is_valid(), form.errors
    confirmation = form.confirmation()
    return {**{name: confirmation[name].value() for name in confirmation.fields}, "confirm": "1"}


ACTIVITY_DATA = {"occurred_at": "2024-06-01T09:00", "title": NEW_ACTIVITY}


def _customer_rows():
    rows = []
    for key in CUSTOMERS:
        on = On(key)
        rows += rows_for_all_personas("customers:detail", "GET", expect(key, "view", 200), kwargs=on)
        rows += rows_for_all_personas("customers:edit", "GET", expect(key, "change", 200), kwargs=on)
        rows += rows_for_all_personas(
            "customers:edit", "POST", expect(key, "change", 302), kwargs=on, data=edit_data(key)
        )
        rows += rows_for_all_personas("customers:delete", "GET", expect(key, "delete", 200), kwargs=on)
        rows += rows_for_all_personas("customers:delete", "POST", expect(key, "delete", 302), kwargs=on)
        rows += rows_for_all_personas("customers:share", "GET", expect(key, "share", 200), kwargs=on)
        rows += rows_for_all_personas(
            "customers:share", "POST", expect(key, "share", 302), kwargs=on, data=share_data(key)
        )
        for child, url_prefix, create_data_, edit_data_ in (
            ("contacts", "customers:contact", {"name": NEW_CONTACT}, {"name": EDITED_CONTACT}),
            ("activities", "customers:activity", ACTIVITY_DATA, {**ACTIVITY_DATA, "title": EDITED_ACTIVITY}),
        ):
            child_on = On(key, child=child)
            rows += rows_for_all_personas(f"{url_prefix}_create", "GET", expect(key, "change", 200), kwargs=on)
            rows += rows_for_all_personas(
                f"{url_prefix}_create", "POST", expect(key, "change", 302), kwargs=on, data=create_data_
            )
            rows += rows_for_all_personas(f"{url_prefix}_edit", "GET", expect(key, "change", 200), kwargs=child_on)
            rows += rows_for_all_personas(
                f"{url_prefix}_edit", "POST", expect(key, "change", 302), kwargs=child_on, data=edit_data_
            )
            rows += rows_for_all_personas(f"{url_prefix}_delete", "POST", expect(key, "change", 302), kwargs=child_on)
    return rows


def _child_of_another_customer_rows():
    # A child row reached under a customer it doesn't belong to is out of scope, even for
    # the customer's own manager and the superuser.
    expected = {**expect("A", "change", 404), "manager_bob": 404}
    rows = []
    for child, url_prefix in (("contacts", "customers:contact"), ("activities", "customers:activity")):
        on = On("A", child=child, child_of="B")
        rows += rows_for_all_personas(f"{url_prefix}_edit", "GET", expected, kwargs=on)
        rows += rows_for_all_personas(f"{url_prefix}_delete", "POST", expected, kwargs=on)
    return rows


MANAGERS_AND_SAM = {"manager_ann", "manager_bob", "superuser_sam"}


class LossOf:
    """URL kwargs naming the loss record of world customer ``key`` (see loss_world)."""

    def __init__(self, key):
        self.key = key

    def __call__(self, world):
        return {"pk": world["losses"][self.key].pk}

    def __repr__(self):
        return f"loss of {self.key}"


# B's record is confirmed: final, so a step posted on it changes nothing, whoever posts it.
FINAL_LOSSES = {"B"}
MEASURE = "矩阵暂缓措施"
REASON = "矩阵流失原因"
LOSS_TARGETS = {
    **{f"loss of {key}": {"kwargs": LossOf(key), "data": {"measure": MEASURE, "reason": REASON}} for key in "ABCDE"},
    "loss of A, nothing typed": {"kwargs": LossOf("A"), "data": {"measure": "", "reason": ""}},
}
# The loss pages: anyone who sees the customer sees its records; postponing and confirming an open
# one belong to its account manager and to supervisors (and superusers), not to a colleague it
# is shared with (C: view, D: edit) nor to administrators and viewers, who read them (403).
# B's record is confirmed: those whose step it was get a message (302), nothing changes.
LOSS_MATRIX = table(
    """
                                                           anonymous admin sue ann bob vic sam
    GET   customers:losses                                    302    200  200 200 200 200 200
    GET   customers:loss_detail     loss of A                 302    200  200 200 404 200 200
    GET   customers:loss_detail     loss of B                 302    200  200 404 200 200 200
    GET   customers:loss_detail     loss of C                 302    200  200 200 200 200 200
    GET   customers:loss_detail     loss of D                 302    200  200 200 200 200 200
    GET   customers:loss_detail     loss of E                 302    404  404 404 404 404 404
    POST  customers:loss_postpone   loss of A                 302    403  302 302 404 403 302
    POST  customers:loss_postpone   loss of B                 302    403  302 404 302 403 302
    POST  customers:loss_postpone   loss of C                 302    403  302 403 302 403 302
    POST  customers:loss_postpone   loss of D                 302    403  302 403 302 403 302
    POST  customers:loss_postpone   loss of E                 302    404  404 404 404 404 404
    POST  customers:loss_confirm    loss of A                 302    403  302 302 404 403 302
    POST  customers:loss_confirm    loss of B                 302    403  302 404 302 403 302
    POST  customers:loss_confirm    loss of C                 302    403  302 403 302 403 302
    POST  customers:loss_confirm    loss of D                 302    403  302 403 302 403 302
    POST  customers:loss_confirm    loss of E                 302    404  404 404 404 404 404
    # An empty measure or reason: the record's page again with the error, nothing changed.
    POST  customers:loss_postpone   loss of A, nothing typed  302    403  200 200 404 403 200
    POST  customers:loss_confirm    loss of A, nothing typed  302    403  200 200 404 403 200
    GET   customers:loss_postpone   loss of A                 302    405  405 405 405 405 405
    GET   customers:loss_confirm    loss of A                 302    405  405 405 405 405 405
    """,
    targets=LOSS_TARGETS,
)


def import_world(world):
    """A checked import of ``world``, uploaded by sue: one customer to create, none rejected."""
    world["import"] = CustomerImport.objects.create(
        file_name="customers.csv",
        created_by=world["supervisor_sue"],
        status=CustomerImport.Status.PREVIEWED,
        total_rows=1,
        created_count=1,
    )
    return world


def import_job(world):
    return {"pk": world["import"].pk}


# Importing customers is for supervisors and superusers. Its file of rejected rows is missing
# (404) for them: the world's import has no rejected row. A POST of the form without a file is the
# form again with its error (200), nothing uploaded.
IMPORT_MATRIX = table(
    """
                                                           anonymous admin sue ann bob vic sam
    GET   customers:import                                    302    403  200 403 403 403 200
    POST  customers:import                                    302    403  200 403 403 403 200
    GET   customers:import_template                           302    403  200 403 403 403 200
    GET   customers:import_detail     job                     302    403  200 403 403 403 200
    GET   customers:import_progress   job                     302    403  200 403 403 403 200
    GET   customers:import_errors     job                     302    403  404 403 403 403 404
    POST  customers:import_confirm    job                     302    403  302 403 403 403 302
    POST  customers:import_cancel     job                     302    403  302 403 403 403 302
    GET   customers:import_confirm    job                     302    405  405 405 405 405 405
    GET   customers:import_cancel     job                     302    405  405 405 405 405 405
    """,
    targets={"job": {"kwargs": import_job}},
)

MATRIX = [
    *table(
        """
                                                           anonymous admin sue ann bob vic sam
        GET   customers:list                                  302    200  200 200 200 200 200
        GET   customers:create                                302    403  403 200 200 403 200
        GET   customers:bin                                   302    200  200 403 403 403 200
        # Copying customers out and moving them between managers belong to superusers alone.
        GET   customers:export                                302    403  403 403 403 403 200
        GET   customers:export     as CSV                     302    403  403 403 403 403 200
        GET   customers:transfer                              302    403  403 403 403 403 200
        # A transfer is previewed first (nothing moves), then confirmed.
        POST  customers:transfer   A from ann to bob          302    403  403 403 403 403 200
        POST  customers:transfer   A confirmed, ann to bob    302    403  403 403 403 403 302
        # The recycle bin: deleted customers are hidden from every page, even from their manager.
        GET   customers:detail     E                          302    404  404 404 404 404 404
        GET   customers:edit       E                          302    404  404 404 404 404 404
        POST  customers:delete     E                          302    404  404 404 404 404 404
        POST  customers:restore    E                          302    302  302 403 403 403 302
        GET   customers:restore    E                          302    405  405 405 405 405 405
        # Restoring a customer that isn't in the bin: it isn't found there.
        POST  customers:restore    A                          302    404  404 403 403 403 404
        GET   customers:unshare    C shared with ann          302    405  405 405 405 405 405
        GET   customers:contact_delete    contact of A        302    405  405 405 405 405 405
        GET   customers:activity_delete   activity of A       302    405  405 405 405 405 405
        """,
        targets={
            "as CSV": {"data": {"file_format": "csv"}},
            "A from ann to bob": {"data": transfer_data},
            "A confirmed, ann to bob": {"data": transfer_confirmation},
            "A": {"kwargs": On("A")},
            "E": {"kwargs": On("E")},
            "C shared with ann": {"kwargs": On("C", user="manager_ann")},
            "contact of A": {"kwargs": On("A", child="contacts")},
            "activity of A": {"kwargs": On("A", child="activities")},
        },
    ),
    # Managers create customers for themselves, the superuser for ann.
    *[
        Row("customers:create", "POST", persona, expected, data=create_data(persona))
        for persona, expected in only(MANAGERS_AND_SAM, 302).items()
    ],
    *_customer_rows(),
    *_child_of_another_customer_rows(),
    # Revoking ann's share of C and D; B was never shared with her (a no-op for those allowed).
    *[
        row
        for key in ("B", "C", "D")
        for row in rows_for_all_personas(
            "customers:unshare", "POST", expect(key, "share", 302), kwargs=On(key, user="manager_ann")
        )
    ],
    *LOSS_MATRIX,
    *IMPORT_MATRIX,
]


def loss_world(world):
    """Loss records on the customers of ``world``: A, C and D warned (open), B warned and then
    confirmed by bob, and a warning on E (in the recycle bin) raised before it went there."""
    Customer.all_objects.filter(pk__in=[world[key].pk for key in CUSTOMERS]).update(last_order_date="2024-03-01")
    detect_losses(actor=system_actor())
    losses = {key: LossRecord.objects.get(customer=world[key]) for key in CUSTOMERS}
    losses["B"] = confirm_loss(actor=world["manager_bob"], record=losses["B"], reason="客户转向竞争对手")
    losses["E"] = LossRecord.objects.create(
        customer=world["E"], account_manager=world["manager_ann"], last_order_date="2024-03-01"
    )
    return {**world, "losses": losses}


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    # Built once for the module; each row's writes are rolled back (crm.testing.world).
    yield from shared_world(lambda: import_world(loss_world(customer_world(make_personas()))), django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


def customers_state():
    """Everything a customers URL could change, to prove a refused request changed nothing."""
    return database_state(
        customers=Customer,
        contacts=Contact,
        activities=Activity,
        grants=CustomerUserObjectPermission,
        losses=LossRecord,
        measures=LossMeasure,
        audit=LogEntry.objects.exclude(additional_data__event="login"),
        imports=CustomerImport,
    )


def _customer(world, row):
    return Customer.all_objects.get(pk=world[row.kwargs.key].pk)


def _created(world, row):
    customer = Customer.objects.get(name=CREATED_NAME)
    manager = world[row.persona] if row.persona in MANAGER_LEVELS else world["manager_ann"]
    assert customer.account_manager == manager
    assert grants(customer, manager) == OWNER


def _edited(world, row):
    assert _customer(world, row).address == EDITED_ADDRESS


def _deleted(world, row):
    customer = _customer(world, row)
    assert customer.deleted_at is not None
    assert customer.deleted_by == world[row.persona]


def _restored(world, row):
    assert _customer(world, row).deleted_at is None


def _shared(world, row):
    assert "change_customer" in grants(_customer(world, row), share_target(world, row.kwargs.key))


def _unshared(world, row):
    assert grants(_customer(world, row), world["manager_ann"]) == set()


def _transferred(world, row):
    customer = Customer.objects.get(pk=world["A"].pk)
    assert customer.account_manager == world["manager_bob"]
    assert grants(customer, world["manager_bob"]) == OWNER
    assert grants(customer, world["manager_ann"]) == set()


def _exported(world, row):
    # The file is the superuser's copy of every customer; handing it out is audited.
    entry = LogEntry.objects.get(additional_data__event="export")
    assert entry.actor == world[row.persona]
    assert entry.additional_data["rows"] == Customer.objects.count() == 4
    assert entry.additional_data["format"] == row.data["file_format"]


def _contact_created(world, row):
    assert _customer(world, row).contacts.filter(name=NEW_CONTACT).exists()


def _contact_edited(world, row):
    assert Contact.objects.get(pk=world["contacts"][row.kwargs.key].pk).name == EDITED_CONTACT


def _contact_deleted(world, row):
    assert not Contact.objects.filter(pk=world["contacts"][row.kwargs.key].pk).exists()


def _activity_created(world, row):
    assert _customer(world, row).activities.filter(title=NEW_ACTIVITY).exists()


def _activity_edited(world, row):
    assert Activity.objects.get(pk=world["activities"][row.kwargs.key].pk).title == EDITED_ACTIVITY


def _activity_deleted(world, row):
    assert not Activity.objects.filter(pk=world["activities"][row.kwargs.key].pk).exists()


def _loss(world, row):
    return LossRecord.objects.select_related("customer").get(pk=world["losses"][row.kwargs.key].pk)


def _postponed(world, row):
    record = _loss(world, row)
    assert record.status == LossRecord.Status.POSTPONED
    assert list(record.measures.values_list("text", "created_by")) == [(MEASURE, world[row.persona].pk)]


def _confirmed(world, row):
    record = _loss(world, row)
    assert (record.status, record.reason, record.confirmed_by) == (
        LossRecord.Status.CONFIRMED,
        REASON,
        world[row.persona],
    )
    assert record.customer.status == Customer.Status.LOST


def _import_confirmed(world, row):
    # The rows are written in the background once the request's transaction commits.
    assert CustomerImport.objects.get(pk=world["import"].pk).status == CustomerImport.Status.IMPORTING


def _import_cancelled(world, row):
    assert CustomerImport.objects.get(pk=world["import"].pk).status == CustomerImport.Status.CANCELLED


EFFECTS = {
    "customers:import_confirm": _import_confirmed,
    "customers:import_cancel": _import_cancelled,
    "customers:create": _created,
    "customers:edit": _edited,
    "customers:delete": _deleted,
    "customers:restore": _restored,
    "customers:share": _shared,
    "customers:unshare": _unshared,
    "customers:transfer": _transferred,
    "customers:export": _exported,
    "customers:contact_create": _contact_created,
    "customers:contact_edit": _contact_edited,
    "customers:contact_delete": _contact_deleted,
    "customers:activity_create": _activity_created,
    "customers:activity_edit": _activity_edited,
    "customers:activity_delete": _activity_deleted,
    "customers:loss_postpone": _postponed,
    "customers:loss_confirm": _confirmed,
}


def does_its_work(row):
    """A request that must have had its effect: a POST that succeeds, or an export file handed out."""
    exported = row.url_name == "customers:export" and row.data is not None and row.expected == 200
    final = isinstance(row.kwargs, LossOf) and row.kwargs.key in FINAL_LOSSES
    return (succeeded(row) and not final) or exported


def test_every_customers_url_has_a_matrix_row():
    names = {name for name in all_url_names() if name.startswith("customers:")}
    assert names <= {row.url_name for row in MATRIX}
    assert set(EFFECTS) <= names


def test_the_managers_levels_are_the_grants_of_the_world(world):
    # expect() derives the statuses from MANAGER_LEVELS: it must say what the world really holds.
    for persona, levels in MANAGER_LEVELS.items():
        for key in CUSTOMERS:
            held = {codename.removesuffix("_customer") for codename in grants(world[key], world[persona])}
            assert held == levels[key], (persona, key)


def test_every_customers_write_has_an_effect_check():
    written = {row.url_name for row in MATRIX if does_its_work(row)}
    assert written <= set(EFFECTS)


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_customers_permission_matrix(client, world, row):
    before = customers_state()
    assert check_row(client, row, world) == row.expected
    if does_its_work(row):
        EFFECTS[row.url_name](world, row)
    else:
        assert customers_state() == before
