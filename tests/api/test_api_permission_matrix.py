"""The permission matrix, extended to the API: every role × every exposed record type,
against the same oracle as the screens (``policy_oracle``). A list holds exactly the
rows the oracle says the user knows of; a read, an update and a step answer 403 without
the grant, 404 for a row the user may not know of (the same body as a missing one), and
no answer carries a hidden row's marker."""
from __future__ import annotations

import pytest

from api.resources import exposed
from models import REGISTRY

from ..api_support import bearer, make_token
from ..policy_oracle import ROLE_OF, USER_INFO, allowed, sees

USERS = list(ROLE_OF)
USER_DEPT = {name: info[0] for name, info in USER_INFO.items()}
TABLES = [table for table, model in REGISTRY.items() if exposed(model)]


@pytest.fixture(scope="module")
def tokens(app, world):
    return {name: make_token(app, uid) for name, uid in world.own_users().items()}


def no_leak(world, username, response) -> None:
    body = response.get_data(as_text=True)
    leaked = [r.marker for r in world.rows if not sees(username, r) and r.marker in body]
    assert not leaked, (username, response.request.path, leaked)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("username", USERS)
def test_api_matrix(client, world, tokens, username, table):
    headers = bearer(tokens[username])
    listed = client.get(f"/api/v1/{table}?limit=100", headers=headers)
    no_leak(world, username, listed)
    if not allowed(username, table, "list"):
        assert listed.status_code == 403
    else:
        assert listed.status_code == 200
        got = {item["id"] for item in listed.get_json()["items"]}
        rows = world.rows_of(table)
        assert got & {r.id for r in rows} == {r.id for r in rows if sees(username, r)}
    missing = client.get(f"/api/v1/{table}/2147483000", headers=headers)
    for row in world.rows_of(table):
        read = client.get(f"/api/v1/{table}/{row.id}", headers=headers)
        no_leak(world, username, read)
        if not allowed(username, table, "view"):
            assert read.status_code == 403
            continue
        if not sees(username, row):
            assert read.status_code == 404 and read.get_json() == missing.get_json()
            continue
        assert read.status_code == 200 and read.get_json()["id"] == row.id
        edit = client.patch(f"/api/v1/{table}/{row.id}", json={},
                            headers={**headers, "If-Match": read.headers.get("ETag", '"1"')})
        no_leak(world, username, edit)
        if not allowed(username, table, "edit"):
            assert edit.status_code == 403
        else:  # 403: a record its status froze; 422: a rule of the save, as on the screens
            assert edit.status_code in (200, 403, 422), edit.get_json()
            assert edit.status_code != 422 or row.department != USER_DEPT[username], \
                edit.get_json()
    for row in world.rows_of(table):
        if allowed(username, table, "edit") and not sees(username, row):
            hidden = client.patch(f"/api/v1/{table}/{row.id}", json={},
                                  headers={**headers, "If-Match": '"1"'})
            assert hidden.status_code == 404
            no_leak(world, username, hidden)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("username", USERS)
def test_api_create_needs_the_grant(client, tokens, world, username, table):
    made = client.post(f"/api/v1/{table}", json={}, headers=bearer(tokens[username]))
    no_leak(world, username, made)
    if allowed(username, table, "create"):
        assert made.status_code in (201, 422), made.get_json()
    else:
        assert made.status_code == 403
