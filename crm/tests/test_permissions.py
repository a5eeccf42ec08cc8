import pytest

from crm.actions import set_user_roles
from crm.testing.matrix import PERSONAS, SIGNED_IN, all_url_names, check_row, project_matrix, row_id, table
from crm.testing.world import copy_world, make_personas, shared_world

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
    GET   exports                                   302    200  403 403 403 403 200
    # Two-factor sign-in (crm/tests/test_two_factor.py walks it): a forced login of admin and sam is
    # a verified one with an app device, so their code step passes on and enrolment shows its
    # status; the others may set it up (an empty code is refused).
    GET   two_factor_enrol                          302    200  200 200 200 200 200
    POST  two_factor_enrol                          302    302  200 200 200 200 302
    GET   two_factor_qr                             302    200  200 200 200 200 200
    GET   two_factor_verify                         302    302  302 302 302 302 302
    POST  two_factor_verify                         302    302  302 302 302 302 302
    GET   two_factor_recovery_codes                 302    302  302 302 302 302 302
    POST  two_factor_recovery_codes                 302    302  302 302 302 302 302
    # Turning it off: admin and sam must keep it (refused with a message), the others have nothing
    # to turn off.
    POST  two_factor_turn_off                       302    302  302 302 302 302 302
    GET   two_factor_turn_off                       302    405  405 405 405 405 405
    # The browser's CSP violation reports, signed in or not (crm/tests/test_csp.py sends real ones):
    # a form body is not a report.
    POST  csp_report                                400    400  400 400 400 400 400
    GET   csp_report                                405    405  405 405 405 405 405
    """,
    targets={"English": {"data": {"language": "en"}}},
)


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    # Built once for the module; each row's writes are rolled back (crm.testing.world).
    yield from shared_world(make_personas, django_db_blocker)


@pytest.fixture
def world(built_world, db):
    return copy_world(built_world)


@pytest.mark.parametrize("row", MATRIX, ids=row_id)
def test_core_permission_matrix(client, world, row):
    assert check_row(client, row, world) == row.expected


@pytest.mark.parametrize(("checked", "spoilt"), [("manager_ann", "manager_bob"), ("manager_bob", "manager_ann")])
def test_every_row_gets_the_shared_world_as_it_was_built(client, world, checked, spoilt):
    # Each turn checks the persona the other spoils, so whichever runs second proves that the
    # first's writes were rolled back and its user objects, permission caches included, dropped.
    user = world[checked]
    assert user.first_name == checked.replace("_", " ").title()
    assert user.last_login is None
    assert user.has_perm("customers.add_customer")
    spoilt_user = world[spoilt]
    set_user_roles(user=spoilt_user, roles=[])
    assert not spoilt_user.has_perm("customers.add_customer")  # now cached on this object
    client.force_login(spoilt_user)  # writes last_login
    spoilt_user.first_name = "Spoilt"
    spoilt_user.save()


def test_every_url_has_a_row_in_a_permission_matrix():
    covered = {row.url_name for row in project_matrix()}
    missing = sorted(all_url_names() - covered)
    assert not missing, f"URLs without permission matrix rows: {missing}"


def test_anonymous_users_are_redirected_to_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/audit/")


@pytest.mark.parametrize(
    "text",
    [
        "GET dashboard 302 200 200 200 200 200 200",
        "anonymous admin sue bob ann vic sam\nGET dashboard 302 200 200 200 200 200 200",
        "anonymous admin sue ann bob vic sam\nGET dashboard 302 200 200 200 200 200",
        "anonymous admin sue ann bob vic sam\nGET dashboard 302 200 200 200 2OO 200 200",
        "anonymous admin sue ann bob vic sam\nGET dashboard as nobody 302 200 200 200 200 200 200",
        "anonymous admin sue ann bob vic sam\nPUT dashboard 302 200 200 200 200 200 200",
    ],
    ids=["no heading", "columns swapped", "a status missing", "a status mistyped", "unknown target", "bad method"],
)
def test_a_matrix_table_with_a_mistake_is_refused_not_read_wrongly(text):
    with pytest.raises(ValueError):
        table(text)


def test_a_matrix_table_reads_one_row_per_persona_in_column_order():
    rows = table(
        """
                            anonymous admin sue ann bob vic sam
        # a comment
        POST set_language  English  302 302 302 302 404 302 403
        """,
        targets={"English": {"data": {"language": "en"}}},
    )
    assert [(row.persona, row.expected) for row in rows] == list(
        zip(PERSONAS, [302, 302, 302, 302, 404, 302, 403], strict=True)
    )
    assert {(row.method, row.url_name) for row in rows} == {("POST", "set_language")}
    assert all(row.data == {"language": "en"} for row in rows)


def test_matrix_rows_name_known_personas():
    # A typo in a persona name would silently test nothing.
    assert {row.persona for row in project_matrix()} <= {"anonymous", *SIGNED_IN}
