import re
from datetime import timedelta

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils import timezone

from crm import access
from crm.testing.concurrency import at_once, needs_postgresql
from customers import actions, selectors
from customers.actions import ActionError
from customers.models import CodeSequence, Contact, Customer, CustomerUserObjectPermission
from customers.search import customer_search_q
from customers.tests.factories import OWNER, grants, make_contact, make_customer, region, share

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^KH(\d{8})(\d{4})$")


def today_prefix():
    return f"KH{timezone.localdate():%Y%m%d}"


def found_by(text):
    return set(Customer.objects.filter(customer_search_q(text)).values_list("code", flat=True))


# Codes


def test_code_is_kh_then_todays_date_then_a_four_digit_number(manager_ann):
    customer = make_customer(manager_ann)
    match = CODE.match(customer.code)
    assert match, customer.code
    assert match.group(1) == f"{timezone.localdate():%Y%m%d}"


def test_codes_of_one_day_are_sequential(manager_ann, manager_bob):
    first = make_customer(manager_ann)
    second = make_customer(manager_bob)
    third = make_customer(manager_ann)
    assert [first.code, second.code, third.code] == [f"{today_prefix()}{n:04d}" for n in (1, 2, 3)]


def test_each_day_starts_its_own_sequence(manager_ann):
    yesterday = timezone.localdate() - timedelta(days=1)
    CodeSequence.objects.create(day=yesterday, last=57)
    customer = make_customer(manager_ann)
    assert customer.code == f"{today_prefix()}0001"
    assert CodeSequence.objects.get(day=yesterday).last == 57


def test_code_of_a_deleted_customer_is_never_given_again(manager_ann):
    make_customer(manager_ann)
    second = make_customer(manager_ann)
    actions.delete_customer(actor=manager_ann, customer=second)
    third = make_customer(manager_ann)
    assert third.code == f"{today_prefix()}0003"
    # Even a customer purged from the database leaves its number used.
    Customer.all_objects.filter(pk=third.pk).delete()
    assert make_customer(manager_ann).code == f"{today_prefix()}0004"


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_customers_created_at_the_same_moment_get_distinct_sequential_codes(manager_ann, manager_bob):
    threads_count, per_thread = 4, 5

    def create_many(manager):
        return lambda: [make_customer(manager).code for _ in range(per_thread)]

    outcomes = at_once(*(create_many(manager) for manager in [manager_ann, manager_bob] * (threads_count // 2)))
    assert [error for _codes, error in outcomes if error] == []
    codes = [code for made, _error in outcomes for code in made]
    total = threads_count * per_thread
    assert len(codes) == total
    assert sorted(codes) == [f"{today_prefix()}{n:04d}" for n in range(1, total + 1)]


# Pinyin keys


def test_pinyin_and_initials_follow_a_rename(manager_ann):
    customer = make_customer(manager_ann, name="北京鑫达科技有限公司")
    assert customer.name_pinyin == "beijingxindakejiyouxiangongsi"
    assert customer.name_initials == "bjxdkjyxgs"
    customer.name = "上海华联商贸有限公司"
    actions.update_customer(actor=manager_ann, customer=customer)
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.name_pinyin == "shanghaihualianshangmaoyouxiangongsi"
    assert stored.name_initials == "shhlsmyxgs"
    assert found_by("shanghai") == {customer.code}
    assert found_by("beijing") == set()
    assert found_by("bjxd") == set()


def test_name_with_a_polyphonic_surname_is_found_by_both_readings(manager_ann):
    customer = make_customer(manager_ann, name="曾记餐饮有限公司")
    make_customer(manager_ann, name="北京鑫达科技有限公司")
    assert found_by("zengji") == {customer.code}
    assert found_by("cengji") == {customer.code}
    assert found_by("zjcy") == {customer.code}
    assert found_by("cjcy") == {customer.code}


def test_renaming_to_a_polyphonic_surname_adds_the_surname_reading(manager_ann):
    customer = make_customer(manager_ann, name="北京鑫达科技有限公司")
    customer.name = "单氏食品有限公司"
    actions.update_customer(actor=manager_ann, customer=customer)
    assert found_by("shanshi") == {customer.code}
    assert found_by("danshi") == {customer.code}


# Owner grants


def test_creating_a_customer_gives_its_manager_view_change_and_delete(manager_ann, manager_bob):
    customer = make_customer(manager_ann)
    assert grants(customer, manager_ann) == OWNER
    assert grants(customer, manager_bob) == set()
    assert access.can(manager_ann, "delete", customer)
    assert not access.can(manager_bob, "view", customer)


def test_a_superuser_changing_the_manager_moves_the_grants(manager_ann, manager_bob, superuser_sam):
    customer = make_customer(manager_ann)
    customer.account_manager = manager_bob
    actions.update_customer(actor=superuser_sam, customer=customer)
    assert Customer.objects.get(pk=customer.pk).account_manager == manager_bob
    assert grants(customer, manager_bob) == OWNER
    assert grants(customer, manager_ann) == set()
    assert customer not in selectors.customer_list(user=manager_ann)
    assert customer in selectors.customer_list(user=manager_bob)


def test_an_edit_that_keeps_the_manager_keeps_the_grants(manager_ann, manager_bob, supervisor_sue):
    customer = share(make_customer(manager_ann), manager_bob, "view", actor=supervisor_sue)
    customer.address = "新地址"
    actions.update_customer(actor=manager_ann, customer=customer)
    assert grants(customer, manager_ann) == OWNER
    assert grants(customer, manager_bob) == {"view_customer"}


def test_transfer_moves_customers_and_grants_to_the_new_manager(manager_ann, manager_bob, superuser_sam):
    first = make_customer(manager_ann)
    second = make_customer(manager_ann)
    already_bobs = make_customer(manager_bob)
    moved = actions.transfer_customers(
        actor=superuser_sam,
        customers=Customer.objects.filter(pk__in=[first.pk, second.pk, already_bobs.pk]),
        to_manager=manager_bob,
    )
    assert moved == 2
    for customer in (first, second):
        assert Customer.objects.get(pk=customer.pk).account_manager == manager_bob
        assert grants(customer, manager_bob) == OWNER
        assert grants(customer, manager_ann) == set()
    assert grants(already_bobs, manager_bob) == OWNER


def test_transfer_accepts_the_scoped_customer_list_the_transfer_page_passes(
    manager_ann, manager_bob, superuser_sam, supervisor_sue
):
    # The transfer view passes selectors.customer_list(), which joins the nullable region with a
    # LEFT OUTER JOIN; PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    with_region = make_customer(manager_ann)
    without_region = make_customer(manager_ann, region=None)
    customers = selectors.customer_list(user=superuser_sam).filter(account_manager=manager_ann)
    moved = actions.transfer_customers(actor=superuser_sam, customers=customers, to_manager=manager_bob)
    assert moved == 2
    assert set(Customer.objects.filter(account_manager=manager_bob)) == {with_region, without_region}


# Sharing


def test_sharing_to_view_lets_the_colleague_see_but_not_change(manager_ann, manager_bob, supervisor_sue):
    customer = make_customer(manager_bob)
    actions.share_customer(actor=supervisor_sue, customer=customer, user=manager_ann, level="view")
    assert grants(customer, manager_ann) == {"view_customer"}
    assert customer in selectors.customer_list(user=manager_ann)
    assert not access.can(manager_ann, "change", customer)


def test_sharing_to_edit_lets_the_colleague_change_but_not_delete(manager_ann, manager_bob, supervisor_sue):
    customer = make_customer(manager_bob)
    actions.share_customer(actor=supervisor_sue, customer=customer, user=manager_ann, level="edit")
    assert grants(customer, manager_ann) == {"view_customer", "change_customer"}
    assert access.can(manager_ann, "change", customer)
    assert not access.can(manager_ann, "delete", customer)


def test_sharing_again_with_view_takes_back_edit(manager_ann, manager_bob, supervisor_sue):
    customer = share(make_customer(manager_bob), manager_ann, "edit", actor=supervisor_sue)
    actions.share_customer(actor=supervisor_sue, customer=customer, user=manager_ann, level="view")
    assert grants(customer, manager_ann) == {"view_customer"}


def test_revoking_a_share_hides_the_customer_again(manager_ann, manager_bob, supervisor_sue):
    customer = share(make_customer(manager_bob), manager_ann, "edit", actor=supervisor_sue)
    actions.revoke_share(actor=supervisor_sue, customer=customer, user=manager_ann)
    assert grants(customer, manager_ann) == set()
    assert customer not in selectors.customer_list(user=manager_ann)
    assert grants(customer, manager_bob) == OWNER


# Recycle bin


def test_deleted_customer_is_hidden_until_restored_with_its_grants(
    manager_ann, manager_bob, supervisor_sue, viewer_vic
):
    customer = share(make_customer(manager_ann), manager_bob, "view", actor=supervisor_sue)
    actions.delete_customer(actor=manager_ann, customer=customer)

    stored = Customer.all_objects.get(pk=customer.pk)
    assert stored.deleted_at is not None
    assert stored.deleted_by == manager_ann
    for user in (manager_ann, manager_bob, supervisor_sue, viewer_vic):
        assert customer not in selectors.customer_list(user=user)
        with pytest.raises(Http404):
            selectors.customer_by_code(user=user, code=customer.code)
    assert list(selectors.recycle_bin(user=supervisor_sue)) == [stored]
    assert not selectors.recycle_bin(user=manager_ann).exists()

    actions.restore_customer(actor=supervisor_sue, customer=customer)

    assert selectors.customer_by_code(user=manager_ann, code=customer.code) == customer
    assert customer in selectors.customer_list(user=manager_bob)
    assert grants(customer, manager_ann) == OWNER
    assert grants(customer, manager_bob) == {"view_customer"}
    assert Customer.objects.get(pk=customer.pk).deleted_by is None
    assert not selectors.recycle_bin(user=supervisor_sue).exists()


# Contacts


def test_first_contact_becomes_primary(manager_ann):
    customer = make_customer(manager_ann)
    first = make_contact(customer, name="王芳", is_primary=False)
    second = make_contact(customer, name="李娜", is_primary=False)
    assert Contact.objects.get(pk=first.pk).is_primary
    assert not Contact.objects.get(pk=second.pk).is_primary


def test_making_another_contact_primary_demotes_the_old_one(manager_ann):
    customer = make_customer(manager_ann)
    first = make_contact(customer, name="王芳")
    second = make_contact(customer, name="李娜")
    second.is_primary = True
    actions.save_contact(actor=manager_ann, contact=second)
    assert list(customer.contacts.filter(is_primary=True)) == [second]
    assert not Contact.objects.get(pk=first.pk).is_primary


def test_unticking_the_only_primary_contact_keeps_it_primary(manager_ann):
    customer = make_customer(manager_ann)
    only = make_contact(customer, name="王芳")
    only.is_primary = False
    actions.save_contact(actor=manager_ann, contact=only)
    assert Contact.objects.get(pk=only.pk).is_primary


def test_deleting_the_primary_contact_promotes_the_next_by_name(manager_ann):
    customer = make_customer(manager_ann)
    primary = make_contact(customer, name="王芳")
    make_contact(customer, name="李娜")
    first_by_name = make_contact(customer, name="安然")
    actions.delete_contact(actor=manager_ann, contact=primary)
    assert list(customer.contacts.filter(is_primary=True)) == [first_by_name]


def test_deleting_another_contact_leaves_the_primary_alone(manager_ann):
    customer = make_customer(manager_ann)
    primary = make_contact(customer, name="王芳")
    other = make_contact(customer, name="安然")
    actions.delete_contact(actor=manager_ann, contact=other)
    assert list(customer.contacts.filter(is_primary=True)) == [primary]


def test_deleting_the_last_contact_leaves_none(manager_ann):
    customer = make_customer(manager_ann)
    actions.delete_contact(actor=manager_ann, contact=make_contact(customer))
    assert not customer.contacts.exists()


def test_create_customer_with_a_first_contact_makes_it_primary(manager_ann):
    customer = Customer(name="北京鑫达科技有限公司", account_manager=manager_ann, region=region())
    contact = Contact(name="王芳", is_primary=False)
    actions.create_customer(actor=manager_ann, customer=customer, contact=contact)
    assert list(customer.contacts.values_list("name", "is_primary")) == [("王芳", True)]


# Audit


def _entries(obj, action):
    return LogEntry.objects.get_for_object(obj).filter(action=action)


def test_creating_a_customer_is_audited_with_its_actor(manager_ann):
    with set_actor(manager_ann):
        customer = make_customer(manager_ann, name="北京鑫达科技有限公司")
    entry = _entries(customer, LogEntry.Action.CREATE).get()
    assert entry.actor == manager_ann
    assert entry.changes_dict["name"][1] == "北京鑫达科技有限公司"


def test_editing_a_customer_is_audited_with_the_changed_fields(manager_ann):
    customer = make_customer(manager_ann, address="旧地址")
    with set_actor(manager_ann):
        customer.address = "新地址"
        actions.update_customer(actor=manager_ann, customer=customer)
    entry = _entries(customer, LogEntry.Action.UPDATE).get()
    assert entry.actor == manager_ann
    assert entry.changes_dict["address"] == ["旧地址", "新地址"]


def test_soft_delete_and_restore_are_audited_with_their_actors(manager_ann, supervisor_sue):
    customer = make_customer(manager_ann)
    with set_actor(manager_ann):
        actions.delete_customer(actor=manager_ann, customer=customer)
    with set_actor(supervisor_sue):
        actions.restore_customer(actor=supervisor_sue, customer=customer)
    deleted, restored = _entries(customer, LogEntry.Action.UPDATE).order_by("timestamp", "pk")
    assert deleted.actor == manager_ann
    assert deleted.changes_dict["deleted_at"][0] == "None"
    assert restored.actor == supervisor_sue
    assert restored.changes_dict["deleted_at"][1] == "None"
    # A soft delete is not a row deletion.
    assert not _entries(customer, LogEntry.Action.DELETE).exists()


def test_sharing_and_revoking_are_audited_with_their_actor(manager_ann, manager_bob, supervisor_sue):
    customer = make_customer(manager_bob)
    grant_type = ContentType.objects.get_for_model(CustomerUserObjectPermission)
    with set_actor(supervisor_sue):
        actions.share_customer(actor=supervisor_sue, customer=customer, user=manager_ann, level="edit")
    created = LogEntry.objects.filter(content_type=grant_type, action=LogEntry.Action.CREATE, actor=supervisor_sue)
    assert created.count() == 2
    with set_actor(supervisor_sue):
        actions.revoke_share(actor=supervisor_sue, customer=customer, user=manager_ann)
    deleted = LogEntry.objects.filter(content_type=grant_type, action=LogEntry.Action.DELETE, actor=supervisor_sue)
    assert deleted.count() == 2


def test_changing_the_manager_is_audited(manager_ann, manager_bob, superuser_sam):
    customer = make_customer(manager_ann)
    with set_actor(superuser_sam):
        customer.account_manager = manager_bob
        actions.update_customer(actor=superuser_sam, customer=customer)
    entry = _entries(customer, LogEntry.Action.UPDATE).get()
    assert entry.actor == superuser_sam
    assert "account_manager" in entry.changes_dict


# Refusals


def test_creating_a_customer_for_a_non_manager_is_refused(viewer_vic):
    with pytest.raises(ActionError):
        make_customer(viewer_vic)
    assert not Customer.all_objects.exists()
    assert not CodeSequence.objects.filter(last__gt=0).exists()


def test_creating_a_customer_for_an_inactive_manager_is_refused(manager_ann):
    manager_ann.is_active = False
    manager_ann.save()
    with pytest.raises(ActionError):
        make_customer(manager_ann)
    assert not Customer.all_objects.exists()


def test_creating_a_second_customer_with_the_same_uscc_is_refused(manager_ann, manager_bob):
    make_customer(manager_ann, uscc="91110000600037341L")
    with pytest.raises(ActionError):
        make_customer(manager_bob, uscc="91110000600037341l")
    assert Customer.all_objects.count() == 1
    # The refused customer's number was rolled back with it: the next one follows on.
    assert make_customer(manager_bob).code == f"{today_prefix()}0002"


def test_giving_a_customer_to_a_non_manager_is_refused(manager_ann, viewer_vic, superuser_sam):
    customer = make_customer(manager_ann)
    customer.account_manager = viewer_vic
    with pytest.raises(ActionError):
        actions.update_customer(actor=superuser_sam, customer=customer)
    assert Customer.objects.get(pk=customer.pk).account_manager == manager_ann
    assert grants(customer, manager_ann) == OWNER
    assert grants(customer, viewer_vic) == set()


def test_editing_a_customer_to_another_customers_uscc_is_refused(manager_ann):
    make_customer(manager_ann, uscc="91110000600037341L")
    customer = make_customer(manager_ann, address="旧地址")
    customer.uscc = "91110000600037341L"
    customer.address = "新地址"
    with pytest.raises(ActionError):
        actions.update_customer(actor=manager_ann, customer=customer)
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.uscc is None
    assert stored.address == "旧地址"


def test_transferring_to_a_non_manager_is_refused(manager_ann, viewer_vic, superuser_sam):
    customer = make_customer(manager_ann)
    with pytest.raises(ActionError):
        actions.transfer_customers(
            actor=superuser_sam, customers=Customer.objects.filter(pk=customer.pk), to_manager=viewer_vic
        )
    assert Customer.objects.get(pk=customer.pk).account_manager == manager_ann
    assert grants(customer, manager_ann) == OWNER


def test_sharing_with_a_user_who_is_not_an_account_manager_is_refused(manager_ann, viewer_vic, supervisor_sue):
    customer = make_customer(manager_ann)
    for user in (viewer_vic, supervisor_sue):
        with pytest.raises(ActionError):
            actions.share_customer(actor=supervisor_sue, customer=customer, user=user, level="view")
        assert grants(customer, user) == set()


def test_sharing_with_an_inactive_account_manager_is_refused(manager_ann, manager_bob, supervisor_sue):
    customer = make_customer(manager_ann)
    manager_bob.is_active = False
    manager_bob.save()
    with pytest.raises(ActionError):
        actions.share_customer(actor=supervisor_sue, customer=customer, user=manager_bob, level="view")
    assert grants(customer, manager_bob) == set()


def test_sharing_with_the_customers_own_manager_is_refused(manager_ann, supervisor_sue):
    customer = make_customer(manager_ann)
    with pytest.raises(ActionError):
        actions.share_customer(actor=supervisor_sue, customer=customer, user=manager_ann, level="view")
    # Sharing "view" must not have cut the manager down to view.
    assert grants(customer, manager_ann) == OWNER


def test_sharing_with_an_unknown_level_is_refused(manager_ann, manager_bob, supervisor_sue):
    customer = make_customer(manager_ann)
    with pytest.raises(ActionError):
        actions.share_customer(actor=supervisor_sue, customer=customer, user=manager_bob, level="delete")
    assert grants(customer, manager_bob) == set()


def test_revoking_the_managers_own_access_is_refused(manager_ann, supervisor_sue):
    customer = make_customer(manager_ann)
    with pytest.raises(ActionError):
        actions.revoke_share(actor=supervisor_sue, customer=customer, user=manager_ann)
    assert grants(customer, manager_ann) == OWNER


def test_deleting_a_customer_twice_is_refused(manager_ann):
    customer = make_customer(manager_ann)
    actions.delete_customer(actor=manager_ann, customer=customer)
    first_deleted_at = Customer.all_objects.get(pk=customer.pk).deleted_at
    with pytest.raises(ActionError):
        actions.delete_customer(actor=manager_ann, customer=customer)
    assert Customer.all_objects.get(pk=customer.pk).deleted_at == first_deleted_at


def test_restoring_a_customer_that_is_not_deleted_is_refused(manager_ann, supervisor_sue):
    customer = make_customer(manager_ann)
    with pytest.raises(ActionError):
        actions.restore_customer(actor=supervisor_sue, customer=customer)
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_refusal_messages_are_text_for_the_user(manager_ann, supervisor_sue):
    customer = make_customer(manager_ann)
    with pytest.raises(ActionError) as refused:
        actions.restore_customer(actor=supervisor_sue, customer=customer)
    assert str(refused.value).strip()


def test_one_read_of_the_grants_gives_the_buttons_and_the_audience(
    manager_ann, manager_bob, supervisor_sue, django_assert_num_queries
):
    customer = make_customer(manager_ann)
    share(customer, manager_bob, "edit", actor=supervisor_sue)
    with django_assert_num_queries(1):
        grants_read = selectors.customer_grants(customer=customer)
    assert {user.username: codenames for user, codenames in grants_read.items()} == {
        "manager_ann": {"view_customer", "change_customer", "delete_customer"},
        "manager_bob": {"view_customer", "change_customer"},
    }
    people = selectors.customer_audience(customer=customer, grants=grants_read)
    assert [(user.username, level, is_manager) for user, level, is_manager in people] == [
        ("manager_ann", "edit", True),
        ("manager_bob", "edit", False),
    ]
    for user in (manager_ann, manager_bob):
        held = next(codenames for person, codenames in grants_read.items() if person.pk == user.pk)
        user.has_perm("customers.view_customer")  # load the model-level permissions first
        with django_assert_num_queries(0):
            passed = access.allowed_actions(user, customer, ["change", "delete"], held=held)
        assert passed == access.allowed_actions(user, customer, ["change", "delete"])
    assert access.allowed_actions(manager_bob, customer, ["change", "delete"]) == {"change"}
    assert access.allowed_actions(manager_ann, customer, ["change", "delete"]) == {"change", "delete"}
