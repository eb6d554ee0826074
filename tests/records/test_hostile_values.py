"""Hostile request values never give a 500 (issue 11, item 13).

Unicode digits that ``str.isdigit()`` accepts and ``int()`` refuses (①, ²), numbers
past any column, negative and empty ids, dates at the ends of the calendar: thrown at
every registered model's list (paging, sorting and each of its filters), details,
edit, delete, bulk-action, editable-list and ajax look-up endpoints, and at the audit
log. Each answers 404 or 400, or shows the page with a message naming the field.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from models import REGISTRY

from ..policy_oracle import allowed

#: Things typed or crafted into an id, a page number, an offset.
HOSTILE_NUMBERS = ["①", "²", "٣", "１２", "-1", "", "1e3", str(10**20), str(2**63)]
#: Things crafted into a date filter's value (dates, times and ranges of each kind).
HOSTILE_DATES = ["0001-01-01", "9999-12-31", "9999-12-31 23:59:59",
                 "0001-01-01 to 9999-12-31", "0001-01-01 00:00:00 to 9999-12-31 23:59:59",
                 "2026-02-30"]
#: And into any other filter's value.
HOSTILE_VALUES = [str(10**20), "①"]

#: Every list screen: the registered models and the audit log.
TABLES = [*REGISTRY, "audit_event"]
#: Who throws them: the user who may do most, a clerk, the auditor.
USERS = ("gm", "clerk.sales", "auditor")

SERVER_ERROR = "Something went wrong on our side"


def view_of(app, table):
    admin = app.extensions["admin"][0]
    return next(v for v in admin._views if getattr(v, "endpoint", None) == table)


def may(user: str, table: str, action: str) -> bool:
    return allowed(user, table, action) if table in REGISTRY else \
        user in ("gm", "auditor") and action in ("list", "view", "export")


def assert_handled(response, *expected: int) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code != 500 and SERVER_ERROR not in body, \
        f"{response.request.method} {response.request.full_path}: 500"
    assert response.status_code in expected, \
        f"{response.request.full_path}: {response.status_code}"


def filter_urls(view) -> list[str]:
    """A list URL for each filter of the view and each hostile value of its kind."""
    urls = []
    for key, (_idx, flt) in view._filter_args.items():
        kind = type(flt).__name__
        values = HOSTILE_DATES if "Date" in kind or "Day" in kind else HOSTILE_VALUES
        urls += [f"/admin/{view.endpoint}/?flt0_{key}={quote(value)}" for value in values]
    return urls


@pytest.mark.parametrize("table", TABLES)
def test_list_parameters(app, client_as, table):
    client = client_as(next(u for u in ("gm", "admin") if may(u, table, "list")))
    with app.app_context():
        urls = filter_urls(view_of(app, table))
    for value in HOSTILE_NUMBERS:
        for name in ("page", "page_size", "sort", "desc"):
            assert_handled(client.get(f"/admin/{table}/?{name}={quote(value)}"), 200)
    for url in urls:
        assert_handled(client.get(url), 200)


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("table", TABLES)
def test_record_endpoints(app, client_as, user, table):
    client = client_as(user)
    for value in HOSTILE_NUMBERS:
        q = quote(value)
        if may(user, table, "view"):
            # No id at all goes back to the list (Flask-Admin's answer).
            assert_handled(client.get(f"/admin/{table}/details/?id={q}"), 404, 302)
        if may(user, table, "edit"):
            assert_handled(client.get(f"/admin/{table}/edit/?id={q}"), 404, 302)
            assert_handled(client.post(f"/admin/{table}/ajax/update/",
                                       data={"list_form_pk": value, "name": "x"}),
                           400, 403, 404)
        if may(user, table, "delete"):
            assert_handled(client.post(f"/admin/{table}/delete/", data={"id": value}),
                           302, 404)
        if may(user, table, "list"):
            assert_handled(client.post(f"/admin/{table}/action/",
                                       data={"action": "delete", "rowid": value}),
                           302, 403, 404)


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("table", list(REGISTRY))
def test_ajax_lookups(app, client_as, user, table):
    client = client_as(user)
    if not (may(user, table, "create") or may(user, table, "edit")):
        return
    with app.app_context():
        names = list(view_of(app, table)._form_ajax_refs or {})
    for name in names:
        for value in HOSTILE_NUMBERS:
            q = quote(value)
            for args in (f"offset={q}", f"offset={q}&limit={q}&query={q}"):
                response = client.get(f"/admin/{table}/ajax/lookup/?name={name}&{args}")
                assert_handled(response, 200)
                assert response.get_data(as_text=True).startswith("[")


def event_ids(response) -> list[str]:
    return re.findall(r"/admin/audit_event/details/\?id=(\d+)", response.get_data(as_text=True))


#: The audit log's "Date: on or after" and "Date: on or before" filters.
AFTER, BEFORE = 5, 6


@pytest.mark.parametrize(("index", "value", "everything"), [
    (AFTER, "0001-01-01", True), (BEFORE, "9999-12-31", True),
    (BEFORE, "0001-01-01", False), (AFTER, "9999-12-31", False)])
def test_audit_log_date_filters_at_the_ends_of_the_calendar(app, client_as, index, value,
                                                            everything):
    """On or after the first day there is, or on or before the last: every event;
    the other way round: none."""
    client = client_as("auditor")
    with app.app_context():
        names = [flt.operation()._args[0] for flt in view_of(app, "audit_event")._filters]
    assert names[AFTER] == "on or after" and names[BEFORE] == "on or before"
    every = event_ids(client.get("/admin/audit_event/?page_size=100"))
    response = client.get(f"/admin/audit_event/?page_size=100&flt0_{index}={value}")
    assert_handled(response, 200)
    assert event_ids(response) == (every if everything else [])
