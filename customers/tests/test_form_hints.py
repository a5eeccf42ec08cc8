"""What the customer pages tell before they act (issue 10, "Forms and lists"): the length limit of
free text (the browser's maxlength cut a 200-character name to 100 without a word), the activity
time defaulting to now, the primary contact whose badge a newly ticked box moves, and one pager
on the customer list."""

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import make_activity, make_contact, make_customer

pytestmark = pytest.mark.django_db


def page(client, user, url, language="en", **params):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def tag(html, name):
    found = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html)
    assert found, name
    return found.group(0)


def help_of(html, name):
    """The help text under a field (templates/includes/form_field.html)."""
    block = html.split(tag(html, name), 1)[1].split('<div class="mb-3', 1)[0]
    found = re.search(r'<div class="form-text">(.*?)</div>', block, re.S)
    return found.group(1).strip() if found else None


@pytest.mark.parametrize(("language", "text"), [("en", "At most 100 characters."), ("zh-hans", "最多 100 个字符。")])
def test_the_customer_name_states_its_limit_and_is_counted(client, manager_ann, language, text):
    html = page(client, manager_ann, reverse("customers:create"), language)
    name = tag(html, "name")
    assert 'maxlength="100"' in name and "data-counter" in name
    assert help_of(html, "name") == text


def test_every_long_free_text_field_states_its_limit_and_short_coded_ones_do_not(client, manager_ann):
    customer = make_customer(manager_ann)
    forms = {
        reverse("customers:create"): {"name": 100, "address": 200, "legal_rep": 50, "bank_name": 100},
        reverse("customers:contact_create", args=[customer.code]): {"name": 50, "position": 50, "memo": 2000},
        reverse("customers:activity_create", args=[customer.code]): {
            "place": 100,
            "title": 100,
            "detail": 5000,
            "remark": 200,
        },
    }
    for url, limits in forms.items():
        html = page(client, manager_ann, url)
        for name, limit in limits.items():
            assert "data-counter" in tag(html, name), (url, name)
            assert help_of(html, name) == f"At most {limit} characters.", (url, name)
    html = page(client, manager_ann, reverse("customers:create"))
    for name in ("phone", "postcode", "uscc", "website"):
        assert "data-counter" not in tag(html, name), name


def test_the_counter_script_reads_the_attributes_the_forms_carry():
    script = (settings.BASE_DIR / "static" / "js" / "app.js").read_text(encoding="utf-8")
    assert "[data-counter][maxlength]" in script
    assert "data-confirm-checked" in script and "dataset.confirmChecked" in script


def test_a_new_activity_starts_at_the_current_local_time(client, manager_ann, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    customer = make_customer(manager_ann)
    before = timezone.localtime().replace(second=0, microsecond=0)
    html = page(client, manager_ann, reverse("customers:activity_create", args=[customer.code]))
    value = re.search(r'value="([^"]+)"', tag(html, "occurred_at")).group(1)
    shown = timezone.make_aware(datetime.strptime(value, "%Y-%m-%dT%H:%M"))
    assert before <= shown <= before + timedelta(minutes=1)


def test_editing_an_activity_keeps_its_time(client, manager_ann):
    customer = make_customer(manager_ann)
    activity = make_activity(customer, occurred_at=timezone.make_aware(datetime(2024, 5, 6, 10, 30)))
    html = page(client, manager_ann, reverse("customers:activity_edit", args=[customer.code, activity.pk]))
    assert 'value="2024-05-06T10:30"' in tag(html, "occurred_at")


@pytest.mark.parametrize(
    ("language", "question", "note"),
    [
        (
            "en",
            "Make this contact the primary contact instead of 王小明?",
            "The primary contact now is 王小明; ticking this moves the badge here.",
        ),
        (
            "zh-hans",
            "将此联系人设为首要联系人，取代王小明吗？",
            "目前的首要联系人是王小明；勾选此项会把首要联系人改为此联系人。",
        ),
    ],
)
def test_ticking_primary_on_a_second_contact_names_the_current_one_and_asks(
    client, manager_ann, language, question, note
):
    customer = make_customer(manager_ann)
    make_contact(customer, name="王小明")  # the first contact is the primary one
    second = make_contact(customer, name="李四")
    for url in (
        reverse("customers:contact_create", args=[customer.code]),
        reverse("customers:contact_edit", args=[customer.code, second.pk]),
    ):
        html = page(client, manager_ann, url, language)
        assert f'data-confirm-checked="{question}"' in tag(html, "is_primary")
        assert help_of(html, "is_primary") == note


def test_the_primary_contact_itself_and_a_customers_first_contact_are_not_asked(client, manager_ann):
    customer = make_customer(manager_ann)
    html = page(client, manager_ann, reverse("customers:contact_create", args=[customer.code]))
    assert "data-confirm-checked" not in tag(html, "is_primary")
    primary = make_contact(customer, name="王小明")
    html = page(client, manager_ann, reverse("customers:contact_edit", args=[customer.code, primary.pk]))
    assert "data-confirm-checked" not in tag(html, "is_primary")


def test_ticking_primary_still_moves_the_badge(client, manager_ann):
    customer = make_customer(manager_ann)
    first = make_contact(customer, name="王小明")
    client.force_login(manager_ann)
    response = client.post(
        reverse("customers:contact_create", args=[customer.code]), {"name": "李四", "is_primary": "on"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert not first.is_primary and customer.contacts.get(is_primary=True).name == "李四"


def pagers(html):
    return re.findall(r'<ul class="pagination[^"]*">(.*?)</ul>', html, re.S)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_customer_list_shows_one_pager(client, manager_ann, language):
    for number in range(55):
        make_customer(manager_ann, name=f"单页码测试{number:02d}有限公司")
    html = page(client, manager_ann, reverse("customers:list"), language)
    assert len(pagers(html)) == 1
    assert "Next 50" not in html and "下 50 条" not in html
    pager = pagers(html)[0]
    next_link = re.search(r'href="([^"]+)" data-testid="keyset-next"', pager).group(1)
    assert "after=" in next_link
    # The page it leads to (read by keyset, without a number) has one pager too: first page, no next.
    html = client.get(reverse("customers:list") + next_link.replace("&amp;", "&")).content.decode()
    assert len(pagers(html)) == 1
    assert 'data-testid="keyset-next"' not in html
    assert ("first page" if language == "en" else "第一页") in pagers(html)[0]


def test_a_sorted_list_pages_by_number(client, manager_ann):
    for number in range(55):
        make_customer(manager_ann, name=f"排序页码测试{number:02d}有限公司")
    html = page(client, manager_ann, reverse("customers:list"), sort="-code")
    assert len(pagers(html)) == 1
    assert 'data-testid="keyset-next"' not in html and "page=2" in pagers(html)[0]
