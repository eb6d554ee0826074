"""Helpers shared by the ``test_complaints_*`` modules (this module holds no test).

Fixtures are imported by their function names (``as_user_fixture``…) and requested by
their names (``as_user``).

Complaints are made directly in the database; ``clean_complaints`` (autouse in each
module that imports it) removes every complaint and reminder a test added, so the
shared world — and the permission matrix's counts — stay as built. Number counters
are left as they are: a serial, once given, is never given again.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import sqlalchemy as sa

from models import Complaint, FollowUpCall, Reminder, db

SHANGHAI, UTC = ZoneInfo("Asia/Shanghai"), ZoneInfo("UTC")
D = date.fromisoformat
#: Tables a complaint test adds rows to, children first.
ADDED = (FollowUpCall, Reminder, Complaint)  # a closed complaint's 回访 falls due


@pytest.fixture(name="clean_complaints", autouse=True)
def clean_complaints_fixture(app):
    with app.app_context():
        marks = {model: db.session.scalar(sa.select(sa.func.max(model.id))) or 0
                 for model in ADDED}
        db.session.remove()
    yield
    with app.app_context():
        db.session.execute(sa.update(Complaint).where(Complaint.id > marks[Complaint])
                           .values(reopened_from_id=None))
        for model in ADDED:
            db.session.execute(sa.delete(model).where(model.id > marks[model]))
        db.session.commit()
        db.session.remove()


def shanghai(text: str) -> datetime:
    """``'2026-09-30 10:00'`` in Shanghai → naive UTC, as DateTime columns store it."""
    moment = datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC).replace(tzinfo=None)


def register(app, world, received: str | datetime = "2026-09-30 10:00",
             severity: str = "general", status: str = "registered", department="service",
             level="internal", **fields) -> int:
    """A complaint registered directly in the database; ``received`` in Shanghai time
    (text) or naive UTC (datetime). Returns its id."""
    received_at = shanghai(received) if isinstance(received, str) else received
    with app.app_context():
        complaint = Complaint(
            customer_id=world.rows_of("customer")[0].id, received_at=received_at,
            department_id=world.departments[department], content="到货破损", level=level,
            severity=severity, status=status, **fields)
        db.session.add(complaint)
        db.session.commit()
        return complaint.id


def load(app, model, pk: int):
    """One row, read in a fresh session and detached (its attributes stay readable)."""
    with app.app_context():
        record = db.session.get(model, pk)
        db.session.expunge(record)
        return record


@pytest.fixture(name="as_user")
def as_user_fixture(client_as):
    """``as_user("gm")``: conftest's ``client_as``, under this module's name."""
    return client_as


def step(client, complaint_id: int, name: str, **values) -> str:
    """Fire a step through the detail page's form; the page shown afterwards."""
    response = client.post("/admin/complaint/transition/", follow_redirects=True,
                           data={"id": complaint_id, "transition": name, **values})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def lagging_calendar(first_missing_year: int, covered: dict | None = None):
    """The calendar lookup before the State Council's notice for ``first_missing_year``;
    with ``covered`` (day → working?), as it is after the package's update."""
    real = chinese_calendar.is_workday

    def is_workday(day):
        if day.year >= first_missing_year:
            if covered is None:
                raise NotImplementedError(f"no data for {day.year}")
            return covered.get(day, day.weekday() < 5)
        return real(day)
    return is_workday
