#!/usr/bin/env python
"""Fill the database with N realistic customers and opportunities for the benchmark (bench/run.py), fast.

    DEBUG=true DATABASE_URL=postgres://crm_bench:crm_bench@127.0.0.1:5432/crm_bench \\
        .venv/bin/python bench/seed.py --customers 1000000 --opportunities 100000

Each customer gets a Chinese company name ([city] + brand + trade + legal form, see
bench/vocab.py), the search keys the app derives on save (same functions: customers.pinyin,
customers.search, customers.validators), a KH+date+sequence code with its creation time spread
over the last three years (at most 9,999 a day; customers_codesequence is moved on so the app
continues after them), an account manager holding view/change/delete grants on it (guardian's
direct foreign-key table, as customers.actions grants them), 2 % shared with a second manager,
0.5 % in the recycle bin, and ``--contacts-per-customer`` contacts (the first primary).

Users: ``bench_am_0001``… account managers (about 3,300 customers each unless ``--managers``
says otherwise) and the supervisor ``bench_sup``, made through crm.actions.create_user with
unusable passwords (bench/run.py logs in with force_login). Existing ones are reused; running
the script again adds N more customers.

PostgreSQL: rows go in with COPY inside one transaction; for a large load the secondary indexes
and foreign keys of the three tables are dropped first and rebuilt afterwards (in the same
transaction, so a failure leaves the database as it was), then ANALYZE. SQLite: batched
executemany. The search keys are computed in ``--workers`` processes (pypinyin takes ~70 µs a
name) while the main process loads the previous batch.

Opportunities (``--opportunities N``, with ``--plan-items``, 3 per opportunity by default; may run
alone on top of a customer load, with the bench users of that load): created over the last three
years on working days by the account managers (70 %) and the supervisor, in a pipeline that ages —
recent ones mostly unassigned or in development, older ones mostly closed (succeeded ones linked to
a customer of their assignee, under its name; terminated ones with a reason). Account managers
develop mostly what they created. Every opportunity that was assigned has a plan (1–8 items,
``--plan-items`` in all) between its assignment and its close (or the coming weeks), the past
items mostly with results. Loaded like the customers (COPY, indexes rebuilt for a large load).

Service requests (``--services N``; may run alone on top of a customer load): for alive customers,
created after the customer over the last three years on working days, 70 % by the customer's
account manager and 30 % by the supervisor, of the three dictionary types, with their whole
timeline (services_serviceevent: created, assigned — re-assigned for 5 % —, then per round handled
and feedback) as services.actions would have written it: the request's status, assignee, latest
handling, result and satisfaction, first_assigned_at, first_handled_at, archived_at and rounds
agree with its events, and its customer_manager_id is the customer's account manager. Recent
ones are mostly open (new, assigned, handled), older ones mostly archived; 15 % of the archived
ones and some open ones went round more than once (an unsatisfied feedback of 1–2 before each
further round). Loaded like the opportunities.

Losses (``--losses``; on top of a customer load): raises the warnings with the real detection
(customers.actions.losses.detect_losses) if no record is open, then moves a share of the warnings
on as the account managers and the supervisor would have over the last four months: 15 % postponed
with 1–3 measures (暂缓措施), 4 % confirmed lost with a reason (their customers' status becomes
lost), 3 % recovered by a new order (their customers' last order date becomes that order's). Those
warnings are deleted and loaded again as the records they became (dated back: raised, measures,
confirmed or recovered on working days), with their measures, like the other loads. Running it
again moves on a share of the warnings left.

Orders (``--orders N``, with ``--order-lines``, 6 per order by default; on top of a customer load,
best after ``--losses``): every customer with a last order date gets its last order on that date
(so the date, the loss records and the orders agree; about a third of the customers have none and
get no order), the other orders go to the same customers, unevenly (a Pareto weight each: most
have a few, some hundreds), on days between their entry and their last order. Lines (1–11 an
order) are for ``--products`` products (2,000, made if there are none; popular ones ordered more),
at the list price less up to 15 %. Loaded like the opportunities, into empty order tables
(``--replace-orders`` empties them first); then the customers' last order dates are checked against
the orders, and the month totals (sales_customermonthtotal) are filled by
sales.actions.refresh_customer_totals, the import's own recompute, in one INSERT…SELECT
(``--month-totals`` alone does only that).

The heavy account manager (``--heavy-manager N``; on top of a customer load): ``bench_heavy_am``,
made when missing, is given N alive customers of the other account managers (taken at random over
the whole table, so over three years of entry dates) with customers.actions.transfer_customers,
the superusers' transfer page's own action (grants, one audit row a customer and one for the
transfer), as ``bench_transfer``, a superuser made for it. Issue 16's heavy case is 5,000. Run again
with a larger N to give more; never takes any back.
"""

import argparse
import bisect
import datetime as dt
import multiprocessing
import os
import random
import sys
import time
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

import vocab  # noqa: E402

CUSTOMER_COLUMNS = [
    "id", "code", "name", "region_id", "account_manager_id", "level", "satisfaction", "credit",
    "address", "postcode", "phone", "fax", "website", "uscc", "licence_no", "legal_rep",
    "registered_capital", "annual_turnover", "bank_name", "bank_account", "local_tax_no",
    "national_tax_no", "status", "last_order_date", "name_pinyin", "name_initials", "name_bigrams",
    "name_normalized", "phone_normalized", "created_at", "updated_at", "created_by_id", "deleted_at",
    "deleted_by_id",
]  # fmt: skip
CONTACT_COLUMNS = [
    "id", "customer_id", "name", "gender", "position", "office_phone", "mobile", "email", "is_primary",
    "memo", "created_at", "updated_at",
]  # fmt: skip
GRANT_COLUMNS = ["id", "content_object_id", "permission_id", "user_id"]
TABLES = ("customers_customer", "customers_contact", "customers_customeruserobjectpermission")
GRANT_SLOTS = 4  # ids reserved per customer: view, change, delete for the manager, view for a colleague
CHUNK = 20_000
DAYS = 3 * 365
OPPORTUNITY_COLUMNS = [
    "id", "title", "customer_name", "source_id", "success_rate", "contact_name", "contact_phone",
    "description", "status", "created_by_id", "created_at", "updated_at", "assigned_to_id", "assigned_at",
    "closed_at", "failure_reason", "customer_id", "customer_name_pinyin", "customer_name_initials",
    "search_bigrams",
]  # fmt: skip
PLAN_COLUMNS = [
    "id", "opportunity_id", "plan_date", "todo", "result", "result_recorded_at", "created_by_id", "created_at",
    "updated_at",
]  # fmt: skip
PROJECTS = ["网络改造", "设备采购", "系统升级", "机房建设", "无线覆盖", "安防监控", "运维服务", "办公楼布线",
            "数据中心扩容", "门店网络", "云平台迁移", "信息化建设"]  # fmt: skip
PROJECT_PREFIXES = ["", "", "", "一期", "二期", "年度", "总部", "分公司", "新厂区", "华东区"]
STEPS = ["电话联系，了解需求", "上门拜访", "产品演示", "提交技术方案", "提交报价", "商务谈判", "样机测试",
         "约见采购负责人", "合同条款确认", "回访决策人"]  # fmt: skip
RESULTS = ["客户有意向，约定下次沟通。", "需求已确认，等待方案评审。", "客户认为报价偏高，要求调整。",
           "演示效果良好，技术部认可。", "决策人出差，改期再约。", "方案通过评审。"]  # fmt: skip
FAIL_REASONS = ["客户预算取消。", "客户选择了其他供应商。", "项目延期至明年，暂停跟进。", "联系人离职，需求不再推进。"]
LOSS_MEASURES = [
    "电话联系采购经理，了解到预算推迟到下季度，约定下月初再次回访。",
    "上门拜访总经理，提供九五折年度框架报价。",
    "安排工程师免费做一次设备巡检，并邀请客户参加新品发布会。",
    "寄送新版产品资料和老客户优惠方案，客户表示月底前答复。",
    "与客户财务核对往来账目，解决了上次发票问题，客户同意恢复合作。",
    "约见新任采购负责人，介绍我司服务和成功案例。",
]
LOSS_REASONS = [
    "客户已改用竞争对手的产品，多次沟通后确认不再采购。", "客户公司业务调整，相关项目已停止。",
    "客户经营困难，已停止采购。", "客户被其他集团收购，统一由总部集中采购。",
]  # fmt: skip
LOSS_RECORD_COLUMNS = [
    "id", "customer_id", "account_manager_id", "last_order_date", "status", "reason", "raised_at",
    "confirmed_at", "confirmed_by_id", "recovered_on", "updated_at",
]  # fmt: skip
LOSS_MEASURE_COLUMNS = ["id", "record_id", "text", "created_by_id", "created_at"]
LOSS_DAYS = 120  # how far back the moved-on records were raised
AREA_CODES = ["010", "021", "020", "0755", "0571", "028", "023", "027", "025", "022", "0512", "029"]

SERVICE_COLUMNS = [
    "id", "service_type_id", "title", "customer_id", "request", "status", "created_by_id", "created_at",
    "updated_at", "assigned_to_id", "assigned_at", "handling", "handled_by_id", "handled_at", "result",
    "satisfaction", "first_assigned_at", "first_handled_at", "archived_at", "rounds", "title_bigrams",
    "customer_manager_id",
]  # fmt: skip
EVENT_COLUMNS = ["id", "service_request_id", "kind", "round", "actor_id", "at", "assignee_id", "text", "satisfaction"]
# (title, request) by service type (crm.dictionary values).
SERVICE_TEXTS = {
    "consultation": [
        ("咨询发票开具流程", "客户财务部询问增值税专用发票的开具周期和所需资料。"),
        ("咨询设备延保价格", "客户想了解设备延保一年和三年的价格及服务内容。"),
        ("咨询系统升级安排", "客户询问新版本的发布时间，升级期间是否需要停机。"),
        ("咨询备件供货周期", "客户询问常用备件的供货周期，希望建立备件库存。"),
        ("咨询合同续签流程", "服务合同即将到期，客户询问续签需要准备的材料。"),
        ("咨询数据迁移方案", "客户准备更换业务系统，询问历史数据能否完整迁移。"),
        ("咨询操作培训安排", "客户新员工不熟悉系统操作，询问培训的时间和费用。"),
    ],
    "suggestion": [
        ("建议开通微信订单查询", "客户建议开通微信公众号订单查询，方便查看发货进度。"),
        ("建议报价单注明有效期", "客户建议报价单注明有效期，避免审批期间价格变动引起误会。"),
        ("建议提供上门培训", "客户建议安排工程师上门为网管人员做一次操作培训。"),
        ("建议增加夜间服务热线", "客户夜间也有生产任务，建议售后热线延长到晚上十点。"),
        ("建议优化送货时间", "客户建议避开上下班高峰送货，最好提前一天电话预约。"),
    ],
    "complaint": [
        ("送货延迟未提前通知", "客户投诉订购的设备比约定晚到，期间没有任何人通知。"),
        ("设备安装后网络频繁中断", "新装设备每天中断多次，客户要求尽快派工程师排查。"),
        ("发票金额与合同不符", "客户收到的发票金额与合同不一致，要求核对并重新开具。"),
        ("维修后故障再次出现", "设备维修后不久又出现同样的故障，客户要求彻底解决。"),
        ("售后电话长时间无人接听", "客户连续两天拨打售后热线无人接听，问题得不到解决。"),
        ("服务费重复扣款", "客户发现本月服务费被扣了两次，要求退还多扣的款项。"),
        ("工程师上门迟到", "约定上午九点上门，工程师十一点才到，耽误了客户的工作安排。"),
    ],
}
HANDLINGS = [
    "已电话回复客户，说明了处理办法。", "工程师上门检查并排除了故障。", "已与财务核对并重新开具发票。",
    "已邮件发送相关资料和报价。", "更换了故障部件，测试运行正常。", "已反馈相关部门改进，并向客户致歉。",
    "安排了专人跟进，约定下周回访。", "远程协助客户完成了配置调整。",
]  # fmt: skip
RESULTS_SATISFIED = ["客户对处理结果满意。", "问题已解决，客户表示感谢。", "客户接受处理方案。", "回访确认运行正常。"]
RESULTS_UNSATISFIED = ["客户反映问题仍未解决。", "客户认为处理太慢，不满意。", "故障再次出现，客户要求重新处理。"]


def cumulative(weights):
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def zipf(n, s):
    return cumulative(1 / (rank + 1) ** s for rank in range(n))


@dataclass
class Plan:
    """Everything a worker needs to build any batch of rows, deterministically."""

    seed: int
    vendor: str
    tz: str
    customer_base: int
    contact_base: int
    grant_base: int
    contacts_per_customer: int
    managers: list
    supervisor: int
    perms: dict  # codename -> permission id
    regions: dict  # dictionary value -> entry id
    days: list  # date of each day that gets customers
    first_index: list  # index of the day's first customer (cumulative counts)
    counts: list
    last_before: list  # the day's code sequence before this load
    today: dt.date


# --------------------------------------------------------------------------- worker side

_plan = None
_draw = None


def _init_worker(plan):
    global _plan, _draw
    _plan = plan
    _draw = {
        "city": zipf(len(vocab.CITIES), 1.0),
        "brand": zipf(len(vocab.BRAND_CHARS), 0.8),
        "trade": zipf(len(vocab.TRADES), 1.0),
        "legal": cumulative(weight for _form, weight in vocab.LEGAL_FORMS),
        "surname": zipf(len(vocab.SURNAMES), 0.7),
    }


def _person(rng):
    surname = rng.choices(vocab.SURNAMES, cum_weights=_draw["surname"])[0]
    return surname + "".join(rng.choices(vocab.GIVEN_CHARS, k=rng.choice((1, 2, 2))))


def _company(rng):
    city, region = rng.choices(vocab.CITIES, cum_weights=_draw["city"])[0]
    if rng.random() < vocab.RARE_BRAND_SHARE:
        brand = rng.choice(vocab.RARE_BRANDS)
    else:
        first, second = rng.choices(vocab.BRAND_CHARS, cum_weights=_draw["brand"], k=2)
        brand = first + second if first != second else first + rng.choice(vocab.BRAND_CHARS)
    trade = rng.choices(vocab.TRADES, cum_weights=_draw["trade"])[0]
    legal = rng.choices(vocab.LEGAL_FORMS, cum_weights=_draw["legal"])[0][0]
    pattern = rng.random()
    if pattern < 0.72:
        return city + brand + trade + legal, region
    if pattern < 0.82:
        return f"{brand}{trade}（{city}）{legal}", region
    return brand + trade + legal, None


def _phone(rng):
    if rng.random() < 0.3:
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    return f"{rng.choice(AREA_CODES)}-{rng.randrange(2, 9)}{rng.randrange(10**7):07d}"


def _fmt_time(value, vendor=None):
    """A datetime as the backend stores it: with offset for PostgreSQL, naive UTC for SQLite."""
    if (vendor or _plan.vendor) == "postgresql":
        return value.isoformat(sep=" ")
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def build_batch(bounds):
    """Rows for customers bounds[0] ≤ i < bounds[1] (0-based within this load)."""
    from customers.pinyin import pinyin_keys
    from customers.search import name_bigrams
    from customers.validators import normalise_name, normalise_phone

    start, stop = bounds
    plan = _plan
    rng = random.Random(plan.seed * 1_000_003 + start)
    tz = zoneinfo.ZoneInfo(plan.tz)
    region_ids = list(plan.regions.values())
    perm_ids = [plan.perms["view_customer"], plan.perms["change_customer"], plan.perms["delete_customer"]]
    customers, contacts, grants = [], [], []
    for i in range(start, stop):
        day_no = bisect.bisect_right(plan.first_index, i) - 1
        day, position, count = plan.days[day_no], i - plan.first_index[day_no], plan.counts[day_no]
        seconds = 8 * 3600 + (position + rng.random()) * 12 * 3600 / count
        created = dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(seconds=seconds)
        code = f"KH{day:%Y%m%d}{plan.last_before[day_no] + position + 1:04d}"
        pk = plan.customer_base + i + 1
        manager = rng.choice(plan.managers)

        name, region = _company(rng)
        full, initials = pinyin_keys(name)
        if region is not None:
            region_id = plan.regions.get(region)
        else:
            region_id = rng.choice(region_ids) if rng.random() < 0.6 else None
        phone = _phone(rng)
        domain = initials.split(" ")[0]
        deleted = rng.random() < 0.005
        deleted_at = created + dt.timedelta(days=rng.uniform(0, max(1, (plan.today - day).days))) if deleted else None
        level = rng.choices((1, 2, 3, 4, 5), cum_weights=(55, 80, 92, 97, 100))[0]
        stamp = _fmt_time(created)
        customers.append(
            (
                pk,
                code,
                name,
                region_id,
                manager,
                level,
                rng.choice((None, 1, 2, 3, 4, 5)),
                rng.choice((None, 3, 4, 5)),
                f"{rng.choice(vocab.CITIES)[0]}市{rng.choice(vocab.DISTRICTS)}{rng.choice(vocab.ROADS)}"
                f"{rng.randrange(1, 999)}号",
                f"{rng.randrange(100000, 860000):06d}",
                phone,
                "",
                f"https://www.{domain}.com" if rng.random() < 0.4 else "",
                None,
                "",
                _person(rng),
                f"{rng.randrange(10, 50000)}.00",
                f"{rng.randrange(50, 500000)}.00" if rng.random() < 0.5 else None,
                f"{rng.choice(vocab.BANKS)}{rng.choice(vocab.CITIES)[0]}分行" if rng.random() < 0.5 else "",
                f"{rng.randrange(10**15, 10**16)}" if rng.random() < 0.5 else "",
                "",
                "",
                "lost" if rng.random() < 0.05 else "active",
                (day + dt.timedelta(days=rng.randrange(0, (plan.today - day).days + 1))).isoformat()
                if rng.random() < 0.6
                else None,
                full,
                initials,
                name_bigrams(name),
                normalise_name(name)[:100],
                normalise_phone(phone)[:32],
                stamp,
                stamp,
                manager,
                _fmt_time(deleted_at) if deleted else None,
                plan.supervisor if deleted else None,
            )
        )
        for j in range(plan.contacts_per_customer):
            contacts.append(
                (
                    plan.contact_base + i * plan.contacts_per_customer + j + 1,
                    pk,
                    _person(rng),
                    rng.choice("mf"),
                    rng.choice(vocab.POSITIONS),
                    _phone(rng) if rng.random() < 0.7 else "",
                    f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                    f"{rng.choice('abcdefghjklmnpqrstwxyz')}{rng.randrange(1, 999)}@{domain}.com"
                    if rng.random() < 0.5
                    else "",
                    j == 0,
                    "",
                    stamp,
                    stamp,
                )
            )
        slot = plan.grant_base + i * GRANT_SLOTS
        grants.extend((slot + k + 1, pk, perm, manager) for k, perm in enumerate(perm_ids))
        if rng.random() < 0.02 and len(plan.managers) > 1:
            colleague = rng.choice(plan.managers)
            if colleague != manager:
                grants.append((slot + 4, pk, perm_ids[0], colleague))
    if plan.vendor == "postgresql":
        return stop - start, _copy_text(customers), _copy_text(contacts), _copy_text(grants)
    return stop - start, customers, contacts, grants


def _copy_value(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def _copy_text(rows):
    """COPY text format. The generated values never contain tabs, newlines or backslashes."""
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)


# --------------------------------------------------------------------------- main process


def _users(count):
    """(account manager ids, supervisor id): bench_am_0001… and bench_sup, created when missing."""
    from django.contrib.auth import get_user_model

    from crm.actions import create_user
    from crm.roles import ACCOUNT_MANAGER, SUPERVISOR

    User = get_user_model()
    rng = random.Random(7)
    _init_worker(None)
    existing = set(User.objects.filter(username__startswith="bench_").values_list("username", flat=True))
    for number in range(1, count + 1):
        username = f"bench_am_{number:04d}"
        if username not in existing:
            # No usable password: the benchmark logs in with force_login.
            create_user(username=username, password=None, full_name=_person(rng), roles=[ACCOUNT_MANAGER])
    if "bench_sup" not in existing:
        create_user(username="bench_sup", password=None, full_name="基准主管", roles=[SUPERVISOR])
    managers = list(
        User.objects.filter(username__startswith="bench_am_").order_by("username").values_list("pk", flat=True)[:count]
    )
    return managers, User.objects.get(username="bench_sup").pk


def _day_plan(total, today, taken, rng):
    """Customers per day over the last three years: fewer at weekends, growing over time."""
    days = [today - dt.timedelta(days=DAYS - n) for n in range(DAYS)]
    weights = [
        (0.3 if day.weekday() >= 5 else 1.0) * (0.6 + 0.8 * n / DAYS) * rng.uniform(0.8, 1.2)
        for n, day in enumerate(days)
    ]
    room = [9999 - taken.get(day, 0) for day in days]
    if total > sum(room):
        raise SystemExit(f"At most {sum(room)} more customers fit in three years of codes (9,999 a day).")
    scale = total / sum(weights)
    counts = [min(int(w * scale), r) for w, r in zip(weights, room, strict=True)]
    short = total - sum(counts)
    while short:
        for n in sorted(range(DAYS), key=lambda n: -weights[n]):
            if short and counts[n] < room[n]:
                counts[n] += 1
                short -= 1
    kept = [n for n in range(DAYS) if counts[n]]
    first, running = [], 0
    for n in kept:
        first.append(running)
        running += counts[n]
    return [days[n] for n in kept], first, [counts[n] for n in kept], [taken.get(days[n], 0) for n in kept]


def _drop_secondary(cursor, tables=TABLES):
    """Drop the tables' foreign keys and non-constraint indexes; return the SQL to rebuild them
    (with their statistics targets)."""
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
        """,
        [list(tables)],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid::regclass::text = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [list(tables)],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, a.attnum, a.attstattarget
        FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indexrelid
        WHERE i.indrelid::regclass::text = ANY(%s) AND a.attstattarget > 0
        """,
        [list(tables)],
    )
    statistics = cursor.fetchall()  # set on expression-index columns (customers 0002); lost with the index
    for table, name, _definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    rebuild = [definition for _name, definition in indexes]
    rebuild += [
        f"ALTER INDEX {name} ALTER COLUMN {number} SET STATISTICS {target}" for name, number, target in statistics
    ]
    rebuild += [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in foreign_keys]
    return rebuild


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=0, help="how many customers to add")
    parser.add_argument("--contacts-per-customer", type=int, default=2)
    parser.add_argument("--managers", type=int, help="account managers (default: one per 3,300 customers, ≤ 300)")
    parser.add_argument("--opportunities", type=int, default=0, help="how many opportunities to add")
    parser.add_argument("--plan-items", type=int, help="plan items in all (default: 3 per opportunity)")
    parser.add_argument("--services", type=int, default=0, help="how many service requests to add")
    parser.add_argument("--losses", action="store_true", help="raise the loss warnings and move a share of them on")
    parser.add_argument("--orders", type=int, default=0, help="how many orders to load (into empty order tables)")
    parser.add_argument("--order-lines", type=int, help="order lines in all (default: 6 per order)")
    parser.add_argument("--products", type=int, default=2000, help="products to make if there are none (default 2,000)")
    parser.add_argument(
        "--month-totals", action="store_true", help="fill the month totals from the orders there (done by --orders)"
    )
    parser.add_argument(
        "--replace-orders", action="store_true", help="empty the order, order line and month total tables first"
    )
    parser.add_argument("--audit", type=int, default=0, help="audit log rows to add (bench/seed_audit.py)")
    parser.add_argument(
        "--heavy-manager", type=int, default=0, help="customers bench_heavy_am should manage (5,000: issue 16)"
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument(
        "--keep-indexes", action="store_true", help="PostgreSQL: load with the indexes in place instead of rebuilding"
    )
    args = parser.parse_args()
    if min(args.customers, args.opportunities, args.services, args.contacts_per_customer, args.orders) < 0:
        parser.error(
            "--customers, --opportunities, --services, --orders and --contacts-per-customer must not be negative"
        )
    if args.audit < 0 or args.heavy_manager < 0:
        parser.error("--audit and --heavy-manager must not be negative")
    if not (
        args.customers or args.opportunities or args.services or args.losses or args.orders or args.month_totals
    ) and not (args.audit or args.heavy_manager):
        parser.error(
            "give --customers, --opportunities, --services, --losses, --orders, --month-totals, --audit"
            " or --heavy-manager"
        )
    if args.order_lines is None:
        args.order_lines = 6 * args.orders
    if args.orders and not args.orders <= args.order_lines <= 100 * args.orders:
        parser.error("--order-lines must be between one and a hundred per order")
    if args.orders and args.products < 1:
        parser.error("--products must be at least 1")
    if args.plan_items is None:
        args.plan_items = 3 * args.opportunities
    if args.plan_items < 0:
        parser.error("--plan-items must not be negative")

    import django

    django.setup()

    timings = []
    clock = time.perf_counter()

    def lap(label):
        nonlocal clock
        now = time.perf_counter()
        timings.append((label, now - clock))
        print(f"  {label}: {now - clock:.1f} s", flush=True)
        clock = now

    if args.customers:
        _load_customers(args, lap)
    if args.opportunities:
        _load_opportunities(args, lap)
    if args.services:
        _load_services(args, lap)
    if args.losses:
        _load_losses(args, lap)
    if args.orders:
        _load_orders(args, lap)
    elif args.month_totals:
        _fill_month_totals(lap)
    if args.heavy_manager:
        _heavy_manager(args, lap)
    if args.audit:
        import seed_audit

        seed_audit.load(
            total=args.audit,
            seed=args.seed,
            workers=args.workers,
            keep_indexes=args.keep_indexes,
            lap=lap,
            drop_secondary=_drop_secondary,
            copy_in=_copy_in,
        )


def _load_customers(args, lap):
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.db import connection, transaction
    from django.db.models import Max

    from crm.models import DictionaryEntry
    from customers.models import CodeSequence, Contact, Customer, CustomerUserObjectPermission

    started = time.perf_counter()
    vendor = connection.vendor
    count = args.customers
    managers = args.managers or max(2, min(300, round(count / 3300)))
    manager_ids, supervisor_id = _users(managers)
    lap(f"users ({len(manager_ids)} account managers, 1 supervisor)")

    today = dt.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    taken = dict(CodeSequence.objects.values_list("day", "last"))
    days, first_index, counts, last_before = _day_plan(count, today, taken, random.Random(args.seed))
    plan = Plan(
        seed=args.seed,
        vendor=vendor,
        tz=settings.TIME_ZONE,
        customer_base=Customer.all_objects.aggregate(m=Max("id"))["m"] or 0,
        contact_base=Contact.objects.aggregate(m=Max("id"))["m"] or 0,
        grant_base=CustomerUserObjectPermission.objects.aggregate(m=Max("id"))["m"] or 0,
        contacts_per_customer=args.contacts_per_customer,
        managers=manager_ids,
        supervisor=supervisor_id,
        perms=dict(
            Permission.objects.filter(content_type__app_label="customers", content_type__model="customer").values_list(
                "codename", "id"
            )
        ),
        regions=dict(
            DictionaryEntry.objects.filter(category=DictionaryEntry.Category.REGION).values_list("value", "id")
        ),
        days=days,
        first_index=first_index,
        counts=counts,
        last_before=last_before,
        today=today,
    )
    batches = [(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    existing_rows = Customer.all_objects.count()
    rebuild_indexes = vendor == "postgresql" and not args.keep_indexes and count >= max(50_000, existing_rows)
    print(f"{vendor}: adding {count} customers, {args.contacts_per_customer} contacts each, {args.workers} workers")

    connection.close()  # the workers are forked: they must not share the connection
    context = multiprocessing.get_context("fork")
    with context.Pool(args.workers, initializer=_init_worker, initargs=(plan,)) as pool, transaction.atomic():
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cursor.execute("SET LOCAL synchronous_commit = off")
                rebuild = _drop_secondary(cursor) if rebuild_indexes else []
            done = 0
            for made, customers, contacts, grants in pool.imap(build_batch, batches):
                if vendor == "postgresql":
                    for table, columns, text in (
                        ("customers_customer", CUSTOMER_COLUMNS, customers),
                        ("customers_contact", CONTACT_COLUMNS, contacts),
                        ("customers_customeruserobjectpermission", GRANT_COLUMNS, grants),
                    ):
                        if text:
                            _copy_in(cursor, f"COPY {table} ({', '.join(columns)}) FROM STDIN", text)
                else:
                    for table, columns, rows in (
                        ("customers_customer", CUSTOMER_COLUMNS, customers),
                        ("customers_contact", CONTACT_COLUMNS, contacts),
                        ("customers_customeruserobjectpermission", GRANT_COLUMNS, grants),
                    ):
                        if rows:
                            marks = ", ".join(["%s"] * len(columns))
                            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
                done += made
                if done % 200_000 < CHUNK or done == count:
                    print(f"    {done} customers loaded ({time.perf_counter() - started:.0f} s)", flush=True)
            lap("rows generated and loaded")
            if vendor == "postgresql":
                for statement in rebuild:
                    cursor.execute(statement)
                if rebuild:
                    lap(f"{len(rebuild)} indexes and foreign keys rebuilt")
                for statement in connection.ops.sequence_reset_sql(
                    _no_style(), [Customer, Contact, CustomerUserObjectPermission]
                ):
                    cursor.execute(statement)
        sequences = [
            CodeSequence(day=day, last=last + made) for day, last, made in zip(days, last_before, counts, strict=True)
        ]
        CodeSequence.objects.bulk_create(
            sequences, update_conflicts=True, unique_fields=["day"], update_fields=["last"]
        )
    lap("committed")

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE customers_customer")
            cursor.execute("VACUUM ANALYZE customers_contact")
            cursor.execute("VACUUM ANALYZE customers_customeruserobjectpermission")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    lap("vacuum/analyze")
    total = Customer.all_objects.count()
    print(f"done in {time.perf_counter() - started:.1f} s: {total} customers in the database")


def _pipeline_status(rng, age):
    """An opportunity's status by its age in days: recent ones open, older ones mostly closed."""
    if age < 7:
        weights = (60, 40, 0, 0)
    elif age < 120:
        weights = (5, 55, 15, 25)
    else:
        weights = (2, 8, 35, 55)
    return rng.choices(("unassigned", "developing", "succeeded", "failed"), weights=weights)[0]


def _plan_counts(rng, slots, total):
    """Plan items per assigned opportunity: 1–8 each (about ``total / slots``), ``total`` in all."""
    if not slots:
        return []
    mean = total / slots
    counts = [max(1, min(8, round(rng.uniform(0.4, 1.6) * mean))) for _ in range(slots)]
    excess = sum(counts) - total
    while excess:
        n = rng.randrange(slots)
        if excess > 0 and counts[n] > 1:
            counts[n] -= 1
            excess -= 1
        elif excess < 0 and counts[n] < 8:
            counts[n] += 1
            excess += 1
        if all(c == 1 for c in counts) and excess > 0 or all(c == 8 for c in counts) and excess < 0:
            break  # more or fewer than 1–8 a slot can hold
    return counts


def _bulk_load(args, lap, label, loads):
    """Load ``loads`` — (model, columns, rows) in dependency order — in one transaction: COPY on
    PostgreSQL (secondary indexes dropped and rebuilt when the load is at least as big as what is
    there), INSERTs on SQLite; then the sequences reset and the tables analysed."""
    from django.db import connection, transaction

    vendor = connection.vendor
    first = loads[0][0]
    count = len(loads[0][2])
    tables = tuple(model._meta.db_table for model, _columns, _rows in loads)
    rebuild_indexes = vendor == "postgresql" and not args.keep_indexes and count >= max(50_000, first.objects.count())
    with transaction.atomic(), connection.cursor() as cursor:
        rebuild = []
        if vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            rebuild = _drop_secondary(cursor, tables) if rebuild_indexes else []
        for model, columns, rows in loads:
            table = model._meta.db_table
            for start in range(0, len(rows), CHUNK * 5):
                chunk = rows[start : start + CHUNK * 5]
                if vendor == "postgresql":
                    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                    _copy_in(cursor, sql, _copy_text(chunk))
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", chunk)
        lap(f"{label} loaded")
        for statement in rebuild:
            cursor.execute(statement)
        if rebuild:
            lap(f"{len(rebuild)} indexes and foreign keys rebuilt")
        for statement in connection.ops.sequence_reset_sql(_no_style(), [model for model, _c, _r in loads]):
            cursor.execute(statement)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    lap("vacuum/analyze")


def _load_opportunities(args, lap):
    """Add ``--opportunities`` opportunities with ``--plan-items`` plan items (module docstring)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Max

    from crm.models import DictionaryEntry
    from customers.models import Customer
    from customers.pinyin import column_length, pinyin_keys
    from opportunities.models import Opportunity, PlanItem
    from opportunities.search import search_bigrams

    started = time.perf_counter()
    vendor = connection.vendor
    count = args.opportunities
    existing_managers = get_user_model().objects.filter(username__startswith="bench_am_").count()
    manager_ids, supervisor_id = _users(args.managers or max(2, existing_managers))
    _init_worker(None)  # the name vocabularies' weights
    rng = random.Random(args.seed + 1)
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = dt.datetime.now(tz)
    today = now.date()
    sources = list(
        DictionaryEntry.objects.filter(category=DictionaryEntry.Category.OPPORTUNITY_SOURCE).values_list(
            "pk", flat=True
        )
    )
    key_lengths = (
        column_length(Opportunity, "customer_name_pinyin"),
        column_length(Opportunity, "customer_name_initials"),
    )
    base = Opportunity.objects.aggregate(m=Max("id"))["m"] or 0
    item_base = PlanItem.objects.aggregate(m=Max("id"))["m"] or 0
    days = [today - dt.timedelta(days=DAYS - n) for n in range(DAYS)]
    day_weights = cumulative((0.6 + 0.8 * n / DAYS) for n in range(DAYS))

    def working(moment):
        """``moment`` moved into office hours (09:00–18:00) of a working day, never after now."""
        day = moment.date()
        if day.weekday() > 4:
            day -= dt.timedelta(days=day.weekday() - 4)
        hour = min(max(moment.hour, 9), 17)
        moved = dt.datetime.combine(day, dt.time(hour, moment.minute), tzinfo=tz)
        return min(moved, now - dt.timedelta(minutes=5))

    opportunities, assigned = [], []  # assigned: (row index, assignee, assigned_at, closed_at or None)
    succeeded = {}  # assignee -> [row index]
    for i in range(count):
        day = rng.choices(days, cum_weights=day_weights)[0]
        created = working(dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(hours=rng.uniform(9, 18)))
        status = _pipeline_status(rng, (today - created.date()).days)
        by_manager = rng.random() < 0.7
        creator = rng.choice(manager_ids) if by_manager else supervisor_id
        name, _region = _company(rng)
        full, initials = pinyin_keys(name, max_lengths=key_lengths)
        assignee = assigned_at = closed_at = None
        if status != "unassigned":
            assignee = creator if by_manager and rng.random() < 0.8 else rng.choice(manager_ids)
            assigned_at = working(created + min(dt.timedelta(hours=rng.uniform(2, 120)), (now - created) / 2))
            assigned_at = max(assigned_at, created)
            if status in ("succeeded", "failed"):
                closed_at = assigned_at + dt.timedelta(days=rng.uniform(7, 120))
                if closed_at >= now:
                    closed_at = assigned_at + (now - assigned_at) * rng.uniform(0.5, 0.95)
                closed_at = max(working(closed_at), assigned_at)
            assigned.append((i, assignee, assigned_at, closed_at))
            if status == "succeeded":
                succeeded.setdefault(assignee, []).append(i)
        opportunities.append(
            [
                base + i + 1,
                f"{rng.choice(PROJECT_PREFIXES)}{rng.choice(PROJECTS)}{rng.choice(('', '', '项目'))}",
                name,
                rng.choice(sources) if rng.random() < 0.9 else None,
                rng.randrange(10, 100, 10),
                _person(rng),
                f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                "" if rng.random() < 0.7 else f"{name}的{rng.choice(PROJECTS)}需求，{rng.choice(RESULTS)}",
                status,
                creator,
                _fmt_time(created, vendor),
                _fmt_time(closed_at or assigned_at or created, vendor),
                assignee,
                _fmt_time(assigned_at, vendor) if assigned_at else None,
                _fmt_time(closed_at, vendor) if closed_at else None,
                rng.choice(FAIL_REASONS) if status == "failed" else "",
                None,
                full,
                initials,
            ]
        )
    # A success became a customer of its assignee: linked to one, under its name.
    for assignee, rows in succeeded.items():
        picks = list(
            Customer.objects.filter(account_manager_id=assignee).order_by("?").values_list("pk", "name")[: len(rows)]
        )
        for i, (pk, name) in zip(rows, picks, strict=False):
            full, initials = pinyin_keys(name, max_lengths=key_lengths)
            opportunities[i][2], opportunities[i][16], opportunities[i][17], opportunities[i][18] = (
                name,
                pk,
                full,
                initials,
            )
    # The search box's bigrams (opportunities.search), from the final title, customer name and contact.
    for row in opportunities:
        row.append(search_bigrams(SimpleNamespace(title=row[1], customer_name=row[2], contact_name=row[5])))
    lap(f"{count} opportunities generated ({sum(len(rows) for rows in succeeded.values())} succeeded)")

    items = []
    for (i, assignee, assigned_at, closed_at), k in zip(
        assigned, _plan_counts(rng, len(assigned), args.plan_items), strict=True
    ):
        first = assigned_at.date() + dt.timedelta(days=1)
        last = closed_at.date() if closed_at else today + dt.timedelta(days=30)
        span = max(1, (last - first).days)
        added = working(assigned_at + dt.timedelta(hours=rng.uniform(1, 30)))
        for j in range(k):
            plan_date = first + dt.timedelta(days=int(span * (j + rng.random()) / k))
            if plan_date.weekday() > 4:  # planned for the Monday after
                plan_date += dt.timedelta(days=7 - plan_date.weekday())
            recorded = None
            if plan_date < today and rng.random() < (0.95 if closed_at else 0.8):
                recorded = working(
                    dt.datetime.combine(plan_date, dt.time(), tzinfo=tz) + dt.timedelta(hours=rng.uniform(9, 18))
                )
                recorded = max(recorded, added)
            items.append(
                (
                    item_base + len(items) + 1,
                    base + i + 1,
                    plan_date.isoformat(),
                    rng.choice(STEPS),
                    rng.choice(RESULTS) if recorded else "",
                    _fmt_time(recorded, vendor) if recorded else None,
                    assignee,
                    _fmt_time(added, vendor),
                    _fmt_time(recorded or added, vendor),
                )
            )
    lap(f"{len(items)} plan items generated")

    _bulk_load(
        args,
        lap,
        "opportunities and plan items",
        [(Opportunity, OPPORTUNITY_COLUMNS, opportunities), (PlanItem, PLAN_COLUMNS, items)],
    )
    print(
        f"done in {time.perf_counter() - started:.1f} s: {Opportunity.objects.count()} opportunities, "
        f"{PlanItem.objects.count()} plan items in the database"
    )


def _service_status(rng, age):
    """A service request's status by its age in days: recent ones open, older ones archived."""
    if age < 3:
        weights = (45, 35, 20, 0)
    elif age < 14:
        weights = (10, 25, 25, 40)
    elif age < 90:
        weights = (1, 4, 5, 90)
    else:
        weights = (0.2, 0.5, 0.8, 98.5)
    return rng.choices(("new", "assigned", "handled", "archived"), weights=weights)[0]


def _service_rounds(rng, status):
    """How many times a request of ``status`` was handled (rounds)."""
    if status == "new":
        return 0
    if status == "assigned":  # most wait for their first handling, some were sent back
        return rng.choices((0, 1, 2), weights=(80, 16, 4))[0]
    return rng.choices((1, 2, 3), weights=(85, 12, 3))[0]


def _load_services(args, lap):
    """Add ``--services`` service requests with their timelines (module docstring)."""
    from django.conf import settings
    from django.db import connection
    from django.db.models import Max

    from crm.models import DictionaryEntry
    from customers.search import name_bigrams
    from services.models import ServiceEvent, ServiceRequest

    started = time.perf_counter()
    vendor = connection.vendor
    count = args.services
    fields = [field.column for field in ServiceRequest._meta.concrete_fields]
    assert sorted(fields) == sorted(SERVICE_COLUMNS), fields
    assert sorted(f.column for f in ServiceEvent._meta.concrete_fields) == sorted(EVENT_COLUMNS)
    manager_ids, supervisor_id = _users(args.managers or max(2, _bench_manager_count()))
    managers = set(manager_ids)
    rng = random.Random(args.seed + 2)
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = dt.datetime.now(tz)
    today = now.date()
    types = dict(
        DictionaryEntry.objects.filter(category=DictionaryEntry.Category.SERVICE_TYPE).values_list("value", "pk")
    )
    type_names = [name for name in SERVICE_TEXTS if name in types]
    # Alive customers in the order they were entered, with their manager: a request is for a
    # customer entered before it.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, account_manager_id, created_at FROM customers_customer WHERE deleted_at IS NULL "
            "ORDER BY created_at, id"
        )
        customers = cursor.fetchall()
    if not customers:
        raise SystemExit("No customers: load some first (--customers).")
    # PostgreSQL gives aware date-times, SQLite naive UTC ones (or text).
    entered = [
        value
        if isinstance(value, dt.datetime) and value.tzinfo
        else dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)
        for _pk, _manager, value in customers
    ]
    lap(f"{len(customers)} customers read")
    base = ServiceRequest.objects.aggregate(m=Max("id"))["m"] or 0
    event_base = ServiceEvent.objects.aggregate(m=Max("id"))["m"] or 0
    first_day = max(today - dt.timedelta(days=DAYS), entered[0].astimezone(tz).date())
    span = (today - first_day).days
    days = [first_day + dt.timedelta(days=n) for n in range(span + 1)]
    day_weights = cumulative(
        (0.3 if day.weekday() >= 5 else 1.0) * (0.6 + 0.8 * n / DAYS) for n, day in enumerate(days)
    )

    def working(moment):
        """``moment`` moved into office hours (09:00–18:00) of a working day, never after now."""
        day = moment.date()
        if day.weekday() > 4:
            day -= dt.timedelta(days=day.weekday() - 4)
        hour = min(max(moment.hour, 9), 17)
        moved = dt.datetime.combine(day, dt.time(hour, moment.minute, rng.randrange(60)), tzinfo=tz)
        return min(moved, now - dt.timedelta(minutes=5))

    def after(previous, low, high):
        """A moment ``low``–``high`` hours after ``previous`` (sooner if that is past now), in
        office hours when that keeps it after ``previous``; always after it, never after now."""
        moment = previous + dt.timedelta(hours=rng.uniform(low, high))
        if moment >= now:
            moment = previous + (now - previous) * rng.uniform(0.3, 0.9)
        moved = working(moment)
        return moved if moved > previous else moment

    def stamp(moment):
        return _fmt_time(moment, vendor) if moment is not None else None

    requests, events = [], []
    counts = dict.fromkeys(("new", "assigned", "handled", "archived"), 0)
    reopened = 0
    for i in range(count):
        pk = base + i + 1
        day = rng.choices(days, cum_weights=day_weights)[0]
        created = working(dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(hours=rng.uniform(9, 18)))
        # A customer entered before the request (the earliest one if none was).
        customer, owner, _entered = customers[rng.randrange(max(1, bisect.bisect_left(entered, created)))]
        manager = owner if owner in managers else rng.choice(manager_ids)
        status = _service_status(rng, (today - created.date()).days)
        rounds = _service_rounds(rng, status)
        counts[status] += 1
        reopened += rounds > 1 or (status == "assigned" and rounds > 0)
        creator = manager if rng.random() < 0.7 else supervisor_id
        kind = rng.choice(type_names)
        title, request = rng.choice(SERVICE_TEXTS[kind])
        timeline = [("created", 0, creator, created, None, "", None)]
        assignee = assigned_at = first_assigned = handled_by = handled_at = first_handled = None
        handling = result = ""
        satisfaction = archived_at = None
        last = created
        if status != "new":
            assignee = manager if rng.random() < 0.85 else rng.choice(manager_ids)
            last = assigned_at = first_assigned = after(created, 0.5, 30)
            timeline.append(("assigned", 0, supervisor_id, last, assignee, "", None))
            if rng.random() < 0.05 and len(manager_ids) > 1:  # re-assigned before its first handling
                assignee = rng.choice([m for m in manager_ids if m != assignee])
                last = assigned_at = after(last, 1, 48)
                timeline.append(("assigned", 0, supervisor_id, last, assignee, "", None))
            for number in range(1, rounds + 1):
                handling = rng.choice(HANDLINGS)
                last = handled_at = after(last, 1, 96)
                first_handled = first_handled or handled_at
                handled_by = assignee
                timeline.append(("handled", number, assignee, last, None, handling, None))
                final = number == rounds
                if final and status == "handled":
                    break  # waits for its feedback
                satisfied = final and status == "archived"
                satisfaction = rng.choices((3, 4, 5), weights=(20, 45, 35))[0] if satisfied else rng.choice((1, 2))
                result = rng.choice(RESULTS_SATISFIED if satisfied else RESULTS_UNSATISFIED)
                giver = creator if creator != supervisor_id and rng.random() < 0.6 else supervisor_id
                last = after(last, 2, 120)
                timeline.append(("feedback", number, giver, last, None, result, satisfaction))
                if satisfied:
                    archived_at = last
        requests.append(
            (
                pk, types[kind], title, customer, request, status, creator, stamp(created), stamp(last),
                assignee, stamp(assigned_at), handling, handled_by, stamp(handled_at), result, satisfaction,
                stamp(first_assigned), stamp(first_handled), stamp(archived_at), rounds, name_bigrams(title),
                owner,  # the customer's manager, as services/0003's triggers keep it
            )
        )  # fmt: skip
        for event_kind, number, actor, moment, event_assignee, text, score in timeline:
            events.append(
                (
                    event_base + len(events) + 1,
                    pk,
                    event_kind,
                    number,
                    actor,
                    stamp(moment),
                    event_assignee,
                    text,
                    score,
                )
            )
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    lap(f"{count} service requests ({summary}; {reopened} went round again) and {len(events)} events generated")

    _bulk_load(
        args,
        lap,
        "service requests and events",
        [(ServiceRequest, SERVICE_COLUMNS, requests), (ServiceEvent, EVENT_COLUMNS, events)],
    )
    print(
        f"done in {time.perf_counter() - started:.1f} s: {ServiceRequest.objects.count()} service requests, "
        f"{ServiceEvent.objects.count()} events in the database"
    )


def _load_losses(args, lap):
    """Raise the loss warnings and move a share of them on (module docstring)."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Count, Max

    from crm.audit import system_actor
    from customers.actions.losses import detect_losses
    from customers.models import LossMeasure, LossRecord

    started = time.perf_counter()
    vendor = connection.vendor
    assert sorted(f.column for f in LossRecord._meta.concrete_fields) == sorted(LOSS_RECORD_COLUMNS)
    assert sorted(f.column for f in LossMeasure._meta.concrete_fields) == sorted(LOSS_MEASURE_COLUMNS)
    manager_ids, supervisor_id = _users(args.managers or max(2, _bench_manager_count()))
    if not LossRecord.objects.filter(status__in=LossRecord.OPEN).exists():
        found = detect_losses(actor=system_actor())
        lap(f"detect_losses: {found.raised} warnings raised")
    rng = random.Random(args.seed + 3)
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    now = dt.datetime.now(tz)
    today = now.date()

    def moment(day, low=9, high=18):
        """A moment of ``day`` (moved back to Friday from a weekend) between ``low`` and ``high`` o'clock."""
        day -= dt.timedelta(days=max(0, day.weekday() - 4))
        return dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(hours=rng.uniform(low, high))

    def stamp(value):
        return _fmt_time(value, vendor) if value is not None else None

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, customer_id, account_manager_id, last_order_date FROM customers_lossrecord "
            "WHERE status = 'warning' ORDER BY id"
        )
        warnings = cursor.fetchall()
    base = LossRecord.objects.aggregate(m=Max("id"))["m"] or 0
    measure_base = LossMeasure.objects.aggregate(m=Max("id"))["m"] or 0
    moved, records, measures = [], [], []
    counts = dict.fromkeys(("postponed", "confirmed", "recovered"), 0)
    for old_id, customer, manager, last_order in warnings:
        draw = rng.random()
        if draw >= 0.22:
            continue
        status = "postponed" if draw < 0.15 else "confirmed" if draw < 0.19 else "recovered"
        counts[status] += 1
        moved.append(old_id)
        pk = base + len(records) + 1
        # Raised by the daily run at 06:00; the steps on working days after it, before now.
        raised_day = today - dt.timedelta(days=rng.randint(7, LOSS_DAYS))
        raised = dt.datetime.combine(raised_day, dt.time(6), tzinfo=tz)
        actor = manager if manager in manager_ids and rng.random() < 0.85 else supervisor_id
        steps = rng.randint(1, 3) if status == "postponed" else rng.choice((0, 0, 1, 2))
        last = raised
        for _ in range(steps):
            span = max(1, (today - last.date()).days // 2)
            at = moment(last.date() + dt.timedelta(days=rng.randint(1, span)))
            if not last < at < now:
                at = last + (now - last) * rng.uniform(0.2, 0.6)
            last = at
            measures.append((measure_base + len(measures) + 1, pk, rng.choice(LOSS_MEASURES), actor, stamp(at)))
        reason, confirmed_at, confirmed_by, recovered_on = "", None, None, None
        if status == "confirmed":
            at = moment(last.date() + dt.timedelta(days=rng.randint(1, max(1, (today - last.date()).days))))
            last = confirmed_at = at if last < at < now else last + (now - last) * rng.uniform(0.3, 0.9)
            reason, confirmed_by = rng.choice(LOSS_REASONS), actor
        elif status == "recovered":
            recovered_on = last.date() + dt.timedelta(days=rng.randint(0, max(0, (today - last.date()).days - 1)))
            # The import that recovered it ran that evening (or now, for an order of today).
            evening = dt.datetime.combine(recovered_on, dt.time(19), tzinfo=tz) + dt.timedelta(hours=rng.random() * 2)
            last = min(max(evening, last), now)
            recovered_on = recovered_on.isoformat()
        records.append(
            (
                pk, customer, manager, last_order, status, reason, stamp(raised), stamp(confirmed_at),
                confirmed_by, recovered_on, stamp(last),
            )
        )  # fmt: skip
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    lap(f"{len(warnings)} warnings read; {summary}, {len(measures)} measures generated")
    if not records:
        return

    # The moved-on warnings go; they come back as the records they became.
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(moved), CHUNK):
            chunk = moved[start : start + CHUNK]
            cursor.execute(f"DELETE FROM customers_lossrecord WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
    lap(f"{len(moved)} warnings deleted")
    _bulk_load(
        args,
        lap,
        "loss records and measures",
        [(LossRecord, LOSS_RECORD_COLUMNS, records), (LossMeasure, LOSS_MEASURE_COLUMNS, measures)],
    )
    # Their customers as the steps left them: lost, or with the recovering order's date.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET status = 'lost' WHERE status = 'active' AND id IN "
            "(SELECT customer_id FROM customers_lossrecord WHERE status = 'confirmed')"
        )
        lost = cursor.rowcount
        cursor.execute(
            "UPDATE customers_customer SET last_order_date = (SELECT MAX(r.recovered_on) FROM customers_lossrecord r "
            "WHERE r.customer_id = customers_customer.id AND r.status = 'recovered') "
            "WHERE id IN (SELECT customer_id FROM customers_lossrecord WHERE status = 'recovered') "
            "AND (last_order_date IS NULL OR last_order_date < (SELECT MAX(r.recovered_on) FROM customers_lossrecord r "
            "WHERE r.customer_id = customers_customer.id AND r.status = 'recovered'))"
        )
        recovered = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE customers_customer" if vendor == "postgresql" else "ANALYZE")
    lap(f"customers: {lost} lost, {recovered} with the recovering order's date")
    by_status = dict(LossRecord.objects.order_by().values_list("status").annotate(n=Count("pk")))
    measured = LossMeasure.objects.count()
    print(f"done in {time.perf_counter() - started:.1f} s: loss records {by_status}, {measured} measures")


ORDER_COLUMNS = ["id", "order_no", "order_date", "delivery_address", "status", "customer_id"]
LINE_COLUMNS = ["id", "line_no", "quantity", "unit", "unit_price", "order_id", "product_id"]
PRODUCT_NAMES = ["工业级路由器", "千兆交换机", "万兆交换机", "无线接入点", "防火墙", "超五类网线", "六类网线",
                 "光纤跳线", "光模块", "机柜", "配线架", "不间断电源", "网络存储", "服务器", "监控摄像机",
                 "硬盘录像机"]  # fmt: skip
PRODUCT_UNITS = ["台", "箱", "个", "套", "卷", "根"]
QUANTITIES = [1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 24, 50, 100]
QUANTITY_WEIGHTS = cumulative([30, 18, 10, 8, 8, 4, 4, 6, 3, 3, 2, 2, 2])
ORDER_CHUNK = 100_000  # orders per COPY (with their lines, about 600,000)


def _line_counts(rng, orders, lines):
    """Lines per order: 1 to about twice the mean each, ``lines`` in all."""
    high = max(1, min(100, round(2 * lines / orders - 1)))
    counts = [rng.randint(1, high) for _ in range(orders)]
    excess = sum(counts) - lines
    while excess:
        n = rng.randrange(orders)
        if excess > 0 and counts[n] > 1:
            counts[n] -= 1
            excess -= 1
        elif excess < 0 and counts[n] < 100:
            counts[n] += 1
            excess += 1
    return counts


def _order_products(count):
    """``count`` products (network equipment) through the ORM: a catalogue for the orders."""
    from sales.models import Product

    rng = random.Random(11)
    Product.objects.bulk_create(
        [
            Product(
                code=f"SP{n:06d}",
                name=f"{rng.choice(PRODUCT_NAMES)}{n % 97 + 1:02d}",
                model=f"M-{n:05d}",
                batch=f"{2024 + n % 3}A",
                unit=rng.choice(PRODUCT_UNITS),
                price=f"{rng.lognormvariate(6.5, 1.3):.2f}",
            )
            for n in range(1, count + 1)
        ],
        batch_size=1000,
    )


def _load_orders(args, lap):
    """Add ``--orders`` orders with ``--order-lines`` lines and fill the month totals (module docstring)."""
    from django.conf import settings
    from django.db import connection, transaction

    from sales.models import Order, OrderLine, Product

    started = time.perf_counter()
    vendor = connection.vendor
    assert sorted(f.column for f in Order._meta.concrete_fields) == sorted(ORDER_COLUMNS)
    assert sorted(f.column for f in OrderLine._meta.concrete_fields) == sorted(LINE_COLUMNS)
    tables = ["sales_orderline", "sales_order"]
    if "sales_customermonthtotal" in connection.introspection.table_names():
        tables.append("sales_customermonthtotal")
    if args.replace_orders:
        with transaction.atomic(), connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute(f"TRUNCATE {', '.join(tables)}")
            else:
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our table names
        lap("order tables emptied")
    if Order.objects.exists():
        raise SystemExit(
            "sales_order has rows: --orders loads into empty order tables (--replace-orders empties them)."
        )
    if not Product.objects.exists():
        _order_products(args.products)
        lap(f"{args.products} products made")
    products = list(Product.objects.order_by("id").values_list("id", "unit", "price"))
    product_weights = zipf(len(products), 0.8)

    rng = random.Random(args.seed + 4)
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = dt.datetime.now(tz).date()
    oldest = today - dt.timedelta(days=DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, created_at, last_order_date, address FROM customers_customer "
            "WHERE last_order_date IS NOT NULL ORDER BY id"
        )
        customers = cursor.fetchall()
    if not customers:
        raise SystemExit("No customer has a last order date: load customers first (--customers).")

    def local_day(value):
        # PostgreSQL gives aware date-times, SQLite naive UTC ones (or text).
        if not isinstance(value, dt.datetime):
            value = dt.datetime.fromisoformat(str(value))
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(tz).date()

    def day(value):
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

    if args.orders < len(customers):
        print(f"  {args.orders} orders for {len(customers)} customers with a last order date: a sample gets one each")
        customers = sorted(rng.sample(customers, args.orders))
    lap(f"{len(customers)} customers with a last order date read")

    # Each customer's last order on its last order date; the rest by a Pareto weight, on days
    # between its entry (at most three years ago) and that date.
    windows = []
    for pk, created, last, address in customers:
        last = day(last)
        first = min(last, max(oldest, local_day(created)))
        windows.append((pk, first, (last - first).days, address))
    orders = [(first + dt.timedelta(days=span), pk, address) for pk, first, span, address in windows]
    weights = cumulative(min(rng.paretovariate(1.2), 400.0) for _ in windows)
    for pk, first, span, address in rng.choices(windows, cum_weights=weights, k=args.orders - len(orders)):
        orders.append((first + dt.timedelta(days=rng.randint(0, span)), pk, address))
    orders.sort(key=lambda order: (order[0], order[1]))
    line_counts = _line_counts(rng, len(orders), args.order_lines)
    per_customer = {}
    for _day, pk, _address in orders:
        per_customer[pk] = per_customer.get(pk, 0) + 1
    busiest = sorted(per_customer.values(), reverse=True)
    lap(
        f"{len(orders)} orders planned for {len(per_customer)} customers (most {busiest[0]}, median "
        f"{busiest[len(busiest) // 2]}), {args.order_lines} lines"
    )

    streets = ["中关村大街", "世纪大道", "天河路", "深南大道", "文三路", "人民南路", "解放碑步行街", "经济开发区创业路"]
    paid_before = today - dt.timedelta(days=60)
    count = len(orders)
    with transaction.atomic(), connection.cursor() as cursor:
        rebuild = []
        if vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            if not args.keep_indexes and count >= 50_000:
                rebuild = _drop_secondary(cursor, ("sales_order", "sales_orderline"))
        line_id = sequence = 0
        previous_day = None
        for start in range(0, count, ORDER_CHUNK):
            order_rows, line_rows = [], []
            for n in range(start, min(start + ORDER_CHUNK, count)):
                order_day, customer, address = orders[n]
                sequence = sequence + 1 if order_day == previous_day else 1
                previous_day = order_day
                pk = n + 1
                if rng.random() < 0.2 or not address:
                    address = f"{rng.choice(streets)}{rng.randint(1, 999)}号"
                status = "paid" if order_day < paid_before or rng.random() < 0.5 else "unpaid"
                order_rows.append(
                    (pk, f"SO{order_day:%Y%m%d}{sequence:05d}", order_day.isoformat(), address, status, customer)
                )
                lines = line_counts[n]
                picked = rng.choices(products, cum_weights=product_weights, k=lines)
                quantities = rng.choices(QUANTITIES, cum_weights=QUANTITY_WEIGHTS, k=lines)
                for line_no, ((product, unit, price), quantity) in enumerate(zip(picked, quantities, strict=True), 1):
                    line_id += 1
                    unit_price = f"{float(price) * (1 - 0.15 * rng.random()):.2f}"
                    line_rows.append((line_id, line_no, quantity, unit, unit_price, pk, product))
            for table, columns, rows in (
                ("sales_order", ORDER_COLUMNS, order_rows),
                ("sales_orderline", LINE_COLUMNS, line_rows),
            ):
                if vendor == "postgresql":
                    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                    _copy_in(cursor, sql, _copy_text(rows))
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            done = start + len(order_rows)
            if done % 500_000 < ORDER_CHUNK or done == count:
                print(f"    {done} orders, {line_id} lines loaded ({time.perf_counter() - started:.0f} s)", flush=True)
        lap("orders and lines generated and loaded")
        for statement in rebuild:
            cursor.execute(statement)
        if rebuild:
            lap(f"{len(rebuild)} indexes and foreign keys rebuilt")
        for statement in connection.ops.sequence_reset_sql(_no_style(), [Order, OrderLine]):
            cursor.execute(statement)
        # The customers' last order dates as the orders have them (nothing to do when every
        # customer with a date got its last order on it).
        cursor.execute(
            "UPDATE customers_customer SET last_order_date = m.last_day "
            "FROM (SELECT customer_id, MAX(order_date) AS last_day FROM sales_order GROUP BY customer_id) m "
            "WHERE customers_customer.id = m.customer_id "
            "AND (customers_customer.last_order_date IS NULL OR customers_customer.last_order_date <> m.last_day)"
        )
        moved = cursor.rowcount
    lap(f"committed; {moved} customers' last order dates set from their orders")

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE sales_order")
            cursor.execute("VACUUM ANALYZE sales_orderline")
        else:
            cursor.execute("ANALYZE")
    lap("vacuum/analyze")
    _fill_month_totals(lap)
    print(
        f"done in {time.perf_counter() - started:.1f} s: {Order.objects.count()} orders, "
        f"{OrderLine.objects.count()} order lines, {Product.objects.count()} products in the database"
    )


def _fill_month_totals(lap):
    """Fill sales_customermonthtotal from the orders with the import's own recompute (everything:
    one DELETE and one INSERT…SELECT), then compact and analyse it."""
    from django.db import connection

    if "sales_customermonthtotal" not in connection.introspection.table_names():
        print("  sales_customermonthtotal is missing (migrate, then --month-totals): the month totals are not filled")
        return
    from sales.actions import refresh_customer_totals

    refresh_customer_totals()
    lap("month totals filled (sales.actions.refresh_customer_totals)")
    with connection.cursor() as cursor:
        # The recompute deleted every row it found (those of the data migration, say) before
        # inserting: FULL gives the table back its own size, as a first fill leaves it.
        cursor.execute(
            "VACUUM FULL ANALYZE sales_customermonthtotal" if connection.vendor == "postgresql" else "ANALYZE"
        )
        cursor.execute("SELECT COUNT(*) FROM sales_customermonthtotal")
        totals = cursor.fetchone()[0]
    lap(f"{totals} month totals; vacuum full/analyze")


def _heavy_manager(args, lap):
    """Give bench_heavy_am (made when missing) ``--heavy-manager`` customers in all, moved from the
    other managers with the transfer action, 500 at a time."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from crm.actions import create_user
    from crm.roles import ACCOUNT_MANAGER
    from customers.actions import transfer_customers
    from customers.models import Customer

    User = get_user_model()
    heavy = User.objects.filter(username="bench_heavy_am").first()
    if heavy is None:
        heavy = create_user(
            username="bench_heavy_am", password=None, full_name="基准大客户经理", roles=[ACCOUNT_MANAGER]
        )
    actor = User.objects.filter(username="bench_transfer").first()
    if actor is None:
        actor = User.objects.create_superuser("bench_transfer", password=None)
    have = Customer.objects.filter(account_manager=heavy).count()
    wanted = args.heavy_manager - have
    if wanted <= 0:
        print(f"bench_heavy_am already manages {have:,} customers", flush=True)
        return
    others = Customer.objects.filter(account_manager__isnull=False).exclude(account_manager=heavy)
    pks = list(others.values_list("pk", flat=True))
    chosen = sorted(random.Random(args.seed).sample(pks, min(wanted, len(pks))))
    for start in range(0, len(chosen), 500):
        with transaction.atomic():
            transfer_customers(
                actor=actor,
                customers=Customer.objects.filter(pk__in=chosen[start : start + 500]),
                to_manager=heavy,
                filters={"to": "bench_heavy_am"},
            )
    lap(f"bench_heavy_am given {len(chosen):,} customers ({have + len(chosen):,} in all)")
    if connection.vendor == "postgresql":
        # As autovacuum would soon: until the moved rows are marked all-visible, the scope's
        # index-only scans fetch each of them from the table (the heavy manager's pages +20 ms).
        with connection.cursor() as cursor:
            for table in ("customers_customer", "customers_customeruserobjectpermission"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        lap("vacuum/analyze")


def _bench_manager_count():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username__startswith="bench_am_").count()


def _copy_in(cursor, sql, text):
    """COPY ... FROM STDIN of ``text`` (rows in COPY's text format) through psycopg's own cursor
    under Django's ``cursor``."""
    with cursor.cursor.copy(sql) as copy:
        copy.write(text)


def _no_style():
    from django.core.management.color import no_style

    return no_style()


if __name__ == "__main__":
    main()
