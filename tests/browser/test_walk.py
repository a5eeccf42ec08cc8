"""A customer's life as its people walk it, in Chinese and in English, and what they read about it.

Ann (account manager) creates a customer, edits two fields and deletes it; Sue (sales supervisor)
restores it from the recycle bin and reads the customer's history: four entries, newest first, each
naming its person by display name, the edit with its old and new values (a choice by its label), and
no raw value a user can't read ("None", a user name, a date-time with seconds).

Sam (superuser) moves customers between managers: codes that match nothing are named and nothing
moves; a mix of codes previews what moves and what doesn't before anything moves; an empty code box
is previewed as "all of ann's customers", and the browser asks before they move.

Expected words are read from the code (labels, messages) under the page's language, so a reworded
label doesn't break the walk, while a label left untranslated or a raw value does.
"""

import re

import pytest
from auditlog.models import LogEntry
from django.utils import translation
from playwright.sync_api import expect

from crm.audit import ACTION_LABELS
from crm.audit_display import RECYCLE_LABELS
from crm.formats import labelled
from customers.models import Customer, Level
from tests.browser.conftest import login, screenshot, submit
from tests.browser.test_customers import switch_language

NAME = "重庆嘉陵江测绘仪器有限公司"
OLD_ADDRESS = "重庆市渝中区解放碑民族路 18 号"
NEW_ADDRESS = "重庆市渝中区解放碑民族路 20 号"
DETAIL_PAGE = re.compile(r"/customers/KH\d{12}/$")
LIST_PAGE = re.compile(r"/customers/$")
UNKNOWN_CODE = "KH209912319999"

# Words of the pages the walk looks for, per language.
TEXT = {
    "zh-hans": {"region": "重庆", "created": "已创建", "saved": "已保存", "deleted": "回收站", "restored": "已恢复"},
    "en": {
        "region": "Chongqing",
        "created": "created",
        "saved": "saved",
        "deleted": "recycle bin",
        "restored": "restored",
    },
}
# What no reader should meet in a history: Python's None, a user name where a person's name
# belongs, a time with seconds or microseconds (a raw stored value).
UNREADABLE = [re.compile(r"\bNone\b"), re.compile(r"\b(ann|sue)\b"), re.compile(r"\d{2}:\d{2}:\d{2}")]


def in_language(language, **texts):
    """``texts`` (lazy translations or callables) rendered in ``language``."""
    with translation.override(language):
        return {key: str(value() if callable(value) else value) for key, value in texts.items()}


def change(field, old, new):
    """One field's change as a history line shows it: "label: old → new" in the page's language."""
    return lambda: labelled(Customer._meta.get_field(field).verbose_name, f"{old} → {new}")


def log_out(page):
    page.click("[data-testid=user-menu]")
    submit(page, "form[action$='/logout/'] button[type=submit]")
    expect(page.locator("input[name=username]")).to_be_visible()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_customer_is_created_edited_deleted_restored_and_its_history_reads_as_it_happened(page, language):
    text = TEXT[language]
    words = in_language(
        language,
        created=ACTION_LABELS[LogEntry.Action.CREATE],
        deleted=RECYCLE_LABELS[True],
        restored=RECYCLE_LABELS[False],
        new_level=Level.MAJOR.label,
        address=change("address", OLD_ADDRESS, NEW_ADDRESS),
        level=change("level", Level.ORDINARY.label, Level.MAJOR.label),
    )
    switch_language(page, language)
    login(page, "ann", "crm-demo-ann")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()

    # Ann creates the customer: an ordinary customer (the form's default level).
    page.goto(f"{page.base_url}/customers/new/")
    page.fill("#id_name", NAME)
    page.select_option("#id_region", label=text["region"])
    page.fill("#id_address", OLD_ADDRESS)
    page.fill("#id_phone", "023-63801234")
    expect(page.locator("#id_level")).to_have_value(str(Level.ORDINARY.value))
    submit(page, "[data-testid=customer-form] button[type=submit]")
    expect(page).to_have_url(DETAIL_PAGE)
    messages = page.locator("[data-testid=messages]")
    expect(messages).to_contain_text(NAME)
    expect(messages).to_contain_text(text["created"])  # in the page's language
    code = Customer.objects.get(name=NAME).code

    # Ann edits two fields: the address, and the level (a choice).
    page.click("[data-testid=edit-customer]")
    page.wait_for_url(f"**/customers/{code}/edit/")
    page.fill("#id_address", NEW_ADDRESS)
    page.select_option("#id_level", str(Level.MAJOR.value))
    submit(page, "[data-testid=customer-form] button[type=submit]")
    expect(messages).to_contain_text(text["saved"])
    expect(page.locator("[data-testid=customer-fields]")).to_contain_text(NEW_ADDRESS)
    expect(page.locator("[data-testid=customer-code]").locator("..")).to_contain_text(words["new_level"])

    # Ann deletes it, through the confirmation page.
    page.click("[data-testid=delete-customer]")
    page.wait_for_url(f"**/customers/{code}/delete/")
    expect(page.locator("h1")).to_contain_text(NAME)
    submit(page, "[data-testid=confirm-delete]")
    expect(messages).to_contain_text(text["deleted"])
    page.goto(f"{page.base_url}/customers/{code}/")
    expect(page.locator("[data-testid=error-404]")).to_be_visible()

    # Sue restores it from the recycle bin and lands on the customer's page.
    log_out(page)
    login(page, "sue", "crm-demo-sue")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    page.goto(f"{page.base_url}/customers/bin/")
    row = page.locator("[data-testid=bin-table] tbody tr", has_text=NAME)
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.locator("button").click()
    expect(page).to_have_url(f"{page.base_url}/customers/{code}/")
    expect(messages).to_contain_text(text["restored"])
    expect(page.locator("[data-testid=customer-name]")).to_have_text(NAME)

    # The history, newest first: restored by Sue, deleted by Ann, edited by Ann, created by Ann.
    history = page.locator("[data-testid=history-panel]")
    entries = history.locator("li")
    expect(entries).to_have_count(4)
    restored, deleted, edited, created = (entries.nth(index) for index in range(4))
    expect(restored).to_contain_text(words["restored"])
    expect(restored).to_contain_text("苏梅")
    expect(deleted).to_contain_text(words["deleted"])
    expect(deleted).to_contain_text("安宁")
    expect(edited).to_contain_text("安宁")
    expect(edited).to_contain_text(words["address"])
    expect(edited).to_contain_text(words["level"])
    expect(created).to_contain_text(words["created"])
    expect(created).to_contain_text("安宁")
    for unreadable in UNREADABLE:
        expect(history).not_to_contain_text(unreadable)
    screenshot(page, f"walk-history-{language}")


def managed_by(username):
    """The codes of the customers ``username`` manages (read from the database, not the page)."""
    return set(Customer.objects.filter(account_manager__username=username).values_list("code", flat=True))


def preview(page, codes):
    """Ask the transfer page what moving ``codes`` from ann to bob would do."""
    page.goto(f"{page.base_url}/customers/transfer/")
    page.select_option("#id_from_manager", label="安宁")
    page.select_option("#id_to_manager", label="鲍波")
    page.fill("#id_codes", codes)
    submit(page, "[data-testid=transfer-preview]")


def transferred(language, count):
    return in_language(
        language,
        message=lambda: (
            translation.ngettext("%(count)d customer was transferred.", "%(count)d customers were transferred.", count)
            % {"count": count}
        ),
    )["message"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_transfer_names_unknown_codes_previews_what_moves_and_asks_before_moving_everything(page, language):
    anns, bobs = sorted(managed_by("ann")), sorted(managed_by("bob"))
    assert len(anns) >= 2 and bobs, "the demo gives ann and bob customers"
    switch_language(page, language)
    login(page, "sam", "crm-demo-sam")
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    confirm = page.locator("[data-testid=transfer-confirm]")
    success = page.locator("[data-testid=messages] .alert-success")

    # A code that matches nothing: named in an error, nothing to confirm, nothing moved.
    preview(page, UNKNOWN_CODE)
    expect(page.locator("[data-testid=form-errors]")).to_contain_text(UNKNOWN_CODE)
    expect(page.locator("[data-testid=transfer-summary]")).to_have_count(0)
    expect(confirm).to_have_count(0)
    expect(success).to_have_count(0)
    assert managed_by("ann") == set(anns)

    # One of ann's codes, an unknown one and one of bob's: the preview names what moves (one
    # customer) and what doesn't (the other two), and nothing moves until it is confirmed.
    preview(page, f"{anns[0]}\n{UNKNOWN_CODE}\n{bobs[0]}")
    expect(page.locator("[data-testid=transfer-count]")).to_contain_text(re.compile(r"\b1\b"))
    problems = page.locator("[data-testid=transfer-problems]")
    expect(problems).to_contain_text(UNKNOWN_CODE)
    expect(problems).to_contain_text(bobs[0])
    rows = page.locator("[data-testid=transfer-rows] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(anns[0])
    assert managed_by("ann") == set(anns)
    screenshot(page, f"walk-transfer-preview-{language}")
    submit(page, "[data-testid=transfer-confirm]")  # no question for a named selection
    expect(page).to_have_url(LIST_PAGE)
    expect(success).to_have_text(transferred(language, 1))
    assert managed_by("ann") == set(anns[1:])
    assert anns[0] in managed_by("bob")

    # An empty box: all of ann's remaining customers, said as such; the browser asks, and
    # declining moves nothing.
    remaining = len(anns) - 1
    preview(page, "")
    everything = page.locator("[data-testid=transfer-everything]")
    expect(everything).to_contain_text(re.compile(rf"\b{remaining}\b"))
    expect(everything).to_contain_text("安宁")
    expect(rows).to_have_count(remaining)
    screenshot(page, f"walk-transfer-everything-{language}")
    asked = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    confirm.click()
    expect(confirm).to_be_visible()  # still the preview: the form wasn't sent
    assert len(asked) == 1 and str(remaining) in asked[0] and "安宁" in asked[0]
    assert managed_by("ann") == set(anns[1:])

    # Accepting moves them all, with the count in the page's language.
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        confirm.click()
    expect(page).to_have_url(LIST_PAGE)
    expect(success).to_have_text(transferred(language, remaining))
    assert managed_by("ann") == set()
    assert set(anns) <= managed_by("bob")
