"""The demo data set (``demo.seed``) on a database of its own, SQLite and PostgreSQL.

The suite's shared ``app`` already holds the permission-test world (same usernames and
department codes), so the demo gets a separate app and database, seeded once per module.
"""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
import sqlalchemy as sa

from demo import DEMO_PASSWORD, USERS, seed
from models import (
    AppUser,
    ArchiveFile,
    Complaint,
    Contract,
    Customer,
    Loan,
    OrderChange,
    Penalty,
    ReturnLine,
    ReturnSlip,
    db,
)
from models.choices import ARCHIVE_CATEGORIES, CHANNELS, CUSTOMER_KINDS, GRADES, LEVELS
from models.numbering import local_date_of

from ..conftest import fresh_database
from ..test_audit_support import disposed, make_app

STATEFUL = (Contract, Complaint, Penalty, ReturnSlip, ArchiveFile, Loan)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_url(request, tmp_path_factory):
    """An empty database for the demo only (PostgreSQL: created here, dropped after)."""
    yield from fresh_database(request, tmp_path_factory, "demo")


@pytest.fixture(scope="module")
def demo_app(demo_url, tmp_path_factory):
    with disposed(make_app(demo_url, tmp_path_factory, world=False, demo=True)) as app:
        yield app


@pytest.fixture
def ctx(demo_app):
    with demo_app.app_context():
        yield
        db.session.rollback()


def values(column) -> set:
    return set(db.session.scalars(sa.select(column).distinct()))


def row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_second_seed_changes_nothing(ctx):
    before = row_counts()
    assert seed() is False
    db.session.commit()
    assert row_counts() == before
    assert before["customer"] >= 35 and before["app_user"] == len(USERS)


@pytest.mark.parametrize("model", STATEFUL, ids=lambda model: model.__tablename__)
def test_every_status_is_present(ctx, model):
    assert values(model.status) == set(model.statuses)


def test_archive_files_cover_levels_and_categories(ctx):
    # Customer files are company C at least (001 篇7 5.1.5): no public file.
    assert values(ArchiveFile.level) == set(LEVELS) - {"public"}
    assert values(ArchiveFile.category) == set(ARCHIVE_CATEGORIES)
    in_room = db.session.scalars(sa.select(ArchiveFile).where(
        ArchiveFile.status.in_(("in_archive", "on_loan")))).all()
    assert in_room and all(f.room and f.cabinet and f.shelf for f in in_room)
    late = db.session.scalars(sa.select(ArchiveFile).where(
        ArchiveFile.status == "with_department",
        ArchiveFile.transfer_due_on < date(2026, 11, 10))).all()
    assert late, "some files should be past their transfer date"
    assert any(f.references for f in db.session.scalars(sa.select(ArchiveFile)))


def test_customers(ctx):
    customers = db.session.scalars(sa.select(Customer)).all()
    assert 35 <= len(customers) <= 45
    assert {c.grade for c in customers} == set(GRADES)
    assert {c.kind for c in customers} == set(CUSTOMER_KINDS)
    assert {c.level for c in customers} == set(LEVELS)
    assert all(c.phone and c.account_manager and c.patrol_visitor for c in customers)
    assert not any(c.warnings() for c in customers)


def test_records_are_numbered_and_scoped(ctx):
    for model in (Complaint, Penalty, ReturnSlip, ArchiveFile):
        assert None not in values(model.number), model.__name__
    for model in (Customer, *STATEFUL):
        assert None not in values(model.department_id), model.__name__
    # 2611001 is the first complaint received in November 2026 (Shanghai time).
    first = db.session.scalars(sa.select(Complaint).order_by(Complaint.received_at)).all()
    november = [c for c in first if local_date_of(c.received_at) >= date(2026, 11, 1)]
    assert november[0].number == "2611001"
    assert all(c.number.startswith("2611") for c in november)


def test_complaints_cover_the_choices(ctx):
    assert values(Complaint.severity) == {"general", "major"}
    assert values(Complaint.kind) == {"quality", "non_quality"}
    assert values(Complaint.channel) == set(CHANNELS)
    reopened = db.session.scalars(sa.select(Complaint).where(
        Complaint.reopened_from_id.is_not(None))).all()
    assert reopened and all(c.reopened_from.status == "closed" for c in reopened)
    statuses = list(Complaint.statuses)
    for complaint in db.session.scalars(sa.select(Complaint)):
        rank = statuses.index(complaint.status)
        if rank >= statuses.index("responsibility_determined"):
            assert complaint.cause_analysis and complaint.responsible_department_id
        if rank >= statuses.index("handling_proposed"):
            assert complaint.handling
        if rank >= statuses.index("approved"):
            assert complaint.approved_by_id and complaint.approved_at
        if rank >= statuses.index("notified"):
            assert complaint.notified_at
        assert (complaint.closed_at is not None) == (complaint.status == "closed")


def nth_working_day_after(start: date, count: int) -> date:
    """Counted with chinese_calendar directly, not with the application's helper."""
    day = start
    while count:
        day += timedelta(days=1)
        count -= chinese_calendar.is_workday(day)
    return day


def test_national_day_deadlines(ctx):
    eve = date(2026, 9, 30)
    # The 2026 State Council notice: 1-7 October off; Sunday 20 September and Saturday
    # 10 October are make-up working days. So the first working day after the eve is 8 October.
    assert nth_working_day_after(eve, 1) == date(2026, 10, 8)
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    complaints = [c for c in db.session.scalars(sa.select(Complaint))
                  if local_date_of(c.received_at) == eve]
    assert len(complaints) >= 3
    assert {c.severity for c in complaints} == {"general", "major"}
    # One was received just after midnight: still 29 September in UTC.
    assert any(c.received_at.date() == date(2026, 9, 29) for c in complaints)
    for complaint in complaints:
        days = Complaint.deadlines[complaint.severity]
        assert complaint.due_date == nth_working_day_after(eve, days), complaint.number
        assert complaint.due_date > date(2026, 10, 7)
        assert not complaint.due_date_provisional
    general = [c for c in complaints if c.severity == "general"]
    assert general and all(c.due_date == date(2026, 10, 8) for c in general)
    extended = [c for c in complaints if c.extended_due_date]
    assert extended and all(
        c.due_date < c.extended_due_date <= nth_working_day_after(eve, Complaint.max_extension)
        for c in extended)


def test_penalties(ctx):
    penalties = db.session.scalars(sa.select(Penalty)).all()
    assert all(p.complaint_id for p in penalties)
    assert all(p.decision_reason for p in penalties if p.status == "rejected")
    assert all(p.decided_by_id for p in penalties if p.status != "proposed")
    correction = [p for p in penalties if p.corrects_id]
    assert correction and correction[0].corrects.status == "approved"
    assert {p.kind for p in penalties} == {"bonus_deduction", "fine", "sanction", "reward"}


def test_return_slips(ctx):
    statuses = list(ReturnSlip.statuses)
    for slip in db.session.scalars(sa.select(ReturnSlip)):
        assert 1 <= len(slip.lines) <= 3
        rank = statuses.index(slip.status)
        if rank >= statuses.index("received"):
            assert slip.arrived_on and all(line.quantity_counted is not None
                                           for line in slip.lines)
        if rank >= statuses.index("decided"):
            assert slip.decided_on and all(line.decision for line in slip.lines)
    rejected = db.session.scalars(sa.select(ReturnLine).where(
        ReturnLine.decision == "rejected")).all()
    assert rejected and all(line.decision_reason for line in rejected)


def test_contracts(ctx):
    for contract in db.session.scalars(sa.select(Contract)):
        if contract.status == "draft":
            assert not contract.reviews
        else:
            assert contract.reviews
        if contract.status in ("quote_approved", "signed", "in_force", "completed",
                               "terminated"):
            assert {r.aspect for r in contract.reviews} == {
                "production", "quality", "materials"}
            assert contract.quote_approved_by_id
    assert {c.level for c in db.session.scalars(sa.select(Contract))} == {
        "confidential", "internal"}
    changed = db.session.scalars(sa.select(OrderChange)).all()
    assert any(change.contract.status == "signed" for change in changed)


def test_loans(ctx):
    loans = db.session.scalars(sa.select(Loan)).all()
    open_files = [loan.archive_file_id for loan in loans
                  if loan.status in ("approved", "lent")]
    assert len(open_files) == len(set(open_files))
    for loan in loans:
        assert loan.level == loan.archive_file.level
        assert loan.department_id == loan.requested_by.department_id
        if loan.borrower_id:
            assert loan.requested_by_id == loan.borrower_id
    outside = [loan for loan in loans if loan.borrower_id is None]
    assert {loan.outside_organ for loan in outside} == {"police", "court"}
    assert all(loan.inquiry_notice_no for loan in outside)
    assert all(loan.decision_reason for loan in loans if loan.status == "rejected")
    assert all(loan.archive_file.status == "on_loan" for loan in loans
               if loan.status == "lent")


@pytest.mark.parametrize("username", [username for username, *_ in USERS])
def test_demo_account_logs_in(demo_app, username):
    client = demo_app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]
    with demo_app.app_context():
        user = db.session.scalar(sa.select(AppUser).where(AppUser.username == username))
        assert user.last_login_at is not None and user.full_name != username


def test_wrong_password_is_refused(demo_app):
    response = demo_app.test_client().post(
        "/login", data={"username": "admin", "password": "not-the-password"})
    assert response.status_code == 200
