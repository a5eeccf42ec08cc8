"""The paged analyses' rows, drawn in Python (reports.tables): every column has its cell, the cells
read as django-tables2 drew them (links, figures right-aligned and grouped, "—" for nothing), and
the export reads the same tables' values (numbers as numbers)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse
from django_tables2 import RequestConfig

from customers.models import Customer, LossRecord
from reports.tables import ContributionTable, LossesTable


def rows_of(table):
    RequestConfig(RequestFactory().get("/"), paginate=False).configure(table)
    return [re.findall(r'<td(?: class="([^"]*)")?>(.*?)</td>', row) for row in str(table.body_rows()).split("\n")]


@pytest.mark.parametrize("table", [ContributionTable([], total=0), LossesTable([])])
def test_every_column_has_its_cell(table):
    assert list(table.cell_renderers()) == [column.name for column in table.columns]


def test_a_contribution_row_links_the_customer_and_right_aligns_its_figures():
    rows = [{"code": "KH2026", "name": "安诚<贸易>", "orders": 1204, "amount": Decimal("815585.95")}]
    table = ContributionTable(rows, total=Decimal("1631171.90"))
    assert rows_of(table) == [
        [
            ("text-nowrap", "KH2026"),
            ("", f'<a href="{reverse("customers:detail", kwargs={"code": "KH2026"})}">安诚&lt;贸易&gt;</a>'),
            ("text-end text-nowrap", "1,204"),
            ("text-end text-nowrap", "815,585.95"),
            ("text-end text-nowrap", "50.00%"),
        ]
    ]
    # The export's values are the same table's, numbers as numbers.
    assert list(table.as_values())[1] == ["KH2026", "安诚<贸易>", 1204, Decimal("815585.95"), 50.0]


def test_a_loss_row_links_the_loss_and_marks_what_is_missing():
    confirmed = dt.datetime(2026, 3, 9, 12, tzinfo=dt.UTC)
    manager = get_user_model()(username="ann", first_name="安", last_name="")
    losses = [
        LossRecord(pk=7, customer=Customer(code="KH7", name="昌盛"), account_manager=manager, confirmed_at=confirmed),
        LossRecord(
            pk=8,
            customer=Customer(code="KH8", name="博远"),
            account_manager=get_user_model()(username="bob"),
            reason="改用<别家>",
            confirmed_at=confirmed,
        ),
    ]
    link = reverse("customers:loss_detail", kwargs={"pk": 7}).replace("7", "{}")
    assert rows_of(LossesTable(losses)) == [
        [
            ("text-nowrap", "2026"),
            ("text-nowrap", "2026-03-09"),
            ("text-nowrap", "KH7"),
            ("", f'<a href="{link.format(7)}">昌盛</a>'),
            ("", "安"),
            ("", "—"),
        ],
        [
            ("text-nowrap", "2026"),
            ("text-nowrap", "2026-03-09"),
            ("text-nowrap", "KH8"),
            ("", f'<a href="{link.format(8)}">博远</a>'),
            ("", "bob"),
            ("", '<span class="text-break">改用&lt;别家&gt;</span>'),
        ],
    ]
