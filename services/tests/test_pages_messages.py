"""The rows of the services pages' flash messages: crm/tests/test_flash_messages.py finds these call
sites in the source and runs the entries below, in English and in Chinese, on its world
(manager_ann, manager_bob, supervisor_sue, superuser_sam, and "A", 安诚贸易有限公司 of ann's).

A scenario signs in, does what produces the message (following redirects) and returns the
response and the values the message interpolates (titles, names), left out before the language is
judged. A stale page (someone else moved the request on after the page was shown) is reached by
posting the ``seen`` token the page showed. A race is a refusal the page shows as the action words
it, reachable only when someone else acts between the page's check and the action: it is called
directly.
"""

import pytest
from django.urls import reverse

from crm.display import display_name
from services import actions
from services.forms import seen_token
from services.tests.factories import assigned, handled, make_request, service_type

pytestmark = pytest.mark.django_db

REQUESTS = "services/views/requests.py"
QUEUES = "services/views/queues.py"
TITLE = "消息测试服务请求"


def _new(world, **fields):
    return make_request(world["manager_ann"], world["A"], title=TITLE, **fields)


def _assigned(world):
    """Ann's request, assigned to bob by sue."""
    return assigned(
        world["manager_ann"], world["A"], world["manager_bob"], supervisor=world["supervisor_sue"], title=TITLE
    )


def _handled(world):
    """Ann's request, assigned to bob by sue and handled by bob."""
    return handled(
        world["manager_ann"], world["A"], world["manager_bob"], supervisor=world["supervisor_sue"], title=TITLE
    )


def _url(step, service_request):
    return reverse(f"services:{step}", args=[service_request.pk])


# --- scenarios: (client, world) -> (response followed to its page, interpolated values) ----------


def create_request(client, world):
    client.force_login(world["manager_ann"])
    data = {"service_type": service_type().pk, "title": TITLE, "customer": world["A"].code, "request": "发票抬头有误"}
    return client.post(reverse("services:create"), data, follow=True), [TITLE]


def delete_request(client, world):
    service_request = _new(world)
    client.force_login(world["manager_ann"])
    return client.post(_url("delete", service_request), follow=True), [TITLE]


def delete_after_assignment(client, world):
    service_request = _assigned(world)
    client.force_login(world["manager_ann"])
    return client.get(_url("delete", service_request), follow=True), []


def assign_a_handled_request(client, world):
    service_request = _handled(world)
    client.force_login(world["supervisor_sue"])
    return client.get(_url("assign", service_request), follow=True), []


def handle_a_handled_request(client, world):
    service_request = _handled(world)
    client.force_login(world["manager_bob"])
    return client.get(_url("handle", service_request), follow=True), []


def feedback_on_an_unhandled_request(client, world):
    service_request = _assigned(world)
    client.force_login(world["manager_ann"])
    return client.get(_url("feedback", service_request), follow=True), []


def feedback_on_an_archived_request(client, world):
    service_request = actions.give_feedback(
        actor=world["supervisor_sue"], service_request=_handled(world), result="客户满意", satisfaction=5
    )
    client.force_login(world["manager_ann"])
    return client.get(_url("feedback", service_request), follow=True), []


def handle_from_a_page_someone_overtook(client, world):
    # Ann's handling page showed the request assigned to her; sue re-assigned it to bob since (ann
    # still sees it: it is her customer's).
    sue = world["supervisor_sue"]
    service_request = assigned(sue, world["A"], world["manager_ann"], supervisor=sue, title=TITLE)
    shown = seen_token(service_request)
    actions.assign_service_request(actor=sue, service_request=service_request, assignee=world["manager_bob"])
    client.force_login(world["manager_ann"])
    data = {"handling": "已电话回复客户", "seen": shown}
    return client.post(_url("handle", service_request), data, follow=True), []


def assign_request(client, world):
    service_request = _new(world)
    client.force_login(world["supervisor_sue"])
    data = {"assignee": world["manager_bob"].pk, "seen": seen_token(service_request)}
    return client.post(_url("assign", service_request), data, follow=True), [display_name(world["manager_bob"])]


def assign_from_a_stale_page(client, world):
    # Sue's page showed the request new; another supervisor assigned it to bob since.
    service_request = _new(world)
    shown = seen_token(service_request)
    actions.assign_service_request(
        actor=world["superuser_sam"], service_request=service_request, assignee=world["manager_bob"]
    )
    client.force_login(world["supervisor_sue"])
    data = {"assignee": world["manager_ann"].pk, "seen": shown}
    return client.post(_url("assign", service_request), data, follow=True), []


def handle_request(client, world):
    service_request = _assigned(world)
    client.force_login(world["manager_bob"])
    data = {"handling": "已电话回复客户", "seen": seen_token(service_request)}
    return client.post(_url("handle", service_request), data, follow=True), []


def handle_from_the_page_of_the_previous_round(client, world):
    # Bob's page showed the first round; he handled it from another tab and it was sent back since.
    service_request = _assigned(world)
    shown = seen_token(service_request)
    service_request = actions.handle_service_request(
        actor=world["manager_bob"], service_request=service_request, handling="第一次处理"
    )
    service_request = actions.give_feedback(
        actor=world["manager_ann"], service_request=service_request, result="客户仍不满意", satisfaction=1
    )
    client.force_login(world["manager_bob"])
    data = {"handling": "第二次处理", "seen": shown}
    return client.post(_url("handle", service_request), data, follow=True), []


def satisfied_feedback(client, world):
    service_request = _handled(world)
    client.force_login(world["manager_ann"])
    data = {"result": "客户满意", "satisfaction": 4, "seen": seen_token(service_request)}
    return client.post(_url("feedback", service_request), data, follow=True), ["4"]


def unsatisfied_feedback(client, world):
    service_request = _handled(world)
    client.force_login(world["supervisor_sue"])
    data = {"result": "客户仍不满意", "satisfaction": 2, "seen": seen_token(service_request)}
    values = ["2", str(actions.archive_threshold()), display_name(world["manager_bob"])]
    return client.post(_url("feedback", service_request), data, follow=True), values


def feedback_from_the_page_of_the_previous_round(client, world):
    # Ann's feedback page showed the first handling; sue's feedback sent it back and bob handled
    # it again since: the page's result was about a handling that is no longer the latest.
    service_request = _handled(world)
    shown = seen_token(service_request)
    service_request = actions.give_feedback(
        actor=world["supervisor_sue"], service_request=service_request, result="客户仍不满意", satisfaction=2
    )
    actions.handle_service_request(actor=world["manager_bob"], service_request=service_request, handling="再次处理")
    client.force_login(world["manager_ann"])
    data = {"result": "客户满意", "satisfaction": 4, "seen": shown}
    return client.post(_url("feedback", service_request), data, follow=True), []


def assign_inline(client, world):
    _new(world)
    service_request = _new(world)
    client.force_login(world["supervisor_sue"])
    data = {"pk": service_request.pk, "assignee": world["manager_bob"].pk, "seen": seen_token(service_request)}
    response = client.post(reverse("services:assign_queue"), data, follow=True)
    return response, [TITLE, display_name(world["manager_bob"])]


def assign_inline_from_a_stale_queue(client, world):
    # Sue's queue showed the request new; sam assigned it to bob since.
    service_request = _new(world)
    shown = seen_token(service_request)
    actions.assign_service_request(
        actor=world["superuser_sam"], service_request=service_request, assignee=world["manager_bob"]
    )
    client.force_login(world["supervisor_sue"])
    data = {"pk": service_request.pk, "assignee": world["manager_ann"].pk, "seen": shown}
    return client.post(reverse("services:assign_queue"), data, follow=True), [TITLE]


def assign_inline_to_someone_not_offered(client, world):
    # A forged assignee (a supervisor, not an account manager): refused by the form, nothing assigned.
    service_request = _new(world)
    client.force_login(world["supervisor_sue"])
    data = {"pk": service_request.pk, "assignee": world["supervisor_sue"].pk, "seen": seen_token(service_request)}
    return client.post(reverse("services:assign_queue"), data, follow=True), [TITLE]


SCENARIOS = {
    f"{REQUESTS}::request_create::_('Service request “%(title)s” was created.') % {{'title': created.title}}": [
        create_request
    ],
    f"{REQUESTS}::_open::_refusal(service_request, step, seen)": [
        delete_after_assignment,
        assign_a_handled_request,
        handle_a_handled_request,
        feedback_on_an_unhandled_request,
        feedback_on_an_archived_request,
        handle_from_a_page_someone_overtook,
    ],
    f"{REQUESTS}::request_delete::_('Service request “%(title)s” was deleted.') % {{'title': service_request.title}}": [
        delete_request
    ],
    f"{REQUESTS}::request_assign::str(error)": [assign_from_a_stale_page],
    f"{REQUESTS}::request_assign::_('The service request was assigned to %(name)s.') % "
    "{'name': display_name(assignee)}": [assign_request],
    f"{REQUESTS}::request_handle::str(error)": [handle_from_the_page_of_the_previous_round],
    f"{REQUESTS}::request_handle::_('The handling was recorded: the service request now waits for feedback.')": [
        handle_request
    ],
    f"{REQUESTS}::request_feedback::str(error)": [feedback_from_the_page_of_the_previous_round],
    f"{REQUESTS}::request_feedback::_feedback_done(done, threshold)": [satisfied_feedback, unsatisfied_feedback],
    f"{QUEUES}::AssignmentQueueView.post::_('The service request “%(title)s” was assigned to %(name)s.') % "
    "{'title': stored.title, 'name': display_name(assignee)}": [assign_inline],
    f"{QUEUES}::AssignmentQueueView.post::_('The service request “%(title)s” was not assigned: %(problem)s') % "
    "{'title': stored.title, 'problem': problem}": [
        assign_inline_from_a_stale_queue,
        assign_inline_to_someone_not_offered,
    ],
}


# --- races: the page checked the step, then someone else acted before the action ran --------------


def delete_after_someone_assigned_it(world):
    service_request = _new(world)
    actions.assign_service_request(
        actor=world["supervisor_sue"], service_request=service_request, assignee=world["manager_bob"]
    )
    actions.delete_service_request(actor=world["manager_ann"], service_request=service_request)


RACES = {
    f"{REQUESTS}::request_delete::str(error)": delete_after_someone_assigned_it,
}
