"""The permission matrix: every role × every registered model × every endpoint.

Generated from the model registry and the world's rows (one per department ×
level); each case asserts the status code and that no marker of a row the user
must not know about appears anywhere in the response. A model added to the
registry is covered here without writing a test.
"""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from models import REGISTRY, db

from ..policy_oracle import ROLE_OF, allowed, sees

USERS = list(ROLE_OF)
TABLES = list(REGISTRY)


def hidden_markers(username: str) -> list[str]:
    return [row.marker for row in current_world().rows if not sees(username, row)]


def current_world():
    from flask import current_app
    return current_app.extensions["test_world"]


def assert_no_leak(username: str, response, echoed: str | None = None,
                   body: str | None = None) -> None:
    """No hidden marker in the body (or in ``body``, the text of a binary download);
    ``echoed`` is the user's own search term, which the page may repeat in its search
    box and links."""
    body = response.get_data(as_text=True) if body is None else body
    if echoed:
        body = re.sub(rf'(search=|search%3D|value="|query=){echoed}', "", body)
    leaked = [m for m in hidden_markers(username) if m in body]
    assert not leaked, f"{username} sees hidden markers {leaked} at {response.request.path}"


def expected_for_record(username, table, action, row) -> int:
    if not allowed(username, table, action):
        return 403
    return 200 if sees(username, row) else 404


@pytest.fixture(params=USERS)
def user(request, app, login_as):
    login_as(request.param)
    with app.app_context():  # the world of this app, for the helpers above
        yield request.param


@pytest.mark.parametrize("table", TABLES)
def test_list_and_search(app, client, world, user, table):
    response = client.get(f"/admin/{table}/?page_size=100")
    if not allowed(user, table, "list"):
        assert response.status_code == 403
        assert_no_leak(user, response)
        return
    assert response.status_code == 200
    assert_no_leak(user, response)
    body = response.get_data(as_text=True)
    for row in world.rows_of(table):
        link = f"/admin/{table}/details/?id={row.id}&"
        assert (link in body) == sees(user, row), (user, row)
        found = client.get(f"/admin/{table}/?search={row.marker}")
        assert found.status_code == 200
        assert_no_leak(user, found, echoed=row.marker)
        assert (link in found.get_data(as_text=True)) == sees(user, row) or \
            not view_searches_marker(table), (user, row)


@pytest.mark.parametrize("table", TABLES)
def test_details(client, world, user, table):
    for row in world.rows_of(table):
        response = client.get(f"/admin/{table}/details/?id={row.id}")
        assert response.status_code == expected_for_record(user, table, "view", row), row
        assert_no_leak(user, response)
        if response.status_code == 200:
            assert row.marker in response.get_data(as_text=True)


@pytest.mark.parametrize("table", TABLES)
def test_edit_page(client, world, user, table):
    for row in world.rows_of(table):
        response = client.get(f"/admin/{table}/edit/?id={row.id}")
        assert response.status_code == expected_for_record(user, table, "edit", row), row
        assert_no_leak(user, response)


@pytest.mark.parametrize("table", TABLES)
def test_edit_post_to_hidden_or_forbidden_changes_nothing(app, client, world, user, table):
    model = REGISTRY[table]
    for row in world.rows_of(table):
        expected = expected_for_record(user, table, "edit", row)
        if expected == 200:
            continue
        before = _snapshot(app, model, row.id)
        response = client.post(f"/admin/{table}/edit/?id={row.id}",
                               data={"name": "X", "title": "X", "content": "X"})
        assert response.status_code == expected
        assert_no_leak(user, response)
        assert _snapshot(app, model, row.id) == before


@pytest.mark.parametrize("table", TABLES)
def test_delete_is_refused_for_everyone(app, client, world, user, table):
    model = REGISTRY[table]
    for row in world.rows_of(table):
        response = client.post(f"/admin/{table}/delete/", data={"id": row.id})
        assert response.status_code == 403
        action = client.post(f"/admin/{table}/action/",
                             data={"action": "delete", "rowid": [row.id]})
        assert action.status_code == 403
        assert_no_leak(user, action)
        assert _snapshot(app, model, row.id) is not None


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("export_type", ["csv", "xlsx"])
def test_export(client, world, user, table, export_type):
    response = client.get(f"/admin/{table}/export/{export_type}/")
    if not allowed(user, table, "export"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = _exported_text(response, export_type)
    assert_no_leak(user, response, body=body)
    for row in world.rows_of(table):
        if sees(user, row):
            assert row.marker in body, (export_type, row)


def _exported_text(response, export_type: str) -> str:
    """The cells of a CSV or XLSX download, as text."""
    if export_type == "csv":
        return response.get_data(as_text=True)
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return "\n".join(str(value) for sheet in workbook for line in sheet.iter_rows(
        values_only=True) for value in line if value is not None)


@pytest.mark.parametrize("table", TABLES)
def test_ajax_lookups_offer_only_visible_rows(app, client, world, user, table):
    view = _view(app, table)
    may_fill = allowed(user, table, "create") or allowed(user, table, "edit")
    for name, loader in view._form_ajax_refs.items():
        remote = loader.model.__tablename__
        response = client.get(f"/admin/{table}/ajax/lookup/?name={name}&query=")
        if not may_fill:
            assert response.status_code == 403
            continue
        assert response.status_code == 200
        assert_no_leak(user, response)
        for row in world.rows_of(remote):
            hit = client.get(f"/admin/{table}/ajax/lookup/?name={name}&query={row.marker}")
            ids = [item[0] for item in hit.get_json()]
            assert (row.id in ids) == sees(user, row), (name, row)


@pytest.mark.parametrize("table", TABLES)
def test_submitted_hidden_related_ids_are_refused(app, client, world, user, table):
    """A form posted with the id of a record the user cannot see saves nothing and
    does not echo the hidden record back."""
    if not allowed(user, table, "create"):
        return
    view = _view(app, table)
    model = REGISTRY[table]
    count = _count(app, model)
    for name, loader in view._form_ajax_refs.items():
        for row in world.rows_of(loader.model.__tablename__):
            response = client.post(f"/admin/{table}/new/", data={name: str(row.id)})
            assert response.status_code == 200
            # The field itself refuses a hidden id and takes a visible one (the form
            # fails either way here, for the fields left empty).
            refused = _field_refused(response.get_data(as_text=True), name)
            assert refused is not sees(user, row), (name, row)
            if refused:
                assert_no_leak(user, response)
    assert _count(app, model) == count


def _field_refused(body: str, name: str) -> bool:
    """Is the form's input ``name`` marked invalid on the page?"""
    tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', body)
    assert tag is not None, f"no input {name!r} on the form"
    return "is-invalid" in tag.group(0)


@pytest.mark.parametrize("table", TABLES)
def test_editable_list_update_is_closed(client, world, user, table):
    for row in world.rows_of(table):
        response = client.post(f"/admin/{table}/ajax/update/",
                               data={"list_form_pk": row.id, "name": "X"})
        assert response.status_code in (403, 404)
        assert_no_leak(user, response)


def test_home_and_menu_show_only_what_the_user_may_list(client, world, user):
    response = client.get("/admin/")
    assert response.status_code == 200
    assert_no_leak(user, response)
    body = response.get_data(as_text=True)
    for table in TABLES:
        in_menu = f'href="/admin/{table}/"' in body
        assert in_menu == allowed(user, table, "list"), table
        figure = re.search(rf'data-table="{table}" data-count="(\d+)"', body)
        if allowed(user, table, "list"):
            expected = sum(sees(user, r) for r in rows_in_database(world, table)) \
                if world.rows_of(table) else None
            assert figure is not None
            if expected is not None:
                assert int(figure.group(1)) == expected, table
        else:
            assert figure is None


@pytest.mark.parametrize("path", ["/admin/", "/admin/customer/", "/admin/loan/details/?id=1",
                                  "/admin/complaint/new/", "/admin/app_user/"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "99999999999999999999", "%00", "1;drop"])
def test_malformed_ids_give_404_not_500(client, login_as, table, bad):
    login_as("gm")
    for path in ("details", "edit"):
        response = client.get(f"/admin/{table}/{path}/?id={bad}")
        assert response.status_code in (400, 403, 404)


# -- helpers ---------------------------------------------------------------------

def view_searches_marker(table) -> bool:
    """True if one of the table's search columns holds the world's marker text."""
    model = REGISTRY[table]
    searchable = getattr(model.Admin, "search", ())
    return any(isinstance(model.__table__.c[name].type, (sa.String, sa.Text))
               and not model.__table__.c[name].info.get("choices")
               for name in searchable if name in model.__table__.c)


def rows_in_database(world, table):
    """Every row of the table now (other tests add rows), as the oracle reads them.
    A loan's department stands for its borrower, as in the world."""
    from ..world import Row
    model = REGISTRY[table]
    codes = {pk: code for code, pk in world.departments.items()}
    people = {pk: name for name, pk in world.users.items()}
    rows = []
    for record in db.session.scalars(sa.select(model).execution_options(
            skip_visibility=True)):
        department = codes.get(record.department_id, "?")
        if table == "loan":
            person = people.get(record.borrower_id)
            department = {"clerk.sales": "sales", "clerk.service": "service"}.get(
                person, department if person is None else "?")
        rows.append(Row(table, record.id, department, record.level, ""))
    return rows


def _view(app, table):
    admin = app.extensions["admin"][0]
    return next(v for v in admin._views if getattr(v, "endpoint", None) == table)


def _snapshot(app, model, pk):
    with app.app_context():
        row = db.session.execute(sa.select(model.__table__).where(
            model.__table__.c.id == pk)).first()
        db.session.remove()
        return None if row is None else tuple(row)


def _count(app, model):
    with app.app_context():
        value = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
        return value
