"""Every row has exactly one place in a list, whatever column the list is sorted by.

Rows that share the sorted value (one status, one minute) go by the list's default
order and then by id; without that the database is free to show a row on two pages
and another on none. Deep pages (ids read first) keep the same order.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from admin_views import performance
from models import Complaint

from ..permissions.test_permission_matrix import rows_in_database
from ..policy_oracle import sees
from ..world import extra_rows


@pytest.fixture
def tied_complaints(app, world):
    """Six sales complaints received in the same second, same status and severity."""
    customer = next(r.id for r in world.rows_of("customer")
                    if (r.department, r.level) == ("sales", "internal"))
    rows = [{"customer_id": customer, "department_id": world.departments["sales"],
             "received_at": datetime(2026, 11, 2, 9, 30), "content": f"同时登记 {n}",
             "level": "internal"} for n in range(6)]
    with extra_rows(app, Complaint, rows) as ids:
        yield ids


def _walk(client, query: str, rows: int) -> list[int]:
    """The ids on pages of one row, from the first to one past the last."""
    ids = []
    for page in range(rows + 1):
        body = client.get(f"/admin/complaint/?{query}page_size=1&page={page}").get_data(
            as_text=True)
        ids += [int(i) for i in re.findall(r"/admin/complaint/details/\?id=(\d+)&", body)]
    return ids


@pytest.mark.parametrize("column", [None, "status", "severity", "received_at"])
@pytest.mark.parametrize("username", ["clerk.sales", "gm"])
def test_each_row_is_on_exactly_one_page(app, client, world, login_as, monkeypatch,
                                         tied_complaints, username, column):
    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == "complaint")
    monkeypatch.setattr(view, "page_size_options", (1, *view.page_size_options))
    with app.app_context():
        expected = {r.id for r in rows_in_database(world, "complaint") if sees(username, r)}
    assert set(tied_complaints) <= expected
    login_as(username)
    sort = "" if column is None else f"sort={list(view.column_list).index(column)}&"
    for order in (sort, f"{sort}desc=1&" if sort else sort):
        monkeypatch.setattr(performance, "DEFERRED_OFFSET", 10**9)
        ordinary = _walk(client, order, len(expected))
        assert sorted(ordinary) == sorted(expected), order
        monkeypatch.setattr(performance, "DEFERRED_OFFSET", 0)
        assert _walk(client, order, len(expected)) == ordinary, order


def test_what_breaks_ties():
    """Nothing after a unique column; level and id after a list's sort key (the order
    its indexes keep); the id after anything else. A partial unique index (one open
    loan per file) does not make a column unique."""
    from models import ArchiveFile, Loan
    from models.indexes import is_unique, tie_break

    complaint, loan = Complaint.__table__, Loan.__table__

    def names(table, column):
        return [c.name for c in tie_break(table, column)]

    assert names(complaint, complaint.c.number) == []
    assert names(complaint, complaint.c.received_at) == ["level", "id"]
    assert names(complaint, complaint.c.severity) == ["id"]
    assert names(complaint, None) == ["id"]
    assert is_unique(ArchiveFile.__table__.c.number)
    assert not is_unique(loan.c.archive_file_id)
    assert names(loan, loan.c.archive_file_id) == ["id"]
