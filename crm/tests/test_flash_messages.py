"""Every flash message of the product, rendered through its view in English and in Chinese.

The call sites are read from the source (every ``messages.<level>(...)`` outside tests), so a new
flash message without a row in ``SCENARIOS`` fails ``test_every_flash_message_has_a_scenario``.
A scenario signs in, does what produces the message (following redirects) in the language given
by the language cookie, and returns the response and the values the message interpolates
(names, codes), which are left out before the language is judged.

A few messages are reachable only by a race (two people deleting or restoring the same customer
at the same moment, a transfer's customers changing between its confirmation and its action: the
view read the rows before the other request moved them); their rows (``RACES``) check that the
action's refusal, which the view shows as it is, speaks the request's language.
"""

import ast
import html
import re
from importlib import import_module
from importlib.util import find_spec

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from crm.apps import project_app_configs
from crm.tests.test_lazy_translation import project_modules
from customers import actions
from customers.actions import ActionError
from customers.models import Customer, Level
from customers.tests.factories import make_activity, make_contact, make_customer, region, share

pytestmark = pytest.mark.django_db

LEVELS = {"success", "warning", "error", "info", "debug", "add_message"}
LANGUAGES = ["en", "zh-hans"]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


class CallSites(ast.NodeVisitor):
    """``path::Outer.inner::message argument`` of every ``messages.<level>(request, message)``."""

    def __init__(self, path):
        self.path = path
        self.scope = []
        self.found = []

    def _scoped(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_Call(self, node):
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in LEVELS
            and isinstance(func.value, ast.Name)
            and func.value.id == "messages"
        ):
            argument = node.args[-1] if node.args else node.keywords[0].value
            self.found.append(f"{self.path}::{'.'.join(self.scope)}::{ast.unparse(argument)}")
        self.generic_visit(node)


def flash_call_sites():
    sites = []
    for path in project_modules():
        visitor = CallSites(path.relative_to(settings.BASE_DIR).as_posix())
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        sites.extend(visitor.found)
    return sites


def flash_messages(response):
    """The texts of the page's flash messages (templates/includes/messages.html)."""
    assert response.status_code == 200, response.status_code
    block = response.content.decode().split('data-testid="messages"', 1)
    assert len(block) == 2, "the page shows no flash message"
    texts = re.findall(r'role="alert">(.*?)<button', block[1], re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in texts]


def in_language(text, language, values=()):
    """Whether ``text`` reads as ``language``, once the interpolated ``values`` are taken out."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(str(value), "")
    if language == "en":
        return not CJK.search(text) and bool(ENGLISH_WORD.search(text))
    return bool(CJK.search(text)) and not ENGLISH_WORD.search(text)


# --- scenarios: (client, world) -> (response followed to its page, interpolated values) --------


def customer_data(manager, **overrides):
    return {
        "name": "北京鑫达科技有限公司",
        "region": region().pk,
        "account_manager": manager.pk,
        "level": Level.ORDINARY,
        "address": "北京市海淀区中关村大街1号",
        "phone": "13812345678",
        **overrides,
    }


def create_customer(client, world):
    client.force_login(world["manager_ann"])
    response = client.post(reverse("customers:create"), customer_data(world["manager_ann"]), follow=True)
    return response, ["北京鑫达科技有限公司"]


def edit_customer(client, world):
    customer = world["A"]
    client.force_login(world["manager_ann"])
    data = customer_data(world["manager_ann"], name=customer.name, phone=customer.phone, address="上海市浦东新区1号")
    response = client.post(reverse("customers:edit", args=[customer.code]), data, follow=True)
    return response, [customer.name]


def delete_customer(client, world):
    customer = world["A"]
    client.force_login(world["manager_ann"])
    return client.post(reverse("customers:delete", args=[customer.code]), follow=True), [customer.name]


def restore_customer(client, world):
    customer = world["A"]
    actions.delete_customer(actor=world["manager_ann"], customer=customer)
    client.force_login(world["supervisor_sue"])
    return client.post(reverse("customers:restore", args=[customer.code]), follow=True), [customer.name]


def share_customer(client, world):
    client.force_login(world["supervisor_sue"])
    data = {"user": world["manager_bob"].pk, "level": "view"}
    return client.post(reverse("customers:share", args=[world["A"].code]), data, follow=True), []


def revoke_share(client, world):
    share(world["A"], world["manager_bob"], actor=world["supervisor_sue"])
    client.force_login(world["supervisor_sue"])
    url = reverse("customers:unshare", args=[world["A"].code, world["manager_bob"].pk])
    return client.post(url, follow=True), []


def revoke_the_managers_own_access(client, world):
    client.force_login(world["supervisor_sue"])
    url = reverse("customers:unshare", args=[world["A"].code, world["manager_ann"].pk])
    return client.post(url, follow=True), []


def save_contact(client, world):
    client.force_login(world["manager_ann"])
    data = {"name": "王小明", "gender": "", "mobile": "13912345678"}
    return client.post(reverse("customers:contact_create", args=[world["A"].code]), data, follow=True), []


def delete_contact(client, world):
    contact = make_contact(world["A"], name="李四")
    client.force_login(world["manager_ann"])
    url = reverse("customers:contact_delete", args=[world["A"].code, contact.pk])
    return client.post(url, follow=True), []


def save_activity(client, world):
    client.force_login(world["manager_ann"])
    data = {"occurred_at": "2026-03-02T10:30", "title": "上门拜访"}
    return client.post(reverse("customers:activity_create", args=[world["A"].code]), data, follow=True), []


def delete_activity(client, world):
    activity = make_activity(world["A"], title="电话回访")
    client.force_login(world["manager_ann"])
    url = reverse("customers:activity_delete", args=[world["A"].code, activity.pk])
    return client.post(url, follow=True), []


def transfer_choice(world):
    return {"from_manager": world["manager_ann"].pk, "to_manager": world["manager_bob"].pk, "codes": world["A"].code}


def transfer_customers(client, world):
    client.force_login(world["superuser_sam"])
    preview = client.post(reverse("customers:transfer"), transfer_choice(world))
    confirmation = preview.context["confirm_form"].initial
    data = {**transfer_choice(world), **confirmation, "confirm": "1"}
    return client.post(reverse("customers:transfer"), data, follow=True), [world["A"].code]


def confirm_a_transfer_that_changed_since_its_preview(client, world):
    client.force_login(world["superuser_sam"])
    data = {**transfer_choice(world), "expected": 2, "selection": "0" * 32, "confirm": "1"}
    return client.post(reverse("customers:transfer"), data, follow=True), [world["A"].code]


def customer_page_past_the_end(client, world):
    client.force_login(world["manager_ann"])
    return client.get(reverse("customers:list"), {"page": 999}, follow=True), ["999", "1"]


def order_page_that_is_no_number(client, world):
    client.force_login(world["supervisor_sue"])
    return client.get(reverse("sales:order_list"), {"page": "x2"}, follow=True), ["x2"]


def empty_list_page(client, world):
    client.force_login(world["superuser_sam"])
    return client.get(reverse("sales:product_list"), {"page": 4}, follow=True), ["4"]


def page_below_one(client, world):
    client.force_login(world["superuser_sam"])
    return client.get(reverse("audit"), {"page": 0}, follow=True), ["0"]


def export_past_the_limit(client, world):
    sam = world["superuser_sam"]
    for _number in range(settings.EXPORT_RATE_LIMIT):
        actions.export_customers(actor=sam, customers=Customer.objects.all(), file_format="csv")
    client.force_login(sam)
    answer = client.get(reverse("customers:export"), {"file_format": "csv"}, follow=True)
    return answer, [str(settings.EXPORT_RATE_LIMIT)]


def _app_code(secret):
    from binascii import unhexlify

    from django_otp.oath import TOTP

    return f"{TOTP(unhexlify(secret)).token():06d}"


def enrol_in_two_factor(client, world):
    client.force_login(world["manager_ann"])
    client.get(reverse("two_factor_enrol"))
    from crm import two_factor

    code = _app_code(client.session[two_factor.NEW_SECRET_KEY])
    return client.post(reverse("two_factor_enrol"), {"code": code}, follow=True), []


def new_recovery_codes_without_an_app(client, world):
    client.force_login(world["manager_ann"])
    return client.post(reverse("two_factor_recovery_codes"), follow=True), []


def recovery_codes_page_read_again(client, world):
    client.force_login(world["manager_ann"])
    return client.get(reverse("two_factor_recovery_codes"), follow=True), []


def turn_off_required_two_factor(client, world):
    client.force_login(world["superuser_sam"])
    return client.post(reverse("two_factor_turn_off"), {"code": "123456"}, follow=True), []


def turn_off_two_factor(client, world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from crm.testing.two_factor import app_code

    client.force_login(world["manager_ann"])
    device = TOTPDevice.objects.create(user=world["manager_ann"], name="Phone", confirmed=True)
    return client.post(reverse("two_factor_turn_off"), {"code": app_code(device)}, follow=True), []


TWO_FACTOR = "crm/two_factor_views.py"


VIEWS = "customers/views/__init__.py"
SCENARIOS = {
    f"{VIEWS}::CustomerFormMixin.form_valid::self.success_message % {{'name': self.object.name}}": [
        create_customer,
        edit_customer,
    ],
    f"{VIEWS}::customer_delete::_('Customer %(name)s was moved to the recycle bin.') % {{'name': customer.name}}": [
        delete_customer
    ],
    f"{VIEWS}::customer_restore::_('Customer %(name)s was restored.') % {{'name': customer.name}}": [restore_customer],
    f"{VIEWS}::customer_share::_('The customer was shared.')": [share_customer],
    f"{VIEWS}::customer_unshare::str(error)": [revoke_the_managers_own_access],
    f"{VIEWS}::customer_unshare::_('Access was revoked.')": [revoke_share],
    f"{VIEWS}::_child_form::spec['saved']": [save_contact, save_activity],
    f"{VIEWS}::_child_delete::spec['deleted']": [delete_contact, delete_activity],
    f"{VIEWS}::customer_transfer::message % {{'count': moved}}": [transfer_customers],
    f"{VIEWS}::customer_transfer::CHANGED_SINCE_PREVIEW": [confirm_a_transfer_that_changed_since_its_preview],
    "crm/exports.py::refuse_over_limit::refusal": [export_past_the_limit],
    f"{TWO_FACTOR}::enrol::_('Two-factor sign-in is on.')": [enrol_in_two_factor],
    f"{TWO_FACTOR}::recovery_codes::str(refusal)": [new_recovery_codes_without_an_app],
    f"{TWO_FACTOR}::recovery_codes::_('Recovery codes are shown only once, when they are made. You can make new ones "
    "here.')": [recovery_codes_page_read_again],
    f'{TWO_FACTOR}::turn_off::_("Your account must sign in with two-factor sign-in: it can\'t be turned off.")': [
        turn_off_required_two_factor
    ],
    f"{TWO_FACTOR}::turn_off::_('Two-factor sign-in is off.')": [turn_off_two_factor],
    "crm/mixins.py::ListPageMixin.get::error.message": [
        customer_page_past_the_end,
        order_page_that_is_no_number,
        empty_list_page,
        page_below_one,
    ],
}


def delete_twice(world):
    actions.delete_customer(actor=world["manager_ann"], customer=world["A"])
    actions.delete_customer(actor=world["manager_ann"], customer=world["A"])


def restore_a_customer_not_in_the_bin(world):
    actions.restore_customer(actor=world["supervisor_sue"], customer=world["A"])


def transfer_what_changed_after_the_confirmation_was_checked(world):
    customers = Customer.objects.filter(pk=world["A"].pk)
    actions.transfer_customers(
        actor=world["superuser_sam"], customers=customers, to_manager=world["manager_bob"], expected=[]
    )


RACES = {
    f"{VIEWS}::customer_delete::str(error)": delete_twice,
    f"{VIEWS}::customer_restore::str(error)": restore_a_customer_not_in_the_bin,
    f"{VIEWS}::_transfer::str(error)": transfer_what_changed_after_the_confirmation_was_checked,
}


@pytest.fixture
def world(manager_ann, manager_bob, supervisor_sue, superuser_sam):
    return {
        "manager_ann": manager_ann,
        "manager_bob": manager_bob,
        "supervisor_sue": supervisor_sue,
        "superuser_sam": superuser_sam,
        "A": make_customer(manager_ann, name="安诚贸易有限公司"),
    }


# An app may keep the rows of its own pages in ``<app>/tests/test_pages_messages.py``: ``SCENARIOS``
# and ``RACES`` of the same shapes, on the world below; they run here with the customers' and the
# lists' rows.
APP_ROWS_MODULE = "tests.test_pages_messages"


def app_row_modules():
    for config in project_app_configs():
        name = f"{config.name}.{APP_ROWS_MODULE}"
        if find_spec(f"{config.name}.tests") is not None and find_spec(name) is not None:
            yield import_module(name)


ALL_SCENARIOS = {**SCENARIOS}
ALL_RACES = {**RACES}
for module in app_row_modules():
    ALL_SCENARIOS.update(module.SCENARIOS)
    ALL_RACES.update(module.RACES)


def test_every_flash_message_has_a_scenario():
    sites = flash_call_sites()
    assert sites, "no flash message found: the scanner is broken"
    assert sorted(set(sites)) == sorted(sites), "two call sites read the same: tell them apart"
    assert set(sites) == set(ALL_SCENARIOS) | set(ALL_RACES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "scenario", [scenario for scenarios in ALL_SCENARIOS.values() for scenario in scenarios], ids=lambda s: s.__name__
)
def test_flash_message_speaks_the_users_language(client, world, scenario, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response, values = scenario(client, world)
    texts = flash_messages(response)
    assert texts
    for text in texts:
        assert in_language(text, language, values), f"{text!r} is not in {language}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("race", list(ALL_RACES.values()), ids=lambda r: r.__name__)
def test_refusal_shown_after_a_race_speaks_the_users_language(world, race, language):
    with translation.override(language), pytest.raises(ActionError) as refused:
        race(world)
    assert in_language(str(refused.value), language)


def test_the_language_judge_tells_english_from_chinese():
    assert in_language("Customer 安诚 was created.", "en", ["安诚"])
    assert not in_language("客户“安诚”已创建。", "en", ["安诚"])
    assert in_language("客户“安诚”已创建。", "zh-hans", ["安诚"])
    assert not in_language("Customer 安诚 was created.", "zh-hans", ["安诚"])
