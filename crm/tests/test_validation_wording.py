"""Validation messages in words for office users, not Django's programmer Chinese ("确保该变量包含不超过
100 字符"): the project's catalogue words the limits every form checks (crm.validators.DJANGO_MESSAGES)."""

import re
from pathlib import Path

import django
import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from crm.validators import DJANGO_MESSAGES
from customers.models import Level
from customers.tests.factories import make_customer, region

PROJECT_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
DJANGO_CATALOGUE = Path(django.__file__).parent / "conf" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PROGRAMMER_WORDS = ["确保", "变量", "字段", "null", "Null"]


def msgid(message):
    """The singular msgid of a DJANGO_MESSAGES item: a string, or a lazy ngettext (whose arguments
    Django keeps on the proxy, as singular, plural and number)."""
    if isinstance(message, str):
        return message
    return message._kw.get("singular") or message._args[0]


def test_every_reworded_message_is_one_of_djangos_own():
    # A Django upgrade that rewords one of them leaves our entry unused: this says so.
    django_ids = {entry.msgid for entry in polib.pofile(str(DJANGO_CATALOGUE))}
    assert [msgid(m) for m in DJANGO_MESSAGES if msgid(m) not in django_ids] == []


def test_the_project_catalogue_words_every_one_of_them_in_plain_chinese():
    entries = {entry.msgid: entry for entry in polib.pofile(str(PROJECT_CATALOGUE))}
    for message in DJANGO_MESSAGES:
        entry = entries.get(msgid(message))
        assert entry is not None and entry.translated() and "fuzzy" not in entry.flags, msgid(message)
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            assert not any(word in text for word in PROGRAMMER_WORDS), text
            assert not re.search(r"[,:;.]", re.sub(r"%\(\w+\)[sd]", "", text)), text  # full-width punctuation


def test_the_projects_wording_wins_over_djangos():
    with translation.override("zh-hans"):
        from django.core.validators import MaxLengthValidator

        message = MaxLengthValidator.message % {"limit_value": 100, "show_value": 101}
    assert message == "最多 100 个字符，现在有 101 个。"


@pytest.mark.django_db
def test_the_customer_form_says_what_is_wrong_in_plain_words(client, manager_ann):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(manager_ann)
    response = client.post(
        reverse("customers:create"),
        {
            "name": "庄" * 101,
            "region": region().pk,
            "account_manager": manager_ann.pk,
            "level": Level.ORDINARY,
            "phone": "13812345678",
            "registered_capital": "-1",
            "annual_turnover": "1.234",
            "website": "not a web address",
        },
    )
    assert response.status_code == 200
    errors = {name: [str(e) for e in errs] for name, errs in response.context["form"].errors.items()}
    assert errors["name"] == ["最多 100 个字符，现在有 101 个。"]
    assert errors["address"] == ["请填写此项。"]
    assert errors["registered_capital"] == ["请输入不小于 0 的数。"]
    assert errors["annual_turnover"] == ["小数最多 2 位。"]
    assert errors["website"] == ["请输入有效的网址。"]
    page = response.content.decode()
    for word in PROGRAMMER_WORDS[:3]:
        assert word not in page, word


@pytest.mark.django_db
def test_a_contacts_email_is_asked_for_in_plain_words(client, manager_ann):
    customer = make_customer(manager_ann)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(manager_ann)
    response = client.post(
        reverse("customers:contact_create", args=[customer.code]), {"name": "王小明", "email": "wang@"}
    )
    assert response.status_code == 200
    assert [str(e) for e in response.context["form"].errors["email"]] == ["请输入有效的电子邮箱地址。"]
