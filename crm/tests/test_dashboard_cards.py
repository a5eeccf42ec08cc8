"""The dashboard's card registry (crm.dashboard): apps contribute cards without the core importing
them; a card's function decides, per request, whether it shows and with what."""

import pytest
from django.contrib.auth import get_user_model

from crm import dashboard
from crm.dashboard import card, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_cards(settings, tmp_path):
    """Two cards of a test's own, taken off the registry afterwards."""
    (tmp_path / "test_card.html").write_text('<div data-testid="test-card">{{ greeting }} {{ user.username }}</div>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    card("tests.first", template="test_card.html", order=1)(lambda request: {"greeting": "first-card"})
    card("tests.hidden", template="test_card.html", order=2)(lambda request: None)
    yield
    for name in ("tests.first", "tests.hidden"):
        dashboard._cards.pop(name, None)


def test_the_apps_cards_are_found_in_their_dashboard_modules():
    names = [each.name for each in registered()]
    assert names.index("customers.summary") < names.index("customers.follow_ups")


def test_a_card_shows_in_its_order_and_one_returning_none_is_left_out(client, manager_ann, test_cards):
    client.force_login(manager_ann)
    html = client.get("/").content.decode()
    assert html.count('data-testid="test-card"') == 1
    assert "first-card manager_ann" in html
    assert html.index("first-card") < html.index('data-testid="dashboard-summary"')


def test_a_user_without_the_customers_module_gets_no_customer_cards(client, roles):
    nobody = get_user_model().objects.create_user("nobody", password="x")  # noqa: S106
    client.force_login(nobody)
    html = client.get("/").content.decode()
    assert 'data-testid="dashboard"' in html
    assert 'data-testid="dashboard-summary"' not in html and 'data-testid="follow-ups"' not in html
