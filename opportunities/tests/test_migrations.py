"""Migration 0005 fills the search bigrams of the opportunities that exist before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from opportunities.models import Opportunity
from opportunities.search import search_bigrams
from opportunities.tests.factories import make_opportunity


@pytest.fixture
def migrator():
    """A migration executor; every app is migrated forward again after the test."""
    executor = MigrationExecutor(connection)
    yield executor
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_migration_0005_fills_the_bigrams_of_every_existing_opportunity(manager_ann, migrator, monkeypatch):
    made = [
        make_opportunity(manager_ann, title=f"年度采购{n}", customer_name=f"重庆曾记物流{n}", contact_name="李娜")
        for n in range(5)
    ]
    Opportunity.objects.update(search_bigrams="")
    migration = __import__("opportunities.migrations.0005_search_bigrams", fromlist=["BATCH"])
    monkeypatch.setattr(migration, "BATCH", 2)  # three batches, the last one short
    migrator.migrate([("opportunities", "0004_owner_status_indexes")])
    migrator.loader.build_graph()
    migrator.migrate([("opportunities", "0005_search_bigrams")])
    for opportunity in Opportunity.objects.filter(pk__in=[each.pk for each in made]):
        assert opportunity.search_bigrams == search_bigrams(opportunity) != ""
        assert {"采购", "曾记", "李娜"} <= set(opportunity.search_bigrams.split())
