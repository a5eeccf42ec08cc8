"""Hostile input on every URL, as every persona: never a 500, and a refused POST writes nothing.

Every app inherits this file: the URLs come from ``crm.testing.matrix.all_url_names()``; what each
page reads is discovered from the page itself (its view's ``filterset_class`` and ``table_class``,
its ``<form method="get">`` fields; for POST, the fields of the ``<form method="post">`` forms
aimed at it, read from the pages every persona is shown). URL parameters are filled by name from
``URL_KWARGS``: a URL with a parameter name it doesn't know fails, with a message saying what to
add, until someone adds it (and its object to the world).

The run is bounded (about a minute of CPU on SQLite): each (parameter, hostile value) pair is sent
once, the personas the page answers taking turns, rather than once per persona; personas a page
refuses get one request with everything hostile. Hypothesis adds a few derandomised examples.

Every request runs in a savepoint that is rolled back, so the world stays as built for the next
one and a PostgreSQL error can't poison the rest of the run. Query strings and form bodies are
built by hand, so NUL bytes and percent-escapes that aren't UTF-8 go out as they are.
"""

import copy
import functools
import hashlib
import itertools
import logging
import re
from html.parser import HTMLParser
from urllib.parse import quote, unquote_to_bytes, urlsplit

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.encoding import repercent_broken_unicode
from guardian.models import GroupObjectPermission, UserObjectPermission
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from crm.apps import project_app_configs
from crm.audit import system_actor
from crm.testing.matrix import EXCLUDED_NAMESPACES, PERSONAS, all_url_names
from crm.testing.two_factor import mark_verified, must_verify
from crm.testing.world import make_personas, shared_world
from customers import actions
from customers.actions.losses import detect_losses
from customers.models import Customer, CustomerImport, LossRecord
from customers.tests.factories import make_activity, make_contact, make_customer, share
from opportunities.tests.factories import add_plan_item, developing
from reports.actions import create_report
from sales.tests.factories import line, load, order, product
from services.tests.factories import archived, assigned, handled, make_request

FORM_ENCODED = "application/x-www-form-urlencoded"

# (label, value as it goes on the wire: already percent-encoded where it needs to be).
HOSTILE = (
    ("negative", "-5"),
    ("huge", str(10**30)),
    ("zero", "0"),
    ("year 1", "0001-01-01"),
    ("year 9999", "9999-12-31"),
    ("NUL", "%00"),
    ("NUL inside a keyset value", "a%00~1"),
    ("10,000 characters", "x" * 10_000),
    ("10,000 digits", "9" * 10_000),
    ("not UTF-8", "%ff%fe"),
    ("right-to-left override", quote("\u202eexe.txt\u202c")),
)
# Path parameters: only what the URL converter lets through is requested.
HOSTILE_IN_PATH = (
    ("NUL", "%00"),
    ("10,000 characters", "x" * 10_000),
    ("not UTF-8", "%ff%fe"),
    ("right-to-left override", quote("\u202eexe.txt\u202c")),
    ("huge", str(10**30)),
    ("zero", "0"),
)
# Read by every list page (django-tables2 paging and sorting; the customer list's keyset).
LIST_PARAMETERS = ("page", "per_page", "sort", "after")
# A derived value (pinyin, search keys) may be longer than the text it comes from: a text field
# filled to its maxlength with a character of long pinyin must still save or be refused cleanly.
LONG_PINYIN = "庄"

# The customer that URLs naming a customer in the recycle bin need instead of the live one.
IN_RECYCLE_BIN = {"customers:restore"}


def _customer_code(world, url_name):
    return world["deleted_customer" if url_name in IN_RECYCLE_BIN else "customer"].code


# Namespaces whose URLs' pk names one kind of object, whatever the URL's name.
PK_OF_NAMESPACE = {"opportunities": "opportunity", "services": "service_request", "reports": "management_report"}
# URLs whose pk names an object of their own: a services step's page shows its form only on a
# request in the state that allows the step (the namespace's service_request is new).
PK_OF_URL = {"services:handle": "assigned_service_request", "services:feedback": "handled_service_request"}


def _object_pk(world, url_name):
    # customers:contact_edit -> world["contact"]: a URL's pk names the object its name starts with
    # (opportunities:assign -> world["opportunity"]: see PK_OF_NAMESPACE).
    namespace, _colon, name = url_name.rpartition(":")
    kind = PK_OF_URL.get(url_name) or PK_OF_NAMESPACE.get(namespace) or name.split("_")[0]
    if kind not in world:
        pytest.fail(
            f"{url_name}: the fuzz world has no {kind!r} for its pk; add one to the world fixture in "
            "crm/tests/test_fuzz.py (or teach URL_KWARGS['pk'] which object the URL names)."
        )
    return world[kind].pk


# URL parameter name -> its value in the world. A new name needs a row here.
URL_KWARGS = {
    "code": _customer_code,
    "pk": _object_pk,
    "user_id": lambda world, url_name: world["manager_bob"].pk,
    "order_no": lambda world, url_name: world["order_no"],
    "item": lambda world, url_name: world["plan_item"].pk,
    # reports:export's analysis: a known one, so the export's own checks are what the fuzz reaches
    "analysis": lambda world, url_name: "contribution",
}


@functools.cache
def url_parameters():
    """{url name: {parameter name: converter}} for every URL all_url_names() lists."""
    found = {}

    def walk(patterns, prefix, converters):
        for pattern in patterns:
            own = getattr(pattern.pattern, "converters", None)
            if own is None:  # a regex pattern: its named groups take anything
                own = dict.fromkeys(pattern.pattern.regex.groupindex)
            here = {**converters, **own}
            if isinstance(pattern, URLResolver):
                if pattern.namespace in EXCLUDED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix, here)
            elif pattern.name:
                found[prefix + pattern.name] = here

    walk(get_resolver().url_patterns, "", {})
    return found


def url_kwargs(world, url_name):
    params = url_parameters()[url_name]
    unknown = sorted(set(params) - set(URL_KWARGS))
    if unknown:
        pytest.fail(
            f"{url_name}: no fuzz value for URL parameter(s) {', '.join(unknown)}; add them to URL_KWARGS in "
            "crm/tests/test_fuzz.py (and their objects to its world fixture) so the URL is fuzzed too."
        )
    return {name: URL_KWARGS[name](world, url_name) for name in params}


# ---------------------------------------------------------------------------------------------
# The world, the clients and what each persona is shown: built once for the module


def build_world():
    """The personas; a customer of manager_ann (shared with bob to view) with a contact, an
    activity and an order with a line; a customer in the recycle bin; a product with a stock row."""
    personas = make_personas()
    ann, bob, sue = personas["manager_ann"], personas["manager_bob"], personas["supervisor_sue"]
    customer = share(make_customer(ann, name="安诚贸易有限公司"), bob, "view", actor=sue)
    deleted = make_customer(ann, name="恩泽食品有限公司")
    actions.delete_customer(actor=ann, customer=deleted)
    load(
        products=[product("P-FUZZ-1", price="3200.00")],
        stock=[{"warehouse": "北京一号库", "location": "A-01-01", "product_code": "P-FUZZ-1", "quantity": "120"}],
        orders=[order("SO-FUZZ-0001", customer)],
        order_lines=[line("SO-FUZZ-0001", 1, "P-FUZZ-1", "2", "3200.00")],
    )
    return {
        **personas,
        "customer": customer,
        "deleted_customer": deleted,
        "contact": make_contact(customer, name="安联系人"),
        "activity": make_activity(customer, title="首次拜访"),
        "order_no": "SO-FUZZ-0001",
        **_opportunity_world(personas),
        **_service_world(personas, customer),
        "loss": _open_loss(ann),
        # sue's draft: its page offers her every step (edit, submit, delete)
        "management_report": create_report(actor=sue, kind="quarter", year=2025, number=1, summary="一季度初稿"),
        # sue's checked customer import, waiting for her to confirm or cancel it
        "import": CustomerImport.objects.create(
            file_name="客户.csv", created_by=sue, status=CustomerImport.Status.PREVIEWED, total_rows=1, created_count=1
        ),
    }


def _open_loss(manager):
    """An open loss record (the loss pages' pk) of a customer of ``manager``'s who stopped ordering,
    raised by the real detection."""
    lossy = make_customer(manager, name="博远科技有限公司")
    Customer.all_objects.filter(pk=lossy.pk).update(last_order_date="2024-03-01")
    detect_losses(actor=system_actor())
    return LossRecord.objects.get(customer=lossy)


def _opportunity_world(personas):
    """An opportunity in development (sue's, assigned to ann) with a plan item; its customer name
    is the world customer's, so its success page offers to link that one."""
    sue = personas["supervisor_sue"]
    opportunity = developing(sue, personas["manager_ann"], supervisor=sue, customer_name="安诚贸易有限公司")
    return {"opportunity": opportunity, "plan_item": add_plan_item(opportunity, actor=personas["manager_ann"])}


def _service_world(personas, customer):
    """Ann's service requests of the world customer in every state, assigned to her by sue: a new
    one (its page offers deletion and assignment), an assigned one (handling), a handled one
    (feedback) and an archived one (the archive's rows)."""
    ann, sue = personas["manager_ann"], personas["supervisor_sue"]
    return {
        "service_request": make_request(ann, customer, title="安诚发票抬头有误"),
        "assigned_service_request": assigned(ann, customer, ann, supervisor=sue, title="安诚送货延迟"),
        "handled_service_request": handled(ann, customer, ann, supervisor=sue, title="安诚产品咨询"),
        "archived_service_request": archived(ann, customer, ann, supervisor=sue, title="安诚安装建议"),
    }


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    yield from shared_world(build_world, django_db_blocker)


class Fuzzer:
    """One signed-in client per persona; every request in a savepoint that is rolled back.

    ``pages[url name][persona]`` is (status, forms) of the plain GET: who is shown what.
    """

    def __init__(self, world):
        self.world = world
        self.clients = {}
        for persona in PERSONAS:
            client = Client(raise_request_exception=False)
            if world[persona] is not None:
                client.force_login(world[persona])
                # Built once per module, before the conftest's function-scoped wrapper of
                # force_login is in place: a superuser's or administrator's session is made a
                # verified one here, or the gate would send every request of theirs to the code step.
                if must_verify(world[persona]):
                    mark_verified(client, world[persona])
            self.clients[persona] = client
        self.baseline = table_digest()
        self.pages = {}
        for url_name in sorted(all_url_names()):
            try:
                path = self.path(url_name)
            except pytest.fail.Exception:
                continue  # that URL's own tests fail, saying what the world lacks
            for persona in PERSONAS:
                page, _ = self.send(persona, "GET", path)
                forms = page_forms(page) if page.status_code == 200 else []
                self.pages.setdefault(url_name, {})[persona] = (page.status_code, forms)

    def path(self, url_name):
        return reverse(url_name, kwargs=url_kwargs(self.world, url_name))

    def send(self, persona, method, path, body=""):
        """The response, and the tables a refused POST changed (None when not checked)."""
        client = self.clients[persona]
        # A POST to logout or set_language changes the client's cookies; the next request must
        # still be this persona's.
        cookies = copy.deepcopy(client.cookies)
        writes = WriteWatch()
        with transaction.atomic():
            with connection.execute_wrapper(writes):
                request = client.post if method == "POST" else client.get
                response = request(path, body, content_type=FORM_ENCODED) if body else request(path)
            changed = None
            # The digest is only worth taking when the request sent a write to a watched table.
            if method == "POST" and refused(response) and writes.tables & WATCHED_TABLES:
                changed = changed_tables(self.baseline, table_digest())
            transaction.set_rollback(True)
        client.cookies = cookies
        return response, changed

    def post_forms(self, url_name):
        """{persona: [Field]}: the POST form aimed at ``url_name`` that each persona is shown, on
        whichever page (the first found)."""
        shown = {}
        for page_name, by_persona in self.pages.items():
            page_path = self.path(page_name)
            for persona, (_status, forms) in by_persona.items():
                for form in forms:
                    if form["method"] == "post" and target_name(form["action"], page_path) == url_name:
                        shown.setdefault(persona, form["fields"])
        return shown


@pytest.fixture(scope="module", autouse=True)
def quiet_refusals():
    """Django logs every 403, 404 and 405 as a warning with its traceback: thousands of them here,
    and a good share of the run's time. A 500 is still logged (at ERROR)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def fuzzer(built_world, django_db_blocker):
    with django_db_blocker.unblock():
        return Fuzzer(built_world)


def refused(response):
    """Not a redirect, or a redirect to the login page: nothing may have been written."""
    if not 300 <= response.status_code < 400:
        return True
    return response.url.startswith(settings.LOGIN_URL)


# ---------------------------------------------------------------------------------------------
# What was written


def audited_models():
    User = get_user_model()
    models = [model for config in project_app_configs() for model in config.get_models()]
    models += [User, Group, User.groups.through, User.user_permissions.through, Group.permissions.through]
    models += [UserObjectPermission, GroupObjectPermission, LogEntry]
    return models


WATCHED_TABLES = {model._meta.db_table for model in audited_models()}


class WriteWatch:
    """The tables the INSERT, UPDATE and DELETE statements sent while it is installed name."""

    WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)

    def __init__(self):
        self.tables = set()

    def __call__(self, execute, sql, params, many, context):
        if match := self.WRITE.match(sql):
            self.tables.add(match.group(1))
        return execute(sql, params, many, context)


def table_digest():
    """{table: (row count, digest of every row)} for the project's tables, users, grants and audit.

    A refused sign-in writes an audit row on purpose (crm.audit.on_login_failed); those are left
    out. Sessions and django-axes' attempts are not the project's data.
    """
    digest = {}
    for model in audited_models():
        rows = model._base_manager.order_by("pk")
        if model is LogEntry:
            rows = rows.exclude(additional_data__event="login_failed")
        values = list(rows.values_list())
        digest[model._meta.db_table] = (len(values), hashlib.sha256(repr(values).encode()).hexdigest())
    return digest


def changed_tables(before, after):
    return sorted(table for table in before if before[table] != after[table])


# ---------------------------------------------------------------------------------------------
# Reading forms off the pages


class FormParser(HTMLParser):
    """The forms of a page: method, action and the (name, value, maxlength) a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action") or "",
                "fields": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None or not attrs.get("name"):
            if tag == "option" and self._select is not None:
                self._option(attrs)
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self._form["fields"].append(Field(name, None, kind))
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form["fields"].append(
                Field(name, attrs.get("value", default), kind, _maxlength(attrs.get("maxlength")))
            )
        elif tag == "select":
            self._select = Field(name, None, "select", options=[])
            self._form["fields"].append(self._select)
        elif tag == "textarea":
            self._textarea = Field(name, "", "textarea", _maxlength(attrs.get("maxlength")))
            self._form["fields"].append(self._textarea)

    def _option(self, attrs):
        value = attrs.get("value", "")
        self._select.options.append(value)
        if "selected" in attrs or self._select.value is None:
            self._select.value = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


class Field:
    def __init__(self, name, value, kind, maxlength=None, options=None):
        self.name = name
        self.value = value  # None: sends nothing (an unchecked box, an empty select)
        self.kind = kind
        self.maxlength = maxlength
        self.options = options


def _maxlength(text):
    return int(text) if text and text.isdigit() else None


def page_forms(response):
    if "html" not in response.get("Content-Type", ""):
        return []
    parser = FormParser()
    parser.feed(response.content.decode(errors="replace"))
    return parser.forms


def target_name(action, page_path):
    """The URL name a form posts to; None for a URL outside this site."""
    path = urlsplit(action).path or page_path
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def encode(pairs):
    return "&".join(f"{quote(name, safe='')}={value}" for name, value in pairs)


def baseline_pairs(fields):
    """What the form sends untouched, every value percent-encoded."""
    return [(field.name, quote(field.value, safe="")) for field in fields if field.value is not None]


def with_value(pairs, name, value):
    return [pair for pair in pairs if pair[0] != name] + [(name, value)]


# ---------------------------------------------------------------------------------------------
# What a page reads from its query string


def table_sort_values(table_class):
    """Every column name (ascending and descending if orderable, as is if not)."""
    table = table_class([])
    values = []
    for column in table.columns:
        if column.orderable:
            values += [(f"column {column.name}", column.name), (f"column -{column.name}", f"-{column.name}")]
        else:
            values.append((f"unorderable column {column.name}", column.name))
    return values


def query_parameters(path, forms):
    """{parameter: [(label, value)]} for what the page at ``path`` reads from its query string."""
    view_class = getattr(resolve(path).func, "view_class", None)
    names = {field.name for form in forms if form["method"] == "get" for field in form["fields"]}
    filterset_class = getattr(view_class, "filterset_class", None)
    table_class = getattr(view_class, "table_class", None)
    if filterset_class is not None:
        names |= set(filterset_class.base_filters)
    if filterset_class is not None or table_class is not None:
        names |= set(LIST_PARAMETERS)
    parameters = {name: list(HOSTILE) for name in sorted(names)}
    if table_class is not None:
        parameters["sort"] += table_sort_values(table_class)
    return parameters


def get_form_pairs(forms):
    """The GET forms' fields as the browser submits them untouched (the filter form's defaults)."""
    return [pair for form in forms if form["method"] == "get" for pair in baseline_pairs(form["fields"])]


# ---------------------------------------------------------------------------------------------
# Reporting


def short(text, limit=80):
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} characters)"


def problem(response, changed):
    """Why a response is a failure, or None."""
    if response.status_code >= 500:
        exc = getattr(response, "exc_info", None)
        reason = f"{type(exc[1]).__name__}: {short(str(exc[1]), 160)}" if exc else "no exception recorded"
        return f"{response.status_code} ({reason})"
    if changed:
        return f"{response.status_code} but wrote to {', '.join(changed)}"
    return None


def report(url_name, failures):
    lines = "\n".join(f"  {short(target, 140)} -> {why}" for target, why in failures)
    return f"{url_name}: {len(failures)} hostile request(s) failed:\n{lines}"


def taking_turns(personas, items):
    """(persona, item) pairs: every item once, the personas in turn, so each persona meets hostile
    values on every page it may use while the run stays bounded (not personas × items)."""
    return zip(itertools.cycle(personas), items, strict=False)


# ---------------------------------------------------------------------------------------------
# The tests

URL_NAMES = sorted(all_url_names())


def test_every_url_parameter_has_a_fuzz_value():
    parameters = url_parameters()
    assert set(parameters) == all_url_names()
    unknown = {name: sorted(set(params) - set(URL_KWARGS)) for name, params in parameters.items()}
    unknown = {name: params for name, params in unknown.items() if params}
    assert not unknown, f"add these URL parameters to URL_KWARGS in crm/tests/test_fuzz.py: {unknown}"


def test_forms_are_read_as_a_browser_sends_them():
    parser = FormParser()
    parser.feed(
        '<form method="post" action="/x/"><input name="csrfmiddlewaretoken" type="hidden" value="t">'
        '<input name="name" value="A &amp; B" maxlength="100"><input type="checkbox" name="confirm">'
        '<input type="checkbox" name="on" checked><select name="level"><option value="">-</option>'
        '<option value="2" selected>2</option></select><select name="empty"></select>'
        '<textarea name="memo">line</textarea><button name="go">Go</button></form>'
        '<form method="get"><input name="q" value=""></form>'
    )
    post, get = parser.forms
    assert (post["method"], post["action"], get["method"]) == ("post", "/x/", "get")
    assert baseline_pairs(post["fields"]) == [
        ("csrfmiddlewaretoken", "t"),
        ("name", "A%20%26%20B"),
        ("on", "on"),
        ("level", "2"),
        ("memo", "line"),
    ]
    assert [field.maxlength for field in post["fields"] if field.name == "name"] == [100]
    assert baseline_pairs(get["fields"]) == [("q", "")]


def test_the_fuzzer_finds_the_pages_and_forms_it_fuzzes(fuzzer, db):
    # If discovery broke, the tests below would pass by sending nothing.
    list_path = fuzzer.path("customers:list")
    status, forms = fuzzer.pages["customers:list"]["manager_ann"]
    assert status == 200
    assert {"q", "created_to", "page", "per_page", "sort", "after"} <= set(query_parameters(list_path, forms))
    edit = fuzzer.post_forms("customers:edit")
    assert set(edit) == {"manager_ann", "superuser_sam"}
    assert {"name", "region", "phone"} <= {field.name for field in edit["manager_ann"]}
    assert set(fuzzer.post_forms("customers:unshare")) == {"admin", "supervisor_sue", "superuser_sam"}
    assert set(fuzzer.post_forms("logout")) == set(PERSONAS[1:])


def test_a_refused_post_that_writes_is_caught(fuzzer, db):
    # The write check itself: a row changed inside the request's savepoint shows up.
    customer = fuzzer.world["customer"]
    with transaction.atomic():
        type(customer)._base_manager.filter(pk=customer.pk).update(address="改过的地址")
        assert changed_tables(fuzzer.baseline, table_digest()) == [type(customer)._meta.db_table]
        transaction.set_rollback(True)
    assert changed_tables(fuzzer.baseline, table_digest()) == []


@pytest.mark.parametrize("url_name", URL_NAMES)
def test_hostile_query_parameters_never_500(fuzzer, db, url_name):
    path = fuzzer.path(url_name)
    failures = []
    shown, refused_personas = [], []
    for persona, (status, _forms) in fuzzer.pages[url_name].items():
        if status >= 500:
            failures.append((f"GET {path} as {persona}", f"{status} on the plain page"))
        (shown if status == 200 else refused_personas).append(persona)
    forms = next((forms for status, forms in fuzzer.pages[url_name].values() if status == 200), [])
    parameters = query_parameters(path, forms)
    if parameters:
        defaults = get_form_pairs(forms)
        pairs = [(name, label, value) for name, values in parameters.items() for label, value in values]
        for persona, (name, label, value) in taking_turns(shown, pairs):
            response, _ = fuzzer.send(persona, "GET", f"{path}?{encode(with_value(defaults, name, value))}")
            if why := problem(response, None):
                failures.append((f"GET {path}?{name}=<{label}> as {persona}", why))
        # Refused before reading anything: one request with every parameter hostile.
        for persona in refused_personas:
            query = encode((name, HOSTILE[i % len(HOSTILE)][1]) for i, name in enumerate(parameters))
            response, _ = fuzzer.send(persona, "GET", f"{path}?{query}")
            if why := problem(response, None):
                failures.append((f"GET {path}?<every parameter hostile> as {persona}", why))
    assert not failures, report(url_name, failures)


def path_with(url_name, kwargs, name, raw):
    """The URL with parameter ``name`` replaced by ``raw`` (already percent-encoded), or None when
    its converter refuses the value (the resolver would answer 404 without calling a view)."""
    converter = url_parameters()[url_name][name]
    placeholder = next(
        text for text in ("fuzzslot", "987654321987") if converter is None or re.fullmatch(converter.regex, text)
    )
    path = reverse(url_name, kwargs={**kwargs, name: placeholder}).replace(placeholder, raw, 1)
    path_info = repercent_broken_unicode(unquote_to_bytes(path)).decode()
    try:
        match = resolve(path_info)
    except Resolver404:
        return None
    return path if match.view_name == url_name else None


@pytest.mark.parametrize("url_name", [name for name in URL_NAMES if url_parameters()[name]])
def test_hostile_path_parameters_never_500(fuzzer, db, url_name):
    """Each hostile value the converter lets through, by GET and POST: the personas who use the URL
    take turns (they reach its lookups); the anonymous visitor, turned away cheaply, gets them all."""
    kwargs = url_kwargs(fuzzer.world, url_name)
    hostile = [
        (name, label, path)
        for name in kwargs
        for label, raw in HOSTILE_IN_PATH
        if (path := path_with(url_name, kwargs, name, raw))
    ]
    users = sorted(
        {persona for persona, (status, _forms) in fuzzer.pages[url_name].items() if status == 200}
        | set(fuzzer.post_forms(url_name))
    ) or list(PERSONAS[1:])
    failures = []
    turns = [*taking_turns(users, hostile), *(("anonymous", item) for item in hostile)]
    for persona, (name, label, path) in turns:
        for method in ("GET", "POST"):
            response, changed = fuzzer.send(persona, method, path)
            if why := problem(response, changed):
                failures.append((f"{method} {url_name} {name}=<{label}> as {persona}", why))
    assert not failures, report(url_name, failures)


def post_values(field):
    values = list(HOSTILE)
    if field.maxlength:
        values.append(long_pinyin(field))
    return values


def long_pinyin(field):
    return (f"{field.maxlength} × {LONG_PINYIN}", quote(LONG_PINYIN * field.maxlength))


def accepted(response):
    """A redirect onwards (not to the login page): the POST did its work."""
    return 300 <= response.status_code < 400 and not refused(response)


@pytest.mark.parametrize("url_name", URL_NAMES)
def test_hostile_posts_never_500_and_refused_ones_write_nothing(fuzzer, db, url_name):
    """Every field of the form posting here gets every hostile value, as every persona.

    A field's own cleaning doesn't depend on the others, so one request per value with every
    field hostile covers it (and the form's clean() with nothing valid), for the personas shown
    the form and, refused, for the others. Where a persona's untouched form is accepted (an edit
    form as the page filled it in), the fields also go one at a time: each hostile value is then
    all that stands between the request and the save.
    """
    path = fuzzer.path(url_name)
    shown = fuzzer.post_forms(url_name)
    fields = {field.name: field for form in shown.values() for field in form}
    fields.pop("csrfmiddlewaretoken", None)  # the test client doesn't check it
    names = sorted(fields) or ["fuzz"]
    failures = []

    def check(persona, body, target):
        response, changed = fuzzer.send(persona, "POST", path, body)
        if why := problem(response, changed):
            failures.append((f"POST {path} {target} as {persona}", why))
        return response

    every_field = [(label, [(name, value) for name in names]) for label, value in HOSTILE]
    if long_texts := [(name, long_pinyin(field)[1]) for name, field in fields.items() if field.maxlength]:
        every_field.append((f"maxlength × {LONG_PINYIN}", long_texts))
    others = [persona for persona in PERSONAS if persona not in shown]
    for personas in (list(shown), others):
        for persona, (label, hostile) in taking_turns(personas, every_field):
            pairs = baseline_pairs(shown.get(persona, []))
            for name, value in hostile:
                pairs = with_value(pairs, name, value)
            check(persona, encode(pairs), f"<every field>=<{label}>")

    accepting = [
        persona for persona in shown if accepted(check(persona, encode(baseline_pairs(shown[persona])), "untouched"))
    ]
    # A value longer than the field's maxlength is the field's own refusal: the all-fields requests
    # above sent it.
    one_at_a_time = [
        (name, label, value)
        for name, field in fields.items()
        for label, value in post_values(field)
        if not field.maxlength or len(unquote_to_bytes(value).decode(errors="replace")) <= field.maxlength
    ]
    for persona, (name, label, value) in taking_turns(accepting, one_at_a_time):
        check(persona, encode(with_value(baseline_pairs(shown[persona]), name, value)), f"{name}=<{label}>")
    assert not failures, report(url_name, failures)


# ---------------------------------------------------------------------------------------------
# Generated values: a few derandomised examples on top of the fixed lists


def wire(text):
    return quote(text, safe="")


GENERATED = st.one_of(
    st.text(max_size=40).map(wire),
    st.integers().map(str),
    st.dates().map(str),
    st.floats().map(str),
    st.binary(max_size=12).map(lambda raw: "".join(f"%{byte:02x}" for byte in raw)),
)
FEW_EXAMPLES = hypothesis_settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: it could run for minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def query_targets(fuzzer):
    """(path, persona, parameters, defaults) for every page reading a query string, as each persona
    it answers 200."""
    targets = []
    for url_name, by_persona in sorted(fuzzer.pages.items()):
        path = fuzzer.path(url_name)
        for persona, (status, forms) in by_persona.items():
            parameters = query_parameters(path, forms) if status == 200 else {}
            if parameters:
                targets.append((path, persona, sorted(parameters), get_form_pairs(forms)))
    return targets


@pytest.fixture(scope="module")
def post_targets(fuzzer):
    """(path, persona, fields) for every POST form each persona is shown."""
    return [
        (fuzzer.path(url_name), persona, fields)
        for url_name in sorted(fuzzer.pages)
        for persona, fields in fuzzer.post_forms(url_name).items()
        if any(field.name != "csrfmiddlewaretoken" for field in fields)
    ]


@FEW_EXAMPLES
@given(data=st.data())
def test_generated_query_values_never_500(fuzzer, query_targets, db, data):
    path, persona, parameters, defaults = data.draw(st.sampled_from(query_targets), label="page")
    name = data.draw(st.sampled_from(parameters), label="parameter")
    value = data.draw(GENERATED, label="value")
    response, _ = fuzzer.send(persona, "GET", f"{path}?{encode(with_value(defaults, name, value))}")
    assert problem(response, None) is None, f"GET {path}?{name}={short(value)} as {persona}: {problem(response, None)}"


@FEW_EXAMPLES
@given(data=st.data())
def test_generated_post_values_never_500_nor_write_when_refused(fuzzer, post_targets, db, data):
    path, persona, fields = data.draw(st.sampled_from(post_targets), label="form")
    names = [field.name for field in fields if field.name != "csrfmiddlewaretoken"]
    name = data.draw(st.sampled_from(names), label="field")
    value = data.draw(GENERATED, label="value")
    response, changed = fuzzer.send(persona, "POST", path, encode(with_value(baseline_pairs(fields), name, value)))
    why = problem(response, changed)
    assert why is None, f"POST {path} {name}={short(value)} as {persona}: {why}"
