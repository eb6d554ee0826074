"""A list sorted by a reference's column (complaints by customer code).

The rows whose customer the user can see come first, in code order (ties by id);
the rows whose customer is hidden from them follow, by id, so a hidden code never
decides a position. Shallow pages walk the customer index, deep ones sort: both
give the same order.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from markupsafe import escape

from admin_views import performance
from models import Complaint, Customer, db

from ..permissions.test_permission_matrix import rows_in_database
from ..policy_oracle import sees
from ..world import extra_rows


def _expected(app, world, username: str, desc: bool) -> list[int]:
    with app.app_context():
        shown_customers = {r.id for r in rows_in_database(world, "customer")
                           if sees(username, r)}
        shown_complaints = {r.id for r in rows_in_database(world, "complaint")
                            if sees(username, r)}
        rows = db.session.execute(sa.select(Complaint.id, Customer.id, Customer.code)
                                  .join(Customer, Complaint.customer)
                                  .execution_options(skip_visibility=True)).all()
        db.session.remove()
    mine = [r for r in rows if r[0] in shown_complaints]
    by_code = sorted((r for r in mine if r[1] in shown_customers),
                     key=lambda r: (r[2], r[0]), reverse=desc)
    hidden = sorted(r[0] for r in mine if r[1] not in shown_customers)
    return [r[0] for r in by_code] + hidden


@pytest.fixture
def hidden_customer_complaints(app, world):
    """Sales complaints about customers above a sales clerk's clearance (one of their
    department, one of another): rows of the hidden group."""
    customers = [r.id for r in world.rows_of("customer")
                 if (r.department, r.level) in (("sales", "secret"), ("service", "confidential"))]
    rows = [{"customer_id": pk, "department_id": world.departments["sales"],
             "received_at": datetime(2026, 11, 2), "content": "隐藏客户的投诉",
             "level": "internal"} for pk in customers]
    with extra_rows(app, Complaint, rows) as ids:
        yield ids


def _shown(client, sort: int, desc: bool, count: int) -> list[int]:
    ids = []
    for page in range(count + 1):  # one page past the end: it must be empty
        body = client.get(f"/admin/complaint/?sort={sort}&page_size=1&page={page}"
                          + ("&desc=1" if desc else "")).get_data(as_text=True)
        ids += [int(i) for i in re.findall(r"/admin/complaint/details/\?id=(\d+)&", body)]
    return ids


def _complaint_view(app):
    return next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == "complaint")


def _customer_sort_index(app) -> int:
    return list(_complaint_view(app).column_list).index("customer")


@pytest.mark.parametrize("username", ["clerk.sales", "supervisor", "gm"])
@pytest.mark.parametrize("desc", [False, True])
@pytest.mark.parametrize("walk_limit", [2000, 0], ids=["walk", "sort"])
def test_sorted_by_customer_code_hidden_customers_last(app, client, world, login_as,
                                                       monkeypatch, username, desc,
                                                       walk_limit,
                                                       hidden_customer_complaints):
    monkeypatch.setattr(performance, "REFERENCE_WALK_LIMIT", walk_limit)
    login_as(username)
    expected = _expected(app, world, username, desc)
    if username == "clerk.sales":  # the hidden group is there, after the rest
        assert expected[-2:] == sorted(hidden_customer_complaints)
    assert _shown(client, _customer_sort_index(app), desc, len(expected)) == expected


def test_a_hidden_customer_code_is_never_shown(app, client, world, login_as,
                                               hidden_customer_complaints):
    login_as("clerk.sales")
    hidden = [r.marker for r in world.rows_of("customer") if not sees("clerk.sales", r)]
    body = client.get(f"/admin/complaint/?sort={_customer_sort_index(app)}&page_size=100") \
        .get_data(as_text=True)
    assert hidden and not any(marker in body for marker in hidden)


def _customer_cells(app, client, pks) -> dict[int, str]:
    """{complaint id: its customer cell's HTML} of the rows ``pks`` on the list's
    default first page of 100."""
    column = _customer_sort_index(app)
    body = client.get("/admin/complaint/?page_size=100").get_data(as_text=True)
    cells = {}
    for row in body.split("<tr>")[1:]:
        found = re.search(r"/admin/complaint/details/\?id=(\d+)&", row)
        if found and int(found.group(1)) in pks:
            tds = re.findall(r"<td>(.*?)</td>", row.split("</tr>")[0], re.S)
            leading = len(tds) - len(_complaint_view(app).column_list)
            cells[int(found.group(1))] = tds[leading + column]
    return cells


def test_reference_cells_show_what_the_reader_may_see(app, client, world, login_as,
                                                      hidden_customer_complaints):
    """The customer column is read as rows, not records (issue 17): a visible
    customer reads as its record's ``str()``, a hidden one as an empty cell."""
    visible_customer = next(r for r in world.rows_of("customer")
                            if sees("clerk.sales", r))
    with extra_rows(app, Complaint, [{
            "customer_id": visible_customer.id, "department_id": world.departments["sales"],
            "received_at": datetime(2026, 11, 3), "content": "可见客户的投诉",
            "level": "internal"}]) as (shown,):
        login_as("clerk.sales")
        cells = _customer_cells(app, client, {shown, *hidden_customer_complaints})
        with app.app_context():
            expected = str(escape(str(db.session.get(Customer, visible_customer.id))))
    assert cells[shown] == expected and visible_customer.marker in expected
    assert [cells[pk] for pk in hidden_customer_complaints] == ["", ""]


def test_a_str_that_needs_the_record_is_given_it(app, client, world, login_as,
                                                 monkeypatch):
    """A model whose ``__str__`` reads more than its columns (here a relationship)
    gets its records loaded, and says the same as on its own page."""
    monkeypatch.setattr(performance, "_STR_NEEDS_RECORD", set())
    monkeypatch.setattr(Customer, "__str__",
                        lambda self: f"{self.code}·{self.account_manager}")
    login_as("gm")
    with app.app_context():
        pk, customer_id = db.session.execute(
            sa.select(Complaint.id, Complaint.customer_id).order_by(Complaint.id.desc())
            .limit(1)).one()
        expected = str(db.session.get(Customer, customer_id))
    for _ in range(2):  # the first page finds out; the second knows
        assert _customer_cells(app, client, {pk})[pk] == expected
    assert Customer in performance._STR_NEEDS_RECORD


def test_a_model_without_its_own_str_never_shows_its_columns(app, client, world,
                                                              login_as, monkeypatch):
    """object's __str__ given a row would print every column (a namespace's repr):
    such a model's cell is what its record says, as before."""
    monkeypatch.setattr(performance, "_STR_NEEDS_RECORD", set())
    monkeypatch.delattr(Customer, "__str__")
    login_as("gm")
    with app.app_context():
        pk, customer_id, code = db.session.execute(
            sa.select(Complaint.id, Customer.id, Customer.code).join(Complaint.customer)
            .order_by(Complaint.id.desc()).limit(1)).one()
        expected = str(escape(str(db.session.get(Customer, customer_id))))  # <Customer 8>
    cell = _customer_cells(app, client, {pk})[pk]
    assert cell == expected and code not in cell
