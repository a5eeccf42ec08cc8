"""Demo opportunities (销售机会) in every state, with development plans, for seed_demo.

Built through opportunities.actions by the demo users — the supervisor sue assigns, the account
managers ann and bob create, plan, record results and close — so the workflow rules, the customer
created on success and the audit rows are those of the real pages. Then each step is dated back:
the opportunities were entered over the past weeks, every step happened on a working day during
office hours (customers.demo.working_moment) in the order of the workflow, and each plan has done
items, open ones due in the coming days, one overdue item (ann's) and items due today (ann's and
bob's), so the dashboard's card has something to show. The same seed gives the same data,
relative to the day it runs; seeding again when opportunities exist changes nothing.
"""

import random
from datetime import datetime, time, timedelta

from auditlog.diff import get_field_value
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone
from django.utils.encoding import smart_str

from crm.models import DictionaryEntry
from customers.demo import date_back
from customers.models import Customer
from opportunities import actions
from opportunities.models import Opportunity, PlanItem, Status

# Each opportunity's story. Working days are counted back from today ("created": 30 is the 30th
# working day before today); a plan item is (its date, what to do, its result or "" while open),
# its date in working days from today (negative: past; 0: today). Steps happen in this order:
# created → assigned → plan items added the next working day → results on each item's date →
# re-assigned / closed.
STORIES = [
    {
        "title": "华东区仓储管理系统升级",
        "customer_name": "南京嘉禾仓储物流有限公司",
        "source": "web",
        "success_rate": 30,
        "contact": ("顾文斌", "17751234408"),
        "description": "官网留言咨询仓储管理系统，现有系统已用八年。",
        "created_by": "ann",
        "created": 6,
    },
    {
        "title": "门店网络改造项目",
        "customer_name": "成都锦里餐饮管理有限公司",
        "source": "telemarketing",
        "success_rate": 20,
        "contact": ("唐晓雨", "028-86613370"),
        "description": "二十家门店的网络与收银设备改造，预计下半年立项。",
        "created_by": "sue",
        "created": 2,
    },
    {
        "title": "工业园区安防监控采购",
        "customer_name": "苏州万象精密制造有限公司",
        "source": "exhibition",
        "success_rate": 35,
        "contact": ("沈嘉怡", "19952126681"),
        "created_by": "bob",
        "created": 1,
    },
    {
        "title": "新办公楼网络布线",
        "customer_name": "杭州云栖数据服务有限公司",
        "source": "exhibition",
        "success_rate": 60,
        "contact": ("陆子昂", "17758901123"),
        "description": "展会上交换名片，新办公楼十月入驻，需要整体布线方案。",
        "created_by": "sue",
        "created": 24,
        "assigned_to": "ann",
        "assigned": 23,
        "plan": [
            (-18, "电话联系，了解新办公楼面积与工位数", "对方约定下周上门勘察。"),
            (-12, "上门勘察现场，确认机房位置", "机房在三楼，需增加两个弱电井。"),
            (0, "提交布线方案与报价", ""),
            (4, "与采购部商谈付款条件", ""),
        ],
    },
    {
        "title": "分支机构防火墙替换",
        "customer_name": "武汉汉江医疗器械有限公司",
        "source": "referral",
        "success_rate": 45,
        "contact": ("周雅琴", "17762457719"),
        "created_by": "ann",
        "created": 20,
        "assigned_to": "ann",
        "assigned": 18,
        "plan": [
            (-14, "拜访信息科，了解现有防火墙型号", "现有设备已停保，信息科倾向更换。"),
            (-3, "发送产品资料与测试申请", ""),
        ],
    },
    {
        "title": "连锁药店无线网络覆盖",
        "customer_name": "青岛海川医药连锁有限公司",
        "source": "telemarketing",
        "success_rate": 50,
        "contact": ("孙立伟", "0532-85906612"),
        "created_by": "sue",
        "created": 16,
        "assigned_to": "bob",
        "assigned": 15,
        "plan": [
            (-11, "电话回访，确认门店数量", "共四十六家门店，先试点五家。"),
            (-6, "试点门店现场测试信号", "试点门店信号良好，店长反馈满意。"),
            (0, "提交试点总结与全面报价", ""),
            (3, "约采购总监面谈", ""),
        ],
    },
    {
        "title": "数据中心机柜与电源扩容",
        "customer_name": "天津北辰数据科技有限公司",
        "source": "web",
        "success_rate": 40,
        "contact": ("韩冬", "17702231158"),
        "created_by": "sue",
        "created": 28,
        "assigned_to": "bob",
        "assigned": 27,
        "plan": [(-22, "了解扩容规模与时间表", "明年一季度扩容二十个机柜。")],
        "reassigned_to": "ann",
        "reassigned": 12,
        "plan_after": [(5, "与新对接人重新梳理需求", "")],
    },
    {
        "title": "年度网络运维服务",
        "customer_name": "厦门鹭岛国际贸易有限公司",
        "source": "existing",
        "success_rate": 25,
        "contact": ("林嘉欣", "17759208843"),
        "created_by": "bob",
        "created": 10,
        "assigned_to": "bob",
        "assigned": 9,
        "plan": [
            (-5, "发送运维服务方案", "客户要求补充驻场服务报价。"),
            (6, "提交补充报价", ""),
        ],
    },
    {
        "title": "智能工厂网络建设",
        "customer_name": "佛山顺德智能家电有限公司",
        "source": "referral",
        "success_rate": 70,
        "contact": ("何志强", "17727613354"),
        "description": "老客户介绍，新厂区一期工程。",
        "created_by": "ann",
        "created": 45,
        "assigned_to": "ann",
        "assigned": 44,
        "plan": [
            (-40, "上门拜访工程部", "确认一期需求：核心交换机两台、接入交换机四十台。"),
            (-33, "提交技术方案", "技术方案通过评审。"),
            (-27, "商务谈判", "价格达成一致，进入签约流程。"),
        ],
        "close": "succeed",
        "closed": 25,
    },
    {
        "title": "总部网络扩容二期",
        "customer": "bob",  # named as one of bob's demo customers: linked to it on success
        "source": "existing",
        "success_rate": 80,
        "created_by": "bob",
        "created": 38,
        "assigned_to": "bob",
        "assigned": 37,
        "plan": [
            (-34, "与老客户确认二期范围", "二期新增两层办公区。"),
            (-30, "提交报价", "客户接受报价。"),
        ],
        "close": "link",
        "closed": 29,
    },
    {
        "title": "校园一卡通网络改造",
        "customer_name": "郑州中原职业技术学校",
        "source": "telemarketing",
        "success_rate": 30,
        "contact": ("赵磊", "0371-63381209"),
        "created_by": "sue",
        "created": 35,
        "assigned_to": "bob",
        "assigned": 34,
        "plan": [
            (-31, "拜访信息中心主任", "学校需走政府采购流程，预算待批。"),
            (-24, "跟进预算审批情况", "预算未获批准。"),
        ],
        "close": "fail",
        "reason": "学校本年度预算未获批准，项目取消。",
        "closed": 23,
    },
    {
        "title": "物流园区无线覆盖",
        "customer_name": "广州南沙港湾物流有限公司",
        "source": "exhibition",
        "success_rate": 40,
        "contact": ("黄海燕", "17788326620"),
        "created_by": "ann",
        "created": 19,
        "assigned_to": "ann",
        "assigned": 17,
        "plan": [(-13, "提交无线覆盖方案", "客户已选择其他供应商。")],
        "close": "fail",
        "by": "sue",
        "reason": "客户已与其他供应商签约。",
        "closed": 8,
    },
]
SUPERVISOR = "sue"


def _working_days(today, count=120):
    """The ``count`` working days before ``today``, the latest first."""
    days, day = [], today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def _plan_date(today, offset):
    """``offset`` working days from today (0: today itself, whatever day it is)."""
    if offset == 0:
        return today
    step, day, left = (1 if offset > 0 else -1), today, abs(offset)
    while left:
        day += timedelta(days=step)
        left -= day.weekday() < 5
    return day


class _Clock:
    """Moments on the working days before today, for demo steps counted in working days back."""

    def __init__(self, rng, today):
        self.rng, self.today = rng, today
        self.days = _working_days(today)

    def at(self, days_back):
        """A moment during office hours ``days_back`` working days before today."""
        return self.on(self.days[days_back - 1])

    def on(self, day):
        moment = time(self.rng.randint(9, 17), self.rng.randrange(0, 60, 5))
        return datetime.combine(day, moment, tzinfo=timezone.get_default_timezone())


def _last_entry():
    return LogEntry.objects.aggregate(last=Max("pk"))["last"] or 0


def _dated(since, moment, row, *fields):
    """Demo only, inside seed_demo's transaction: the step just taken happened at ``moment`` — its
    audit rows (those after ``since``) and the date-time ``fields`` it set on ``row`` (which the
    audit rows' changes show as well)."""
    model = type(row)
    model.objects.filter(pk=row.pk).update(**dict.fromkeys(fields, moment), updated_at=moment)
    row.refresh_from_db()
    content_type = ContentType.objects.get_for_model(model)
    for entry in LogEntry.objects.filter(pk__gt=since):
        entry.timestamp = moment
        if (entry.content_type_id, entry.object_pk) == (content_type.pk, str(row.pk)) and isinstance(
            entry.changes, dict
        ):
            for name in fields:
                if name in entry.changes:
                    entry.changes[name][1] = smart_str(get_field_value(row, model._meta.get_field(name)))
        entry.save(update_fields=["timestamp", "changes"])
    return row


def _add_plan(opportunity, plan, *, actor, added, clock):
    """Add the plan items ``(date offset, todo, result)`` at ``added`` and record each result on its date."""
    items = []
    for offset, todo, _result in plan:
        since = _last_entry()
        item = PlanItem(opportunity=opportunity, plan_date=_plan_date(clock.today, offset), todo=todo)
        item = actions.save_plan_item(actor=actor, item=item)
        items.append(_dated(since, added, item, "created_at"))
    for item, (_offset, _todo, result) in zip(items, plan, strict=True):
        if result:
            since = _last_entry()
            actions.record_plan_result(actor=actor, item=item, result=result)
            _dated(since, clock.on(item.plan_date), item, "result_recorded_at")


def _customer_of(username, users):
    """A demo customer of ``username`` (any demo customer if they have none), with its primary contact."""
    customers = Customer.objects.order_by("pk")
    return customers.filter(account_manager=users[username]).first() or customers.first()


def _tell(story, users):
    """Build one opportunity's story through the actions, each step dated back."""
    clock, sources = story["clock"], story["sources"]
    linked = _customer_of(story["customer"], users) if "customer" in story else None
    if linked is not None:
        contact = linked.contacts.filter(is_primary=True).first()
        name, phone = (contact.name, contact.mobile or contact.office_phone) if contact else ("王伟", "")
        customer_name = linked.name
    else:
        (name, phone), customer_name = story["contact"], story["customer_name"]
    creator = users[story["created_by"]]
    since = _last_entry()
    opportunity = actions.create_opportunity(
        actor=creator,
        opportunity=Opportunity(
            title=story["title"],
            customer_name=customer_name,
            source=sources.get(story["source"]),
            success_rate=story["success_rate"],
            contact_name=name,
            contact_phone=phone,
            description=story.get("description", ""),
        ),
    )
    opportunity = _dated(since, clock.at(story["created"]), opportunity, "created_at")
    if "assigned_to" not in story:
        return opportunity
    assignee = users[story["assigned_to"]]
    since = _last_entry()
    opportunity = actions.assign_opportunity(actor=users[SUPERVISOR], opportunity=opportunity, assignee=assignee)
    opportunity = _dated(since, clock.at(story["assigned"]), opportunity, "assigned_at")
    _add_plan(opportunity, story["plan"], actor=assignee, added=clock.at(story["assigned"] - 1), clock=clock)
    if "reassigned_to" in story:
        assignee = users[story["reassigned_to"]]
        since = _last_entry()
        opportunity = actions.assign_opportunity(actor=users[SUPERVISOR], opportunity=opportunity, assignee=assignee)
        opportunity = _dated(since, clock.at(story["reassigned"]), opportunity, "assigned_at")
        added = clock.at(story["reassigned"] - 1)
        _add_plan(opportunity, story["plan_after"], actor=assignee, added=added, clock=clock)
    closer = users[story.get("by", story["assigned_to"])]
    closed = clock.at(story.get("closed", 1))
    since = _last_entry()
    if story.get("close") == "succeed":
        opportunity = actions.succeed_opportunity(actor=closer, opportunity=opportunity)
        # The new customer looks entered when the opportunity closed (code, times, history).
        date_back(opportunity.customer, entered=closed, since=since)
    elif story.get("close") == "link":
        opportunity = actions.link_to_customer(actor=closer, opportunity=opportunity, customer=linked)
    elif story.get("close") == "fail":
        opportunity = actions.fail_opportunity(actor=closer, opportunity=opportunity, reason=story["reason"])
    if story.get("close"):
        opportunity = _dated(since, closed, opportunity, "closed_at")
    return opportunity


def seed(*, stdout, options):
    """Create the demo opportunities once: skipped when opportunities exist already, or without the
    demo users or any customer (``--customers 0``: a success would create one)."""
    if Opportunity.objects.exists():
        stdout.write(f"Opportunities: {Opportunity.objects.count()} present, skipped.")
        return
    users = {user.username: user for user in get_user_model().objects.filter(username__in=["sue", "ann", "bob"])}
    if len(users) < 3 or not Customer.objects.exists():
        stdout.write("Opportunities: no demo users or customers, skipped.")
        return
    sources = {
        entry.value: entry
        for entry in DictionaryEntry.objects.filter(category=DictionaryEntry.Category.OPPORTUNITY_SOURCE)
    }
    clock = _Clock(random.Random(20261202), timezone.localdate())
    made = [_tell({**story, "clock": clock, "sources": sources}, users) for story in STORIES]
    by_status = {status.label: sum(o.status == status for o in made) for status in Status}
    items = PlanItem.objects.filter(opportunity__in=made).count()
    stdout.write(
        f"Opportunities: {len(made)} created ({', '.join(f'{n} {label}' for label, n in by_status.items())}), "
        f"{items} plan items."
    )
