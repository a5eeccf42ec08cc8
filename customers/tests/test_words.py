"""The words of the customer pages as a Chinese office worker reads them: a contact's name is 姓名,
the primary contact's badge 首要联系人, Chinese text has Chinese punctuation, English labels start
with a capital letter (issue 10, "Formats and words")."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from customers.tests.factories import make_contact, make_customer

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u4e00-\u9fff]")
# What may hold ASCII punctuation inside Chinese text: placeholders, file extensions, addresses.
NOT_PROSE = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{[^}]*\}|https?://\S+|<[^>]+>|\.(csv|xlsx)\b")


def get(client, user, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def field_label(html, name):
    found = re.search(rf'<label class="form-label" for="id_{name}">(.*?)</label>', html, re.S)
    assert found, name
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def labels(html):
    return [
        " ".join(re.sub(r"<[^>]+>", " ", text).split()) for text in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    ]


def test_chinese_text_in_the_catalogue_has_chinese_punctuation():
    wrong = []
    for entry in polib.pofile(str(CATALOGUE)):
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            if CJK.search(text) and re.search(r"[,:;!?]|\.(\s|$)", NOT_PROSE.sub("", text)):
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_english_form_labels_start_with_a_capital_letter(client, manager_ann):
    customer = make_customer(manager_ann)
    pages = [
        reverse("customers:create"),
        reverse("customers:edit", args=[customer.code]),
        reverse("customers:contact_create", args=[customer.code]),
        reverse("customers:activity_create", args=[customer.code]),
    ]
    for url in pages:
        shown = [label for label in labels(get(client, manager_ann, url, "en")) if label]
        assert shown, url
        assert [label for label in shown if not label[0].isupper()] == [], url


def test_a_contacts_name_is_a_persons_name_in_chinese(client, manager_ann):
    customer = make_customer(manager_ann)
    html = get(client, manager_ann, reverse("customers:contact_create", args=[customer.code]), "zh-hans")
    assert field_label(html, "name").startswith("姓名")
    # The customer's own name stays 名称.
    html = get(client, manager_ann, reverse("customers:edit", args=[customer.code]), "zh-hans")
    assert field_label(html, "name").startswith("名称")


@pytest.mark.parametrize(("language", "badge"), [("zh-hans", "首要联系人"), ("en", "Primary")])
def test_the_primary_contact_badge_says_primary_contact(client, manager_ann, language, badge):
    customer = make_customer(manager_ann)
    make_contact(customer, name="王小明")
    html = get(client, manager_ann, customer.get_absolute_url(), language)
    panel = html.split('data-testid="contacts-panel"')[1]
    assert re.search(rf'<span class="badge[^"]*">{badge}</span>', panel)


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", "名称、电话"), ("en", "name, phone")])
def test_a_list_in_running_text_is_joined_as_the_language_writes_it(language, shown):
    from django.template import Context, Template
    from django.utils import translation

    with translation.override(language):
        items = [translation.gettext("name"), translation.gettext("phone")]
        html = Template("{% load words %}{{ items|text_list }}").render(Context({"items": items}))
    assert html == shown


@pytest.mark.parametrize(
    "language, capital, follow_up",
    [("zh-hans", "12,345.60", "下次跟进：2024-05-20"), ("en", "12,345.60", "Next follow-up: 2024-05-20")],
)
def test_the_customer_page_writes_money_dates_and_the_contacts_header_as_the_product_does(
    client, manager_ann, language, capital, follow_up
):
    from datetime import date
    from decimal import Decimal

    from customers.tests.factories import make_activity

    customer = make_customer(manager_ann, registered_capital=Decimal("12345.6"))
    make_activity(customer, next_follow_up=date(2024, 5, 20))
    make_contact(customer)
    html = get(client, manager_ann, customer.get_absolute_url(), language)
    assert capital in html
    assert follow_up in html
    assert "12345.6" not in html
    if language == "zh-hans":
        assert re.search(r"<th>\s*姓名\s*</th>", html)
