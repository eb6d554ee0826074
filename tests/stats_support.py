"""Helpers of the statistics and report tests (this module holds no test): records made
directly in the database for a hand-counted period, and the figures read off a page."""
from __future__ import annotations

import html
import re
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from models import (
    ArchiveFile,
    Complaint,
    Customer,
    Loan,
    Penalty,
    ReturnLine,
    ReturnSlip,
    db,
)

from .test_complaints_support import shanghai

#: The hand-counted period: nothing else of the test world falls in it.
PERIOD = {"from": "2025-03-01", "to": "2025-04-30"}
#: Children first: what ``added_rows`` deletes afterwards.
ORDER = (Loan, Penalty, ReturnLine, ReturnSlip, ArchiveFile, Complaint, Customer)


def tables_of(page: str) -> dict[str, dict[str, dict[str, str]]]:
    """``{table key: {row heading: {column key: value}}}`` of a statistics page."""
    found = {}
    for key, body in re.findall(r'data-stat="([^"]+)">(.*?)</table>', page, re.S):
        rows = {}
        for heading, cells in re.findall(r'<tr data-row="([^"]*)">(.*?)</tr>', body, re.S):
            rows[html.unescape(heading)] = dict(
                re.findall(r'data-col="([^"]+)" data-value="([^"]*)"', cells))
        found[key] = rows
    return found


def make_records(app, world, level: str, tag: str, department: str = "service",
                 extra_lines: tuple = (), slip_fields: dict | None = None) -> dict:
    """One record of each counted kind at ``level``, dated in ``PERIOD``; returns
    ``{model: [ids]}``. ``tag`` keeps the texts apart (customer names, products)."""
    dept = world.departments[department]
    made: dict = {model: [] for model in ORDER}
    with app.app_context():
        customer = Customer(code=f"S-{tag}", name=f"统计客户{tag}", kind="retailer",
                            grade="A", region=f"区域{tag}", department_id=dept, level=level)
        db.session.add(customer)
        db.session.flush()
        complaint = Complaint(customer_id=customer.id, received_at=shanghai(
            "2025-04-02 09:00"), channel="email", kind="quality", severity="major",
            content="统计", product=f"产品{tag}", department_id=dept, level=level,
            notified_at=shanghai("2025-04-03 15:00"), status="notified")
        file = ArchiveFile(customer_id=customer.id, title=f"档案{tag}", category="sales",
                           department_id=dept, level=level, status="in_archive")
        slip = ReturnSlip(customer_id=customer.id, applied_on=date(2025, 4, 7),
                          arrived_on=date(2025, 4, 8), department_id=dept, level=level,
                          status="received", **(slip_fields or {}))
        slip.lines.append(ReturnLine(product=f"产品{tag}", quantity_claimed=Decimal("7"),
                                     quantity_counted=Decimal("6"), decision="credit"))
        for line in extra_lines:
            slip.lines.append(ReturnLine(**line))
        penalty = Penalty(issued_on=date(2025, 4, 9), responsible_department_id=dept,
                          kind="fine", amount=Decimal("300.00"), reason="统计",
                          status="approved", department_id=dept, level=level)
        db.session.add_all([complaint, file, slip, penalty])
        db.session.flush()
        loan = Loan(archive_file_id=file.id, borrower_id=world.users["clerk.service"],
                    purpose="统计", mode="take_out", due_date=date(2025, 4, 20),
                    status="lent", department_id=dept, level=level,
                    created_at=datetime(2025, 4, 10, 2, 0))
        db.session.add(loan)
        db.session.commit()
        for record in (customer, complaint, file, slip, penalty, loan, *slip.lines):
            made[type(record)].append(record.id)
        db.session.remove()
    return made


def delete_records(app, made: dict) -> None:
    with app.app_context():
        for model in ORDER:
            ids = made.get(model) or []
            if ids:
                db.session.execute(sa.delete(model).where(model.id.in_(ids)))
        db.session.commit()
        db.session.remove()
