import pytest

from crm.testing.matrix import SIGNED_IN, all_url_names, check_row, project_matrix, row_id, table
from crm.testing.world import fresh, make_personas, shared_world

MATRIX = table(
    """
                                                 anonymous admin sue ann bob vic sam
    GET   dashboard                                 302    200  200 200 200 200 200
    GET   login                                     200    302  302 302 302 302 302
    POST  logout                                    302    302  302 302 302 302 302
    GET   password_change                           302    200  200 200 200 200 200
    GET   password_change_done                      302    200  200 200 200 200 200
    POST  set_language         English              302    302  302 302 302 302 302
    GET   audit                                     302    200  403 403 403 403 200
    """,
    targets={"English": {"data": {"language": "en"}}},
)


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    # Built once for the module; each row's writes are rolled back (crm.testing.world).
    yield from shared_world(make_personas, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return fresh(built_world)


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_core_permission_matrix(client, world, row):
    assert check_row(client, row, world) == row.expected


def test_every_url_has_a_row_in_a_permission_matrix():
    covered = {row.url_name for row in project_matrix()}
    missing = sorted(all_url_names() - covered)
    assert not missing, f"URLs without permission matrix rows: {missing}"


def test_anonymous_users_are_redirected_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/audit/")


def test_matrix_rows_name_known_personas():
    # A typo in a persona name would silently test nothing.
    assert {row.persona for row in project_matrix()} <= {"anonymous", *SIGNED_IN}
