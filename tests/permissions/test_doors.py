"""The loan doors, looked up once per read-only request (permissions.core.Doors).

A closed door adds no ``OR`` to the list query (so the page is read from an index);
an open one lets exactly its rows in; a request that writes evaluates the doors in
SQL, since it may open or close one while it runs.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_login import login_user

from models import AppUser, ArchiveFile, Loan, db
from permissions.core import Doors, _within_scope, doors_of, visible
from permissions.scoping import Principal, bind_request_user

from ..performance.test_performance_queries import _page_query, _statements


def _secret_file(world):
    return next(r for r in world.rows_of("archive_file")
                if r.department == "service" and r.level == "secret")


def _open_loan(app, world, row) -> int:
    with app.app_context():
        loan = Loan(archive_file_id=row.id, borrower_id=world.users["clerk.sales"],
                    requested_by_id=world.users["clerk.sales"], purpose="核对合同",
                    mode="read", due_date=date.today() + timedelta(days=3),
                    status="approved", department_id=world.departments["sales"])
        db.session.add(loan)
        db.session.commit()
        pk = loan.id
        db.session.remove()
        return pk


def _close_loan(app, pk: int) -> None:
    with app.app_context():
        db.session.execute(sa.update(Loan).where(Loan.id == pk).values(status="returned"))
        db.session.commit()
        db.session.remove()


def _listed(client, row) -> bool:
    body = client.get("/admin/archive_file/?search=" + row.marker).get_data(as_text=True)
    return f"/admin/archive_file/details/?id={row.id}&" in body


def test_a_closed_door_adds_nothing_and_an_open_one_lets_its_file_in(app, client, world,
                                                                     login_as):
    login_as("clerk.sales")
    row = _secret_file(world)
    statement, _params = _page_query(_statements(app, client, "/admin/archive_file/"),
                                     "archive_file")
    assert "loan" not in statement  # no door subquery, no OR
    pk = _open_loan(app, world, row)
    try:
        assert _listed(client, row)
        assert client.get(f"/admin/archive_file/details/?id={row.id}").status_code == 200
    finally:
        _close_loan(app, pk)
    assert not _listed(client, row)
    assert client.get(f"/admin/archive_file/details/?id={row.id}").status_code == 404


def test_only_read_only_requests_look_the_doors_up(app, world):
    with app.app_context():
        user = db.session.get(AppUser, world.users["clerk.sales"])
        for method, looked_up in (("GET", True), ("HEAD", True), ("POST", False)):
            with app.test_request_context("/admin/archive_file/", method=method):
                login_user(user)
                principal = bind_request_user(user)
                assert isinstance(principal.doors, Doors) is looked_up, method
        db.session.remove()


def test_doors_and_the_sql_doors_select_the_same_rows(app, world):
    """The looked-up doors and the SQL form agree, closed and open."""
    row = _secret_file(world)
    for username in ("clerk.sales", "supervisor", "gm", "legal"):
        for opened in (False, True):
            pk = _open_loan(app, world, row) if opened else None
            try:
                with app.app_context():
                    user = Principal.of(db.session.get(AppUser, world.users[username]))
                    with_doors = Principal(**{**user.__dict__, "doors": doors_of(user)})
                    for model in (ArchiveFile, Loan):
                        ids = [set(db.session.scalars(sa.select(model.id).where(
                            visible(who, model)))) for who in (user, with_doors)]
                        assert ids[0] == ids[1], (username, model.__name__, opened)
                    db.session.remove()
            finally:
                if pk is not None:
                    _close_loan(app, pk)


def test_nobody_outside_their_scope_gets_the_borrower_door(app, world):
    """The borrower door is open exactly for the users whose own loans it adds to
    what their scope already shows; for everyone else it adds no OR."""
    opened = {}
    with app.app_context():
        for username, pk in world.own_users().items():
            user = Principal.of(db.session.get(AppUser, pk))
            scope = _within_scope(user, Loan)
            if scope is None:  # no loan list at all
                continue
            query = sa.select(Loan.id).execution_options(skip_visibility=True)
            within = set(db.session.scalars(query.where(scope)))
            with_door = set(db.session.scalars(query.where(sa.or_(
                scope, Loan.borrower_id == user.id))))
            opened[username] = doors_of(user).own_loans_outside
            assert opened[username] is (with_door != within), username
        db.session.remove()
    assert opened["gm"] is False  # all departments, top clearance
    assert True in opened.values()  # the world has a borrower the door matters to


def test_static_files_run_no_rule_queries(app, client, world, login_as):
    """A page's scripts and styles cost no doors look-up and build no rules."""
    login_as("clerk.sales")
    with app.test_request_context():
        asset = url_for("admin.static", filename="admin/js/helpers.js")
    statements = _statements(app, client, asset)
    assert not [s for s, _ in statements if "FROM loan" in s], statements
