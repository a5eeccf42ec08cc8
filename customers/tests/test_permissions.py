"""Who may open and post every customers URL, for every persona and every kind of customer.

The world: A is ann's own customer; B is bob's; C is bob's, shared with ann to view; D is bob's,
shared with ann to edit; E is ann's, in the recycle bin. Each has a contact and an activity.
Out of scope is 404, visible but forbidden is 403, anonymous goes to login (302). A POST that
succeeds redirects (302) and must have made its change; every other answer must change nothing.
"""

import pytest

from crm.testing.matrix import PERSONAS, Row, all_url_names, check_row, rows_for_all_personas
from customers import actions
from customers.models import Activity, Contact, Customer, CustomerUserObjectPermission
from customers.tests.factories import OWNER, grants, make_activity, make_contact, make_customer, region, share

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
    for persona in PERSONAS[1:]:
        levels = _levels(persona, key)
        if "view" not in levels:
            expected[persona] = 404
        elif level in levels:
            expected[persona] = ok
        else:
            expected[persona] = 403
    return expected


def everyone(signed_in, anonymous=302):
    return {"anonymous": anonymous, **dict.fromkeys(PERSONAS[1:], signed_in)}


def only(allowed, ok, others=403):
    return {"anonymous": 302, **{p: ok if p in allowed else others for p in PERSONAS[1:]}}


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


MATRIX = [
    *rows_for_all_personas("customers:list", "GET", everyone(200)),
    *rows_for_all_personas("customers:create", "GET", only({"manager_ann", "manager_bob", "superuser_sam"}, 200)),
    *[
        Row("customers:create", "POST", persona, expected, data=create_data(persona))
        for persona, expected in only({"manager_ann", "manager_bob", "superuser_sam"}, 302).items()
    ],
    *rows_for_all_personas("customers:bin", "GET", only({"admin", "supervisor_sue", "superuser_sam"}, 200)),
    # Copying customers out and moving them between managers belong to superusers alone.
    *rows_for_all_personas("customers:export", "GET", only({"superuser_sam"}, 200)),
    *rows_for_all_personas("customers:export", "GET", only({"superuser_sam"}, 200), data={"file_format": "csv"}),
    *rows_for_all_personas("customers:transfer", "GET", only({"superuser_sam"}, 200)),
    *rows_for_all_personas("customers:transfer", "POST", only({"superuser_sam"}, 302), data=transfer_data),
    *_customer_rows(),
    *_child_of_another_customer_rows(),
    # The recycle bin: deleted customers are hidden from every page, even from their manager.
    *rows_for_all_personas("customers:detail", "GET", everyone(404), kwargs=On("E")),
    *rows_for_all_personas("customers:edit", "GET", everyone(404), kwargs=On("E")),
    *rows_for_all_personas("customers:delete", "POST", everyone(404), kwargs=On("E")),
    *rows_for_all_personas(
        "customers:restore", "POST", only({"admin", "supervisor_sue", "superuser_sam"}, 302), kwargs=On("E")
    ),
    *rows_for_all_personas("customers:restore", "GET", everyone(405), kwargs=On("E")),
    # Restoring a customer that isn't in the bin: it isn't found there.
    *rows_for_all_personas(
        "customers:restore", "POST", only({"admin", "supervisor_sue", "superuser_sam"}, 404), kwargs=On("A")
    ),
    # Revoking ann's share of C and D; B was never shared with her (a no-op for those allowed).
    *[
        row
        for key in ("B", "C", "D")
        for row in rows_for_all_personas(
            "customers:unshare", "POST", expect(key, "share", 302), kwargs=On(key, user="manager_ann")
        )
    ],
    *rows_for_all_personas("customers:unshare", "GET", everyone(405), kwargs=On("C", user="manager_ann")),
    *rows_for_all_personas("customers:contact_delete", "GET", everyone(405), kwargs=On("A", child="contacts")),
    *rows_for_all_personas("customers:activity_delete", "GET", everyone(405), kwargs=On("A", child="activities")),
]


def row_id(row):
    target = f" {row.kwargs!r}" if row.kwargs is not None else ""
    if row.method == "GET" and row.data:
        target += f" {row.data}"
    return f"{row.method} {row.url_name}{target} as {row.persona} -> {row.expected}"


@pytest.fixture
def world(personas):
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    customers = {
        "A": make_customer(ann, name="安诚贸易有限公司"),
        "B": make_customer(bob, name="博远科技有限公司"),
        "C": share(make_customer(bob, name="昌盛物流有限公司"), ann, "view", actor=sue),
        "D": share(make_customer(bob, name="鼎新建材有限公司"), ann, "edit", actor=sue),
        "E": make_customer(ann, name="恩泽食品有限公司"),
    }
    world = {**personas, **customers, "contacts": {}, "activities": {}}
    for key, customer in customers.items():
        world["contacts"][key] = make_contact(customer, name=f"{key}联系人")
        world["activities"][key] = make_activity(customer, title=f"{key}首次拜访")
    actions.delete_customer(actor=ann, customer=customers["E"])
    customers["E"].refresh_from_db()
    return world


def database_state():
    """Everything a customers URL could change, to prove a refused request changed nothing."""
    return {
        "customers": list(Customer.all_objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "activities": list(Activity.objects.order_by("pk").values()),
        "grants": sorted(
            CustomerUserObjectPermission.objects.values_list("content_object_id", "user_id", "permission__codename")
        ),
    }


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


EFFECTS = {
    "customers:create": _created,
    "customers:edit": _edited,
    "customers:delete": _deleted,
    "customers:restore": _restored,
    "customers:share": _shared,
    "customers:unshare": _unshared,
    "customers:transfer": _transferred,
    "customers:contact_create": _contact_created,
    "customers:contact_edit": _contact_edited,
    "customers:contact_delete": _contact_deleted,
    "customers:activity_create": _activity_created,
    "customers:activity_edit": _activity_edited,
    "customers:activity_delete": _activity_deleted,
}


def test_every_customers_url_has_a_matrix_row():
    names = {name for name in all_url_names() if name.startswith("customers:")}
    assert names <= {row.url_name for row in MATRIX}
    assert set(EFFECTS) <= names


def test_every_customers_write_has_an_effect_check():
    written = {row.url_name for row in MATRIX if row.method == "POST" and row.expected == 302}
    assert written <= set(EFFECTS)


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_customers_permission_matrix(client, world, row):
    before = database_state()
    assert check_row(client, row, world) == row.expected
    succeeded = row.method == "POST" and row.expected == 302 and row.persona != "anonymous"
    if succeeded:
        EFFECTS[row.url_name](world, row)
    else:
        assert database_state() == before
