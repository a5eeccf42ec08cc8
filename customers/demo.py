"""Realistic Chinese demo customers, contacts and activities, spread over the account managers."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from crm.dictionary import active_entries
from crm.models import DictionaryEntry
from customers import actions, selectors
from customers.models import Activity, Contact, Customer

CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "成都",
    "武汉",
    "天津",
    "重庆",
    "苏州",
    "青岛",
    "厦门",
    "郑州",
]
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
    regions = list(active_entries(DictionaryEntry.Category.REGION))
    rng = random.Random(20261124 + existing)
    now = timezone.now()
    for index in range(existing, wanted):
        city = CITIES[index % len(CITIES)]
        name = f"{city}{rng.choice(BRANDS)}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        if Customer.all_objects.filter(name=name).exists():
            name = f"{city}{rng.choice(BRANDS)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
        manager = managers[index % len(managers)]
        customer = Customer(
            name=name,
            region=rng.choice(regions),
            account_manager=manager,
            level=rng.choice([1, 1, 1, 2, 2, 3, 4, 5]),
            satisfaction=rng.randint(2, 5),
            credit=rng.randint(2, 5),
            address=f"{city}市{rng.choice(['朝阳', '海淀', '浦东', '天河', '南山', '西湖'])}区{rng.randint(1, 300)}号",
            postcode=f"{rng.randint(100000, 850000)}",
            phone=f"0{rng.choice(['10', '21', '20', '755', '571', '25', '28'])}-{rng.randint(60000000, 89999999)}",
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
        for number in range(rng.randint(0, 4)):
            title, detail = rng.choice(TOPICS)
            occurred = now - timedelta(days=rng.randint(1, 400), hours=rng.randint(0, 8))
            follow_up = (
                (now + timedelta(days=rng.randint(1, 30))).date() if number == 0 and rng.random() < 0.4 else None
            )
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
    stdout.write(f"Customers: {wanted - existing} created ({wanted} in all).")
