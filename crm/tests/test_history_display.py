"""A history people can read (issue 10): the customer's history panel and /audit/ name people by
display name, show times in the user's time zone and the product's format, choices by label, "—"
for nothing, the customer of child rows, grants in words and the details of exports and transfers."""

import re
from datetime import UTC
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.template import Context, Template
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from conftest import PASSWORD
from crm.audit import EVENT_LABELS, acting_as
from crm.roles import VIEWER
from crm.tests.test_audit import post_login, table_cells
from customers import actions
from customers.models import Contact, Customer, Level, Rating
from customers.tests.factories import make_activity, make_contact, make_customer, region, share

LANGUAGES = ["zh-hans", "en"]
# str(datetime) of a stored value: auditlog keeps date-times as naive UTC text with microseconds.
RAW_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\.\d+")
# A value that is a bare number: an id where a name belongs ("deleted by: — → 4").
BARE_NUMBER = re.compile(r"(?:→|: |：)\s*\d+\s*(?:→|;|；|$)")


def plain(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def history_items(obj, language):
    """The history panel's entries, newest first, as text, rendered in ``language``."""
    with translation.override(language):
        html = Template("{% load crm_tags %}{% history_panel obj %}").render(Context({"obj": obj}))
    return [plain(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", html, re.S)]


def audit_rows(client, user, language, query=""):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/audit/{query}")
    assert response.status_code == 200
    return table_cells(response)


def local(value, language):
    """A date-time as the product shows it: the user's time zone, the product's format."""
    with translation.override(language):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def in_language(language, message):
    with translation.override(language):
        return str(_(message))


@pytest.fixture
def customer(manager_ann):
    return make_customer(manager_ann, name="重庆曾记物流有限公司")


# --- delete and restore --------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_deleting_a_customer_reads_as_moved_to_the_recycle_bin_at_local_time(customer, supervisor_sue, language):
    actions.delete_customer(actor=supervisor_sue, customer=customer)
    deleted_at = Customer.all_objects.get(pk=customer.pk).deleted_at
    newest = history_items(customer, language)[0]
    assert in_language(language, "Moved to the recycle bin") in newest
    assert local(deleted_at, language) in newest
    utc = deleted_at.astimezone(UTC)
    assert utc.strftime("%H:%M") not in newest, "the deletion time must be local"
    assert "Supervisor Sue" in newest
    assert "None" not in newest
    assert not RAW_TIMESTAMP.search(newest)
    assert not BARE_NUMBER.search(newest)


def test_restoring_a_customer_keeps_what_it_restored(customer, supervisor_sue, admin):
    actions.delete_customer(actor=supervisor_sue, customer=customer)
    deleted_at = Customer.all_objects.get(pk=customer.pk).deleted_at
    actions.restore_customer(actor=admin, customer=customer)
    entry = LogEntry.objects.get_for_object(customer).order_by("-pk").first()
    # auditlog read the old row through the default manager, which hides the recycle bin: the
    # restore recorded "None → None" for both fields (settings.AUDITLOG_USE_BASE_MANAGER).
    assert entry.changes_dict["deleted_by"] == [str(supervisor_sue.pk), "None"]
    assert entry.changes_dict["deleted_at"][0] != "None"
    for language in LANGUAGES:
        newest = history_items(customer, language)[0]
        assert in_language(language, "Restored from the recycle bin") in newest
        assert "Admin" in newest
        assert local(deleted_at, language) in newest, "the restore names the deletion it undid"
        assert "Supervisor Sue" in newest
        assert "None" not in newest


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_restore_recorded_before_the_fix_reads_as_a_restore_not_none_to_none(customer, supervisor_sue, language):
    actions.delete_customer(actor=supervisor_sue, customer=customer)
    actions.restore_customer(actor=supervisor_sue, customer=customer)
    entry = LogEntry.objects.get_for_object(customer).order_by("-pk").first()
    LogEntry.objects.filter(pk=entry.pk).update(
        changes={"deleted_at": ["None", "None"], "deleted_by": ["None", "None"]}
    )
    newest = history_items(customer, language)[0]
    assert in_language(language, "Restored from the recycle bin") in newest
    assert "None" not in newest
    assert "—" not in newest, "nothing to show is no change, not an empty one"


def test_the_audit_page_names_who_deleted_a_customer_not_their_id(client, customer, supervisor_sue, admin):
    actions.delete_customer(actor=supervisor_sue, customer=customer)
    for language in LANGUAGES:
        rows = audit_rows(client, admin, language, "?content_type=&action=1")
        (deletion,) = [row for row in rows if in_language(language, "Moved to the recycle bin") == row["action"]]
        assert "Supervisor Sue" in deletion["changes"]
        assert in_language(language, "deleted by") in deletion["changes"]
        assert not BARE_NUMBER.search(deletion["changes"]), deletion["changes"]
        assert "None" not in deletion["changes"]


# --- people, choices, numbers ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_manager_change_names_both_managers(client, customer, manager_bob, supervisor_sue, admin, language):
    customer.account_manager = manager_bob
    actions.update_customer(actor=supervisor_sue, customer=customer)
    newest = history_items(customer, language)[0]
    assert "Manager Ann → Manager Bob" in newest
    rows = audit_rows(client, admin, language, "?action=1")
    (change,) = [row for row in rows if "account_manager" in row["changes"] or "Manager Bob" in row["changes"]]
    assert "Manager Ann → Manager Bob" in change["changes"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_choices_read_by_label_money_grouped_and_empty_as_a_dash(customer, supervisor_sue, language):
    customer.level = Level.MAJOR
    customer.satisfaction = Rating.FOUR
    customer.registered_capital = Decimal("1234567.50")
    customer.fax = "010-12345678"
    actions.update_customer(actor=supervisor_sue, customer=customer)
    newest = history_items(customer, language)[0]
    with translation.override(language):
        assert f"{Level.ORDINARY.label} → {Level.MAJOR.label}" in newest
        assert "1,234,567.50" in newest
    assert f"— → {Rating.FOUR.label}" in newest
    assert "— → 010-12345678" in newest
    assert "None" not in newest


# --- grants ---------------------------------------------------------------------------------------


def grant_rows(client, admin, language):
    return [row for row in audit_rows(client, admin, language) if row["action"] in shared_labels(language)]


def shared_labels(language):
    return {in_language(language, "Shared"), in_language(language, "Share revoked")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_grant_rows_read_as_words_in_the_users_language(client, customer, manager_bob, supervisor_sue, admin, language):
    share(customer, manager_bob, "edit", actor=supervisor_sue)
    actions.revoke_share(actor=supervisor_sue, customer=customer, user=manager_bob)
    rows = [row for row in grant_rows(client, admin, language) if "Manager Bob" in row["changes"]]
    shared = [row for row in rows if row["action"] == in_language(language, "Shared")]
    revoked = [row for row in rows if row["action"] == in_language(language, "Share revoked")]
    assert len(shared) == 2 and len(revoked) == 2
    with translation.override(language):
        view, edit = str(_("view")), str(_("edit"))
    assert sorted(row["changes"] for row in shared) == sorted(
        [f"Manager Bob{': ' if language == 'en' else '：'}{words}" for words in (view, edit)]
    )
    for row in rows:
        assert "重庆曾记物流有限公司" in row["object_repr"]
        assert "manager_bob" not in row["object_repr"]
        for english in ("content object", "permission", "None", "_customer"):
            assert english not in row["changes"]
    if language == "zh-hans":
        assert not any(re.search(r"[A-Za-z]{3,}", row["action"] + row["content_type"]) for row in rows)


# --- child rows name their customer ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_contact_and_activity_rows_name_their_customer(client, customer, manager_ann, admin, language):
    contact = make_contact(customer, name="张三")
    contact.position = "采购经理"
    actions.save_contact(actor=manager_ann, contact=contact)
    make_activity(customer, title="上门拜访")
    actions.delete_contact(actor=manager_ann, contact=Contact.objects.get(pk=contact.pk))
    rows = audit_rows(client, admin, language)
    children = [row for row in rows if row["object_repr"].startswith(("张三", "上门拜访"))]
    assert len(children) == 4  # contact created, changed, deleted; activity created
    for row in children:
        assert "重庆曾记物流有限公司" in row["object_repr"], row


# --- exports and transfers ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_export_row_describes_its_filter_count_and_format(
    client, customer, manager_ann, superuser_sam, admin, language
):
    beijing = region()
    actions.export_customers(
        actor=superuser_sam,
        customers=Customer.objects.all(),
        file_format="xlsx",
        filters={
            "q": "曾记",
            "level": str(Level.ORDINARY),
            "account_manager": str(manager_ann.pk),
            "region": str(beijing.pk),
            "created_from": "2026-01-01",
        },
    )
    (row,) = [row for row in audit_rows(client, admin, language) if row["action"] == str(EVENT_LABELS["export"])]
    with translation.override(language):
        assert row["action"] == str(EVENT_LABELS["export"])
        expected = [
            "曾记",
            str(Level.ORDINARY.label),
            "Manager Ann",
            str(beijing),
            "2026-01-01",
            "XLSX",
            str(Customer._meta.get_field("account_manager").verbose_name),
            str(Customer._meta.get_field("level").verbose_name),
        ]
    for text in expected:
        assert text in row["changes"], (text, row["changes"])
    assert re.search(r"\b1\b", row["changes"]), "the row count"
    assert not BARE_NUMBER.search(row["changes"]), row["changes"]
    assert row["object_repr"] == in_language(language, "customers")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_transfer_row_names_both_managers_the_codes_and_the_count(
    client, customer, manager_ann, manager_bob, superuser_sam, admin, language
):
    other = make_customer(manager_ann, name="苏州单氏贸易有限公司")
    actions.transfer_customers(
        actor=superuser_sam,
        customers=Customer.objects.filter(pk__in=[customer.pk, other.pk]),
        to_manager=manager_bob,
        filters={"from": "manager_ann", "codes": [customer.code, other.code]},
    )
    (row,) = [
        row for row in audit_rows(client, admin, language) if row["object_repr"] == in_language(language, "customers")
    ]
    assert row["action"] == in_language(language, "Transfer")
    for text in ("Manager Ann", "Manager Bob", customer.code, other.code):
        assert text in row["changes"], (text, row["changes"])
    assert "manager_bob" not in row["changes"] and "manager_ann" not in row["changes"]
    assert re.search(r"\b2\b", row["changes"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_transferred_customers_history_reads_as_a_transfer_between_managers(
    customer, manager_bob, superuser_sam, language
):
    actions.transfer_customers(
        actor=superuser_sam,
        customers=Customer.objects.filter(pk=customer.pk),
        to_manager=manager_bob,
        filters={"from": "manager_ann", "codes": []},
    )
    newest = history_items(customer, language)[0]
    assert in_language(language, "Transfer") in newest
    assert "Manager Ann → Manager Bob" in newest


# --- the audit page's filters and columns -----------------------------------------------------------


def test_the_action_filter_offers_each_kind_of_event_and_filters_by_it(
    client, customer, manager_ann, superuser_sam, admin
):
    post_login(client, "manager_ann", PASSWORD)
    client.post("/accounts/logout/")
    post_login(client, "manager_ann", "wrong")
    actions.export_customers(actor=superuser_sam, customers=Customer.objects.all(), file_format="csv", filters={})
    customer.address = "重庆市渝中区解放碑1号"
    actions.update_customer(actor=manager_ann, customer=customer)

    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    offered = dict(client.get("/audit/").context["filter"].form.fields["action"].choices)
    with translation.override("zh-hans"):
        for event in ("export", "transfer", "import", "login", "logout", "login_failed"):
            assert str(offered[event]) == str(EVENT_LABELS[event])
    assert "访问" not in {str(label) for label in offered.values()}

    for event in ("login", "logout", "login_failed", "export"):
        rows = audit_rows(client, admin, "en", f"?action={event}")
        assert rows, event
        with translation.override("en"):
            assert {row["action"] for row in rows} == {str(EVENT_LABELS[event])}
    changed = audit_rows(client, admin, "en", f"?action={LogEntry.Action.UPDATE}")
    assert any("解放碑" in row["changes"] for row in changed)
    assert all(row["action"] != "Export" for row in changed)


def test_the_model_filter_offers_translated_model_names(client, admin):
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    field = client.get("/audit/").context["filter"].form.fields["content_type"]
    with translation.override("zh-hans"):
        labels = [str(label) for value, label in field.choices if value]
    assert labels
    untranslated = [label for label in labels if not re.search(r"[\u4e00-\u9fff]", label)]
    assert not untranslated


def test_the_action_column_keeps_its_words_on_one_line(client, manager_ann, admin):
    post_login(client, "manager_ann", PASSWORD)
    client.force_login(admin)
    html = client.get("/audit/").content.decode()
    cells = re.findall(r'<td[^>]*class="([^"]*)"[^>]*>\s*登录\s*</td>', html)
    assert cells and all("text-nowrap" in classes for classes in cells)


# --- everything at once -------------------------------------------------------------------------------


@pytest.fixture
def busy_customer(client, customer, manager_ann, manager_bob, supervisor_sue, superuser_sam, admin):
    """A customer with every kind of change the product records, plus logins, an export and a
    change to a user's roles."""
    customer.level = Level.MAJOR
    customer.credit = Rating.THREE
    customer.annual_turnover = Decimal("98765.4")
    customer.website = "https://example.com"
    actions.update_customer(actor=manager_ann, customer=customer)
    contact = make_contact(customer, name="张三", gender=Contact.Gender.MALE)
    contact.is_primary = True
    contact.memo = "喜欢喝茶"
    actions.save_contact(actor=manager_ann, contact=contact)
    make_activity(customer, title="上门拜访")
    share(customer, manager_bob, "view", actor=supervisor_sue)
    actions.revoke_share(actor=supervisor_sue, customer=customer, user=manager_bob)
    actions.delete_customer(actor=supervisor_sue, customer=customer)
    actions.restore_customer(actor=supervisor_sue, customer=customer)
    actions.transfer_customers(
        actor=superuser_sam,
        customers=Customer.objects.filter(pk=customer.pk),
        to_manager=manager_bob,
        filters={"from": "manager_ann", "codes": [customer.code]},
    )
    actions.export_customers(
        actor=superuser_sam,
        customers=Customer.objects.all(),
        file_format="csv",
        filters={"account_manager": str(manager_bob.pk), "status": "active"},
    )
    post_login(client, "manager_ann", PASSWORD)
    client.post("/accounts/logout/")
    post_login(client, "manager_ann", "wrong")
    with acting_as(admin):
        manager_ann.groups.add(Group.objects.get(name=VIEWER))
        Group.objects.get(name=VIEWER).permissions.add(Permission.objects.get(codename="add_dictionaryentry"))
    return customer


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_history_or_audit_line_shows_none_ids_or_raw_timestamps(client, busy_customer, admin, language):
    texts = history_items(busy_customer, language)
    texts += [" | ".join(row.values()) for row in audit_rows(client, admin, language)]
    assert len(texts) > 30
    for text in texts:
        assert "None" not in text, text
        assert "True" not in text and "False" not in text, text
        assert not RAW_TIMESTAMP.search(text), text
        assert not BARE_NUMBER.search(text), text
        assert "manager_" not in text, f"people by display name: {text}"
        if language == "zh-hans":
            assert "Can " not in text and VIEWER not in text, f"permissions and roles in words: {text}"


@pytest.mark.parametrize("count", [3, 30])
def test_the_audit_page_reads_related_names_in_a_bounded_number_of_queries(
    client, manager_ann, manager_bob, supervisor_sue, admin, django_assert_max_num_queries, count
):
    # Only these rows, so a page of 3 customers and one of 30 hold the same kinds of rows.
    LogEntry.objects.all().delete()
    for number in range(count):
        manager, colleague = (manager_ann, manager_bob) if number % 2 else (manager_bob, manager_ann)
        customer = make_customer(manager, name=f"批量客户{number:03d}有限公司")
        contact = make_contact(customer, name=f"联系人{number:03d}")
        contact.position = "经理"
        actions.save_contact(actor=manager, contact=contact)
        share(customer, colleague, "view", actor=supervisor_sue)
        actions.delete_contact(actor=manager, contact=contact)
        actions.delete_customer(actor=supervisor_sue, customer=customer)
    client.force_login(admin)
    with django_assert_max_num_queries(18):
        response = client.get("/audit/?per_page=100")
    rows = table_cells(response)
    assert len(rows) == min(100, LogEntry.objects.count())
    contacts = [row for row in rows if row["object_repr"].startswith("联系人")]
    assert contacts and all("批量客户" in row["object_repr"] for row in contacts)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_import_row_names_its_file_and_counts(client, admin, manager_ann, tmp_path, language):
    from sales.tests.test_import import FIXTURE_CUSTOMER_CODE, FIXTURES, KINDS, run

    imported = make_customer(manager_ann, name="安诚贸易有限公司")
    paths = []
    for kind in KINDS:
        path = tmp_path / f"{kind}.csv"
        text = (FIXTURES / f"{kind}.csv").read_text(encoding="utf-8")
        path.write_text(text.replace(FIXTURE_CUSTOMER_CODE, imported.code), encoding="utf-8")
        paths.append(path)
    run(*paths)
    rows = audit_rows(client, admin, language, "?action=import")
    assert rows
    for row in rows:
        assert row["action"] == in_language(language, "Import")
        assert ".csv" in row["changes"]
        assert re.search(r"\d", row["changes"]), "the row count"
        with translation.override(language):
            counts = _("%(created)s new, %(updated)s changed, %(unchanged)s unchanged") % dict.fromkeys(
                ("created", "updated", "unchanged"), "NUMBER"
            )
        assert re.search(re.escape(counts).replace("NUMBER", r"\d+"), row["changes"]), row["changes"]
        assert not BARE_NUMBER.search(row["changes"]), row["changes"]
        assert "None" not in row["changes"] and "{" not in row["changes"]
