"""Hostile text and dates typed into the customer pages, the sales orders list and the user admin
get a clear form error and change nothing; derived search keys fit their columns whatever the name.

The rules themselves (crm.validators, crm.forms) are tested in crm/tests/test_validators.py.
"""

from datetime import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import Customer
from customers.pinyin import pinyin_keys
from customers.search import name_bigrams
from customers.tests.factories import make_activity, make_contact, make_customer, region

pytestmark = pytest.mark.django_db

User = get_user_model()

LIST = reverse("customers:list")
CREATE = reverse("customers:create")
EXPORT = reverse("customers:export")
ORDERS = reverse("sales:order_list")

INVISIBLE_ONLY = "Enter some visible characters: this text is made only of invisible characters."
DATE_RANGE = "Enter a date between 1900-01-01 and 2100-12-31."


def control_message(char):
    return f"Remove the invisible control character U+{ord(char):04X} from this text."


# Names with nothing visible in them: zero-width characters, format characters, fillers and
# spaces of other scripts; each is refused with INVISIBLE_ONLY.
INVISIBLE_NAMES = [
    "\u200b",
    "\u200b\u200c\u200d",
    "\u200e\u200f",
    "\u2060\u2061\u2062\u2063\u2064",
    "\ufeff",
    "\u00ad\u00ad",
    "\u3000\u200b\u3000",
    "\u3164",
    "\u2800\u034f\ufe0f",
]

# Text holding a bidi embedding, override or isolate, anywhere in it: (text, offending character).
BIDI_NAMES = [
    ("北京\u202e司公限有达鑫", "\u202e"),
    ("\u202a北京鑫达", "\u202a"),
    ("北京\u202b鑫达", "\u202b"),
    ("北京鑫达\u202c", "\u202c"),
    ("\u202d北京鑫达", "\u202d"),
    ("\u2066北京鑫达\u2069", "\u2066"),
    ("北京\u2067鑫达", "\u2067"),
    ("北京\u2068鑫达", "\u2068"),
    ("北京鑫达\u2069", "\u2069"),
]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post_as(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


def get_as(client, user, url, data=None):
    client.force_login(user)
    return client.get(url, data or {})


def field_errors(response, field, form="form"):
    assert response.status_code == 200, "expected the form to be shown again"
    bound = response.context[form]
    bound = getattr(bound, "form", bound)  # the admin wraps its form in an AdminForm
    return [str(error) for error in bound.errors.get(field, [])]


def customer_data(manager, **overrides):
    data = {
        "name": "北京鑫达科技有限公司",
        "region": region().pk,
        "account_manager": manager.pk,
        "level": 1,
        "address": "北京市海淀区中关村大街1号",
        "phone": "13812345678",
    }
    data.update(overrides)
    return data


# Invisible and bidi text in the customer form


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_customer_named_only_with_invisible_characters_is_refused(english, manager_ann, name):
    response = post_as(english, manager_ann, CREATE, customer_data(manager_ann, name=name))
    assert field_errors(response, "name") == [INVISIBLE_ONLY]
    assert INVISIBLE_ONLY in response.content.decode()
    assert not Customer.all_objects.exists()


@pytest.mark.parametrize(("name", "char"), BIDI_NAMES)
def test_customer_name_with_a_bidi_control_is_refused(english, manager_ann, name, char):
    response = post_as(english, manager_ann, CREATE, customer_data(manager_ann, name=name))
    assert field_errors(response, "name") == [control_message(char)]
    assert control_message(char) in response.content.decode()
    assert not Customer.all_objects.exists()


def test_invisible_characters_around_a_customer_name_are_stripped(client, manager_ann):
    name = "\ufeff\u200b 北京鑫达科技有限公司\u200d\u00ad\u3000"
    response = post_as(client, manager_ann, CREATE, customer_data(manager_ann, name=name))
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.name == "北京鑫达科技有限公司"
    assert customer.name_pinyin.startswith("beijingxinda")


def test_invisible_characters_inside_a_name_are_kept(client, manager_ann):
    # Zero-width joiners belong inside some scripts' words; only the ends are cleaned.
    response = post_as(client, manager_ann, CREATE, customer_data(manager_ann, name="Café\u200dA有限公司"))
    assert response.status_code == 302
    assert Customer.objects.get().name == "Café\u200dA有限公司"


def test_customer_edit_with_a_bidi_name_changes_nothing(english, manager_ann):
    customer = make_customer(manager_ann, name="安诚贸易有限公司")
    data = customer_data(manager_ann, name="安诚\u202e易贸有限公司", phone=customer.phone)
    response = post_as(english, manager_ann, reverse("customers:edit", args=[customer.code]), data)
    assert field_errors(response, "name") == [control_message("\u202e")]
    customer.refresh_from_db()
    assert customer.name == "安诚贸易有限公司"


@pytest.mark.parametrize(
    "field", ["address", "legal_rep", "bank_name", "licence_no", "bank_account", "local_tax_no", "national_tax_no"]
)
def test_every_single_line_customer_field_refuses_bidi_controls(english, manager_ann, field):
    response = post_as(english, manager_ann, CREATE, customer_data(manager_ann, **{field: "北京\u202e12"}))
    assert field_errors(response, field) == [control_message("\u202e")]
    assert not Customer.all_objects.exists()


def test_an_optional_field_of_only_invisible_characters_is_refused(english, manager_ann):
    response = post_as(english, manager_ann, CREATE, customer_data(manager_ann, legal_rep="\u200b\u200b"))
    assert field_errors(response, "legal_rep") == [INVISIBLE_ONLY]
    assert not Customer.all_objects.exists()


def test_control_characters_in_a_single_line_field_are_refused(english, manager_ann):
    response = post_as(english, manager_ann, CREATE, customer_data(manager_ann, name="北京\x1b[31m鑫达"))
    assert field_errors(response, "name") == [control_message("\x1b")]
    assert not Customer.all_objects.exists()


# Contacts and activities


@pytest.fixture
def customer(manager_ann):
    return make_customer(manager_ann, name="安诚贸易有限公司")


@pytest.mark.parametrize("name", INVISIBLE_NAMES)
def test_contact_named_only_with_invisible_characters_is_refused(english, manager_ann, customer, name):
    url = reverse("customers:contact_create", args=[customer.code])
    response = post_as(english, manager_ann, url, {"name": name})
    assert field_errors(response, "name") == [INVISIBLE_ONLY]
    assert not customer.contacts.exists()


@pytest.mark.parametrize(("name", "char"), BIDI_NAMES)
def test_contact_name_with_a_bidi_control_is_refused(english, manager_ann, customer, name, char):
    url = reverse("customers:contact_create", args=[customer.code])
    response = post_as(english, manager_ann, url, {"name": name})
    assert field_errors(response, "name") == [control_message(char)]
    assert not customer.contacts.exists()


def test_contact_edit_with_a_bidi_position_changes_nothing(english, manager_ann, customer):
    contact = make_contact(customer, name="王伟", position="经理")
    url = reverse("customers:contact_edit", args=[customer.code, contact.pk])
    response = post_as(english, manager_ann, url, {"name": "王伟", "position": "\u2067经理\u2069"})
    assert field_errors(response, "position") == [control_message("\u2067")]
    contact.refresh_from_db()
    assert contact.position == "经理"


def test_contact_name_is_stored_without_its_invisible_ends(client, manager_ann, customer):
    url = reverse("customers:contact_create", args=[customer.code])
    assert post_as(client, manager_ann, url, {"name": "\u200b王伟\ufeff"}).status_code == 302
    assert customer.contacts.get().name == "王伟"


def activity_data(**overrides):
    return {"title": "电话回访", "occurred_at": "2024-06-01T09:30", **overrides}


@pytest.mark.parametrize("title", INVISIBLE_NAMES)
def test_activity_summary_of_only_invisible_characters_is_refused(english, manager_ann, customer, title):
    url = reverse("customers:activity_create", args=[customer.code])
    response = post_as(english, manager_ann, url, activity_data(title=title))
    assert field_errors(response, "title") == [INVISIBLE_ONLY]
    assert not customer.activities.exists()


@pytest.mark.parametrize("field", ["title", "place", "remark"])
def test_activity_single_line_fields_refuse_bidi_controls(english, manager_ann, customer, field):
    url = reverse("customers:activity_create", args=[customer.code])
    response = post_as(english, manager_ann, url, activity_data(**{field: "拜访\u202d王总"}))
    assert field_errors(response, field) == [control_message("\u202d")]
    assert not customer.activities.exists()


def test_activity_details_keep_right_to_left_text_as_typed(client, manager_ann, customer):
    # Several lines of prose may quote Arabic or Hebrew with their direction marks; they are shown
    # as a paragraph of their own, never as a name in a list, so they are kept verbatim.
    detail = "客户来信：\n\u2067مرحبا بكم\u2069\n谢谢"
    url = reverse("customers:activity_create", args=[customer.code])
    assert post_as(client, manager_ann, url, activity_data(detail=detail)).status_code == 302
    assert customer.activities.get().detail == detail


def test_activity_edit_with_an_invisible_summary_changes_nothing(english, manager_ann, customer):
    activity = make_activity(customer, title="首次拜访")
    url = reverse("customers:activity_edit", args=[customer.code, activity.pk])
    response = post_as(english, manager_ann, url, activity_data(title="\u2060\u2060"))
    assert field_errors(response, "title") == [INVISIBLE_ONLY]
    activity.refresh_from_db()
    assert activity.title == "首次拜访"


# The user admin


@pytest.mark.parametrize("username", ["\u200b", "\ufeff\u00ad"])
def test_admin_refuses_a_username_of_only_invisible_characters(english, superuser_sam, username):
    before = User.objects.count()
    response = post_as(
        english,
        superuser_sam,
        reverse("admin:auth_user_add"),
        {"username": username, "usable_password": "false"},
    )
    assert field_errors(response, "username", form="adminform") == [INVISIBLE_ONLY]
    assert User.objects.count() == before


def test_admin_refuses_a_username_with_a_bidi_control(english, superuser_sam):
    before = User.objects.count()
    response = post_as(
        english,
        superuser_sam,
        reverse("admin:auth_user_add"),
        {"username": "ann\u202enimda", "usable_password": "false"},
    )
    assert field_errors(response, "username", form="adminform") == [control_message("\u202e")]
    assert User.objects.count() == before


def test_admin_strips_invisible_ends_of_a_new_username(client, superuser_sam):
    response = post_as(
        client,
        superuser_sam,
        reverse("admin:auth_user_add"),
        {"username": "\u200bcarol\ufeff", "usable_password": "false"},
    )
    assert response.status_code == 302
    assert User.objects.filter(username="carol").exists()


def user_change_data(user, **overrides):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "groups": [group.pk for group in user.groups.all()],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "\u200b\u200c", INVISIBLE_ONLY),
        ("last_name", "\u3164", INVISIBLE_ONLY),
        ("first_name", "Ann\u202e", control_message("\u202e")),
        ("last_name", "\u2066Smith\u2069", control_message("\u2066")),
        ("username", "manager\u2068ann", control_message("\u2068")),
    ],
)
def test_admin_user_change_refuses_hostile_names_and_changes_nothing(
    english, superuser_sam, manager_ann, field, value, message
):
    url = reverse("admin:auth_user_change", args=[manager_ann.pk])
    response = post_as(english, superuser_sam, url, user_change_data(manager_ann, **{field: value}))
    assert field_errors(response, field, form="adminform") == [message]
    fresh = User.objects.get(pk=manager_ann.pk)
    assert (fresh.username, fresh.first_name, fresh.last_name) == (
        manager_ann.username,
        manager_ann.first_name,
        manager_ann.last_name,
    )


def test_admin_user_change_strips_invisible_ends_of_names(client, superuser_sam, manager_ann):
    url = reverse("admin:auth_user_change", args=[manager_ann.pk])
    data = user_change_data(manager_ann, first_name="\u200bAnn\u200d", last_name="\ufeffLee")
    assert post_as(client, superuser_sam, url, data).status_code == 302
    fresh = User.objects.get(pk=manager_ann.pk)
    assert (fresh.first_name, fresh.last_name) == ("Ann", "Lee")


# Dates outside 1900..2100

OUT_OF_RANGE_DAYS = ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"]


@pytest.mark.parametrize("field", ["created_from", "created_to"])
@pytest.mark.parametrize("day", OUT_OF_RANGE_DAYS)
def test_customer_list_date_filter_out_of_range_is_a_form_error(english, manager_ann, customer, field, day):
    response = get_as(english, manager_ann, LIST, {field: day})
    assert response.status_code == 200
    assert [str(e) for e in response.context["filter"].form.errors[field]] == [DATE_RANGE]
    assert DATE_RANGE in response.content.decode()


def test_customer_list_date_filter_in_range_still_filters(client, manager_ann, customer):
    entered = timezone.localdate(customer.created_at).isoformat()
    response = get_as(client, manager_ann, LIST, {"created_from": "1900-01-01", "created_to": entered})
    assert {row.record.code for row in response.context["table"].page.object_list} == {customer.code}
    response = get_as(client, manager_ann, LIST, {"created_from": "2100-12-31"})
    assert not response.context["table"].page.object_list


@pytest.mark.parametrize("field", ["created_from", "created_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_customer_export_date_filter_out_of_range_is_a_form_error(english, superuser_sam, customer, field, day):
    response = get_as(english, superuser_sam, EXPORT, {field: day, "file_format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert [str(e) for e in response.context["filter"].form.errors[field]] == [DATE_RANGE]
    assert DATE_RANGE in response.content.decode()


@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_order_list_date_filter_out_of_range_is_a_form_error(english, manager_ann, field, day):
    response = get_as(english, manager_ann, ORDERS, {field: day})
    assert response.status_code == 200
    assert [str(e) for e in response.context["filter"].form.errors[field]] == [DATE_RANGE]
    assert DATE_RANGE in response.content.decode()


def test_date_message_follows_the_users_language(client, manager_ann):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = get_as(client, manager_ann, LIST, {"created_to": "9999-12-31"})
    with translation.override("zh-hans"):
        expected = translation.gettext("Enter a date between %(start)s and %(end)s.") % {
            "start": "1900-01-01",
            "end": "2100-12-31",
        }
    assert [str(e) for e in response.context["filter"].form.errors["created_to"]] == [expected]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:59", "2101-01-01T00:00"])
def test_activity_time_out_of_range_is_a_form_error(english, manager_ann, customer, moment):
    url = reverse("customers:activity_create", args=[customer.code])
    response = post_as(english, manager_ann, url, activity_data(occurred_at=moment))
    assert field_errors(response, "occurred_at") == [DATE_RANGE]
    assert DATE_RANGE in response.content.decode()
    assert not customer.activities.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_activity_follow_up_out_of_range_is_a_form_error(english, manager_ann, customer, day):
    url = reverse("customers:activity_create", args=[customer.code])
    response = post_as(english, manager_ann, url, activity_data(next_follow_up=day))
    assert field_errors(response, "next_follow_up") == [DATE_RANGE]
    assert not customer.activities.exists()


def test_activity_edit_with_an_out_of_range_time_changes_nothing(english, manager_ann, customer):
    activity = make_activity(customer, title="首次拜访")
    url = reverse("customers:activity_edit", args=[customer.code, activity.pk])
    response = post_as(english, manager_ann, url, activity_data(title="首次拜访", occurred_at="0001-01-01T00:00"))
    assert field_errors(response, "occurred_at") == [DATE_RANGE]
    activity.refresh_from_db()
    assert activity.occurred_at == timezone.make_aware(datetime(2024, 5, 6, 10, 30))


def test_activity_at_the_edges_of_the_range_is_saved(client, manager_ann, customer):
    url = reverse("customers:activity_create", args=[customer.code])
    data = activity_data(occurred_at="1900-01-01T00:00", next_follow_up="2100-12-31")
    assert post_as(client, manager_ann, url, data).status_code == 302
    activity = customer.activities.get()
    assert timezone.localtime(activity.occurred_at).date().isoformat() == "1900-01-01"
    assert activity.next_follow_up.isoformat() == "2100-12-31"


# Derived search keys fit their columns


def found_by_search(client, user, query, customer):
    response = get_as(client, user, LIST, {"q": query})
    assert response.status_code == 200
    return customer.code in {row.record.code for row in response.context["table"].page.object_list}


def key_lengths_fit(customer):
    for field in ("name_pinyin", "name_initials", "name_normalized"):
        assert len(getattr(customer, field)) <= Customer._meta.get_field(field).max_length, field


def test_a_name_whose_pinyin_is_longer_than_its_column_saves_and_is_found(client, manager_ann):
    name = "庄" * 67  # 67 x "zhuang" = 402 letters, over the 400-character pinyin column
    response = post_as(client, manager_ann, CREATE, customer_data(manager_ann, name=name))
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.name == name
    key_lengths_fit(customer)
    assert customer.name_pinyin.startswith("zhuangzhuang")
    assert customer.name_initials == "z" * 67
    assert found_by_search(client, manager_ann, "zh", customer)
    assert found_by_search(client, manager_ann, "zhuangzhuang", customer)
    assert found_by_search(client, manager_ann, "庄庄庄", customer)


def test_a_full_length_name_of_polyphonic_characters_saves_and_is_found_by_both_readings(client, manager_ann):
    # 曾 starts a company name: pypinyin's reading (ceng) first, the surname reading (zeng) second,
    # each about 550 letters and 100 initials long: neither the pinyin nor the initials column
    # holds both whole.
    name = "曾" + "重长藏传庄" * 19 + "行乐还觉"
    assert len(name) == Customer._meta.get_field("name").max_length
    response = post_as(client, manager_ann, CREATE, customer_data(manager_ann, name=name))
    assert response.status_code == 302
    customer = Customer.objects.get()
    key_lengths_fit(customer)
    assert customer.name_pinyin.startswith("ceng")
    assert " zeng" in customer.name_pinyin
    assert " z" in customer.name_initials
    assert found_by_search(client, manager_ann, customer.name_pinyin[:12], customer)
    assert found_by_search(client, manager_ann, "zeng" + customer.name_pinyin[4:12], customer)
    assert found_by_search(client, manager_ann, customer.name_initials[:6], customer)
    assert found_by_search(client, manager_ann, "c", customer)


def test_a_name_longer_than_its_column_is_a_form_error_not_a_crash(english, manager_ann):
    response = post_as(english, manager_ann, CREATE, customer_data(manager_ann, name="重" * 200))
    assert field_errors(response, "name")
    assert not Customer.all_objects.exists()


@pytest.mark.parametrize("person", [False, True])
@pytest.mark.parametrize(
    "name",
    [
        "庄" * 67,
        "重" * 200,  # a 200-character name of polyphonic characters: longer than any column
        "曾" + "庄" * 199,
        "尉迟" + "长" * 198,
        "曾" + "Ａ" * 199,  # full-width letters: one initial each
        "\ufdfa" * 100,  # NFKC spells this one out in eighteen Arabic letters (no pinyin)
        "㎯" * 100,  # and this one as "rad∕s2"
    ],
)
def test_pinyin_keys_fit_the_columns_whatever_the_name(name, person):
    full, initials = pinyin_keys(name, person=person)
    assert len(full) <= Customer._meta.get_field("name_pinyin").max_length
    assert len(initials) <= Customer._meta.get_field("name_initials").max_length


def test_pinyin_keys_of_an_ordinary_name_are_not_cut():
    assert pinyin_keys("曾记餐饮有限公司") == (
        "cengjicanyinyouxiangongsi zengjicanyinyouxiangongsi",
        "cjcyyxgs zjcyyxgs",
    )
    assert pinyin_keys("曾伟", person=True) == ("zengwei cengwei", "zw cw")


def test_both_readings_keep_their_start_when_cut():
    full, initials = pinyin_keys("曾" + "庄" * 99)
    first, second = full.split(" ")
    assert first.startswith("cengzhuang") and second.startswith("zengzhuang")
    assert len(first) == len(second) == (400 - 1) // 2
    assert initials == "c" + "z" * 98 + " " + "z" * 99


def test_pinyin_keys_can_fit_other_columns():
    assert pinyin_keys("庄" * 10, max_lengths=(12, 3)) == ("zhuangzhuang", "zzz")


def test_name_bigrams_hold_at_most_one_pair_per_name_character():
    limit = Customer._meta.get_field("name").max_length
    assert len(name_bigrams("㍿" * 30 + "北京鑫达" * 20).split(" ")) <= limit
    assert name_bigrams("北京鑫达") == "北京 京鑫 鑫达"
    full_length = "".join(chr(0x4E00 + i) for i in range(limit))
    assert len(name_bigrams(full_length).split(" ")) == limit - 1
