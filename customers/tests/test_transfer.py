"""A transfer that can't surprise (issue 10): the transfer page previews what will move and asks for
confirmation, an empty code box is "all of this manager's customers" and confirmed as such, codes
that match nothing are named, nothing moved is never a green success, shares survive a transfer,
and one transfer writes one audit row per customer moved plus its summary row."""

import re

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from conftest import PASSWORD
from crm import access
from crm.actions import create_user
from crm.roles import ACCOUNT_MANAGER
from customers import actions
from customers.actions import ActionError
from customers.models import Customer, CustomerUserObjectPermission
from customers.tests.factories import OWNER, grants, make_customer, share

pytestmark = pytest.mark.django_db

TRANSFER = reverse("customers:transfer")
LIST = reverse("customers:list")


@pytest.fixture
def manager_cat(roles):
    return create_user(username="manager_cat", password=PASSWORD, full_name="Manager Cat", roles=[ACCOUNT_MANAGER])


def last_pk():
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def written_since(since):
    """Audit rows written after ``since``, other than the sign-ins of the test's client."""
    return LogEntry.objects.filter(pk__gt=since).exclude(additional_data__event="login")


def transfer(customers, to_manager, actor, **kwargs):
    return actions.transfer_customers(
        actor=actor,
        customers=Customer.objects.filter(pk__in=[c.pk for c in customers]),
        to_manager=to_manager,
        **kwargs,
    )


def manager_of(customer):
    return Customer.objects.get(pk=customer.pk).account_manager


def text(response):
    """The page's visible text, whitespace collapsed (so assertions don't depend on line breaks)."""
    body = response.content.decode()
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def messages_of(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


# --- shares survive a transfer ------------------------------------------------------------------


@pytest.mark.parametrize("level", ["view", "edit"])
def test_a_share_the_new_manager_held_comes_back_when_the_customer_moves_on(
    level, manager_ann, manager_bob, supervisor_sue, superuser_sam
):
    # The reported bug: ann -> bob -> ann silently dropped the share sue had given bob.
    customer = share(make_customer(manager_ann), manager_bob, level, actor=supervisor_sue)
    shared = grants(customer, manager_bob)
    transfer([customer], manager_bob, superuser_sam)
    assert manager_of(customer) == manager_bob
    # Managing it, bob may do all a manager does, whatever his share said.
    for action in ("view", "change", "delete"):
        assert access.can(manager_bob, action, customer)
    assert grants(customer, manager_ann) == set()

    transfer([customer], manager_ann, superuser_sam)
    assert manager_of(customer) == manager_ann
    assert grants(customer, manager_ann) == OWNER
    assert grants(customer, manager_bob) == shared
    assert access.can(manager_bob, "view", customer)
    assert access.can(manager_bob, "change", customer) == (level == "edit")
    assert not access.can(manager_bob, "delete", customer)


def test_shares_with_third_parties_survive_transfers(
    manager_ann, manager_bob, manager_cat, superuser_sam, supervisor_sue
):
    customer = share(make_customer(manager_ann), manager_cat, "edit", actor=supervisor_sue)
    transfer([customer], manager_bob, superuser_sam)
    assert grants(customer, manager_cat) == {"view_customer", "change_customer"}
    transfer([customer], manager_ann, superuser_sam)
    assert grants(customer, manager_cat) == {"view_customer", "change_customer"}
    assert grants(customer, manager_bob) == set()
    assert grants(customer, manager_ann) == OWNER


def test_a_share_comes_back_when_the_edit_form_moves_the_customer_on(
    manager_ann, manager_bob, supervisor_sue, superuser_sam
):
    # The same rule when the manager changes through the customer form, not the transfer page.
    customer = share(make_customer(manager_ann), manager_bob, "view", actor=supervisor_sue)
    transfer([customer], manager_bob, superuser_sam)
    customer.refresh_from_db()
    customer.account_manager = manager_ann
    actions.update_customer(actor=superuser_sam, customer=customer)
    assert manager_of(customer) == manager_ann
    assert grants(customer, manager_ann) == OWNER
    assert grants(customer, manager_bob) == {"view_customer"}


def test_a_manager_without_an_earlier_share_loses_access_when_the_customer_moves(
    manager_ann, manager_bob, superuser_sam
):
    customer = make_customer(manager_ann)
    transfer([customer], manager_bob, superuser_sam)
    assert grants(customer, manager_ann) == set()
    assert not access.can(manager_ann, "view", customer)
    assert grants(customer, manager_bob) == OWNER


def test_an_earlier_share_can_be_revoked_once_the_customer_has_moved_on(
    manager_ann, manager_bob, supervisor_sue, superuser_sam
):
    customer = share(make_customer(manager_ann), manager_bob, "view", actor=supervisor_sue)
    transfer([customer], manager_bob, superuser_sam)
    with pytest.raises(ActionError):  # while bob manages it, his access is the manager's
        actions.revoke_share(actor=supervisor_sue, customer=customer, user=manager_bob)
    transfer([customer], manager_ann, superuser_sam)
    actions.revoke_share(actor=supervisor_sue, customer=customer, user=manager_bob)
    assert grants(customer, manager_bob) == set()


# --- the audit: one row per customer moved, plus the summary row ---------------------------------


def test_a_transfer_writes_one_audit_row_per_customer_moved_and_one_summary_row(
    manager_ann, manager_bob, manager_cat, supervisor_sue, superuser_sam
):
    first = make_customer(manager_ann)
    second = share(make_customer(manager_ann), manager_bob, "view", actor=supervisor_sue)
    third = share(make_customer(manager_ann), manager_cat, "edit", actor=supervisor_sue)
    since = last_pk()
    moved = transfer(
        [first, second, third],
        manager_bob,
        superuser_sam,
        filters={"from": "manager_ann", "codes": []},
    )
    assert moved == 3
    rows = list(LogEntry.objects.filter(pk__gt=since).order_by("pk"))
    customer_type = ContentType.objects.get_for_model(Customer)
    per_customer = [row for row in rows if row.action == LogEntry.Action.UPDATE]
    assert len(rows) == 4
    assert sorted(int(row.object_pk) for row in per_customer) == sorted([first.pk, second.pk, third.pk])
    for row in per_customer:
        assert row.content_type == customer_type
        assert row.changes == {"account_manager": [str(manager_ann.pk), str(manager_bob.pk)]}
        assert row.additional_data["event"] == "transfer"
        assert row.actor == superuser_sam
    # No grant rows: the moved grants are part of the one event.
    grant_type = ContentType.objects.get_for_model(CustomerUserObjectPermission)
    assert not [row for row in rows if row.content_type == grant_type]
    (summary,) = [row for row in rows if row.action == LogEntry.Action.ACCESS]
    assert summary.additional_data["event"] == "transfer"
    assert summary.actor == superuser_sam
    assert summary.additional_data["from"] == "manager_ann"
    assert summary.additional_data["to"] == "manager_bob"
    assert summary.additional_data["codes"] == []
    assert summary.additional_data["rows"] == 3


def test_the_summary_row_names_the_codes_that_were_asked_for(manager_ann, manager_bob, superuser_sam):
    customer = make_customer(manager_ann)
    since = last_pk()
    transfer([customer], manager_bob, superuser_sam, filters={"from": "manager_ann", "codes": [customer.code]})
    summary = LogEntry.objects.get(pk__gt=since, action=LogEntry.Action.ACCESS)
    assert summary.additional_data["codes"] == [customer.code]
    assert summary.additional_data["filter"] == {"from": "manager_ann", "codes": [customer.code]}


def test_a_transfer_that_would_move_nothing_is_refused_and_records_nothing(manager_ann, manager_bob, superuser_sam):
    already_bobs = make_customer(manager_bob)
    since = last_pk()
    with pytest.raises(ActionError):
        transfer([already_bobs], manager_bob, superuser_sam)
    with pytest.raises(ActionError):
        transfer([], manager_bob, superuser_sam)
    assert last_pk() == since


def test_a_transfer_whose_selection_changed_since_it_was_confirmed_moves_nothing(
    manager_ann, manager_bob, superuser_sam
):
    first = make_customer(manager_ann)
    second = make_customer(manager_ann)
    since = last_pk()
    with pytest.raises(ActionError):
        transfer([first, second], manager_bob, superuser_sam, expected=[first.pk])
    assert manager_of(first) == manager_of(second) == manager_ann
    assert grants(first, manager_ann) == OWNER
    assert last_pk() == since


# --- the page: preview, then confirm --------------------------------------------------------------


@pytest.fixture
def client(client, settings):
    """Pages in English unless a test asks for Chinese (the default language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post(client, user, data):
    client.force_login(user)
    return client.post(TRANSFER, data)


def confirm_data(response):
    """The fields of the preview's confirmation form, as the browser would send them."""
    form = response.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    data["confirm"] = "1"
    return {key: "" if value is None else value for key, value in data.items()}


def test_codes_that_match_nothing_are_named_and_nothing_moves(client, manager_ann, manager_bob, superuser_sam):
    # The reported bug: a green "0 customers were transferred."
    mine = make_customer(manager_ann)
    since = last_pk()
    response = post(
        client, superuser_sam, {"from_manager": manager_ann.pk, "to_manager": manager_bob.pk, "codes": "KH0 kh1"}
    )
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    page = text(response)
    assert "KH0" in page and "KH1" in page
    assert not [m for m in messages_of(response) if m[0] == "success"]
    assert response.context["form"].non_field_errors()
    assert manager_of(mine) == manager_ann
    assert not written_since(since).exists()


def test_a_first_submission_only_previews_what_will_move(client, manager_ann, manager_bob, superuser_sam):
    mine = make_customer(manager_ann, name="安诚贸易有限公司")
    other = make_customer(manager_bob, name="博远科技有限公司")
    binned = make_customer(manager_ann, name="废弃客户有限公司")
    actions.delete_customer(actor=manager_ann, customer=binned)
    since = last_pk()
    codes = f"{mine.code} {other.code} {binned.code} KH000"
    response = post(
        client, superuser_sam, {"from_manager": manager_ann.pk, "to_manager": manager_bob.pk, "codes": codes}
    )
    assert response.status_code == 200
    assert manager_of(mine) == manager_ann
    assert not written_since(since).exists()
    page = text(response)
    preview = response.context["preview"]
    assert [row["customer"] for row in preview["rows"]] == [mine]
    assert preview["count"] == 1
    assert preview["unknown"] == ["KH000"]
    assert [(c.code, c.account_manager) for c in preview["elsewhere"]] == [(other.code, manager_bob)]
    assert preview["binned"] == [binned.code]
    for shown in ("安诚贸易有限公司", "KH000", other.code, "Manager Bob", binned.code):
        assert shown in page
    assert 'data-testid="transfer-confirm"' in response.content.decode()


def test_confirming_the_preview_moves_the_customers(client, manager_ann, manager_bob, superuser_sam):
    mine = make_customer(manager_ann)
    preview = post(
        client, superuser_sam, {"from_manager": manager_ann.pk, "to_manager": manager_bob.pk, "codes": mine.code}
    )
    response = post(client, superuser_sam, confirm_data(preview))
    assert response.status_code == 302
    assert manager_of(mine) == manager_bob
    follow = client.get(response["Location"])
    assert ("success", "1 customer was transferred.") in messages_of(follow)


def test_an_empty_code_box_previews_all_of_the_managers_customers(client, manager_ann, manager_bob, superuser_sam):
    # The reported bug: an empty box moved all of ann's customers in one click.
    customers = [make_customer(manager_ann) for _ in range(3)]
    make_customer(manager_bob)
    response = post(client, superuser_sam, {"from_manager": manager_ann.pk, "to_manager": manager_bob.pk, "codes": ""})
    assert response.status_code == 200
    assert all(manager_of(customer) == manager_ann for customer in customers)
    preview = response.context["preview"]
    assert preview["everything"] and preview["count"] == 3
    assert "all 3 customers of Manager Ann will move to Manager Bob" in text(response)
    # The confirmation of "all" asks once more in the browser, naming the number.
    assert re.search(r'data-confirm="[^"]*3[^"]*"', response.content.decode())

    response = post(client, superuser_sam, confirm_data(response))
    assert response.status_code == 302
    assert all(manager_of(customer) == manager_bob for customer in customers)


def test_a_confirmation_whose_selection_changed_is_refused(client, manager_ann, manager_bob, superuser_sam):
    first = make_customer(manager_ann)
    preview = post(client, superuser_sam, {"from_manager": manager_ann.pk, "to_manager": manager_bob.pk, "codes": ""})
    late = make_customer(manager_ann)  # ann got a customer after the preview was shown
    since = last_pk()
    response = post(client, superuser_sam, confirm_data(preview))
    assert response.status_code == 200
    assert manager_of(first) == manager_of(late) == manager_ann
    assert not written_since(since).exists()
    assert [level for level, _ in messages_of(response)] == ["error"]
    # The page shows the new preview, to be confirmed again.
    assert response.context["preview"]["count"] == 2


def test_a_forged_expected_count_is_refused(client, manager_ann, manager_bob, superuser_sam):
    mine = make_customer(manager_ann)
    preview = post(client, superuser_sam, {"from_manager": manager_ann.pk, "to_manager": manager_bob.pk, "codes": ""})
    data = {**confirm_data(preview), "expected": "7"}
    response = post(client, superuser_sam, data)
    assert response.status_code == 200
    assert manager_of(mine) == manager_ann


def test_a_manager_with_no_customers_gets_an_error_not_a_success(client, manager_ann, manager_bob, superuser_sam):
    since = last_pk()
    response = post(client, superuser_sam, {"from_manager": manager_ann.pk, "to_manager": manager_bob.pk, "codes": ""})
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert response.context["form"].non_field_errors()
    assert "Manager Ann" in text(response)
    assert not written_since(since).exists()


def test_the_preview_says_what_happens_to_shares(
    client, manager_ann, manager_bob, manager_cat, supervisor_sue, superuser_sam
):
    customer = share(make_customer(manager_ann), manager_bob, "view", actor=supervisor_sue)
    share(customer, manager_cat, "edit", actor=supervisor_sue)
    response = post(client, superuser_sam, {"from_manager": manager_ann.pk, "to_manager": manager_bob.pk, "codes": ""})
    (row,) = response.context["preview"]["rows"]
    assert row["new_manager_share"] == "view"
    assert [(user, level) for user, level in row["others"]] == [(manager_cat, "edit")]
    page = text(response)
    assert "Manager Cat" in page


def test_the_preview_in_chinese(client, settings, manager_ann, manager_bob, superuser_sam):
    make_customer(manager_ann)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = post(
        client, superuser_sam, {"from_manager": manager_ann.pk, "to_manager": manager_bob.pk, "codes": "KH1 KH0"}
    )
    page = text(response)
    assert "没有客户使用这些编号：KH0、KH1。" in page
    assert "customer" not in page


# --- the share page -------------------------------------------------------------------------------


def test_revoking_a_share_asks_first_and_the_list_has_a_heading(client, manager_ann, manager_bob, supervisor_sue):
    customer = share(make_customer(manager_ann), manager_bob, "view", actor=supervisor_sue)
    client.force_login(supervisor_sue)
    response = client.get(reverse("customers:share", args=[customer.code]))
    body = response.content.decode()
    revoke = reverse("customers:unshare", args=[customer.code, manager_bob.pk])
    form = re.search(rf'<form[^>]*action="{re.escape(revoke)}"[^>]*>', body).group(0)
    assert "data-confirm=" in form and "Manager Bob" in form
    assert 'data-testid="share-list-heading"' in body
    assert "Who can see this customer" in text(response)
