import pytest
from django.utils import translation

from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER, SUPERVISOR
from customers.tests.factories import make_customer


@pytest.fixture(autouse=True)
def in_english():
    # The tests read the actions' messages in English, whatever LANGUAGE_CODE the suite runs with.
    with translation.override("en"):
        yield


@pytest.fixture
def customer_a(manager_ann):
    """Manager Ann's customer."""
    return make_customer(manager_ann, name="安诚贸易有限公司")


@pytest.fixture
def customer_b(manager_bob):
    """Manager Bob's customer."""
    return make_customer(manager_bob, name="博远科技有限公司")


@pytest.fixture
def manager_carl(roles):
    """A third active account manager, with no customer of his own."""
    return create_user(
        username="manager_carl", password="x-unused-x", full_name="Manager Carl", roles=[ACCOUNT_MANAGER]
    )


@pytest.fixture
def inactive_manager(roles):
    """An account manager whose account was deactivated."""
    user = create_user(
        username="manager_gone", password="x-unused-x", full_name="Manager Gone", roles=[ACCOUNT_MANAGER]
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


@pytest.fixture
def supervisor_sid(roles):
    """A second sales supervisor."""
    return create_user(username="supervisor_sid", password="x-unused-x", full_name="Supervisor Sid", roles=[SUPERVISOR])
