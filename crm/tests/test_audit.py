"""The audit trail (SPEC §6): admin changes, logins and the audit page for administrators."""

import re
from datetime import datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from conftest import PASSWORD
from crm.actions import create_user
from crm.audit import ACTION_LABELS, EVENT_LABELS, acting_as
from crm.models import DictionaryEntry
from crm.roles import ADMINISTRATOR, SUPERVISOR, VIEWER
from crm.tests.test_admin_escalation import read_form

User = get_user_model()
ADDRESS = "10.1.2.3"


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("pk")


def post_admin_user_form(client, user, **changes):
    url = f"/admin/auth/user/{user.pk}/change/"
    data, _options = read_form(client.get(url), "user_form")
    data.update(changes)
    response = client.post(url, {**data, "_save": "1"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def post_login(client, username, password, address=ADDRESS, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def access_entries(event):
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__event=event)


def table_rows(response):
    """The text of each row of the audit table; [] when the page shows the empty state."""
    html = response.content.decode()
    block = re.search(r'data-testid="audit-table">(.*?)</table>', html, re.S)
    if block is None:
        assert 'data-testid="empty-state"' in html
        return []
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", block.group(1), re.S)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def rows_naming(rows, text):
    return [row for row in rows if text in row]


def dictionary_entry(label, **extra):
    return DictionaryEntry.objects.create(category="region", value=label.lower(), label=label, label_en=label, **extra)


# --- changes made in the admin ----------------------------------------------------------------


def test_changing_a_user_in_the_admin_records_actor_address_and_field_diff(client, admin, manager_ann):
    client.force_login(admin)
    before = entries_for(manager_ann).count()
    post_admin_user_form(client, manager_ann, first_name="Ann Changed")
    entry = entries_for(manager_ann).last()
    assert entries_for(manager_ann).count() == before + 1
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == admin
    assert entry.remote_addr == ADDRESS
    assert entry.changes_dict["first_name"] == ["Manager Ann", "Ann Changed"]


def test_saving_a_user_in_the_admin_records_only_the_fields_that_changed(client, admin, manager_ann):
    # The admin renders date_joined to the minute; saving must not rewrite it (nor log it).
    client.force_login(admin)
    date_joined = User.objects.get(pk=manager_ann.pk).date_joined
    post_admin_user_form(client, manager_ann, first_name="Ann Changed")
    assert set(entries_for(manager_ann).last().changes_dict) == {"first_name"}
    assert User.objects.get(pk=manager_ann.pk).date_joined == date_joined


def test_adding_a_user_to_a_group_records_the_many_to_many_change(client, admin, manager_ann):
    viewers = Group.objects.get(name=VIEWER)
    client.force_login(admin)
    url = f"/admin/auth/user/{manager_ann.pk}/change/"
    data, _options = read_form(client.get(url), "user_form")
    data["groups"] = [*data.get("groups", []), str(viewers.pk)]
    assert client.post(url, {**data, "_save": "1"}, REMOTE_ADDR=ADDRESS).status_code == 302
    entry = entries_for(manager_ann).filter(changes__has_key="groups").last()
    assert entry is not None
    assert entry.actor == admin
    assert entry.remote_addr == ADDRESS
    assert entry.changes_dict["groups"]["operation"] == "add"
    assert entry.changes_dict["groups"]["objects"] == [VIEWER]


def test_changing_a_groups_permissions_is_recorded(client, admin):
    viewers = Group.objects.get(name=VIEWER)
    added = Permission.objects.get(content_type__app_label="crm", codename="add_dictionaryentry")
    client.force_login(admin)
    url = f"/admin/auth/group/{viewers.pk}/change/"
    data, _options = read_form(client.get(url), "group_form")
    data["permissions"] = [*data.get("permissions", []), str(added.pk)]
    assert client.post(url, {**data, "_save": "1"}, REMOTE_ADDR=ADDRESS).status_code == 302
    entry = entries_for(viewers).filter(changes__has_key="permissions").last()
    assert entry is not None
    assert entry.actor == admin
    assert entry.remote_addr == ADDRESS
    assert entry.changes_dict["permissions"]["operation"] == "add"
    assert entry.changes_dict["permissions"]["objects"] == [str(added)]


def test_a_password_change_is_recorded_without_the_password_hash(client, admin, manager_ann):
    old_hash = User.objects.get(pk=manager_ann.pk).password
    client.force_login(admin)
    response = client.post(
        f"/admin/auth/user/{manager_ann.pk}/password/",
        {"password1": "a-new-Secret-42", "password2": "a-new-Secret-42"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    new_hash = User.objects.get(pk=manager_ann.pk).password
    entry = entries_for(manager_ann).filter(changes__has_key="password").last()
    assert entry is not None
    assert entry.actor == admin
    recorded = " ".join(entry.changes_dict["password"])
    assert "a-new-Secret-42" not in recorded
    # No part of either hash: the digest's tail is hash material as much as its head.
    for secret in (old_hash, new_hash):
        assert secret not in recorded
        assert secret.rsplit("$", 1)[-1][-8:] not in recorded


# --- logins and logouts -------------------------------------------------------------------------


def test_a_successful_login_is_recorded_with_the_user_and_address(client, manager_ann):
    assert post_login(client, "manager_ann", PASSWORD).status_code == 302
    entry = access_entries("login").get()
    assert entry.actor == manager_ann
    assert entry.remote_addr == ADDRESS
    assert entry.object_id == manager_ann.pk
    assert entry.content_type == ContentType.objects.get_for_model(User)


def test_a_failed_login_is_recorded_without_an_actor(client, manager_ann):
    assert post_login(client, "manager_ann", "wrong-password").status_code == 200
    entry = access_entries("login_failed").get()
    assert entry.actor is None
    assert entry.remote_addr == ADDRESS
    assert entry.object_id == manager_ann.pk
    assert entry.additional_data["username"] == "manager_ann"
    assert not access_entries("login").exists()


def test_a_failed_login_for_an_unknown_username_is_recorded(client, db):
    assert post_login(client, "nobody-here", "wrong-password").status_code == 200
    entry = access_entries("login_failed").get()
    assert entry.actor is None
    assert entry.object_id is None
    assert entry.additional_data["username"] == "nobody-here"


def test_a_logout_is_recorded(client, manager_ann):
    post_login(client, "manager_ann", PASSWORD)
    assert client.post("/accounts/logout/", REMOTE_ADDR=ADDRESS).status_code == 302
    entry = access_entries("logout").get()
    assert entry.actor == manager_ann
    assert entry.remote_addr == ADDRESS


def test_forwarded_for_header_is_ignored_without_a_trusted_proxy(client, settings, admin, manager_ann):
    settings.PROXY_COUNT = 0
    post_login(client, "manager_ann", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert access_entries("login").get().remote_addr == ADDRESS

    client.force_login(admin)
    url = f"/admin/auth/user/{manager_ann.pk}/change/"
    data, _options = read_form(client.get(url), "user_form")
    data["first_name"] = "Ann Forwarded"
    client.post(url, {**data, "_save": "1"}, REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert entries_for(manager_ann).last().remote_addr == ADDRESS


def test_forwarded_for_header_names_the_client_behind_one_trusted_proxy(client, settings, admin, manager_ann):
    settings.PROXY_COUNT = 1
    # The left entry was written by the client and could be forged; the proxy appended the right one.
    forwarded = "198.51.100.66, 203.0.113.9"
    post_login(client, "manager_ann", PASSWORD, HTTP_X_FORWARDED_FOR=forwarded)
    assert access_entries("login").get().remote_addr == "203.0.113.9"

    client.force_login(admin)
    url = f"/admin/auth/user/{manager_ann.pk}/change/"
    data, _options = read_form(client.get(url), "user_form")
    data["first_name"] = "Ann Forwarded"
    client.post(url, {**data, "_save": "1"}, REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=forwarded)
    assert entries_for(manager_ann).last().remote_addr == "203.0.113.9"


# --- the audit page ---------------------------------------------------------------------------


@pytest.fixture
def audit_world(admin, supervisor_sue):
    """Entries by two actors, on two models, of three actions, on two dates long ago."""
    with set_actor(admin):
        by_admin = dictionary_entry("Alphaville")
        dated_january = dictionary_entry("Januarytown")
        dated_march = dictionary_entry("Marchford")
        doomed = dictionary_entry("Doomsdale")
        doomed.delete()
    with set_actor(supervisor_sue):
        by_sue = dictionary_entry("Suetown")
        group = Group.objects.create(name="Betagroup")
        by_sue.sort_order = 99
        by_sue.save()
    for obj, day in ((dated_january, datetime(2020, 1, 15, 12)), (dated_march, datetime(2020, 3, 15, 12))):
        entries_for(obj).update(timestamp=timezone.make_aware(day))
    return {"admin": admin, "sue": supervisor_sue, "by_admin": by_admin, "by_sue": by_sue, "group": group}


def audit_page(client, user, query=""):
    client.force_login(user)
    response = client.get(f"/audit/{query}")
    assert response.status_code == 200
    return response


def test_audit_page_lists_the_entries(client, audit_world):
    rows = table_rows(audit_page(client, audit_world["admin"]))
    for name in ("Alphaville", "Suetown", "Betagroup", "Doomsdale", "Januarytown", "Marchford"):
        assert rows_naming(rows, name), name
    (sue_update,) = [row for row in rows_naming(rows, "Suetown") if "99" in row]
    assert "Supervisor Sue" in sue_update


def test_audit_page_names_actions_in_chinese_by_default(client, audit_world):
    # auditlog ships no Chinese catalogue: its action names must come from the project's.
    with translation.override("zh-hans"):
        created = str(ACTION_LABELS[LogEntry.Action.CREATE])
    assert created == "创建", "the project's catalogue must name auditlog's actions in Chinese"
    rows = table_rows(audit_page(client, audit_world["admin"], f"?action={LogEntry.Action.CREATE}"))
    assert created in rows_naming(rows, "Alphaville")[0]


def test_audit_page_filters_by_user(client, audit_world):
    rows = table_rows(audit_page(client, audit_world["admin"], f"?actor={audit_world['sue'].pk}"))
    assert rows_naming(rows, "Suetown")
    assert rows_naming(rows, "Betagroup")
    assert not rows_naming(rows, "Alphaville")
    assert not rows_naming(rows, "Doomsdale")
    assert all("Supervisor Sue" in row for row in rows)


def test_audit_page_filters_by_model(client, audit_world):
    group_type = ContentType.objects.get_for_model(Group)
    rows = table_rows(audit_page(client, audit_world["admin"], f"?content_type={group_type.pk}"))
    assert rows_naming(rows, "Betagroup")
    assert not rows_naming(rows, "Suetown")
    assert not rows_naming(rows, "Alphaville")


def test_audit_page_filters_by_action(client, audit_world):
    rows = table_rows(audit_page(client, audit_world["admin"], f"?action={LogEntry.Action.DELETE}"))
    assert rows_naming(rows, "Doomsdale")
    assert not rows_naming(rows, "Alphaville")
    assert not rows_naming(rows, "Suetown")

    rows = table_rows(audit_page(client, audit_world["admin"], f"?action={LogEntry.Action.UPDATE}"))
    assert rows_naming(rows, "Suetown")
    assert not rows_naming(rows, "Doomsdale")
    assert not rows_naming(rows, "Alphaville")


def test_audit_page_filters_by_date_range(client, audit_world):
    rows = table_rows(audit_page(client, audit_world["admin"], "?date_from=2020-01-01&date_to=2020-01-31"))
    assert rows_naming(rows, "Januarytown")
    assert not rows_naming(rows, "Marchford")
    assert not rows_naming(rows, "Alphaville")

    rows = table_rows(audit_page(client, audit_world["admin"], "?date_from=2020-02-01&date_to=2020-12-31"))
    assert rows_naming(rows, "Marchford")
    assert not rows_naming(rows, "Januarytown")

    rows = table_rows(audit_page(client, audit_world["admin"], "?date_from=2021-01-01"))
    assert rows_naming(rows, "Alphaville")
    assert not rows_naming(rows, "Januarytown")
    assert not rows_naming(rows, "Marchford")


def test_audit_page_combines_filters(client, audit_world):
    query = f"?actor={audit_world['admin'].pk}&action={LogEntry.Action.CREATE}&date_from=2021-01-01"
    rows = table_rows(audit_page(client, audit_world["admin"], query))
    assert rows_naming(rows, "Alphaville")
    assert not rows_naming(rows, "Januarytown")
    assert not rows_naming(rows, "Suetown")


def test_audit_page_offers_users_and_audited_models_in_its_filters(client, audit_world):
    response = audit_page(client, audit_world["admin"])
    form = response.context["filter"].form
    assert {audit_world["admin"], audit_world["sue"]} <= set(form.fields["actor"].queryset)
    offered = {ct.model_class() for ct in form.fields["content_type"].queryset}
    assert {User, Group, DictionaryEntry} <= offered
    assert LogEntry not in offered


def test_a_malformed_date_filter_answers_with_a_form_error(client, audit_world):
    response = audit_page(client, audit_world["admin"], "?date_from=notadate")
    assert "date_from" in response.context["filter"].form.errors
    assert b"is-invalid" in response.content


def test_an_unknown_user_filter_answers_with_a_form_error(client, audit_world):
    response = audit_page(client, audit_world["admin"], "?actor=999999&action=banana")
    errors = response.context["filter"].form.errors
    assert {"actor", "action"} <= set(errors)


def _make_entries(actor, count):
    with set_actor(actor):
        for number in range(count):
            dictionary_entry(f"Place{number:03d}")


@pytest.mark.parametrize("count", [3, 30])
def test_audit_page_uses_a_bounded_number_of_queries(client, admin, django_assert_max_num_queries, count):
    _make_entries(admin, count)
    client.force_login(admin)
    with django_assert_max_num_queries(13):
        response = client.get("/audit/")
    assert response.status_code == 200
    assert len(rows_naming(table_rows(response), "Place")) == count


@pytest.mark.parametrize("persona", ["supervisor_sue", "manager_ann", "viewer_vic"])
def test_audit_page_is_refused_to_other_roles(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/audit/").status_code == 403


# --- the history panel --------------------------------------------------------------------------


def render_history(obj):
    with translation.override("en"):
        return Template("{% load crm_tags %}{% history_panel obj %}").render(Context({"obj": obj}))


def test_history_panel_shows_an_objects_changes_newest_first(admin, supervisor_sue):
    with set_actor(admin):
        entry = dictionary_entry("Historyville", sort_order=5)
    with set_actor(supervisor_sue):
        entry.sort_order = 7
        entry.save()
    html = render_history(entry)
    assert 'data-testid="history-panel"' in html
    items = re.findall(r'<li class="list-group-item">(.*?)</li>', html, re.S)
    assert len(items) == 2
    newest, oldest = (" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items)
    assert "Supervisor Sue" in newest
    assert "Changed" in newest
    assert "sort order: 5 → 7" in newest
    assert "Admin" in oldest
    assert "Created" in oldest


def test_history_panel_shows_logins_by_their_event_name(client, manager_ann):
    post_login(client, "manager_ann", PASSWORD)
    html = render_history(manager_ann)
    assert "Logged in" in html


def test_history_panel_of_an_object_without_history_says_so(db):
    group = Group.objects.create(name="Quiet group")
    LogEntry.objects.get_for_object(group).delete()
    html = render_history(group)
    assert "No recorded changes." in html


def test_history_panel_escapes_what_users_typed(admin):
    with set_actor(admin):
        entry = dictionary_entry("Evil", sort_order=1)
        entry.label = entry.label_en = "<script>alert(1)</script>"
        entry.save()
    html = render_history(entry)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_administrator_role_group_changes_are_audited_with_their_actor(admin):
    administrators = Group.objects.get(name=ADMINISTRATOR)
    extra = Permission.objects.get(content_type__app_label="auth", codename="delete_permission")
    with set_actor(admin):
        administrators.permissions.add(extra)
    entry = entries_for(administrators).last()
    assert entry.actor == admin
    assert entry.changes_dict["permissions"]["objects"] == [str(extra)]


# --- who acts: acting_as ------------------------------------------------------------------------


def test_acting_blocks_nest_and_give_the_outer_actor_back(admin, supervisor_sue):
    with acting_as(admin, remote_addr=ADDRESS):
        with acting_as(supervisor_sue):
            inner = dictionary_entry("Innerton")
        outer = dictionary_entry("Outerton")
    alone = dictionary_entry("Aloneville")
    assert (entries_for(inner).get().actor, entries_for(inner).get().remote_addr) == (supervisor_sue, ADDRESS)
    assert (entries_for(outer).get().actor, entries_for(outer).get().remote_addr) == (admin, ADDRESS)
    assert entries_for(alone).get().actor is None


def test_an_explicit_actor_is_kept_inside_an_acting_block(admin, supervisor_sue):
    with acting_as(admin):
        LogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(User),
            object_repr="note",
            action=LogEntry.Action.ACCESS,
            actor=supervisor_sue,
        )
    assert LogEntry.objects.get(object_repr="note").actor == supervisor_sue


# --- the actor's name survives the user ---------------------------------------------------------


def test_each_row_keeps_its_actors_username_and_full_name(client, admin, manager_ann):
    with acting_as(admin):
        by_action = dictionary_entry("Keepsville")
    client.force_login(admin)
    post_admin_user_form(client, manager_ann, first_name="Ann Changed")  # auditlog's middleware names this actor
    kept = {"username": "admin", "name": "Admin"}
    assert entries_for(by_action).get().additional_data["actor"] == kept
    assert entries_for(manager_ann).last().additional_data["actor"] == kept
    assert access_entries("login").last().additional_data["actor"] == kept


def test_a_row_without_an_actor_keeps_no_name(client, manager_ann):
    post_login(client, "manager_ann", "wrong-password")
    assert "actor" not in access_entries("login_failed").get().additional_data


@pytest.fixture
def departed(client, admin, manager_ann, roles):
    """Sue signs in, edits ann's customer, signs out and fails a login; then the administrator deletes her."""
    from customers import actions
    from customers.tests.factories import make_customer

    sue = create_user(username="sue_gone", password=PASSWORD, full_name="Sue Gone", roles=[SUPERVISOR])
    customer = make_customer(manager_ann, name="安诚贸易有限公司")
    post_login(client, "sue_gone", PASSWORD)
    customer.address = "北京市朝阳区建国路88号"
    actions.update_customer(actor=sue, customer=customer)
    client.post("/accounts/logout/", REMOTE_ADDR=ADDRESS)
    post_login(client, "sue_gone", "wrong-password")
    client.force_login(admin)
    response = client.post(f"/admin/auth/user/{sue.pk}/delete/", {"post": "yes"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    assert not User.objects.filter(username="sue_gone").exists()
    return {"customer": customer, "admin": admin}


def table_cells(response):
    """Each row of the audit table as {column name: its text}."""
    names = [column.name for column in response.context["table"].columns]
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", response.content.decode(), re.S).group(1)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows.append({name: " ".join(cell.split()) for name, cell in zip(names, cells, strict=True)})
    return rows


def test_a_deleted_users_rows_still_name_them_on_the_audit_page(client, departed):
    with translation.override("zh-hans"):
        deleted = f"Sue Gone ({_('deleted user')})"
        login, logout, failed = (str(EVENT_LABELS[event]) for event in ("login", "logout", "login_failed"))
        changed = str(ACTION_LABELS[LogEntry.Action.UPDATE])
    rows = table_cells(audit_page(client, departed["admin"]))
    by_sue = sorted(row["action"] for row in rows if row["actor"] == deleted)
    assert by_sue == sorted([login, changed, logout])
    (edit,) = [row for row in rows if "建国路88号" in row["changes"]]
    assert edit["actor"] == deleted
    # A failed login has no actor; its row still names the username that was tried.
    (attempt,) = [row for row in rows if row["action"] == failed]
    assert (attempt["actor"], attempt["object_repr"]) == ("—", "sue_gone")


def test_a_deleted_users_rows_still_name_them_in_the_history_panel(departed):
    html = render_history(departed["customer"])
    items = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in re.findall(r"<li[^>]*>(.*?)</li>", html, re.S)]
    (edit,) = [item for item in items if "Changed" in item]
    assert "Sue Gone (deleted user)" in edit


def test_the_customer_page_names_the_deleted_editor(client, departed, supervisor_sue):
    client.force_login(supervisor_sue)
    response = client.get(f"/customers/{departed['customer'].code}/")
    assert response.status_code == 200
    panel = response.content.decode().split('data-testid="history-panel"', 1)[1]
    assert "Sue Gone" in panel


def test_the_user_filter_still_finds_a_remaining_users_rows(client, departed):
    admin = departed["admin"]
    rows = table_cells(audit_page(client, admin, f"?actor={admin.pk}"))
    assert rows
    assert {row["actor"] for row in rows} == {"Admin"}


@pytest.mark.django_db
def test_rows_written_before_names_were_kept_get_their_actors_name_from_the_migration(manager_ann):
    import importlib

    from django.apps import apps as django_apps

    from customers.tests.factories import make_customer

    backfill = importlib.import_module("crm.migrations.0003_audit_actor_names")
    make_customer(manager_ann, name="补记名字测试有限公司")
    rows = LogEntry.objects.filter(actor=manager_ann)
    assert rows.exists()
    for entry in rows:  # as rows were before crm.audit kept the name
        data = {key: value for key, value in (entry.additional_data or {}).items() if key != "actor"}
        LogEntry.objects.filter(pk=entry.pk).update(additional_data=data or None)
    backfill.name_actors(django_apps, None)
    for entry in LogEntry.objects.filter(actor=manager_ann):
        assert entry.additional_data["actor"] == {"username": "manager_ann", "name": "Manager Ann"}


@pytest.mark.parametrize("language, name", [("zh-hans", "系统"), ("en", "System")])
def test_the_commands_user_reads_as_system_in_the_users_language(client, admin, language, name):
    from crm.audit import as_system

    with as_system():
        dictionary_entry("Systemtown")
    client.cookies["django_language"] = language
    (row,) = rows_naming(table_rows(audit_page(client, admin)), "Systemtown")
    assert name in row
    if language == "zh-hans":
        assert "System" not in row.replace("Systemtown", "")
