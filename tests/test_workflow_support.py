"""Helpers shared by the ``test_workflow_*`` modules (this module holds no test).

Records are made directly in the database; ``clean`` removes every business row a test
added, so the shared world (and the permission matrix's counts) stay as built. The
fixtures are imported by their function names (``clean_fixture``…) and requested by
their fixture names (``clean``…), so an argument never shadows an import.
"""
from __future__ import annotations

import html
import itertools
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import session
from flask_login import login_user

from models import (
    REGISTRY,
    AppUser,
    ArchiveFile,
    AuditEvent,
    Contract,
    ContractReview,
    Loan,
    Penalty,
    ReturnLine,
    ReturnSlip,
    db,
)
from models.numbering import local_date_of
from permissions.scoping import bind_request_user

SERIAL = itertools.count(1)
AUDIT_MARK = {"id": 0}

#: Business tables and their inline children: the rows a workflow test may add.
CLEANED = {*REGISTRY, "return_line", "contract_review", "order_change"}
CLEANED |= {"survey_question", "survey_score"}  # lines of questionnaires, answer sheets


def today() -> date:
    return local_date_of(None)


@pytest.fixture(name="clean")
def clean_fixture(app):
    """Delete, after the test, every row it added to a business table."""
    with app.app_context():
        marks = {table.name: db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0
                 for table in db.metadata.sorted_tables
                 if table.name in CLEANED and "id" in table.c}
        # Ids of deleted rows come back (SQLite): older audit events are not this test's.
        AUDIT_MARK["id"] = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
        db.session.remove()
    yield
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            if table.name in marks:
                db.session.execute(sa.delete(table).where(table.c.id > marks[table.name]))
        db.session.commit()
        db.session.remove()


@pytest.fixture(name="user_client")
def user_client_fixture(client_as):
    """``user_client("gm")``: conftest's ``client_as``, under this module's name."""
    return client_as


@contextmanager
def acting(app, world, username: str):
    """An application context of its own (its own database session) inside a request
    of ``username``: what one user's request sees, without going through HTTP."""
    with app.app_context(), app.test_request_context():
        session["locale"] = "en"
        user = db.session.get(AppUser, world.users[username])
        login_user(user)
        bind_request_user(user)
        try:
            yield user
        finally:
            db.session.rollback()
            db.session.remove()


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def step(client, table: str, record_id: int, name: str, **fields):
    """Fire a step through the detail page's form; returns the page shown afterwards."""
    return client.post(f"/admin/{table}/transition/",
                       data={"id": record_id, "transition": name, **fields},
                       follow_redirects=True)


def bulk(client, table: str, name: str, ids):
    return client.post(f"/admin/{table}/action/",
                       data={"action": name, "rowid": [str(i) for i in ids]},
                       follow_redirects=True)


def fetch(app, model, pk: int, *fields):
    """Current values of ``fields`` of one row (read in a fresh session)."""
    with app.app_context():
        record = db.session.get(model, pk)
        values = tuple(getattr(record, field) for field in fields) if record else None
        db.session.remove()
    return values if len(fields) != 1 or values is None else values[0]


def transitions_logged(app, table: str, pk: int) -> list[str]:
    """The ``transition`` audit events of one record in this test, oldest first."""
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEvent.changes).where(
            AuditEvent.id > AUDIT_MARK["id"],
            AuditEvent.action == "transition", AuditEvent.model == table,
            AuditEvent.record_id == str(pk)).order_by(AuditEvent.id)).all()
        db.session.remove()
    return rows


def row_of(world, table: str, department: str = "service", level: str = "internal"):
    return next(r for r in world.rows_of(table)
                if r.department == department and r.level == level)


def dept(world, code: str = "service") -> int:
    return world.departments[code]


def add(app, record):
    with app.app_context():
        db.session.add(record)
        db.session.commit()
        pk = record.id
        db.session.remove()
    return pk


# -- record makers ----------------------------------------------------------------------

def make_penalty(app, world, status="proposed", department="service", **values) -> int:
    values.setdefault("reason", "漏检导致批量投诉")
    values.setdefault("responsible_person", "马立新")
    values.setdefault("amount", Decimal("500"))
    values.setdefault("level", "internal")
    return add(app, Penalty(status=status, department_id=dept(world, department), **values))


def make_slip(app, world, status="applied", lines=(("电热水壶", "12"),), department="service",
              **values) -> int:
    values.setdefault("customer_id", row_of(world, "customer", department).id)
    values.setdefault("quality_problem", True)
    values.setdefault("sold_on", today() - timedelta(days=20))
    values.setdefault("level", "internal")
    slip = ReturnSlip(status=status, department_id=dept(world, department), **values)
    for product, claimed in lines:
        slip.lines.append(ReturnLine(product=product, quantity_claimed=Decimal(claimed)))
    return add(app, slip)


def make_contract(app, world, status="draft", reviews=(), department="service",
                  **values) -> int:
    values.setdefault("customer_id", row_of(world, "customer", department).id)
    values.setdefault("number", f"HT-T{next(SERIAL):04d}")
    values.setdefault("title", "加工协议")
    values.setdefault("level", "internal")
    contract = Contract(status=status, department_id=dept(world, department), **values)
    for aspect in reviews:
        contract.reviews.append(ContractReview(aspect=aspect, opinion="同意", reviewer="张工"))
    return add(app, contract)


def make_file(app, world, status="in_archive", department="service", **values) -> int:
    values.setdefault("customer_id", row_of(world, "customer", department).id)
    values.setdefault("title", "客户销售档案")
    values.setdefault("level", "internal")
    if status in ("in_archive", "on_loan"):
        values.setdefault("room", "一号档案室")
        values.setdefault("cabinet", "A-01")
        values.setdefault("shelf", "1")
    return add(app, ArchiveFile(status=status, department_id=dept(world, department),
                                **values))


def make_loan(app, world, file_id: int, borrower="clerk.service", status="requested",
              department="service", **values) -> int:
    values.setdefault("purpose", "核对历史交易记录")
    values.setdefault("due_date", today() + timedelta(days=7))
    if borrower is not None:
        values["borrower_id"] = world.users[borrower]
    values.setdefault("requested_by_id", world.users[borrower or "supervisor"])
    return add(app, Loan(archive_file_id=file_id, status=status,
                         department_id=dept(world, department), **values))


def outside_borrower() -> dict:
    return {"outside_name": "罗振东", "outside_organ": "police",
            "credential_type": "police_card", "credential_number": "044127",
            "inquiry_notice_no": "惠公大协查字〔2026〕第0186号"}
