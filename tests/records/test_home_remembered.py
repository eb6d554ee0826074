"""The home page remembers the statements it builds (its counts, the work queue): per
user, Shanghai date and grants in force (``permissions.scoping.remembered``). A
remembered statement must never show a stale page: a record that changes shows on the
next page, a new day recounts what is overdue, a service request whose hours run out
in the afternoon is late in the afternoon (the moment is a parameter taken when the
statement runs, not the moment it was built)."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

import admin_views.home as home
import admin_views.work_queue as work_queue
import models.service_clock as service_clock
import permissions.core as core
from models import Complaint, ServiceRequest, db
from models.clock import today
from models.office_settings import forget
from models.service_clock import to_utc

from ..clocks_support import todo
from ..settings_support import restore_defaults_fixture  # noqa: F401  (fixture)
from ..test_complaints_support import (  # noqa: F401  (fixtures)
    as_user_fixture,
    clean_complaints_fixture,
    register,
)
from ..test_workflow_support import clean_fixture  # noqa: F401  (fixture)
from ..world import USERS


@pytest.fixture(name="builds")
def builds_fixture(app, world, client_as, monkeypatch):
    """How many times each remembered statement was built (not taken from the memo) in
    this test, which starts with nothing remembered.

    The app is the session's, and so is its settings snapshot with the statements
    remembered in it: a home page an earlier test showed the same user on the same day
    under the same grants (the permission matrix shows every user's) is remembered
    still, and this test's first page would build nothing. Counting from zero then
    depended on which tests the worker ran before (a full run failed, the file alone
    passed). So the world's accounts' home pages are shown first, as those tests may
    have, and the snapshot is dropped (``office_settings.forget``): the next request
    reads the settings again into a snapshot with nothing remembered. (Accounts other
    tests add to the world, and may have logged out or deactivated, are left alone.)"""
    for username in USERS:
        assert client_as(username).get("/admin/").status_code == 200
    forget(app)
    counts = {"counts": 0, "queue": 0}

    def counted(name, build):
        def wrapper(*args):
            counts[name] += 1
            return build(*args)
        return wrapper

    monkeypatch.setattr(home, "_counts_statement", counted("counts", home._counts_statement))
    monkeypatch.setattr(work_queue, "_statement", counted("queue", work_queue._statement))
    return counts


def waiting(page: str, kind: str) -> int:
    found = re.search(rf'data-queue-kind="{kind}" data-queue-count="(\d+)"', page)
    return int(found.group(1)) if found else 0


def overdue(page: str) -> int:
    return todo(page, "complaint-overdue")[0]


def test_a_record_that_starts_waiting_shows_on_the_next_page(app, world, as_user, builds):
    supervisor = as_user("supervisor")
    before = waiting(supervisor.get("/admin/").get_data(as_text=True), "complaint")
    built = dict(builds)
    register(app, world, status="handling_proposed", severity="general")
    page = supervisor.get("/admin/").get_data(as_text=True)
    assert builds == built  # the same statements, remembered ...
    assert waiting(page, "complaint") == before + 1  # ... read the new record


def test_a_new_day_recounts_what_is_overdue(app, world, as_user, builds, monkeypatch):
    gm = as_user("gm")
    day = today()
    complaint = register(app, world, status="registered")
    with app.app_context():
        db.session.execute(sa.update(Complaint).where(Complaint.id == complaint)
                           .values(effective_due_date=day))  # due today: not late yet
        db.session.commit()
        db.session.remove()

    def on(moment):
        monkeypatch.setattr(home, "today", lambda: moment)
        monkeypatch.setattr(core, "today", lambda: moment)
        return overdue(gm.get("/admin/").get_data(as_text=True))

    first = on(day)
    assert on(day) == first and builds["counts"] == 1  # same day: remembered
    assert on(day + timedelta(days=1)) == first + 1  # the next day: late
    assert builds["counts"] == 2


def test_hours_run_out_within_the_day(app, world, as_user, builds, clean, monkeypatch):
    """A service request due at 14:00 (Shanghai) is not late at 13:59 and late at 14:01
    of the same day, through the same remembered statement."""
    clerk = as_user("clerk.service")
    due = to_utc(datetime.combine(today(), time(14, 0)))
    with app.app_context():
        request_id = db.session.scalar(sa.select(sa.func.max(ServiceRequest.id)))
    response = clerk.post("/admin/service_request/new/", follow_redirects=True, data={
        "received_at": f"{today() - timedelta(days=1)} 09:00:00", "caller": "王先生",
        "caller_phone": "13800000000", "kind": "repair", "content": "燃气表漏气",
        "customer": str(next(r for r in world.rows_of("customer")
                             if r.level == "internal").id),
        "department": str(world.departments["service"])})
    assert response.status_code == 200
    with app.app_context():
        created = db.session.scalar(sa.select(sa.func.max(ServiceRequest.id)))
        assert created != request_id, response.get_data(as_text=True)[:2000]
        db.session.execute(sa.update(ServiceRequest).where(ServiceRequest.id == created)
                           .values(handle_due_at=due))
        db.session.commit()
        db.session.remove()

    def late_at(moment):
        monkeypatch.setattr(service_clock, "utcnow", lambda: moment)
        return todo(clerk.get("/admin/").get_data(as_text=True), "service_request-late")

    before = late_at(due - timedelta(minutes=1))
    after = late_at(due + timedelta(minutes=1))
    assert builds["counts"] == 1  # one statement, remembered, for both moments
    assert (after[0] if after else 0) == (before[0] if before else 0) + 1


def card(page: str, table: str) -> int | None:
    found = re.search(rf'data-table="{table}" data-count="(\d+)"', page)
    return None if found is None else int(found.group(1))


@pytest.mark.usefixtures("restore_defaults")
def test_a_grant_in_force_shows_on_the_next_page(app, world, client_as, builds):
    """The clerk sees their department's penalties; once the GM office approves a grant
    of every department's, the next home page counts them all."""
    from models import Penalty
    from permissions.levels import levels_up_to

    from ..permissions.test_settings_grants import decide, latest_change, propose

    clerk, admin, gm = client_as("clerk.sales"), client_as("admin"), client_as("gm")
    before = card(clerk.get("/admin/").get_data(as_text=True), "penalty")
    clerk.get("/admin/")
    built = builds["counts"]
    with app.app_context():  # every department's, up to the clerk's clearance
        everyone = db.session.scalar(sa.select(sa.func.count()).select_from(Penalty).where(
            Penalty.level.in_(levels_up_to(USERS["clerk.sales"][2]))))
        db.session.remove()
    assert before is not None and before < everyone  # else the grant shows nothing
    response = propose(admin, "clerk", "penalty", "all", ("list", "view"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    decide(app, gm, latest_change(app).id, "approve")
    assert latest_change(app).status == "approved"
    assert card(clerk.get("/admin/").get_data(as_text=True), "penalty") == min(
        everyone, home.COUNT_CAP)
    assert builds["counts"] > built  # built again under the new grants


def test_a_statement_scoped_for_one_user_is_filtered_again_for_another(app, world):
    """``scoped`` lets a remembered statement run with the loader criteria it carries;
    carried for another user, the request's own are added (never fewer rules)."""
    from flask import g

    from models import AppUser
    from permissions import visible
    from permissions.scoping import Principal, _carries, scope_options, scoped

    with app.test_request_context():
        gm, clerk = (Principal.of(db.session.get(AppUser, world.users[name]))
                     for name in ("gm", "clerk.sales"))
        statement = scoped(sa.select(Complaint.id), gm)
        assert _carries(statement, scope_options(gm))
        assert not _carries(statement, scope_options(clerk))
        everything = set(db.session.scalars(sa.select(Complaint.id).execution_options(
            skip_visibility=True)))
        mine = set(db.session.scalars(sa.select(Complaint.id).where(
            visible(clerk, Complaint)).execution_options(skip_visibility=True)))
        assert mine < everything  # else this proves nothing
        g.scope_user, g.scope_options = clerk, scope_options(clerk)
        assert set(db.session.scalars(statement)) == mine
        g.scope_user, g.scope_options = gm, scope_options(gm)
        assert set(db.session.scalars(statement)) == set(db.session.scalars(
            sa.select(Complaint.id).where(visible(gm, Complaint)).execution_options(
                skip_visibility=True)))
        db.session.remove()
