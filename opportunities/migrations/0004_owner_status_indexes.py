"""Indexes for an account manager's opportunities of one status, newest first: the board's columns
(opportunities.selectors.board_column) and the list filtered by status, read by creator and by
assignee (crm.access owner fields).

Without them PostgreSQL walked ``opportunity_status_idx`` for, say, every terminated opportunity
(55,000 of 100,000) until it had found twenty of the manager's: 14 ms for each closed column of
their board. With them it reads the manager's few hundred of that status from the two indexes
(BitmapOr): under 1 ms; the list's two owner branches read them in order without a sort.
Kept out of the model's Meta like 0003's (RunPython), so the model state is unchanged; both
database vendors get them.
"""

from django.db import migrations

TABLE = "opportunities_opportunity"
INDEXES = [
    ("opportunity_creator_status_idx", "(created_by_id, status, created_at DESC, id DESC)"),
    ("opportunity_assignee_status_idx", "(assigned_to_id, status, created_at DESC, id DESC)"),
]


def create(apps, schema_editor):
    for name, columns in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} {columns}")


def drop(apps, schema_editor):
    for name, _columns in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0003_search_indexes")]

    operations = [migrations.RunPython(create, drop)]
