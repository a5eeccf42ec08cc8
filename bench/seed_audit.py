"""Audit log rows for the benchmark (bench/seed.py ``--audit N``): what three years of work leave in
django-auditlog's table, loaded with COPY.

The rows are spread evenly over the last three years (working hours, China time), ids in time
order as an append-only log has them: customers changed (60 %: a field or two; created; sent to
the recycle bin; a few deleted), contacts, activities and shares (the grant rows), opportunities,
plan items, service requests and their events, logins and logouts, and now and then an export,
transfer or import summary row. A customer's rows name a real customer (so its 360° page's
history panel has some, about ten each at 20,000,000 rows) and mostly its own account manager as
the actor; the changes are JSON as auditlog writes them ({"field": ["old", "new"]}, "None" for
nothing) and additional_data keeps the actor's name as crm.audit does.

PostgreSQL only (COPY); the table's secondary indexes and foreign keys are dropped and rebuilt
when the load is at least as big as the table, all in one transaction, then VACUUM ANALYZE.
"""

import datetime as dt
import json
import multiprocessing
import random
import time
from dataclasses import dataclass

COLUMNS = [
    "object_pk", "object_id", "object_repr", "action", "changes", "timestamp", "actor_id", "content_type_id",
    "remote_addr", "additional_data", "changes_text", "actor_email",
]  # fmt: skip
BATCH = 50_000
COMMIT_BATCHES = 20  # with the indexes kept: a commit per million rows
YEARS_DAYS = 3 * 365
CREATE, UPDATE, DELETE, ACCESS = 0, 1, 2, 3
CHINA = dt.timezone(dt.timedelta(hours=8))

STREETS = ["人民路", "解放路", "中山路", "建设大道", "科技园路", "长江路", "新华街", "工业园区", "滨江路", "和平路"]
POSITIONS = ["采购经理", "总经理", "财务主管", "网络管理员", "行政主管", "技术总监", "办公室主任"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
ACTIVITY_TEXTS = ["电话回访", "上门拜访", "发送报价单", "邀请参加展会", "节日问候", "技术交流"]
SERVICE_TITLES = ["咨询发票开具流程", "设备安装后网络频繁中断", "建议开通微信订单查询", "维修后故障再次出现"]
OPPORTUNITY_TITLES = ["网络改造", "设备采购", "系统升级", "机房建设", "安防监控", "云平台迁移"]


@dataclass
class AuditPlan:
    seed: int
    total: int
    start: dt.datetime  # UTC, three years ago at midnight
    content_types: dict  # label -> id
    actors: list  # (id, username, full name); the last one is the supervisor
    managers: list  # account_manager_id of customer id - 1 (ids 1..len)
    customer_max: int
    contact_max: int
    other_max: dict  # label -> highest id there (at least 1)


_plan = None


def _init(plan):
    global _plan
    _plan = plan


def _person(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng):
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _dump(value):
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _moment(index):
    """The timestamp of row ``index``: evenly over the days, between 08:30 and 18:30 China time."""
    position = index * YEARS_DAYS / _plan.total
    day = int(position)
    within = position - day
    local = _plan.start.astimezone(CHINA).replace(hour=8, minute=30) + dt.timedelta(days=day, hours=10 * within)
    return local.astimezone(dt.UTC)


def _customer_row(rng, customer, actor, index):
    kind = rng.random()
    code = f"KH{customer:08d}"
    # About one creation row a customer, in id order over the three years.
    if kind < min(0.1, _plan.customer_max / (0.6 * _plan.total)):
        customer = 1 + index * _plan.customer_max // _plan.total
        code = f"KH{customer:08d}"
        changes = {
            "id": ["None", str(customer)],
            "code": ["None", code],
            "name": ["None", f"客户{customer}"],
            "level": ["None", str(rng.randint(1, 5))],
            "status": ["None", "active"],
            "phone": ["None", _phone(rng)],
            "address": ["None", rng.choice(STREETS) + f"{rng.randint(1, 999)}号"],
            "account_manager": ["None", str(_plan.managers[customer - 1] or "None")],
        }
        return customer, CREATE, changes
    if kind < 0.985:
        field = rng.random()
        if field < 0.3:
            changes = {"level": [str(rng.randint(1, 5)), str(rng.randint(1, 5))]}
        elif field < 0.5:
            changes = {"satisfaction": [str(rng.randint(1, 5)), str(rng.randint(1, 5))]}
        elif field < 0.7:
            changes = {"phone": [_phone(rng), _phone(rng)]}
        elif field < 0.85:
            changes = {"address": [rng.choice(STREETS), rng.choice(STREETS) + f"{rng.randint(1, 999)}号"]}
        elif field < 0.95:
            changes = {"credit": ["None", str(rng.randint(1, 5))], "legal_rep": ["", _person(rng)]}
        else:
            changes = {"deleted_at": ["None", "2025-06-01 09:30:00+00:00"], "deleted_by": ["None", str(actor[0])]}
        return customer, UPDATE, changes
    changes = {"id": [str(customer), "None"], "code": [code, "None"], "name": [f"客户{customer}", "None"]}
    return customer, DELETE, changes


def build(bounds):
    """COPY text for the rows ``bounds`` = (first, end) of the load."""
    first, end = bounds
    rng = random.Random(_plan.seed * 1_000_003 + first)
    ct = _plan.content_types
    actors = _plan.actors
    supervisor = actors[-1]
    by_id = {actor[0]: actor for actor in actors}
    lines = []
    for index in range(first, end):
        moment = _moment(index).isoformat(sep=" ")
        kind = rng.random()
        customer = rng.randint(1, _plan.customer_max)
        manager = _plan.managers[customer - 1]
        actor = by_id.get(manager, supervisor) if rng.random() < 0.8 else rng.choice(actors)
        additional = {"actor": {"username": actor[1], "name": actor[2]}}
        if kind < 0.60:
            pk, action, changes = _customer_row(rng, customer, actor, index)
            model, repr_ = "customers.customer", f"客户{pk}"
        elif kind < 0.72:
            model, pk = "customers.contact", rng.randint(1, _plan.contact_max)
            repr_ = _person(rng)
            if rng.random() < 0.3:
                action = CREATE
                changes = {
                    "id": ["None", str(pk)],
                    "customer": ["None", str(customer)],
                    "name": ["None", repr_],
                    "position": ["None", rng.choice(POSITIONS)],
                    "mobile": ["None", _phone(rng)],
                }
            else:
                action, changes = UPDATE, {"mobile": [_phone(rng), _phone(rng)]}
        elif kind < 0.77:
            model, pk = "customers.activity", rng.randint(1, _plan.other_max["customers.activity"])
            repr_ = rng.choice(ACTIVITY_TEXTS)
            action = CREATE
            changes = {"id": ["None", str(pk)], "customer": ["None", str(customer)], "title": ["None", repr_]}
        elif kind < 0.80:
            label = "customers.customeruserobjectpermission"
            model, pk = label, rng.randint(1, _plan.other_max[label])
            repr_ = f"CustomerUserObjectPermission object ({pk})"
            action = rng.choice((CREATE, DELETE))
            pair = [("None", str(customer)), ("None", str(manager or actor[0]))]
            changes = {
                name: list(values if action == CREATE else values[::-1])
                for name, values in zip(("content_object", "user"), pair, strict=True)
            }
        elif kind < 0.85:
            model, pk = "opportunities.opportunity", rng.randint(1, _plan.other_max["opportunities.opportunity"])
            repr_ = rng.choice(OPPORTUNITY_TITLES)
            action = rng.choice((CREATE, UPDATE, UPDATE))
            changes = {"status": ["new", "assigned"], "assigned_to": ["None", str(actor[0])]}
        elif kind < 0.88:
            model, pk = "opportunities.planitem", rng.randint(1, _plan.other_max["opportunities.planitem"])
            repr_ = rng.choice(ACTIVITY_TEXTS)
            action, changes = UPDATE, {"result": ["", "客户有意向，约定下次沟通。"]}
        elif kind < 0.91:
            model, pk = "services.servicerequest", rng.randint(1, _plan.other_max["services.servicerequest"])
            repr_ = rng.choice(SERVICE_TITLES)
            action = rng.choice((CREATE, UPDATE))
            changes = {"status": ["assigned", "handled"], "handling": ["", "已电话回复客户，说明了处理办法。"]}
        elif kind < 0.93:
            model, pk = "services.serviceevent", rng.randint(1, _plan.other_max["services.serviceevent"])
            repr_ = "handled"
            action, changes = CREATE, {"id": ["None", str(pk)], "kind": ["None", "handled"]}
        else:
            model = "auth.user"
            event = rng.random()
            if event < 0.995:
                pk, repr_ = actor[0], actor[1]
                name = "login" if event < 0.55 else "logout"
                action, changes = ACCESS, {}
                additional = {"event": name, "username": actor[1], **additional}
            else:
                # An export, transfer or import: one summary row for many customers.
                model, pk, repr_ = "customers.customer", None, "客户"
                name = rng.choice(("export", "export", "transfer", "import"))
                action, changes = ACCESS, {}
                details = {"export": {"rows": rng.randint(1, 5000), "format": "xlsx", "filter": {}}}
                details["transfer"] = {"rows": rng.randint(1, 300), "from": actor[1], "to": supervisor[1]}
                details["import"] = {"rows": rng.randint(1, 2000), "file": "customers.xlsx"}
                additional = {"event": name, **details[name], **additional}
        lines.append(
            "\t".join(
                (
                    "" if pk is None else str(pk),
                    "\\N" if pk is None else str(pk),
                    repr_,
                    str(action),
                    _dump(changes),
                    moment,
                    str(actor[0]),
                    str(ct[model]),
                    f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                    _dump(additional),
                    "",
                    "\\N",
                )
            )
            + "\n"
        )
    return end - first, "".join(lines)


def _copy(pool, batches, cursor, sql, copy_in, total, started):
    for made, text in pool.imap(build, batches):
        copy_in(cursor, sql, text)
        _progress[0] += made
        done = _progress[0]
        if done % 1_000_000 < BATCH or done == total:
            print(f"    {done} audit rows loaded ({time.perf_counter() - started:.0f} s)", flush=True)


_progress = [0]


def load(*, total, seed, workers, keep_indexes, lap, drop_secondary, copy_in):
    """Add ``total`` audit rows (module docstring); ``drop_secondary`` and ``copy_in`` are bench/seed.py's."""
    from auditlog.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.db.models import Max

    if connection.vendor != "postgresql":
        raise SystemExit("--audit loads with COPY: PostgreSQL only")
    from django.apps import apps

    User = get_user_model()
    bench_users = User.objects.filter(username__startswith="bench_").order_by("username")
    bench = list(bench_users.values_list("pk", "username", "first_name"))
    if not bench:
        raise SystemExit("--audit needs the bench users: load customers first (--customers)")
    supervisor = [user for user in bench if user[1] == "bench_sup"]
    actors = [user for user in bench if user[1] != "bench_sup"] + supervisor
    labels = [
        "customers.customer", "customers.contact", "customers.activity", "customers.customeruserobjectpermission",
        "opportunities.opportunity", "opportunities.planitem", "services.servicerequest", "services.serviceevent",
        "auth.user",
    ]  # fmt: skip
    models = {label: apps.get_model(label) for label in labels}
    content_types = {label: ContentType.objects.get_for_model(model).pk for label, model in models.items()}
    maxima = {label: max(1, models[label].objects.aggregate(m=Max("pk"))["m"] or 0) for label in labels}
    Customer = models["customers.customer"]
    customer_max = maxima["customers.customer"]
    managers = [0] * customer_max
    for pk, manager in Customer.all_objects.values_list("pk", "account_manager_id").iterator(chunk_size=50_000):
        managers[pk - 1] = manager or 0
    lap(f"plan ({customer_max} customers, {len(actors)} actors)")
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    plan = AuditPlan(
        seed=seed,
        total=total,
        start=today - dt.timedelta(days=YEARS_DAYS),
        content_types=content_types,
        actors=actors,
        managers=managers,
        customer_max=customer_max,
        contact_max=maxima["customers.contact"],
        other_max=maxima,
    )
    existing = LogEntry.objects.count()
    rebuild_indexes = not keep_indexes and total >= max(50_000, existing)
    batches = [(start, min(start + BATCH, total)) for start in range(0, total, BATCH)]
    started = time.perf_counter()
    print(f"postgresql: adding {total} audit rows to {existing}, {workers} workers")
    connection.close()  # the workers are forked: they must not share the connection
    context = multiprocessing.get_context("fork")
    sql = f"COPY auditlog_logentry ({', '.join(COLUMNS)}) FROM STDIN"
    with context.Pool(workers, initializer=_init, initargs=(plan,)) as pool:
        if rebuild_indexes:
            # One transaction: the indexes come back whatever happens (the table is locked meanwhile).
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                cursor.execute("SET LOCAL synchronous_commit = off")
                rebuild = drop_secondary(cursor, ("auditlog_logentry",))
                _copy(pool, batches, cursor, sql, copy_in, total, started)
                lap("audit rows generated and loaded")
                for statement in rebuild:
                    cursor.execute(statement)
                lap(f"{len(rebuild)} indexes and foreign keys rebuilt")
        else:
            # Indexes kept (--keep-indexes, or a small load): a commit every million rows, so the
            # table stays usable (the app's own writes and reads go on) while it fills.
            for start in range(0, len(batches), COMMIT_BATCHES):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
                    _copy(pool, batches[start : start + COMMIT_BATCHES], cursor, sql, copy_in, total, started)
            lap("audit rows generated and loaded")
    lap("committed")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE auditlog_logentry")
    lap("vacuum/analyze")
    print(f"done in {time.perf_counter() - started:.1f} s: {LogEntry.objects.count()} audit rows in the database")
