"""Complaint due dates in working days, provisional dates, and the GM office's extension.

Holiday expectations: see tests/records/test_workdays.py (State Council notice
国办发明电〔2025〕7号).
"""
from __future__ import annotations

from datetime import datetime

import pytest

from models import Complaint, db, workdays

from ..test_complaints_support import (  # noqa: F401  (fixtures)
    SHANGHAI,
    D,
    as_user_fixture,
    clean_complaints_fixture,
    lagging_calendar,
    step,
)
from ..test_complaints_support import load as load_row
from ..test_complaints_support import register as register_row


def register(app, world, received: str, severity: str = "general", **fields) -> int:
    return register_row(app, world, received, severity, **fields)


def load(app, complaint_id: int) -> Complaint:
    return load_row(app, Complaint, complaint_id)


# -- the due date ----------------------------------------------------------------------

@pytest.mark.parametrize("received, severity, due", [
    ("2026-02-13 09:00", "general", "2026-02-14"),  # make-up Saturday of Spring Festival
    ("2026-02-13 09:00", "major", "2026-02-25"),
    ("2026-02-18 15:00", "general", "2026-02-24"),  # received during the holiday
    ("2026-09-30 10:00", "general", "2026-10-08"),  # eve of National Day
    ("2026-09-30 16:30", "major", "2026-10-10"),    # make-up Saturday after National Day
    ("2026-09-19 11:00", "general", "2026-09-20"),  # make-up Sunday before National Day
])
def test_due_date_counts_working_days_after_the_day_of_receipt(app, world, received,
                                                               severity, due):
    complaint = load(app, register(app, world, received, severity))
    assert complaint.due_date == D(due)
    assert complaint.effective_due_date == D(due)
    assert complaint.due_date_provisional is False


def test_the_day_of_receipt_is_the_shanghai_day(app, world):
    """23:59 on Friday 13 February in Shanghai is still the 13th (due on the make-up
    Saturday); one minute later it is the 14th (due after the holiday)."""
    before = load(app, register(app, world, "2026-02-13 23:59"))
    after = load(app, register(app, world, "2026-02-14 00:00"))
    assert before.received_at == datetime(2026, 2, 13, 15, 59)  # stored in UTC
    assert (before.due_date, after.due_date) == (D("2026-02-14"), D("2026-02-24"))


def test_changing_the_severity_moves_the_due_date(app, world):
    complaint_id = register(app, world, "2026-09-30 10:00")
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        complaint.severity = "major"
        db.session.commit()
        assert complaint.due_date == D("2026-10-10")


def test_deadlines_are_configurable(app, world, monkeypatch):
    monkeypatch.setattr(Complaint, "deadlines", {"general": 2, "major": 5})
    complaint = load(app, register(app, world, "2026-09-30 10:00"))
    assert complaint.due_date == D("2026-10-09")


# -- dates the calendar does not cover yet ---------------------------------------------------

def test_uncovered_date_gives_a_provisional_due_date_and_registration_succeeds(
        app, world, monkeypatch):
    monkeypatch.setattr(workdays, "official_is_workday", lagging_calendar(2027))
    general = load(app, register(app, world, "2026-12-31 10:00"))
    major = load(app, register(app, world, "2026-12-31 10:00", "major"))
    assert (general.due_date, general.due_date_provisional) == (D("2027-01-01"), True)
    assert (major.due_date, major.due_date_provisional) == (D("2027-01-05"), True)
    assert general.number.startswith("2612")


def test_provisional_due_date_is_marked_in_the_list_and_details(app, world, as_user,
                                                                monkeypatch):
    monkeypatch.setattr(workdays, "official_is_workday", lagging_calendar(2027))
    complaint = load(app, register(app, world, "2026-12-31 11:00"))
    client = as_user("clerk.service")
    details = client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(as_text=True)
    assert 'data-flag="provisional"' in details and "2027-01-01" in details
    listing = client.get(f"/admin/complaint/?search={complaint.number}").get_data(as_text=True)
    row = listing[listing.index(f"id={complaint.id}&"):]
    assert 'data-flag="provisional"' in row[:3000]


def test_provisional_is_exported_as_plain_text(app, world, as_user, monkeypatch):
    monkeypatch.setattr(workdays, "official_is_workday", lagging_calendar(2027))
    complaint = load(app, register(app, world, "2026-12-31 12:00"))
    client = as_user("supervisor")
    export = client.get(f"/admin/complaint/export/csv/?search={complaint.number}")
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    assert "2027-01-01 (provisional)" in text and "<span" not in text


def test_recompute_deadlines_fixes_provisional_dates_once_the_calendar_knows_them(
        app, world, monkeypatch):
    monkeypatch.setattr(workdays, "official_is_workday", lagging_calendar(2027))
    complaint_id = register(app, world, "2026-12-31 13:00")
    runner = app.test_cli_runner()

    still = runner.invoke(args=["recompute-deadlines"])
    assert still.exit_code == 0, still.output
    assert "still provisional" in still.output and "upgrade" in still.output
    assert load(app, complaint_id).due_date_provisional is True

    # The package is updated: 1 January 2027 is New Year's Day.
    monkeypatch.setattr(workdays, "official_is_workday",
                        lagging_calendar(2027, covered={D("2027-01-01"): False}))
    fixed = runner.invoke(args=["recompute-deadlines"])
    assert fixed.exit_code == 0, fixed.output
    complaint = load(app, complaint_id)
    assert (complaint.due_date, complaint.due_date_provisional) == (D("2027-01-04"), False)
    assert complaint.effective_due_date == D("2027-01-04")
    assert "0 still provisional" in fixed.output


def test_registration_through_the_form_never_fails_on_an_uncovered_date(
        app, world, as_user, monkeypatch):
    """The calendar lags even for today: the clerk still registers, with a provisional
    due date."""
    monkeypatch.setattr(workdays, "official_is_workday", lagging_calendar(2000))
    client = as_user("clerk.service")
    now = datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    response = client.post("/admin/complaint/new/", data={
        "customer": world.rows_of("customer")[1].id, "received_at": now,
        "channel": "phone", "content": "表单登记-暂定期限", "kind": "quality",
        "severity": "general", "department": world.departments["service"],
        "level": "internal"}, follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        complaint = db.session.scalars(db.select(Complaint).where(
            Complaint.content == "表单登记-暂定期限")).one()
        assert complaint.number and complaint.due_date_provisional is True


# -- extension by the GM office ----------------------------------------------------------------

@pytest.fixture
def gm(as_user):
    return as_user("gm")


@pytest.fixture
def major(app, world):
    """A major complaint received on the eve of National Day: due 2026-10-10; an
    extension may reach 2026-10-15 (7 working days)."""
    complaint_id = register(app, world, "2026-09-30 10:00", "major")
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        complaint.status = "investigating"
        db.session.commit()
    return complaint_id


def test_gm_office_extends_a_major_complaint_and_the_status_stays(app, gm, major):
    details = gm.get(f"/admin/complaint/details/?id={major}").get_data(as_text=True)
    assert 'value="extend"' in details
    page = step(gm, major, "extend", extended_due_date="2026-10-15")
    complaint = load(app, major)
    assert complaint.extended_due_date == D("2026-10-15"), page
    assert complaint.effective_due_date == D("2026-10-15")
    assert complaint.due_date == D("2026-10-10")  # the original stays on record
    assert complaint.status == "investigating"
    assert 'data-flag="extended"' in gm.get(
        f"/admin/complaint/details/?id={major}").get_data(as_text=True)


@pytest.mark.parametrize("value, message", [
    ("2026-10-16", "at most 7 working days after receipt, i.e. on or before 2026-10-15"),
    ("2026-10-10", "must be after the due date (2026-10-10)"),
    ("16/10/2026", "enter a date as YYYY-MM-DD"),
    ("", "is required"),
])
def test_extension_beyond_the_limit_or_malformed_is_refused_naming_the_field(
        app, gm, major, value, message):
    page = step(gm, major, "extend", extended_due_date=value)
    assert message in page
    assert "Extended due date" in page
    complaint = load(app, major)
    assert complaint.extended_due_date is None
    assert complaint.effective_due_date == D("2026-10-10")


def test_the_extension_limit_is_configurable(app, gm, major, monkeypatch):
    monkeypatch.setattr(Complaint, "max_extension", 5)
    page = step(gm, major, "extend", extended_due_date="2026-10-14")
    assert "at most 5 working days after receipt, i.e. on or before 2026-10-13" in page
    assert load(app, major).extended_due_date is None


def test_a_general_complaint_is_not_extended(app, world, gm):
    complaint_id = register(app, world, "2026-09-30 10:00", "general")
    details = gm.get(f"/admin/complaint/details/?id={complaint_id}").get_data(as_text=True)
    assert 'value="extend"' not in details
    step(gm, complaint_id, "extend", extended_due_date="2026-10-09")
    assert load(app, complaint_id).extended_due_date is None


@pytest.mark.parametrize("username", ["clerk.service", "supervisor", "auditor"])
def test_only_the_gm_office_extends(app, as_user, major, username):
    client = as_user(username)
    details = client.get(f"/admin/complaint/details/?id={major}").get_data(as_text=True)
    assert 'value="extend"' not in details
    client.post("/admin/complaint/transition/", follow_redirects=True,
                data={"id": major, "transition": "extend", "extended_due_date": "2026-10-12"})
    assert load(app, major).extended_due_date is None


def test_a_closed_complaint_is_not_extended(app, gm, major):
    with app.app_context():
        db.session.get(Complaint, major).status = "closed"
        db.session.commit()
    step(gm, major, "extend", extended_due_date="2026-10-12")
    assert load(app, major).extended_due_date is None
