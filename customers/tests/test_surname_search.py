"""A polyphonic surname is read as a surname where a company's brand starts: at the start of its
name, or after the place names it starts with (issue 10: 重庆曾记物流 was not found by ``zengji``
nor ``cqzj``, 苏州单氏贸易 not by ``shanshi``). Both readings stay searchable."""

import importlib
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import demo
from customers.models import Customer
from customers.pinyin import PLACES, brand_start, pinyin_keys
from customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db

LIST = reverse("customers:list")
recomputing = importlib.import_module("customers.migrations.0007_recompute_pinyin_keys")


def found(client, user, text):
    """The names the customer list shows for the search ``text``."""
    client.force_login(user)
    response = client.get(LIST, {"q": text})
    assert response.status_code == 200
    return {row.record.name for row in response.context["table"].page.object_list}


@pytest.fixture
def named(manager_ann):
    names = [
        "重庆曾记物流有限公司",
        "苏州单氏贸易有限责任公司",
        "广东省深圳市曾记科技有限公司",
        "（天津）解氏电子有限公司",
        "北京鑫达科技有限公司",
        "重庆解放碑商贸有限公司",
    ]
    for name in names:
        make_customer(manager_ann, name=name)
    return names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zengji", {"重庆曾记物流有限公司", "广东省深圳市曾记科技有限公司"}),
        ("cengji", {"重庆曾记物流有限公司", "广东省深圳市曾记科技有限公司"}),
        ("cqzj", {"重庆曾记物流有限公司"}),
        ("cqcj", {"重庆曾记物流有限公司"}),
        ("chongqingzengji", {"重庆曾记物流有限公司"}),
        ("shanshi", {"苏州单氏贸易有限责任公司"}),
        ("danshi", {"苏州单氏贸易有限责任公司"}),
        ("szss", {"苏州单氏贸易有限责任公司"}),
        ("suzhoushanshi", {"苏州单氏贸易有限责任公司"}),
        ("gdsszszj", {"广东省深圳市曾记科技有限公司"}),
        ("tjxs", {"（天津）解氏电子有限公司"}),
        ("xieshi", {"（天津）解氏电子有限公司"}),
        ("jieshi", {"（天津）解氏电子有限公司"}),
        # The place reading stays: 重庆 is chongqing, not zhongqing.
        ("zhongqing", set()),
        ("bjxd", {"北京鑫达科技有限公司"}),
    ],
)
def test_a_surname_after_a_place_name_is_found_by_either_reading_in_the_list(
    client, named, manager_ann, text, expected
):
    assert found(client, manager_ann, text) == expected


def test_every_demo_customer_of_a_surname_brand_is_found_by_its_surname_reading(client, supervisor_sue):
    # The demo's own names, as `make run` makes them: city + brand + trade + legal form.
    call_command("seed_demo", customers=0, stdout=io.StringIO())
    demo.seed(stdout=io.StringIO(), options={"customers": 60})
    checks = {"曾记": ("zengji", "zj"), "单氏": ("shanshi", "ss")}
    cities = {city: pinyin_keys(city) for city, *_rest in demo.CITIES}
    seen = set()
    for customer in Customer.objects.all():
        for brand, (reading, initials) in checks.items():
            city = next((c for c in cities if customer.name.startswith(c + brand)), None)
            if city is None:
                continue
            seen.add(brand)
            city_full, city_initials = cities[city]
            for text in (reading, city_full + reading, city_initials + initials):
                assert customer.name in found(client, supervisor_sue, text), (customer.name, text)
    assert seen == set(checks), "the demo no longer has a customer of each surname brand"
    assert {city for city, *_rest in demo.CITIES} <= set(PLACES)


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("重庆曾记物流有限公司", 2),
        ("重庆市曾记物流有限公司", 3),
        ("广东省深圳市曾记科技有限公司", 6),
        ("广西壮族自治区南宁市单氏贸易", 10),
        ("（苏州）单氏贸易有限公司", 4),
        ("曾记餐饮有限公司", 0),
        ("鑫达（北京）科技有限公司", 0),
        ("长城电子有限公司", 0),  # a brand, not 长春 or 长沙
    ],
)
def test_the_brand_starts_after_the_place_names_a_company_name_starts_with(name, start):
    assert brand_start(name) == start


def test_pypinyins_reading_sorts_a_company_and_the_surname_reading_follows():
    assert pinyin_keys("重庆曾记物流有限公司") == (
        "chongqingcengjiwuliuyouxiangongsi chongqingzengjiwuliuyouxiangongsi",
        "cqcjwlyxgs cqzjwlyxgs",
    )


def test_a_name_without_a_surname_at_its_brand_start_has_one_reading():
    assert pinyin_keys("北京鑫达科技有限公司") == ("beijingxindakejiyouxiangongsi", "bjxdkjyxgs")
    assert pinyin_keys("重庆鑫达曾记有限公司") == ("chongqingxindacengjiyouxiangongsi", "cqxdcjyxgs")
    assert pinyin_keys("重庆市") == ("chongqingshi", "cqs")


def test_a_persons_name_takes_the_surname_reading_at_its_start_only():
    assert pinyin_keys("曾伟", person=True) == ("zengwei cengwei", "zw cw")
    assert pinyin_keys("重庆曾", person=True) == ("chongqingceng", "cqc")


# The data migration


@pytest.fixture
def migrator():
    """A migration executor; whatever the test migrates back, every app is migrated forward again
    after it (migrating customers back unapplies the apps that depend on it, opportunities)."""
    executor = MigrationExecutor(connection)
    yield executor
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_recomputes_stored_keys_in_batches_and_a_second_run_writes_nothing(
    manager_ann, monkeypatch, migrator
):
    # Keys as the earlier code stored them: the surname reading only at the start of a name.
    earlier = {
        "重庆曾记物流有限公司": ("chongqingcengjiwuliuyouxiangongsi", "cqcjwlyxgs"),
        "苏州单氏贸易有限公司": ("suzhoudanshimaoyiyouxiangongsi", "szdsmyyxgs"),
        "北京鑫达科技有限公司": ("beijingxindakejiyouxiangongsi", "bjxdkjyxgs"),
        "上海华信有限公司": ("shanghaihuaxinyouxiangongsi", "shhxyxgs"),
        "曾记餐饮有限公司": ("cengjicanyinyouxiangongsi zengjicanyinyouxiangongsi", "cjcyyxgs zjcyyxgs"),
        "天津单氏电子有限公司": ("tianjindanshidianziyouxiangongsi", "tjdsdzyxgs"),
    }
    customers = {name: make_customer(manager_ann, name=name) for name in earlier}
    customers["上海华信有限公司"].delete()  # a hard delete leaves a gap in the primary keys
    in_bin = customers["天津单氏电子有限公司"]
    Customer.objects.filter(pk=in_bin.pk).update(deleted_at="2026-01-01T00:00:00Z")  # the recycle bin's too
    for name, (full, initials) in earlier.items():
        Customer.all_objects.filter(name=name).update(name_pinyin=full, name_initials=initials)
    monkeypatch.setattr(recomputing, "BATCH_SIZE", 2)
    executor = migrator
    executor.migrate([("customers", "0006_reconcile_search_indexes")])
    executor.loader.build_graph()
    with CaptureQueriesContext(connection) as queries:
        executor.migrate([("customers", "0007_recompute_pinyin_keys")])
    for customer in Customer.all_objects.all():
        assert (customer.name_pinyin, customer.name_initials) == pinyin_keys(customer.name), customer.name
    assert Customer.all_objects.get(pk=in_bin.pk).name_initials == "tjdsdzyxgs tjssdzyxgs"
    statements = [query["sql"] for query in queries.captured_queries if "customers_customer" in query["sql"]]
    reads = [sql for sql in statements if sql.startswith("SELECT")]
    writes = [sql for sql in statements if sql.startswith("UPDATE")]
    # Four names hold a surname character: two batches of two, and the empty one that ends the walk.
    assert len(reads) == 3
    assert len(writes) == 2  # one bulk update per batch with a stale row (曾记餐饮 is current)
    # Run again (as after an interrupted run): nothing to write.
    executor.loader.build_graph()
    executor.migrate([("customers", "0006_reconcile_search_indexes")])
    executor.loader.build_graph()
    with CaptureQueriesContext(connection) as queries:
        executor.migrate([("customers", "0007_recompute_pinyin_keys")])
    assert not [query for query in queries.captured_queries if query["sql"].startswith('UPDATE "customers_customer"')]


@pytest.mark.django_db(transaction=True)
def test_every_app_is_migrated_again_after_the_migration_test():
    # Runs after the test above in this module: the tables of apps that depend on customers exist.
    from opportunities.models import Opportunity

    assert Opportunity.objects.count() == 0
