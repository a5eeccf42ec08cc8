import pytest

from crm.testing.matrix import all_url_names, check_row, project_matrix, rows_for_all_personas

SIGNED_IN = ("admin", "supervisor_sue", "manager_ann", "manager_bob", "viewer_vic", "superuser_sam")


def _everyone(anonymous, signed_in):
    return {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, signed_in)}


MATRIX = [
    *rows_for_all_personas("dashboard", "GET", _everyone(302, 200)),
    *rows_for_all_personas("login", "GET", _everyone(200, 302)),
    *rows_for_all_personas("logout", "POST", _everyone(302, 302)),
    *rows_for_all_personas("password_change", "GET", _everyone(302, 200)),
    *rows_for_all_personas("password_change_done", "GET", _everyone(302, 200)),
    *rows_for_all_personas("set_language", "POST", _everyone(302, 302), data={"language": "en"}),
    *rows_for_all_personas(
        "audit",
        "GET",
        {
            "anonymous": 302,
            "admin": 200,
            "supervisor_sue": 403,
            "manager_ann": 403,
            "manager_bob": 403,
            "viewer_vic": 403,
            "superuser_sam": 200,
        },
    ),
]


@pytest.fixture
def world(personas):
    return dict(personas)


@pytest.mark.parametrize("row", MATRIX, ids=str)
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
