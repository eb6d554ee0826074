"""Every generated screen stays within its SQL budget and pages from an index.

No timings here (those are in ``bench/``): the number of statements a request sends,
and the plan of each list's default page — SQLite's EXPLAIN QUERY PLAN must neither
read the whole table nor sort it in a temporary B-tree; PostgreSQL, with sequential
scans switched off (a tiny CI table is always cheaper to scan), must use an index.
"""
from __future__ import annotations

import pytest
from sqlalchemy import event

from models import REGISTRY, db
from models.mixins import Owned
from models.workflow import Stateful

from ..policy_oracle import ROLE_OF, allowed, sees

#: Ten statements, and one more: every request compares the settings' generation
#: counter with its app's snapshot (models/office_settings.py).
QUERY_BUDGET = 11
TABLES = list(REGISTRY)


def reader_of(table: str) -> str | None:
    """A department-scoped user if one may list the table, else anyone who may."""
    for username in ("clerk.sales", "supervisor", "gm", "auditor", "admin", *ROLE_OF):
        if allowed(username, table, "list"):
            return username
    return None


class Statements:
    def __init__(self, engine):
        self.engine = engine
        self.seen: list[tuple[str, object]] = []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append((statement, parameters))


def _statements(app, client, url):
    with app.app_context():
        engine = db.engine
    with Statements(engine) as recorder:
        response = client.get(url)
    assert response.status_code == 200, url
    return recorder.seen


@pytest.mark.parametrize("table", TABLES)
def test_list_details_edit_stay_within_the_query_budget(app, client, world, login_as,
                                                        table):
    username = reader_of(table)
    if username is None:
        pytest.skip(f"nobody may list {table}")
    login_as(username)
    urls = [f"/admin/{table}/", f"/admin/{table}/?page_size=100"]
    row = next((r for r in world.rows_of(table) if sees(username, r)), None)
    if row is not None:
        urls.append(f"/admin/{table}/details/?id={row.id}")
        if allowed(username, table, "edit"):
            urls.append(f"/admin/{table}/edit/?id={row.id}")
    for url in urls:
        count = len(_statements(app, client, url))
        assert count <= QUERY_BUDGET, f"{url}: {count} SQL statements"


def test_home_page_stays_within_the_query_budget(app, client, login_as):
    for username in ("clerk.sales", "gm"):
        login_as(username)
        count = len(_statements(app, client, "/admin/"))
        assert count <= QUERY_BUDGET, f"home for {username}: {count} SQL statements"


def _page_query(statements, table):
    """The statement that fetched the page: it orders and limits rows of ``table``."""
    for statement, params in statements:
        text = " ".join(statement.split())
        if f"FROM {table}" in text and "ORDER BY" in text and "LIMIT" in text:
            return statement, params
    raise AssertionError(f"no page query for {table}")


def _plan(app, statement, params) -> str:
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # The planner's statistics, as a running app keeps them (models/statistics.py):
            # with a door's OR in the condition only they tell SQLite that reading the
            # sort index in order is cheaper than sorting both branches.
            conn.exec_driver_sql("ANALYZE")
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
            return "\n".join(str(r[-1]) for r in rows)
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, params)
        return "\n".join(r[0] for r in rows)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("who", ["department", "all"])
def test_default_list_page_is_served_from_an_index(app, client, login_as, table, who):
    username = reader_of(table) if who == "department" else next(
        (u for u in ("gm", "auditor", "admin") if allowed(u, table, "list")), None)
    if username is None:
        pytest.skip(f"nobody may list {table}")
    login_as(username)
    statement, params = _page_query(_statements(app, client, f"/admin/{table}/"), table)
    _assert_index_served(app, table, _plan(app, statement, params))


#: Lists that show their default sort column, so a click on its header sorts by it.
DEFAULT_SORT_SHOWN = [table for table, model in REGISTRY.items()
                      if model.Admin.default_sort[0] in getattr(model.Admin, "list_columns", ())]


@pytest.mark.parametrize("table", DEFAULT_SORT_SHOWN)
def test_a_list_sorted_by_its_default_column_either_way_is_served_from_an_index(
        app, client, login_as, table):
    """Ties follow the clicked direction too, so either way is one index scan."""
    view = next(v for v in app.extensions["admin"][0]._views
                if getattr(v, "endpoint", "") == table)
    names = [c if isinstance(c, str) else c.key for c in view.column_list]
    index = names.index(REGISTRY[table].Admin.default_sort[0])
    login_as(reader_of(table))
    for url in (f"/admin/{table}/?sort={index}", f"/admin/{table}/?sort={index}&desc=1"):
        statement, params = _page_query(_statements(app, client, url), table)
        _assert_index_served(app, table, _plan(app, statement, params))


def _assert_index_served(app, table: str, plan: str) -> None:
    if "sqlite" in str(app.config["SQLALCHEMY_DATABASE_URI"]):
        assert "TEMP B-TREE" not in plan, plan  # no sort, not even of ties
        scans = [line for line in plan.splitlines()
                 if line.strip().startswith(f"SCAN {table}") and "INDEX" not in line]
        assert not scans, plan
    else:
        assert f"Seq Scan on {table}" not in plan, plan


WORKFLOW_TABLES = [table for table, model in REGISTRY.items()
                   if issubclass(model, Stateful) and issubclass(model, Owned)]


@pytest.mark.parametrize("table", WORKFLOW_TABLES)
@pytest.mark.parametrize("who", ["department", "all"])
def test_a_list_filtered_by_status_is_served_from_an_index(app, client, login_as, table,
                                                           who):
    """"My registered complaints", "loans waiting for approval": a workflow list
    filtered by one status is read from the (status, sort key) indexes, in order."""
    from flask_admin.contrib.sqla.filters import EnumEqualFilter

    from admin_views.home import list_url

    model = REGISTRY[table]
    username = reader_of(table) if who == "department" else next(
        (u for u in ("gm", "auditor", "admin") if allowed(u, table, "list")), None)
    if username is None:
        pytest.skip(f"nobody may list {table}")
    with app.test_request_context():
        url = list_url(app.extensions["admin"][0], model,
                       ("status", EnumEqualFilter, next(iter(model.statuses))))
    assert "flt" in url, f"{table}: no status filter"
    login_as(username)
    statement, params = _page_query(_statements(app, client, url), table)
    # Which index depends on the data (on this tiny world a status hardly narrows);
    # at a million rows the (status, sort key) ones are chosen (bench/RESULTS.md).
    _assert_index_served(app, table, _plan(app, statement, params))
