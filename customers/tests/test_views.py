import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from crm.actions import create_user
from crm.models import DictionaryEntry
from crm.roles import ACCOUNT_MANAGER
from customers import actions
from customers.models import Customer, Level
from customers.tables import CustomerTable
from customers.tests.factories import make_activity, make_contact, make_customer, region, share

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")
CREATE = reverse("customers:create")


def listed_codes(response):
    assert response.status_code == 200
    return {row.record.code for row in response.context["table"].page.object_list}


def dropdown_managers(response):
    return set(response.context["filter"].form.fields["account_manager"].queryset)


def get_as(client, user, url, data=None):
    client.force_login(user)
    return client.get(url, data or {})


def post_as(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


@pytest.fixture
def manager_cat(roles):
    return create_user(username="manager_cat", password=PASSWORD, full_name="Manager Cat", roles=[ACCOUNT_MANAGER])


@pytest.fixture
def world(manager_ann, manager_bob, manager_cat, supervisor_sue):
    """A is ann's; B is bob's; C and D are bob's, shared with ann to view and to edit; F is cat's."""
    return {
        "A": make_customer(manager_ann, name="安诚贸易有限公司"),
        "B": make_customer(manager_bob, name="博远科技有限公司"),
        "C": share(make_customer(manager_bob, name="昌盛物流有限公司"), manager_ann, "view", actor=supervisor_sue),
        "D": share(make_customer(manager_bob, name="鼎新建材有限公司"), manager_ann, "edit", actor=supervisor_sue),
        "F": make_customer(manager_cat, name="丰泰机械有限公司"),
    }


def codes(world, *keys):
    return {world[key].code for key in keys}


# The list, per persona


def test_manager_sees_own_and_shared_customers_but_not_other_managers(client, world, manager_ann):
    assert listed_codes(get_as(client, manager_ann, LIST)) == codes(world, "A", "C", "D")


def test_other_manager_sees_own_customers_including_those_shared_out(client, world, manager_bob):
    assert listed_codes(get_as(client, manager_bob, LIST)) == codes(world, "B", "C", "D")


@pytest.mark.parametrize("persona", ["supervisor_sue", "viewer_vic", "admin", "superuser_sam"])
def test_roles_reading_every_customer_see_them_all(client, world, persona, request):
    user = request.getfixturevalue(persona)
    assert listed_codes(get_as(client, user, LIST)) == codes(world, "A", "B", "C", "D", "F")


def test_deleted_customers_are_not_listed(client, world, manager_ann, supervisor_sue):
    actions.delete_customer(actor=manager_ann, customer=world["A"])
    assert world["A"].code not in listed_codes(get_as(client, supervisor_sue, LIST))
    assert listed_codes(get_as(client, manager_ann, LIST)) == codes(world, "C", "D")


def test_manager_filter_offers_only_managers_of_customers_the_manager_sees(client, world, manager_ann, manager_bob):
    assert dropdown_managers(get_as(client, manager_ann, LIST)) == {manager_ann, manager_bob}
    assert dropdown_managers(get_as(client, manager_bob, LIST)) == {manager_bob}


def rendered_managers(response):
    select = response.content.decode().split('name="account_manager"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select))


def test_manager_filter_follows_own_shared_and_deleted_customers(
    client, manager_ann, manager_bob, manager_cat, supervisor_sue
):
    # An account manager's dropdown is worked out from ids (own EXCEPT granted): check each case.
    assert dropdown_managers(get_as(client, manager_cat, LIST)) == set()
    shared = share(make_customer(manager_bob, name="共享客户有限公司"), manager_cat, "view", actor=supervisor_sue)
    assert dropdown_managers(get_as(client, manager_cat, LIST)) == {manager_bob}
    own = make_customer(manager_cat, name="自有客户有限公司")
    response = get_as(client, manager_cat, LIST)
    assert dropdown_managers(response) == {manager_bob, manager_cat}
    assert rendered_managers(response) == {"Manager Bob", "Manager Cat"}
    actions.delete_customer(actor=manager_cat, customer=own)
    assert dropdown_managers(get_as(client, manager_cat, LIST)) == {manager_bob}
    actions.revoke_share(actor=supervisor_sue, customer=shared, user=manager_cat)
    assert dropdown_managers(get_as(client, manager_cat, LIST)) == set()
    assert dropdown_managers(get_as(client, manager_ann, LIST)) == set()


def test_manager_filter_does_not_render_a_hidden_manager(client, world, manager_ann):
    response = get_as(client, manager_ann, LIST)
    assert "Manager Cat" not in response.content.decode()


def test_manager_filter_offers_every_manager_to_a_supervisor(
    client, world, supervisor_sue, manager_ann, manager_bob, manager_cat
):
    assert dropdown_managers(get_as(client, supervisor_sue, LIST)) == {manager_ann, manager_bob, manager_cat}


def test_manager_cannot_filter_by_a_manager_outside_the_dropdown(client, world, manager_ann, manager_cat):
    response = get_as(client, manager_ann, LIST, {"account_manager": manager_cat.pk})
    assert "account_manager" in response.context["filter"].form.errors
    # The refused filter is left out (and says so): ann's own list, nothing of cat's.
    assert listed_codes(response) == codes(world, "A", "C", "D")


# Search


@pytest.fixture
def searchable(manager_ann):
    return {
        "xinda": make_customer(manager_ann, name="北京鑫达科技有限公司"),
        "hualian": make_customer(manager_ann, name="上海华联商贸有限公司"),
        "zengji": make_customer(manager_ann, name="曾记餐饮有限公司"),
    }


def search(client, user, text):
    return listed_codes(get_as(client, user, LIST, {"q": text}))


def test_search_by_exact_code_finds_that_customer(client, searchable, manager_ann):
    code = searchable["hualian"].code
    assert search(client, manager_ann, code) == {code}
    assert search(client, manager_ann, code.lower()) == {code}


def test_search_by_code_prefix_finds_customers_of_that_day(client, searchable, manager_ann):
    old = make_customer(manager_ann, name="天津老客户有限公司")
    Customer.objects.filter(pk=old.pk).update(code="KH202001020001")
    today = {c.code for c in searchable.values()}
    assert search(client, manager_ann, "KH2020") == {"KH202001020001"}
    assert search(client, manager_ann, f"KH{timezone.localdate():%Y%m%d}") == today


def test_search_by_three_character_name_fragment(client, searchable, manager_ann):
    assert search(client, manager_ann, "鑫达科") == {searchable["xinda"].code}


def test_search_by_two_character_name_fragment(client, searchable, manager_ann):
    assert search(client, manager_ann, "鑫达") == {searchable["xinda"].code}
    assert search(client, manager_ann, "商贸") == {searchable["hualian"].code}
    assert search(client, manager_ann, "有限") == {c.code for c in searchable.values()}


def test_search_by_full_pinyin(client, searchable, manager_ann):
    assert search(client, manager_ann, "beijingxinda") == {searchable["xinda"].code}
    assert search(client, manager_ann, "shanghai") == {searchable["hualian"].code}


def test_search_by_initials(client, searchable, manager_ann):
    assert search(client, manager_ann, "bjxd") == {searchable["xinda"].code}
    assert search(client, manager_ann, "BJXD") == {searchable["xinda"].code}


def test_search_by_either_reading_of_a_polyphonic_surname(client, searchable, manager_ann):
    assert search(client, manager_ann, "zengji") == {searchable["zengji"].code}
    assert search(client, manager_ann, "cengji") == {searchable["zengji"].code}


def test_search_stays_within_the_managers_scope(client, searchable, manager_bob):
    make_customer(manager_bob, name="北京鑫达贸易有限公司")
    assert search(client, manager_bob, "鑫达") == {Customer.objects.get(name="北京鑫达贸易有限公司").code}


def test_search_with_no_match_shows_an_empty_list(client, searchable, manager_ann):
    response = get_as(client, manager_ann, LIST, {"q": "不存在的客户名"})
    assert listed_codes(response) == set()
    assert 'data-testid="customer-table"' not in response.content.decode()


def test_oversized_search_text_is_refused_without_crashing(client, searchable, manager_ann):
    response = get_as(client, manager_ann, LIST, {"q": "鑫" * 500})
    assert response.status_code == 200
    assert "q" in response.context["filter"].form.errors


# Filters


@pytest.fixture
def filterable(manager_ann, manager_bob, supervisor_sue):
    shanghai = region("shanghai")
    customers = {
        "beijing_ordinary": make_customer(manager_ann, level=Level.ORDINARY),
        "shanghai_major": make_customer(manager_ann, region=shanghai, level=Level.MAJOR),
        "bobs_lost": make_customer(manager_bob, status=Customer.Status.LOST),
    }
    old = timezone.make_aware(datetime(2024, 1, 15, 10, 0))
    Customer.objects.filter(pk=customers["beijing_ordinary"].pk).update(created_at=old)
    return customers


def filtered(client, user, **params):
    return listed_codes(get_as(client, user, LIST, params))


def test_filter_by_region(client, filterable, supervisor_sue):
    shanghai = region("shanghai")
    assert filtered(client, supervisor_sue, region=shanghai.pk) == {filterable["shanghai_major"].code}


def test_filter_by_level(client, filterable, supervisor_sue):
    assert filtered(client, supervisor_sue, level=Level.MAJOR) == {filterable["shanghai_major"].code}


def test_filter_by_manager(client, filterable, supervisor_sue, manager_bob):
    assert filtered(client, supervisor_sue, account_manager=manager_bob.pk) == {filterable["bobs_lost"].code}


def test_filter_by_status(client, filterable, supervisor_sue):
    assert filtered(client, supervisor_sue, status="lost") == {filterable["bobs_lost"].code}
    assert filtered(client, supervisor_sue, status="active") == {
        filterable["beijing_ordinary"].code,
        filterable["shanghai_major"].code,
    }


def test_filter_by_entry_date_range(client, filterable, supervisor_sue):
    today = timezone.localdate()
    old = filterable["beijing_ordinary"].code
    recent = {filterable["shanghai_major"].code, filterable["bobs_lost"].code}
    assert filtered(client, supervisor_sue, created_to="2024-01-15") == {old}
    assert filtered(client, supervisor_sue, created_from="2024-01-15", created_to="2024-01-15") == {old}
    assert filtered(client, supervisor_sue, created_from="2024-01-16") == recent
    assert filtered(client, supervisor_sue, created_from=f"{today:%Y-%m-%d}", created_to=f"{today:%Y-%m-%d}") == recent
    assert filtered(client, supervisor_sue, created_to=f"{today - timedelta(days=1):%Y-%m-%d}") == {old}


def test_filters_combine_with_the_managers_scope(client, filterable, manager_ann):
    assert filtered(client, manager_ann, status="lost") == set()
    assert filtered(client, manager_ann, level=Level.MAJOR) == {filterable["shanghai_major"].code}


@pytest.mark.parametrize("value", ["2024-13-45", "yesterday", "2024-02-30"])
def test_malformed_date_filter_shows_an_error_instead_of_crashing(client, filterable, supervisor_sue, value):
    response = get_as(client, supervisor_sue, LIST, {"created_from": value})
    assert response.status_code == 200
    assert "created_from" in response.context["filter"].form.errors
    assert "invalid-feedback" in response.content.decode()


def test_unknown_filter_choices_show_an_error_instead_of_crashing(client, filterable, supervisor_sue):
    response = get_as(client, supervisor_sue, LIST, {"level": "9", "region": "x", "status": "gone"})
    assert response.status_code == 200
    assert {"level", "region", "status"} <= set(response.context["filter"].form.errors)


# Query counts: the pages must not run a query per row, and issue 3 allows at most 12 a page.
# Measured: 7 for a supervisor's list (session, user, permissions with role names, page keys,
# page rows with their regions and managers, the region and manager filters), 8 for an account
# manager's (the ids shared with them), on SQLite and PostgreSQL alike; a search adds one
# estimate. 11 for the detail page (session, user, permissions, customer, grants,
# contacts, activities, orders, history and the names it mentions). The first request after
# signing in also renews the session (crm.middleware), so each test opens the page once first.
LIST_QUERY_BOUND = 12
# Issue 3's budget, shared by every panel of the page (the loss panel's is one query:
# customers/tests/test_loss_panels.py counts it).
DETAIL_QUERY_BOUND = 12


def _customers_with_children(manager, count):
    customers = [make_customer(manager) for _ in range(count)]
    for customer in customers[:2]:
        make_contact(customer)
        make_activity(customer)
    return customers


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_list_runs_a_fixed_number_of_queries(
    client, manager_ann, persona, count, request, django_assert_max_num_queries
):
    _customers_with_children(manager_ann, count)
    user = request.getfixturevalue(persona)
    client.force_login(user)
    client.get(LIST)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = client.get(LIST)
    assert len(listed_codes(response)) == count


@pytest.mark.parametrize("search", ["测试客户", "csk", "KH20"])
def test_a_search_stays_within_the_bound_for_an_account_manager(
    client, manager_ann, manager_bob, supervisor_sue, search, django_assert_max_num_queries
):
    # The search is worked out once a request, though an account manager's list filters three
    # querysets with it (the list and its two branches).
    _customers_with_children(manager_ann, 30)
    share(make_customer(manager_bob, name="测试客户共享有限公司"), manager_ann, "view", actor=supervisor_sue)
    client.force_login(manager_ann)
    client.get(LIST, {"q": search})
    with django_assert_max_num_queries(LIST_QUERY_BOUND) as captured:
        response = client.get(LIST, {"q": search})
    assert len(listed_codes(response)) == 31
    assert sum("EXPLAIN" in query["sql"] for query in captured.captured_queries) <= 1


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("persona", ["manager_ann", "supervisor_sue"])
def test_detail_runs_a_fixed_number_of_queries(
    client, manager_ann, manager_bob, supervisor_sue, persona, count, request, django_assert_max_num_queries
):
    customer = share(make_customer(manager_ann), manager_bob, "view", actor=supervisor_sue)
    for n in range(count):
        make_contact(customer, name=f"联系人{n:02d}")
        make_activity(customer, title=f"拜访{n:02d}")
    user = request.getfixturevalue(persona)
    client.force_login(user)
    client.get(customer.get_absolute_url())
    with django_assert_max_num_queries(DETAIL_QUERY_BOUND):
        response = client.get(customer.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["contacts"]) == count
    assert len(response.context["activities"]) == count


# The create form


def form_data(manager, **overrides):
    data = {
        "name": "北京鑫达科技有限公司",
        "region": region().pk,
        "account_manager": manager.pk,
        "level": Level.ORDINARY,
        "address": "北京市海淀区中关村大街1号",
        "phone": "13812345678",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def create(client, user, **overrides):
    return post_as(client, user, CREATE, form_data(user, **overrides))


def form_errors(response):
    assert response.status_code == 200, "expected the form to be shown again"
    return response.context["form"].errors


def test_create_form_offers_only_the_manager_themself(client, manager_ann, manager_bob):
    response = get_as(client, manager_ann, CREATE)
    form = response.context["form"]
    assert set(form.fields["account_manager"].queryset) == {manager_ann}
    assert form.fields["account_manager"].initial == manager_ann.pk


def test_superuser_may_create_for_any_account_manager(client, superuser_sam, manager_ann, manager_bob, viewer_vic):
    form = get_as(client, superuser_sam, CREATE).context["form"]
    assert set(form.fields["account_manager"].queryset) == {manager_ann, manager_bob}
    response = post_as(client, superuser_sam, CREATE, form_data(manager_bob))
    assert response.status_code == 302
    assert Customer.objects.get().account_manager == manager_bob


def test_valid_customer_is_created_and_opens_its_page(client, manager_ann):
    response = create(client, manager_ann)
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response.url == customer.get_absolute_url()
    assert customer.account_manager == manager_ann
    assert customer.created_by == manager_ann
    assert customer.name_initials == "bjxdkjyxgs"


def test_create_form_requires_the_spec_fields(client, manager_ann):
    response = post_as(client, manager_ann, CREATE, {})
    assert {"name", "region", "account_manager", "level", "address", "phone"} <= set(form_errors(response))
    assert not Customer.all_objects.exists()


@pytest.mark.parametrize("phone", ["13812345678", "010-88886666", "0755 8888 6666", "+8613812345678", "4008123456"])
def test_valid_phone_numbers_are_accepted(client, manager_ann, phone):
    assert create(client, manager_ann, phone=phone).status_code == 302
    assert Customer.objects.get().phone == phone


@pytest.mark.parametrize("phone", ["12345", "1381234567", "abcdefghijk", "010-888"])
def test_invalid_phone_numbers_are_refused(client, manager_ann, phone):
    assert "phone" in form_errors(create(client, manager_ann, phone=phone))
    assert not Customer.all_objects.exists()


def test_invalid_fax_is_refused(client, manager_ann):
    assert "fax" in form_errors(create(client, manager_ann, fax="12345"))


def test_six_digit_postcode_is_accepted(client, manager_ann):
    assert create(client, manager_ann, postcode="100080").status_code == 302
    assert Customer.objects.get().postcode == "100080"


@pytest.mark.parametrize("postcode", ["1000", "10008a", "1000800"])
def test_malformed_postcode_is_refused(client, manager_ann, postcode):
    assert "postcode" in form_errors(create(client, manager_ann, postcode=postcode))
    assert not Customer.all_objects.exists()


@pytest.mark.parametrize(
    ("website", "stored"),
    [("https://www.example.cn", "https://www.example.cn"), ("www.example.cn", "https://www.example.cn")],
)
def test_website_is_accepted_and_given_a_scheme(client, manager_ann, website, stored):
    assert create(client, manager_ann, website=website).status_code == 302
    assert Customer.objects.get().website == stored


@pytest.mark.parametrize("website", ["not a website", "javascript:alert(1)", "ftp//broken"])
def test_malformed_website_is_refused(client, manager_ann, website):
    assert "website" in form_errors(create(client, manager_ann, website=website))
    assert not Customer.all_objects.exists()


def test_valid_uscc_saves_without_warning(client, manager_ann):
    assert create(client, manager_ann, uscc="91110000600037341L").status_code == 302
    assert Customer.objects.get().uscc == "91110000600037341L"


@pytest.mark.parametrize("typed", ["91110000600037341l", "９１１１００００６０００３７３４１Ｌ"])
def test_uscc_is_stored_in_plain_capitals(client, manager_ann, typed):
    assert create(client, manager_ann, uscc=typed).status_code == 302
    assert Customer.objects.get().uscc == "91110000600037341L"


def test_uscc_with_a_wrong_check_digit_warns_and_saves_once_confirmed(client, manager_ann):
    response = create(client, manager_ann, uscc="91110000600037341M")
    form = response.context["form"]
    assert response.status_code == 200
    assert form.warnings
    assert form.has_error("__all__", code="unconfirmed")
    assert 'data-testid="customer-warnings"' in response.content.decode()
    assert not Customer.all_objects.exists()

    response = create(client, manager_ann, uscc="91110000600037341M", confirm="on")
    assert response.status_code == 302
    assert Customer.objects.get().uscc == "91110000600037341M"


@pytest.mark.parametrize("uscc", ["ABC", "91110000600037341", "9111000060003734IL"])
def test_malformed_uscc_is_an_error_even_when_confirmed(client, manager_ann, uscc):
    assert "uscc" in form_errors(create(client, manager_ann, uscc=uscc, confirm="on"))
    assert not Customer.all_objects.exists()


def test_oversized_name_is_refused_and_nothing_saved(client, manager_ann):
    assert "name" in form_errors(create(client, manager_ann, name="鑫" * 101))
    assert not Customer.all_objects.exists()


def test_name_of_exactly_one_hundred_characters_is_accepted(client, manager_ann):
    assert create(client, manager_ann, name="鑫" * 100).status_code == 302


def test_forged_account_manager_is_refused_and_nothing_saved(client, manager_ann, manager_bob):
    response = post_as(client, manager_ann, CREATE, form_data(manager_bob))
    assert "account_manager" in form_errors(response)
    assert not Customer.all_objects.exists()


def test_region_must_be_a_region_entry(client, manager_ann):
    complaint = DictionaryEntry.objects.get(category="service_type", value="complaint")
    assert "region" in form_errors(create(client, manager_ann, region=complaint.pk))
    assert not Customer.all_objects.exists()


def test_inactive_region_is_not_offered(client, manager_ann):
    tianjin = region("tianjin")
    tianjin.is_active = False
    tianjin.save()
    assert "region" in form_errors(create(client, manager_ann, region=tianjin.pk))


def test_failed_form_keeps_what_the_user_typed(client, manager_ann):
    response = create(client, manager_ann, phone="12345", address="北京市西城区金融街8号")
    assert "北京市西城区金融街8号" in response.content.decode()


# Duplicates


def test_same_uscc_is_an_error_naming_the_manager(client, manager_ann, manager_bob):
    make_customer(manager_bob, name="博远科技有限公司", uscc="91110000600037341L")
    response = create(client, manager_ann, name="另一家公司", uscc="91110000600037341L", confirm="on")
    errors = form_errors(response)
    assert "Manager Bob" in " ".join(errors["uscc"])
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("北京鑫达科技有限公司", "北京鑫达科技股份有限公司"),
        ("北京鑫达科技有限公司", "北京 鑫达科技有限公司"),
        ("北京鑫达科技有限公司", "北京\u3000鑫达科技有限责任公司"),
        ("ABC科技有限公司", "ＡＢＣ科技有限公司"),
        ("ABC科技有限公司", "abc 科技"),
    ],
)
def test_same_normalised_name_warns_and_saves_once_confirmed(client, manager_ann, existing, typed):
    own = make_customer(manager_ann, name=existing)
    response = create(client, manager_ann, name=typed)
    form = response.context["form"]
    assert response.status_code == 200
    assert [d["customer"] for d in form.duplicates] == [own]
    assert Customer.objects.count() == 1

    assert create(client, manager_ann, name=typed, confirm="on").status_code == 302
    assert Customer.objects.count() == 2


def test_same_phone_in_another_notation_warns_and_saves_once_confirmed(client, manager_ann):
    own = make_customer(manager_ann, name="华联商贸有限公司", phone="010-88886666")
    response = create(client, manager_ann, name="另一家公司", phone="01088886666")
    assert [d["customer"] for d in response.context["form"].duplicates] == [own]
    assert Customer.objects.count() == 1
    assert create(client, manager_ann, name="另一家公司", phone="01088886666", confirm="on").status_code == 302
    assert Customer.objects.count() == 2


def test_own_duplicate_is_linked(client, manager_ann):
    own = make_customer(manager_ann, name="北京鑫达科技有限公司")
    content = create(client, manager_ann, name="北京鑫达科技股份有限公司").content.decode()
    assert own.get_absolute_url() in content
    assert own.code in content


def test_duplicate_of_another_managers_customer_names_the_manager_but_reveals_nothing(client, manager_ann, manager_bob):
    bobs = make_customer(
        manager_bob, name="北京鑫达科技有限公司", phone="021-66778899", address="北京市朝阳区秘密路1号"
    )
    response = create(client, manager_ann, name="北京鑫达科技股份有限公司")
    form = response.context["form"]
    content = response.content.decode()
    assert response.status_code == 200
    assert form.duplicates == [{"customer": None, "manager": "Manager Bob", "reasons": form.duplicates[0]["reasons"]}]
    assert "Manager Bob" in content
    assert bobs.code not in content
    assert bobs.name not in content
    assert bobs.get_absolute_url() not in content
    assert "北京市朝阳区秘密路1号" not in content
    assert "021-66778899" not in content


def test_deleted_customer_is_not_reported_as_duplicate(client, manager_ann):
    old = make_customer(manager_ann, name="北京鑫达科技有限公司")
    actions.delete_customer(actor=manager_ann, customer=old)
    assert create(client, manager_ann).status_code == 302


def test_editing_without_touching_name_phone_or_uscc_does_not_warn_about_duplicates(client, manager_ann):
    make_customer(manager_ann, name="北京鑫达科技有限公司")
    twin = make_customer(manager_ann, name="北京鑫达科技股份有限公司")
    data = form_data(manager_ann, name=twin.name, phone=twin.phone, address="新地址")
    response = post_as(client, manager_ann, reverse("customers:edit", args=[twin.code]), data)
    assert response.status_code == 302
    assert Customer.objects.get(pk=twin.pk).address == "新地址"


# The edit form


def test_edit_form_ignores_a_posted_code(client, manager_ann):
    customer = make_customer(manager_ann)
    data = form_data(manager_ann, name=customer.name, phone=customer.phone, code="KH199901010001")
    assert post_as(client, manager_ann, reverse("customers:edit", args=[customer.code]), data).status_code == 302
    assert Customer.objects.get(pk=customer.pk).code == customer.code


def test_manager_cannot_move_own_customer_to_another_manager(client, manager_ann, manager_bob):
    customer = make_customer(manager_ann)
    data = form_data(manager_bob, name=customer.name, phone=customer.phone)
    response = post_as(client, manager_ann, reverse("customers:edit", args=[customer.code]), data)
    assert "account_manager" in form_errors(response)
    assert Customer.objects.get(pk=customer.pk).account_manager == manager_ann


def test_oversized_name_on_edit_changes_nothing(client, manager_ann):
    customer = make_customer(manager_ann, name="北京鑫达科技有限公司")
    data = form_data(manager_ann, name="鑫" * 101, address="新地址")
    assert "name" in form_errors(post_as(client, manager_ann, reverse("customers:edit", args=[customer.code]), data))
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.address) == ("北京鑫达科技有限公司", customer.address)


# Scope in URLs


def test_another_managers_customer_code_in_the_url_is_not_found(client, world, manager_ann):
    client.force_login(manager_ann)
    code = world["B"].code
    for name in ("detail", "edit", "delete", "contact_create", "activity_create"):
        assert client.get(reverse(f"customers:{name}", args=[code])).status_code == 404, name


def test_unknown_and_malformed_codes_are_not_found(client, world, supervisor_sue):
    client.force_login(supervisor_sue)
    for code in ("KH999999999999", "not-a-code", "KH" + "9" * 200, "%27%3B--"):
        assert client.get(f"/customers/{code}/").status_code == 404, code


# Buttons


def test_viewer_sees_no_write_buttons_and_is_refused_write_urls(client, world, viewer_vic):
    client.force_login(viewer_vic)
    customer = world["A"]
    list_page = client.get(LIST).content.decode()
    assert 'data-testid="new-customer"' not in list_page
    assert reverse("customers:bin") not in list_page
    detail = client.get(customer.get_absolute_url()).content.decode()
    for testid in ("edit-customer", "delete-customer", "add-contact", "add-activity"):
        assert f'data-testid="{testid}"' not in detail
    assert reverse("customers:share", args=[customer.code]) not in detail
    for url in (
        CREATE,
        reverse("customers:edit", args=[customer.code]),
        reverse("customers:delete", args=[customer.code]),
        reverse("customers:share", args=[customer.code]),
        reverse("customers:contact_create", args=[customer.code]),
        reverse("customers:activity_create", args=[customer.code]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, form_data(viewer_vic)).status_code == 403, url
    assert Customer.objects.count() == 5


def test_manager_sees_every_button_on_own_customer(client, world, manager_ann):
    client.force_login(manager_ann)
    assert 'data-testid="new-customer"' in client.get(LIST).content.decode()
    detail = client.get(world["A"].get_absolute_url()).content.decode()
    for testid in ("edit-customer", "delete-customer", "add-contact", "add-activity"):
        assert f'data-testid="{testid}"' in detail
    assert reverse("customers:share", args=[world["A"].code]) not in detail


def test_manager_with_a_view_share_sees_no_write_buttons(client, world, manager_ann):
    client.force_login(manager_ann)
    detail = client.get(world["C"].get_absolute_url()).content.decode()
    for testid in ("edit-customer", "delete-customer", "add-contact", "add-activity"):
        assert f'data-testid="{testid}"' not in detail


def test_manager_with_an_edit_share_may_edit_but_not_delete(client, world, manager_ann):
    client.force_login(manager_ann)
    detail = client.get(world["D"].get_absolute_url()).content.decode()
    assert 'data-testid="edit-customer"' in detail
    assert 'data-testid="delete-customer"' not in detail


def test_supervisor_sees_share_and_recycle_bin_but_no_edit(client, world, supervisor_sue):
    client.force_login(supervisor_sue)
    assert reverse("customers:bin") in client.get(LIST).content.decode()
    detail = client.get(world["A"].get_absolute_url()).content.decode()
    assert reverse("customers:share", args=[world["A"].code]) in detail
    assert 'data-testid="edit-customer"' not in detail


@pytest.mark.parametrize("deleted, says_more", [(2, False), (3, True)])
def test_the_recycle_bin_says_when_it_shows_only_the_latest(
    client, manager_ann, supervisor_sue, monkeypatch, deleted, says_more
):
    from customers import views

    monkeypatch.setattr(views, "RECYCLE_BIN_SHOWN", 2)
    for number in range(deleted):
        customer = make_customer(manager_ann, name=f"回收测试{number}有限公司")
        actions.delete_customer(actor=manager_ann, customer=customer)
    client.force_login(supervisor_sue)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("customers:bin")).content.decode()
    assert html.count("回收测试") == 2
    assert ("here are the 2 deleted most recently" in html) == says_more


# Who can see it


def _audience_panel(content):
    start = content.index('data-testid="audience-panel"')
    return content[start : content.index("</ul>", start)]


def test_detail_shows_who_can_see_the_customer(client, world, supervisor_sue, manager_ann, manager_bob):
    response = get_as(client, supervisor_sue, world["C"].get_absolute_url())
    assert [(p, level, is_manager) for p, level, is_manager in response.context["audience"]] == [
        (manager_bob, "edit", True),
        (manager_ann, "view", False),
    ]
    panel = _audience_panel(response.content.decode())
    assert "Manager Bob" in panel
    assert "Manager Ann" in panel
    assert "Manager Cat" not in panel


def test_detail_of_an_unshared_customer_names_only_its_manager(client, world, supervisor_sue):
    panel = _audience_panel(get_as(client, supervisor_sue, world["B"].get_absolute_url()).content.decode())
    assert "Manager Bob" in panel
    assert "Manager Ann" not in panel


def test_detail_shows_contacts_and_activities(client, world, manager_ann):
    make_contact(world["A"], name="王芳")
    make_activity(world["A"], title="首次拜访王总")
    content = get_as(client, manager_ann, world["A"].get_absolute_url()).content.decode()
    assert "王芳" in content
    assert "首次拜访王总" in content


# Writes through the pages


def test_share_page_shares_and_revokes(client, world, supervisor_sue, manager_ann, manager_cat):
    customer = world["B"]
    url = reverse("customers:share", args=[customer.code])
    response = post_as(client, supervisor_sue, url, {"user": manager_cat.pk, "level": "view"})
    assert response.status_code == 302
    assert customer.code in listed_codes(get_as(client, manager_cat, LIST))
    revoke = reverse("customers:unshare", args=[customer.code, manager_cat.pk])
    assert post_as(client, supervisor_sue, revoke, {}).status_code == 302
    assert customer.code not in listed_codes(get_as(client, manager_cat, LIST))


def test_share_page_does_not_offer_the_manager_or_non_managers(client, world, supervisor_sue, viewer_vic):
    response = get_as(client, supervisor_sue, reverse("customers:share", args=[world["B"].code]))
    offered = set(response.context["form"].fields["user"].queryset)
    assert world["B"].account_manager not in offered
    assert viewer_vic not in offered
    assert supervisor_sue not in offered


def test_revoking_the_managers_access_through_the_page_is_refused(client, world, supervisor_sue, manager_bob):
    url = reverse("customers:unshare", args=[world["B"].code, manager_bob.pk])
    response = post_as(client, supervisor_sue, url, {})
    assert response.status_code == 302
    assert world["B"].code in listed_codes(get_as(client, manager_bob, LIST))


def test_delete_and_restore_through_the_pages(client, world, manager_ann, supervisor_sue):
    customer = world["A"]
    assert post_as(client, manager_ann, reverse("customers:delete", args=[customer.code]), {}).url == LIST
    assert client.get(customer.get_absolute_url()).status_code == 404
    bin_page = get_as(client, supervisor_sue, reverse("customers:bin")).content.decode()
    assert customer.code in bin_page
    response = post_as(client, supervisor_sue, reverse("customers:restore", args=[customer.code]), {})
    assert response.url == customer.get_absolute_url()
    assert get_as(client, manager_ann, customer.get_absolute_url()).status_code == 200


def test_invalid_contact_shows_errors_and_saves_nothing(client, world, manager_ann):
    url = reverse("customers:contact_create", args=[world["A"].code])
    response = post_as(client, manager_ann, url, {"name": "", "mobile": "12345", "email": "not-an-email"})
    assert {"name", "mobile", "email"} <= set(form_errors(response))
    assert not world["A"].contacts.exists()


def test_invalid_activity_shows_errors_and_saves_nothing(client, world, manager_ann):
    url = reverse("customers:activity_create", args=[world["A"].code])
    response = post_as(client, manager_ann, url, {"title": "", "occurred_at": "2024-13-45T99:00"})
    assert {"title", "occurred_at"} <= set(form_errors(response))
    assert not world["A"].activities.exists()


def test_activity_records_who_entered_it(client, world, manager_ann):
    url = reverse("customers:activity_create", args=[world["A"].code])
    data = {"title": "电话回访", "occurred_at": "2024-06-01T09:30"}
    assert post_as(client, manager_ann, url, data).status_code == 302
    assert world["A"].activities.get().created_by == manager_ann


def test_superuser_moving_a_customer_through_the_edit_form_moves_the_grants(
    client, world, superuser_sam, manager_ann, manager_cat
):
    customer = world["A"]
    data = form_data(manager_cat, name=customer.name, phone=customer.phone)
    assert post_as(client, superuser_sam, reverse("customers:edit", args=[customer.code]), data).status_code == 302
    assert customer.code not in listed_codes(get_as(client, manager_ann, LIST))
    assert customer.code in listed_codes(get_as(client, manager_cat, LIST))
    assert get_as(client, manager_cat, reverse("customers:edit", args=[customer.code])).status_code == 200


def test_changing_only_the_phone_does_not_report_the_customer_as_its_own_duplicate(client, manager_ann):
    customer = make_customer(manager_ann, name="北京鑫达科技有限公司", uscc="91110000600037341L")
    data = form_data(manager_ann, name=customer.name, phone="13900001111", uscc=customer.uscc)
    assert post_as(client, manager_ann, reverse("customers:edit", args=[customer.code]), data).status_code == 302
    assert Customer.objects.get(pk=customer.pk).phone == "13900001111"


def test_uscc_of_a_customer_in_the_recycle_bin_is_a_clear_error_not_a_crash(client, manager_ann):
    old = make_customer(manager_ann, name="旧公司", uscc="91110000600037341L")
    actions.delete_customer(actor=manager_ann, customer=old)
    response = create(client, manager_ann, uscc="91110000600037341L", confirm="on")
    assert form_errors(response)
    assert Customer.all_objects.count() == 1


def test_customer_text_is_escaped_on_every_page(client, manager_ann, supervisor_sue):
    script = "<script>alert(1)</script>"
    customer = make_customer(manager_ann, name=f"{script}有限公司", address=script)
    make_contact(customer, name=script)
    make_activity(customer, title=script, detail=script)
    data = form_data(manager_ann, name=f"{script}股份有限公司", phone=customer.phone, address=f"{script}2")
    assert post_as(client, manager_ann, reverse("customers:edit", args=[customer.code]), data).status_code == 302
    for user, url in (
        (manager_ann, LIST),
        (manager_ann, customer.get_absolute_url()),
        (manager_ann, reverse("customers:edit", args=[customer.code])),
        (supervisor_sue, reverse("customers:share", args=[customer.code])),
    ):
        content = get_as(client, user, url).content.decode()
        assert "<script>alert" not in content, url
        assert "&lt;script&gt;alert" in content, url


def listed_codes_in_order(response):
    assert response.status_code == 200
    return [row.record.code for row in response.context["table"].page.object_list]


# What each sortable column sorts by, ascending; rows that tie are then in pinyin order of their
# names, and rows that tie on that too by id. Region and account manager sort by the id of the
# region and of the manager (the index order), not by their labels. Descending is the exact reverse.
SORT_KEYS = {
    "code": lambda c: (c.code,),
    "name": lambda c: (c.name_pinyin, c.pk),
    "region": lambda c: (c.region_id, c.name_pinyin, c.pk),
    "level": lambda c: (c.level, c.name_pinyin, c.pk),
    "account_manager": lambda c: (c.account_manager_id, c.name_pinyin, c.pk),
    "status": lambda c: (c.status, c.name_pinyin, c.pk),
    "created_at": lambda c: (c.created_at, c.pk),
}


@pytest.fixture
def sortable(manager_ann, manager_bob, manager_cat, supervisor_sue):
    """Five customers whose order differs for every sortable column, with ties on each column.

    王 and 汪 share a pinyin (wang), so the name order between them falls to the id; 周 and 安,
    and 王 and 陈, were entered at the same moment. Bob shares both his customers with ann, so her list holds
    her own and his, and not cat's.
    """
    rows = [  # name, region, level, manager, status, entered
        ("周达电子有限公司", "beijing", Level.MAJOR, manager_bob, Customer.Status.ACTIVE, (2024, 3, 1)),
        ("王氏贸易有限公司", "tianjin", Level.PARTNER, manager_ann, Customer.Status.LOST, (2024, 1, 1)),
        ("安和食品有限公司", "shanghai", Level.ORDINARY, manager_cat, Customer.Status.ACTIVE, (2024, 3, 1)),
        ("汪氏贸易有限公司", "beijing", Level.ORDINARY, manager_ann, Customer.Status.ACTIVE, (2023, 12, 1)),
        ("陈记五金有限公司", "tianjin", Level.MAJOR, manager_bob, Customer.Status.LOST, (2024, 1, 1)),
    ]
    made = []
    for name, place, level, manager, status, entered in rows:
        customer = make_customer(manager, name=name, region=region(place), level=level, status=status)
        # Test data only: the entry time can't be chosen through the action.
        Customer.objects.filter(pk=customer.pk).update(created_at=timezone.make_aware(datetime(*entered, 9)))
        made.append(customer)
    for customer in made:
        if customer.account_manager == manager_bob:
            share(customer, manager_ann, "view", actor=supervisor_sue)
    return [Customer.objects.get(pk=customer.pk) for customer in made]  # with their entry times


def test_sort_data_tells_every_column_apart(sortable):
    # Guards the test below: with one order shared by two columns, a sort by the wrong one would pass.
    orders = {column: tuple(c.pk for c in sorted(sortable, key=key)) for column, key in SORT_KEYS.items()}
    assert len(set(orders.values())) == len(SORT_KEYS), orders
    assert sortable[1].name_pinyin == sortable[3].name_pinyin  # 王 and 汪: a tie broken by id


def test_sort_keys_cover_every_sortable_column():
    assert {column.name for column in CustomerTable([]).columns if column.orderable} == set(SORT_KEYS)


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("column", list(SORT_KEYS))
@pytest.mark.parametrize("persona", ["supervisor_sue", "manager_ann"])
def test_list_sorts_by_every_sortable_column(client, sortable, request, manager_cat, persona, column, descending):
    user = request.getfixturevalue(persona)
    seen = [c for c in sortable if persona == "supervisor_sue" or c.account_manager != manager_cat]
    expected = [c.code for c in sorted(seen, key=SORT_KEYS[column], reverse=descending)]
    response = get_as(client, user, LIST, {"sort": f"-{column}" if descending else column})
    assert listed_codes_in_order(response) == expected


def test_manager_filtering_by_a_colleague_sees_only_what_was_shared(client, world, manager_ann, manager_bob):
    assert filtered(client, manager_ann, account_manager=manager_bob.pk) == codes(world, "C", "D")


# Page furniture: the breadcrumb trail (templates/includes/breadcrumbs.html) and delete buttons


def breadcrumbs(response):
    """The page's trail as [(label, href)], href None for the current page."""
    assert response.status_code == 200
    block = re.search(r'<nav aria-label="breadcrumb">(.*?)</nav>', response.content.decode(), re.S)
    assert block, "the page has no breadcrumbs"
    trail = []
    for item in re.findall(r'<li class="breadcrumb-item[^>]*>(.*?)</li>', block.group(1), re.S):
        link = re.fullmatch(r'\s*<a href="([^"]*)">(.*?)</a>\s*', item, re.S)
        trail.append((link.group(2), link.group(1)) if link else (item.strip(), None))
    return trail


def get_in_english(client, user, url):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return get_as(client, user, url)


def test_customer_pages_lead_back_through_the_breadcrumbs(client, manager_ann, supervisor_sue):
    customer = make_customer(manager_ann, name="安诚贸易有限公司")
    contact = make_contact(customer)
    home = ("Customers", LIST)
    code, page = customer.code, customer.get_absolute_url()

    def under_customer(current):
        return [home, (customer.name, page), (current, None)]

    cases = [
        (manager_ann, page, [home, (code, None)]),
        (manager_ann, CREATE, [home, ("New customer", None)]),
        (manager_ann, reverse("customers:edit", args=[code]), under_customer("Edit")),
        (supervisor_sue, reverse("customers:share", args=[code]), under_customer("Share")),
        (manager_ann, reverse("customers:contact_create", args=[code]), under_customer("Add contact")),
        (manager_ann, reverse("customers:contact_edit", args=[code, contact.pk]), under_customer("Edit contact")),
    ]
    for user, url, trail in cases:
        assert breadcrumbs(get_in_english(client, user, url)) == trail, url


def test_delete_buttons_ask_first_through_data_attributes_not_inline_script(client, manager_ann):
    customer = make_customer(manager_ann)
    make_contact(customer)
    make_activity(customer)
    html = get_in_english(client, manager_ann, customer.get_absolute_url()).content.decode()
    assert 'data-confirm="Delete this contact?"' in html
    assert 'data-confirm="Delete this activity?"' in html
    assert not re.findall(r"\son[a-z]+=", html), "inline event handlers"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert [attrs for attrs, body in scripts if 'src="' not in attrs or body.strip()] == [], "inline scripts"


def test_the_recycle_bins_note_is_chinese_in_chinese(client, manager_ann, supervisor_sue, monkeypatch):
    from customers import views

    monkeypatch.setattr(views, "RECYCLE_BIN_SHOWN", 1)
    for number in range(2):
        customer = make_customer(manager_ann, name=f"回收测试{number}有限公司")
        actions.delete_customer(actor=manager_ann, customer=customer)
    client.force_login(supervisor_sue)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "这里列出最近删除的 1 个。" in client.get(reverse("customers:bin")).content.decode()
