"""Demo service requests (客户服务) in every state, for seed_demo.

Built through services.actions by the demo users — the account managers ann and bob and the
supervisor sue create requests for their customers, sue assigns them, the assignee writes the
handling, the creator or sue records the customer's feedback — so the timeline rows, the time
figures and the audit rows are those of the real pages. Among them: requests still new, waiting
for their handling (one re-assigned), handled and waiting for feedback, archived after one round,
archived after a second round (satisfaction 2, sent back, handled again, satisfaction 4 or 5), and
one sent back that still waits for its second handling. Then each step is dated back: the requests
came in over the past six weeks and every step happened on a working day during office hours, in
the order of the workflow; the request's date-time fields, its timeline rows and their audit rows
all carry the moment of the step. The same seed gives the same data, relative to the day it runs;
seeding again when service requests exist changes nothing.
"""

import random
from datetime import datetime, time, timedelta

from auditlog.diff import get_field_value
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.db.models import DateTimeField, Max
from django.utils import timezone
from django.utils.encoding import smart_str

from crm import access
from crm.models import DictionaryEntry
from customers.models import Customer
from services import actions
from services.models import ServiceEvent, ServiceRequest, Status

SUPERVISOR = "sue"

# Each request's story. "customer": (whose demo customer, which of theirs); days are working days
# back from today. "rounds": each handling (days back, what was done) with the feedback that
# followed it, if any: (days back, by whom, result, satisfaction). A satisfaction of 1–2 sends the
# request back to its assignee; 4–5 archives it (SERVICE_ARCHIVE_SATISFACTION, default 3).
STORIES = [
    # --- new: waiting for the supervisor to assign them
    {
        "type": "consultation",
        "title": "咨询增值税专用发票开具周期",
        "customer": ("ann", 0),
        "request": "客户财务部来电，询问增值税专用发票从下单到开具需要几个工作日，以及需要提供哪些开票资料。",
        "created_by": "ann",
        "created": 1,
    },
    {
        "type": "suggestion",
        "title": "建议开通微信订单查询",
        "customer": ("bob", 0),
        "request": "客户采购部建议我们开通微信公众号订单查询，方便随时查看发货和物流进度。",
        "created_by": "bob",
        "created": 2,
    },
    {
        "type": "complaint",
        "title": "送货延迟三天且未提前通知",
        "customer": ("bob", 1),
        "request": "客户投诉上周订购的交换机比约定晚到三天，期间没有任何人通知，影响了机房施工进度。",
        "created_by": "sue",
        "created": 1,
    },
    # --- assigned: waiting for the assignee's handling
    {
        "type": "complaint",
        "title": "设备安装后网络频繁中断",
        "customer": ("ann", 1),
        "request": "新装的核心交换机每天中断两三次，每次约五分钟，客户要求尽快派工程师排查。",
        "created_by": "ann",
        "created": 4,
        "assigned_to": "ann",
        "assigned": 4,
    },
    {
        "type": "consultation",
        "title": "咨询设备延保服务价格",
        "customer": ("bob", 0),
        "request": "客户的服务器保修明年三月到期，想了解延保一年和三年的价格及服务内容。",
        "created_by": "sue",
        "created": 6,
        "assigned_to": "bob",
        "assigned": 5,
    },
    {
        "type": "suggestion",
        "title": "建议提供上门操作培训",
        "customer": ("ann", 0),
        "request": "客户新入职的三名网管不熟悉管理平台，建议我们安排一次上门操作培训。",
        "created_by": "sue",
        "created": 9,
        "assigned_to": "bob",
        "assigned": 8,
        # bob is out visiting customers all week: sue gives it to the customer's own manager.
        "reassigned_to": "ann",
        "reassigned": 6,
    },
    # --- handled: waiting for the feedback
    {
        "type": "consultation",
        "title": "询问管理系统升级安排",
        "customer": ("ann", 0),
        "request": "客户询问管理系统新版本何时发布，升级期间业务是否需要停机。",
        "created_by": "ann",
        "created": 7,
        "assigned_to": "ann",
        "assigned": 7,
        "rounds": [
            (5, "已电话告知客户新版本下月中旬发布，升级安排在周末夜间，预计停机两小时，并邮件发送了升级说明。", None)
        ],
    },
    {
        "type": "complaint",
        "title": "发票金额与合同不符",
        "customer": ("bob", 1),
        "request": "客户收到的发票金额比合同多出一千二百元，要求核对并重新开具。",
        "created_by": "bob",
        "created": 8,
        "assigned_to": "bob",
        "assigned": 7,
        "rounds": [(3, "与财务核对，系运费重复计入。已作废原发票并重新开具，快递单号已告知客户。", None)],
    },
    # --- archived after one round
    {
        "type": "consultation",
        "title": "咨询备件供货周期",
        "customer": ("ann", 1),
        "request": "客户询问电源模块和风扇等常用备件的供货周期，希望建立备件库存。",
        "created_by": "ann",
        "created": 25,
        "assigned_to": "ann",
        "assigned": 24,
        "rounds": [
            (
                22,
                "提供了常用备件清单和供货周期（现货三天，期货两周），建议客户储备两套电源模块。",
                (20, "ann", "客户已按清单下单备件，对答复很满意。", 5),
            )
        ],
    },
    {
        "type": "suggestion",
        "title": "建议报价单注明有效期",
        "customer": ("bob", 0),
        "request": "客户建议我们在报价单上注明报价有效期，避免采购审批期间价格变动引起误会。",
        "created_by": "bob",
        "created": 18,
        "assigned_to": "bob",
        "assigned": 18,
        "rounds": [
            (
                15,
                "已反馈销售部，报价单模板增加“报价有效期三十天”一栏，新模板本周起使用。",
                (14, "sue", "客户收到新格式报价单，表示认可。", 4),
            )
        ],
    },
    {
        "type": "consultation",
        "title": "咨询合同续签流程",
        "customer": ("bob", 1),
        "request": "年度服务合同下月到期，客户询问续签需要准备的材料和审批时间。",
        "created_by": "bob",
        "created": 30,
        "assigned_to": "bob",
        "assigned": 29,
        "rounds": [
            (
                29,
                "已把续签所需材料清单发给客户行政部，说明审批约需五个工作日。",
                (27, "bob", "客户已提交续签材料。", 4),
            )
        ],
    },
    # --- two rounds: not satisfied the first time, handled again, archived
    {
        "type": "complaint",
        "title": "维修后故障再次出现",
        "customer": ("bob", 0),
        "request": "客户的存储设备上月维修后，近日又出现无法识别硬盘的故障，要求彻底解决。",
        "created_by": "sue",
        "created": 28,
        "assigned_to": "bob",
        "assigned": 27,
        "rounds": [
            (
                25,
                "工程师上门更换了电源模块，设备恢复正常。",
                (23, "sue", "客户反映三天后故障再次出现，对维修质量不满意。", 2),
            ),
            (
                21,
                "更换主板并连续测试四十八小时无异常，赠送一年延保。",
                (19, "sue", "设备运行稳定，客户接受处理结果。", 4),
            ),
        ],
    },
    {
        "type": "complaint",
        "title": "售后电话长时间无人接听",
        "customer": ("ann", 0),
        "request": "客户投诉连续两天拨打售后热线都无人接听，问题一直得不到解决。",
        "created_by": "ann",
        "created": 20,
        "assigned_to": "ann",
        "assigned": 19,
        "rounds": [
            (
                17,
                "向客户致歉，已回电解决了客户的问题。",
                (16, "ann", "客户认为只解决了眼前的问题，热线无人接听的情况没有改善。", 2),
            ),
            (
                12,
                "售后热线增加两个座席，并为该客户指定专属服务工程师，提供直线电话。",
                (10, "ann", "客户试打热线均及时接通，对改进表示满意。", 5),
            ),
        ],
    },
    # --- sent back after an unsatisfied feedback: the second handling is still to come
    {
        "type": "complaint",
        "title": "服务费重复扣款",
        "customer": ("bob", 1),
        "request": "客户发现本月服务费被扣了两次，要求退还多扣的款项。",
        "created_by": "bob",
        "created": 11,
        "assigned_to": "bob",
        "assigned": 10,
        "rounds": [(8, "已提交财务退款申请。", (6, "sue", "一周过去仍未收到退款，客户很不满意。", 1))],
    },
    # --- sent back, handled again, waiting for the second feedback
    {
        "type": "consultation",
        "title": "咨询历史数据迁移方案",
        "customer": ("ann", 1),
        "request": "客户准备更换业务系统，询问旧系统十年的历史数据能否完整迁移。",
        "created_by": "sue",
        "created": 15,
        "assigned_to": "ann",
        "assigned": 14,
        "rounds": [
            (12, "发送了标准数据迁移说明文档。", (11, "sue", "客户认为文档太笼统，希望有针对其系统的方案。", 2)),
            (4, "与客户信息部开会梳理数据结构，提交了分批迁移方案和时间表。", None),
        ],
    },
]


def _working_days(today, count=60):
    """The ``count`` working days before ``today``, the latest first."""
    days, day = [], today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


class _Clock:
    """Moments during office hours (09:00–18:00) on the working days before today, each step after
    the one before it."""

    def __init__(self, rng, today):
        self.rng = rng
        self.days = _working_days(today)

    def at(self, days_back, *, after=None):
        """A moment ``days_back`` working days before today, later than ``after`` on the same day."""
        day = self.days[days_back - 1]
        tz = timezone.get_default_timezone()
        start, end = datetime.combine(day, time(9), tzinfo=tz), datetime.combine(day, time(17), tzinfo=tz)
        if after is not None and timezone.localtime(after, tz).date() == day:
            # A day's second step: in the rest of it (a day's first step leaves the last hour).
            start, end = timezone.localtime(after, tz) + timedelta(minutes=10), end + timedelta(hours=1)
        steps = max(1, int((end - start).total_seconds() // 300))  # five-minute steps
        return start + timedelta(minutes=5 * self.rng.randrange(steps))


def _last_entry():
    return LogEntry.objects.aggregate(last=Max("pk"))["last"] or 0


def _date_fields(model):
    return [field for field in model._meta.concrete_fields if isinstance(field, DateTimeField)]


def _dated(step, moment, service_request):
    """Demo only, inside seed_demo's transaction: the step just taken (``step``: its start, the
    last audit row before it) happened at ``moment``. Every date-time the action stamped with its
    own "now" — on the request and on the timeline row it added — and the audit rows it wrote get
    ``moment`` instead."""
    started, since = step
    rows = [service_request, service_request.events.latest("id")]
    for row in rows:
        model = type(row)
        stamped = [f.name for f in _date_fields(model) if (getattr(row, f.attname) or started) > started]
        model.objects.filter(pk=row.pk).update(**dict.fromkeys(stamped, moment))
        row.refresh_from_db()
    by_key = {(type(row)._meta.label_lower, str(row.pk)): row for row in rows}
    for entry in LogEntry.objects.filter(pk__gt=since).select_related("content_type"):
        entry.timestamp = moment
        row = by_key.get((f"{entry.content_type.app_label}.{entry.content_type.model}", entry.object_pk))
        if row is not None and isinstance(entry.changes, dict):
            for field in _date_fields(type(row)):
                if field.name in entry.changes:
                    entry.changes[field.name][1] = smart_str(get_field_value(row, field))
        entry.save(update_fields=["timestamp", "changes"])
    return rows[0]


def _begin():
    # A moment just before the action: what it stamps with timezone.now() is later.
    return timezone.now() - timedelta(microseconds=1), _last_entry()


def _customer(creator, owner, which):
    """One of ``owner``'s demo customers that ``creator`` may see, or any the creator may see (a
    seed with few customers leaves some managers without); None if they see none."""
    visible = access.visible(creator, Customer).order_by("pk")
    customers = list(visible.filter(account_manager=owner)[:5]) or list(visible[:5])
    return customers[which % len(customers)] if customers else None


def _tell(story, *, users, types, clock):
    """Build one request's story through the actions, each step dated back; None when its creator
    sees no customer."""
    owner, which = story["customer"]
    customer = _customer(users[story["created_by"]], users[owner], which)
    if customer is None:
        return None
    step = _begin()
    service_request = actions.create_service_request(
        actor=users[story["created_by"]],
        service_request=ServiceRequest(
            service_type=types[story["type"]], title=story["title"], customer=customer, request=story["request"]
        ),
    )
    last = clock.at(story["created"])
    service_request = _dated(step, last, service_request)
    assignments = [(story.get("assigned_to"), story.get("assigned"))]
    assignments.append((story.get("reassigned_to"), story.get("reassigned")))
    for assignee, days_back in assignments:
        if assignee is None:
            continue
        step = _begin()
        service_request = actions.assign_service_request(
            actor=users[SUPERVISOR], service_request=service_request, assignee=users[assignee]
        )
        last = clock.at(days_back, after=last)
        service_request = _dated(step, last, service_request)
    for handled, handling, feedback in story.get("rounds", ()):
        step = _begin()
        service_request = actions.handle_service_request(
            actor=users[story["assigned_to"] if "reassigned_to" not in story else story["reassigned_to"]],
            service_request=service_request,
            handling=handling,
        )
        last = clock.at(handled, after=last)
        service_request = _dated(step, last, service_request)
        if feedback is None:
            continue
        days_back, by, result, satisfaction = feedback
        step = _begin()
        service_request = actions.give_feedback(
            actor=users[by], service_request=service_request, result=result, satisfaction=satisfaction
        )
        last = clock.at(days_back, after=last)
        service_request = _dated(step, last, service_request)
    return service_request


def seed(*, stdout, options):
    """Create the demo service requests once: skipped when service requests exist already, or
    without the demo users or any customer (``--customers 0``)."""
    if ServiceRequest.objects.exists():
        stdout.write(f"Service requests: {ServiceRequest.objects.count()} present, skipped.")
        return
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["sue", "ann", "bob"])}
    if len(users) < 3 or not Customer.objects.exists():
        stdout.write("Service requests: no demo users or customers, skipped.")
        return
    types = {
        entry.value: entry for entry in DictionaryEntry.objects.filter(category=DictionaryEntry.Category.SERVICE_TYPE)
    }
    clock = _Clock(random.Random(20261210), timezone.localdate())
    made = [_tell(story, users=users, types=types, clock=clock) for story in STORIES]
    made = [service_request for service_request in made if service_request is not None]
    by_status = {status.label: sum(r.status == status for r in made) for status in Status}
    events = ServiceEvent.objects.filter(service_request__in=made).count()
    stdout.write(
        f"Service requests: {len(made)} created ({', '.join(f'{n} {label}' for label, n in by_status.items())}), "
        f"{events} timeline steps."
    )
