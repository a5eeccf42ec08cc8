import io

from auditlog.models import LogEntry
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory

from crm.demo import DEMO_USERS
from crm.roles import ACCOUNT_MANAGER, ADMINISTRATOR


def _seed():
    out = io.StringIO()
    call_command("seed_demo", customers=0, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_one_user_per_role_with_the_printed_passwords(db):
    output = _seed()
    User = get_user_model()
    for username, password, _name, roles, superuser in DEMO_USERS:
        assert f"{username}" in output and password in output
        user = User.objects.get(username=username)
        assert set(user.groups.values_list("name", flat=True)) == set(roles)
        assert user.is_superuser is superuser
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=password) == user
    assert User.objects.get(username="admin").is_staff
    assert User.objects.get(username="ann").groups.filter(name=ACCOUNT_MANAGER).exists()
    assert User.objects.get(username="admin").groups.filter(name=ADMINISTRATOR).exists()


def test_seed_demo_run_twice_changes_nothing(db):
    _seed()
    User = get_user_model()
    users = list(User.objects.order_by("pk").values_list("pk", "username", "password"))
    audit_rows = LogEntry.objects.count()
    _seed()
    assert list(User.objects.order_by("pk").values_list("pk", "username", "password")) == users
    assert LogEntry.objects.count() == audit_rows


def test_seed_demo_records_its_changes_as_the_system_user(db):
    _seed()
    entry = LogEntry.objects.filter(object_repr="ann", action=LogEntry.Action.CREATE).get()
    assert entry.actor.username == "system"
