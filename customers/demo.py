"""Realistic Chinese demo customers, contacts and activities, spread over the account managers.

The customers look entered over the past four years (a few in the last weeks, so the entry-date
filter finds something whatever range is tried), and every activity happened on a working day
during office hours in the company's time zone (TIME_ZONE). The same seed gives the same data,
relative to the day it runs.
"""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from auditlog.diff import get_field_value
from auditlog.models import LogEntry
from django.db.models import Max
from django.utils import timezone
from django.utils.encoding import smart_str

from crm.audit import system_actor
from crm.dictionary import active_entries
from crm.models import DictionaryEntry
from customers import actions, selectors
from customers.actions import _next_code
from customers.actions.losses import confirm_loss, detect_losses, postpone_loss
from customers.models import Activity, CodeSequence, Contact, Customer, LossRecord

# City, its region (dictionary value), telephone area code, postcode prefix and two districts.
CITIES = [
    ("北京", "beijing", "010", "100", ["朝阳", "海淀"]),
    ("上海", "shanghai", "021", "200", ["浦东", "徐汇"]),
    ("广州", "guangdong", "020", "510", ["天河", "越秀"]),
    ("深圳", "guangdong", "0755", "518", ["南山", "福田"]),
    ("杭州", "zhejiang", "0571", "310", ["西湖", "滨江"]),
    ("南京", "jiangsu", "025", "210", ["鼓楼", "江宁"]),
    ("成都", "sichuan", "028", "610", ["武侯", "高新"]),
    ("武汉", "hubei", "027", "430", ["洪山", "江汉"]),
    ("天津", "tianjin", "022", "300", ["和平", "滨海新"]),
    ("重庆", "chongqing", "023", "400", ["渝中", "江北"]),
    ("苏州", "jiangsu", "0512", "215", ["姑苏", "工业园"]),
    ("青岛", "shandong", "0532", "266", ["市南", "崂山"]),
    ("厦门", "fujian", "0592", "361", ["思明", "湖里"]),
    ("郑州", "henan", "0371", "450", ["金水", "中原"]),
]
STREETS = ["中山路", "人民路", "建设路", "解放路", "科技路", "长江路"]
BRANDS = [
    "鑫达",
    "华信",
    "恒通",
    "宏远",
    "金桥",
    "瑞丰",
    "博远",
    "中联",
    "天成",
    "永盛",
    "海纳",
    "凯德",
    "润泽",
    "曾记",
    "单氏",
    "新元",
    "东方",
    "正泰",
    "亿邦",
    "佳和",
    "锦程",
    "信达",
    "长城",
    "同创",
    "汇丰",
    "明德",
]
TRADES = ["科技", "贸易", "机械制造", "电子", "物流", "医疗器械", "建材", "食品", "软件", "化工", "纺织", "环保工程"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高曾单解"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "海燕",
]
POSITIONS = ["总经理", "采购经理", "财务总监", "技术主管", "行政主管", "销售总监", "项目经理"]
TOPICS = [
    ("电话回访", "了解近期采购计划，客户表示下季度有新需求。"),
    ("上门拜访", "与采购经理当面沟通产品方案，提供了报价单。"),
    ("产品演示", "为技术团队演示新版本功能，反馈良好。"),
    ("商务宴请", "与总经理交流合作方向，初步达成年度框架意向。"),
    ("投诉处理回访", "确认上次交付问题已解决，客户满意。"),
]


# Entry dates: this many days back at most; one customer in eight was entered in the last 30 days.
ENTRY_DAYS = 4 * 365
RECENT_DAYS = 30
# Office hours in the company's time zone: the first and the last hour an activity may start.
FIRST_HOUR, LAST_HOUR = 9, 17


def working_moment(rng, day, *, not_before=None):
    """A moment of ``day`` during office hours in the default time zone; a weekend day moves back
    to Friday, or on to Monday if Friday is before ``not_before``."""
    if day.weekday() > 4:
        friday = day - timedelta(days=day.weekday() - 4)
        day = friday if not_before is None or friday >= not_before else day + timedelta(days=7 - day.weekday())
    moment = time(rng.randint(FIRST_HOUR, LAST_HOUR), rng.randrange(0, 60, 5))
    return datetime.combine(day, moment, tzinfo=timezone.get_default_timezone())


def date_back(customer, *, entered, since):
    """Make a demo customer look entered at ``entered``: its code (KH + the entry day), its entry
    time, its contacts' and activities' creation times, and the audit rows written since the
    audit row ``since``, which get the moment they describe (an activity's is its time).

    Demo data only, inside seed_demo's transaction: real customers' codes and histories are never
    rewritten. The number the customer drew today goes back to the day's counter, which the
    transaction still holds, so the first customer a user enters today is number 1.
    """
    number = int(customer.code[-4:])
    CodeSequence.objects.filter(day=timezone.localdate(), last=number).update(last=number - 1)
    code = _next_code(timezone.localdate(entered))
    Customer.all_objects.filter(pk=customer.pk).update(code=code, created_at=entered)
    Contact.objects.filter(customer=customer).update(created_at=entered)
    for activity in Activity.objects.filter(customer=customer).only("occurred_at"):
        Activity.objects.filter(pk=activity.pk).update(created_at=activity.occurred_at)
    for entry in LogEntry.objects.filter(pk__gt=since).select_related("content_type"):
        model = entry.content_type.model_class()
        row = model._base_manager.get(pk=entry.object_pk)
        entry.timestamp = row.occurred_at if isinstance(row, Activity) else entered
        for name in ("code", "created_at"):
            if isinstance(entry.changes, dict) and name in entry.changes:
                entry.changes[name][1] = smart_str(get_field_value(row, model._meta.get_field(name)))
        entry.object_repr = smart_str(row)[:255]
        entry.save(update_fields=["timestamp", "changes", "object_repr"])


def seed(*, stdout, options):
    """Create demo customers until there are ``--customers`` of them; existing ones are kept."""
    wanted = options.get("customers", 60)
    existing = Customer.all_objects.count()
    if existing >= wanted:
        stdout.write(f"Customers: {existing} already present.")
        return
    managers = list(selectors.account_managers())
    if not managers:
        stdout.write("Customers: no account managers, skipped.")
        return
    regions = {entry.value: entry for entry in active_entries(DictionaryEntry.Category.REGION)}
    rng = random.Random(20261124 + existing)
    today = timezone.localdate()
    for index in range(existing, wanted):
        since = LogEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        days_back = rng.randint(1, RECENT_DAYS) if index % 8 == 5 else rng.randint(RECENT_DAYS + 1, ENTRY_DAYS)
        entered = working_moment(rng, today - timedelta(days=days_back))
        city, region, area_code, postcode, districts = CITIES[index % len(CITIES)]
        name = f"{city}{rng.choice(BRANDS)}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        if Customer.all_objects.filter(name=name).exists():
            name = f"{city}{rng.choice(BRANDS)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
        manager = managers[index % len(managers)]
        customer = Customer(
            name=name,
            region=regions.get(region),
            account_manager=manager,
            level=rng.choice([1, 1, 1, 2, 2, 3, 4, 5]),
            satisfaction=rng.randint(2, 5),
            credit=rng.randint(2, 5),
            address=f"{city}市{rng.choice(districts)}区{rng.choice(STREETS)}{rng.randint(1, 300)}号",
            postcode=f"{postcode}{rng.randint(0, 999):03d}",
            phone=f"{area_code}-{rng.randint(60000000, 89999999)}",
            website=f"https://www.example{index}.cn",
            legal_rep=rng.choice(SURNAMES) + rng.choice(GIVEN),
            registered_capital=Decimal(rng.choice([50, 100, 500, 1000, 5000])),
            annual_turnover=Decimal(rng.randint(100, 50000)),
            bank_name=rng.choice(["中国工商银行", "中国建设银行", "招商银行", "中国银行"]),
            bank_account=str(rng.randint(10**15, 10**16 - 1)),
        )
        actions.create_customer(actor=None, customer=customer)
        for number in range(rng.randint(1, 3)):
            contact = Contact(
                customer=customer,
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                gender=rng.choice(["m", "f"]),
                position=rng.choice(POSITIONS),
                mobile=f"1{rng.choice([3, 5, 8])}{rng.randint(100000000, 999999999)}",
                email=f"contact{index}_{number}@example.cn",
                is_primary=number == 0,
            )
            actions.save_contact(actor=None, contact=contact)
        # Activities on the working days after the entry, within the last 400 days.
        first_day = max(timezone.localdate(entered) + timedelta(days=1), today - timedelta(days=400))
        span = (today - first_day).days
        for number in range(rng.randint(0, 4) if span >= 7 else 0):
            title, detail = rng.choice(TOPICS)
            occurred = working_moment(rng, today - timedelta(days=rng.randint(1, span)), not_before=first_day)
            follow_up = working_moment(rng, today + timedelta(days=rng.randint(3, 30))).date()
            follow_up = follow_up if number == 0 and rng.random() < 0.4 else None
            actions.save_activity(
                actor=None,
                activity=Activity(
                    customer=customer,
                    occurred_at=occurred,
                    place=customer.address[:20],
                    title=title,
                    detail=detail,
                    next_follow_up=follow_up,
                ),
            )
        date_back(customer, entered=entered, since=since)
    stdout.write(f"Customers: {wanted - existing} created ({wanted} in all).")


# --------------------------------------------------------------------------- loss handling

# What an account manager does to keep a customer who stopped ordering, and why one was lost.
LOSS_MEASURES = [
    "电话联系采购经理，了解到对方预算推迟到下季度，约定下月初再次回访。",
    "上门拜访总经理，提供九五折年度框架报价，客户同意重新评估采购计划。",
    "安排技术工程师免费做一次网络巡检，并邀请客户参加新品发布会。",
    "寄送新版产品资料和老客户优惠方案，客户表示月底前答复。",
]
LOSS_REASONS = [
    "客户已改用竞争对手的产品，多次沟通后确认不再向我司采购。",
    "客户公司业务调整，相关项目已停止，暂无采购需求。",
]
# Of each account manager's warnings, by customer code: the first stays a warning (their dashboard
# shows it), these positions are postponed (the second with two measures), this one is confirmed.
POSTPONED_AT = (1, 3)
CONFIRMED_AT = 2


def after_seed(*, stdout, options):
    """Raise the demo's loss warnings once the sales demo has imported the orders (detect_losses,
    as the system user), then let the customers' account managers postpone a few with measures and
    confirm up to two, so the losses pages show warnings, postponed and lost records; each account
    manager keeps at least one warning. Done once: skipped when loss records exist, or when no
    customer is stale (so a second seed_demo writes nothing, not even an audit row)."""
    if LossRecord.objects.exists():
        stdout.write(f"Losses: {LossRecord.objects.count()} records present, skipped.")
        return
    system = system_actor()
    if not detect_losses(actor=system, dry_run=True).raised:
        stdout.write("Losses: no customer without recent orders, skipped.")
        return
    found = detect_losses(actor=system)
    by_manager = defaultdict(list)
    for record in LossRecord.objects.select_related("customer__account_manager").order_by("customer__code"):
        by_manager[record.customer.account_manager_id].append(record)
    postponed = confirmed = 0
    for records in by_manager.values():
        for position, record in enumerate(records):
            manager = record.customer.account_manager
            if position in POSTPONED_AT:
                for number in range(1 + POSTPONED_AT.index(position)):
                    measure = LOSS_MEASURES[(postponed + number) % len(LOSS_MEASURES)]
                    postpone_loss(actor=manager, record=record, measure=measure)
                postponed += 1
            elif position == CONFIRMED_AT and confirmed < len(LOSS_REASONS):
                confirm_loss(actor=manager, record=record, reason=LOSS_REASONS[confirmed])
                confirmed += 1
    stdout.write(f"Losses: {found.raised} warnings raised, {postponed} postponed, {confirmed} confirmed.")
