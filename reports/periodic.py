"""Periodic reports: pages the office reads every month or for a period, each with a
print view and an XLSX download, all read through ``visible()``.

* the GM office's monthly review of last month's closed complaints (001 篇8 (十)1,
  due by the 10th; reviewed on ``MonthlyReview``, whose "mark reviewed" step is audited);
* the monthly quality-feedback summary (003 三友手册 主要职责 E: 每月25日上交质量信息反馈
  总结 to marketing, production, quality, purchasing and engineering): last month's
  quality complaints and returns by product;
* the customer composition (001 篇3 第四条3: grade, kind, region), as of now;
* the loan register (借阅登记簿, 001 第5篇 5.11.1) for a period;
* the overdue register: every late complaint, loan, return step and archive transfer
  as of today.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from admin_views.fields import utc_to_local
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
from models.choices import (
    CUSTOMER_KINDS,
    GRADES,
    HANDLINGS,
    LOAN_MODES,
    LOAN_STATUSES,
    OUTSIDE_ORGANS,
    RETURN_DECISIONS,
    SEVERITIES,
)
from models.monthly_review import previous_month
from permissions import can, visible
from permissions.core import today
from permissions.scoping import actor

from .filters import Period
from .sql import between_days
from .statistics import customer_tables, department_names
from .tables import Column, Table

MAX_LIST_ROWS = 5000
"""Rows of one register (a page beyond a month of an office's records is an export)."""


@dataclass(frozen=True)
class PeriodicReport:
    key: str
    title: object
    model: type
    """Readers are those who may list these records; figures are what they may see."""
    period: str
    """``month`` (a calendar month, default last month), ``range`` (default this
    month) or ``now`` (as of today)."""
    build: Callable[[Period], list[Table]]
    due_day: int | None = None
    """Day of the following month by which the report is due (None: on demand)."""
    recipients: object = ""


def month_period(month: date) -> Period:
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Period(month, last)


def _seen(model, *conditions):
    return [visible(actor(), model), *conditions]


def _local(value):
    return utc_to_local(value) if value is not None else None


def _label(choices: dict, code) -> str:
    return str(choices.get(code, code)) if code else ""


# -- 1. the monthly review of closed complaints ---------------------------------------

def closed_complaints(period: Period) -> list[Table]:
    rows = db.session.scalars(
        sa.select(Complaint).where(*_seen(
            Complaint, Complaint.status == "closed",
            between_days(Complaint.closed_at, period.first, period.last)))
        .options(selectinload(Complaint.customer), selectinload(Complaint.responsible_department))
        .order_by(Complaint.closed_at, Complaint.id).limit(MAX_LIST_ROWS)).all()
    ids = [c.id for c in rows]
    sanctions = set(db.session.scalars(sa.select(Penalty.complaint_id).where(
        *_seen(Penalty, Penalty.complaint_id.in_(ids), Penalty.kind == "sanction")))) \
        if ids else set()
    on_time = sum(1 for c in rows if c.handled_on_time is True)
    late = sum(1 for c in rows if c.handled_on_time is False)
    summary = Table("review-summary", _l("Closed complaints: summary"), _l("Figure"),
                    [Column("count", _l("Number"))],
                    [(str(_l("Complaints closed")), [len(rows)]),
                     (str(_l("Handled on time")), [on_time]),
                     (str(_l("Handled late")), [late]),
                     (str(_l("With an administrative sanction")), [len(sanctions)])],
                    _l("Complaints closed in the month (Shanghai time) that you may see; "
                       "those with an administrative sanction go to personnel for the "
                       "personnel notice."), chart=None)
    listing = Table(
        "review-closed", _l("Complaints closed in the month"), _l("Complaint number"),
        [Column("received", _l("Received at"), "datetime"),
         Column("closed", _l("Closed at"), "datetime"),
         Column("customer", _l("Customer"), "text"),
         Column("severity", _l("Severity"), "text"),
         Column("responsible", _l("Responsible department"), "text"),
         Column("handling", _l("Handling"), "text"),
         Column("on_time", _l("Handled on time"), "text"),
         Column("loss", _l("Loss amount (CNY)"), "amount"),
         Column("sanction", _l("Administrative sanction"), "text")],
        [(c.number or str(c.id), [
            _local(c.received_at), _local(c.closed_at), str(c.customer or ""),
            _label(SEVERITIES, c.severity),
            c.responsible_department.name if c.responsible_department else "",
            _label(HANDLINGS, c.handling),
            "" if c.handled_on_time is None else str(_l("Yes") if c.handled_on_time
                                                     else _l("No")),
            c.loss_amount, str(_l("Yes")) if c.id in sanctions else ""]) for c in rows],
        chart=None)
    return [summary, listing]


# -- 2. the quality-feedback summary ---------------------------------------------------

def quality_feedback(period: Period) -> list[Table]:
    complaints = db.session.execute(
        sa.select(Complaint.product, sa.func.count(),
                  sa.func.sum(Complaint.quantity_affected))
        .where(*_seen(Complaint, Complaint.kind == "quality",
                      between_days(Complaint.received_at, period.first, period.last)))
        .group_by(Complaint.product).order_by(sa.func.count().desc(), Complaint.product)
    ).all()
    quality = Table("quality-complaints", _l("Quality complaints by product"),
                    _l("Product"),
                    [Column("count", _l("Complaints")),
                     Column("quantity", _l("Quantity affected"), "quantity", charted=False)],
                    [(product or "—", [n, Decimal(q or 0)]) for product, n, q in complaints],
                    _l("Quality complaints received in the month."))
    decided = sa.func.count().filter(ReturnLine.decision.is_not(None))
    returns = db.session.execute(
        sa.select(ReturnLine.product, sa.func.count(), sa.func.sum(ReturnLine.quantity_claimed),
                  sa.func.sum(ReturnLine.quantity_counted), decided,
                  *(sa.func.count().filter(ReturnLine.decision == code)
                    for code in RETURN_DECISIONS))
        .join(ReturnSlip, ReturnSlip.id == ReturnLine.slip_id)
        .where(*_seen(ReturnSlip, between_days(ReturnSlip.applied_on, period.first,
                                               period.last)))
        .group_by(ReturnLine.product).order_by(sa.func.count().desc(), ReturnLine.product)
    ).all()
    lines = Table("quality-returns", _l("Returned products"), _l("Product"),
                  [Column("lines", _l("Lines"), charted=False),
                   Column("claimed", _l("Quantity claimed"), "quantity"),
                   Column("counted", _l("Quantity counted"), "quantity"),
                   Column("decided", _l("Lines decided"), charted=False),
                   *(Column(code, label, charted=False)
                     for code, label in RETURN_DECISIONS.items())],
                  [(product, [n, Decimal(c or 0), Decimal(k or 0), d, *by])
                   for product, n, c, k, d, *by in returns],
                  _l("Lines of the return slips applied for in the month."))
    return [quality, lines]


# -- 3. customer composition -----------------------------------------------------------

def customer_composition(period: Period) -> list[Table]:
    counts = {(g, k): n for g, k, n in db.session.execute(
        sa.select(Customer.grade, Customer.kind, sa.func.count())
        .where(*_seen(Customer)).group_by(Customer.grade, Customer.kind))}
    matrix = Table("composition-grade-kind", _l("Customers by grade and kind"), _l("Grade"),
                   [*(Column(code, label) for code, label in CUSTOMER_KINDS.items()),
                    Column("total", _l("Total"), charted=False)],
                   [(str(label), [*(counts.get((g, k), 0) for k in CUSTOMER_KINDS),
                                  sum(counts.get((g, k), 0) for k in CUSTOMER_KINDS)])
                    for g, label in GRADES.items()],
                   _l("Customers as of now; the grade decides how often they are visited."))
    regions = next(t for t in customer_tables(Period(period.first, period.last))
                   if t.key == "customers-by-region")
    return [matrix, regions]


# -- 4. the loan register --------------------------------------------------------------

def loan_register(period: Period) -> list[Table]:
    loans = db.session.scalars(
        sa.select(Loan).where(*_seen(Loan, between_days(Loan.created_at, period.first,
                                                        period.last)))
        .options(selectinload(Loan.archive_file), selectinload(Loan.borrower))
        .order_by(Loan.created_at, Loan.id).limit(MAX_LIST_ROWS)).all()
    names = _user_names({i for loan in loans for i in (loan.approved_by_id,
                                                        loan.legal_approved_by_id)})
    return [Table(
        "loan-register", _l("Loan register"), _l("Requested at"),
        [Column("file", _l("Archive file"), "text"),
         Column("borrower", _l("Borrower"), "text"),
         Column("purpose", _l("Purpose"), "text"),
         Column("mode", _l("Mode"), "text"),
         Column("approved_by", _l("Decided by"), "text"),
         Column("legal", _l("Approved by the legal office"), "text"),
         Column("lent", _l("Lent at"), "datetime"),
         Column("due", _l("Return by"), "date"),
         Column("returned", _l("Returned at"), "datetime"),
         Column("status", _l("Status"), "text")],
        [(_local(loan.created_at).strftime("%Y-%m-%d %H:%M"), [
            str(loan.archive_file or ""),
            loan.borrower.full_name if loan.borrower else outside_borrower(loan),
            loan.purpose, _label(LOAN_MODES, loan.mode), names.get(loan.approved_by_id, ""),
            names.get(loan.legal_approved_by_id, ""), _local(loan.lent_at), loan.due_date,
            _local(loan.returned_at), _label(LOAN_STATUSES, loan.status)]) for loan in loans],
        _l("Every loan requested in the period: who borrowed which file, why, who approved, "
           "when it left and came back."), chart=None)]


def outside_borrower(loan) -> str:
    """Police, procuratorate or court staff: name, organ, credential and notice."""
    organ = _label(OUTSIDE_ORGANS, loan.outside_organ)
    return f"{loan.outside_name or ''} ({organ}, {loan.credential_number or ''}, " \
        f"{loan.inquiry_notice_no or ''})"


def _user_names(ids) -> dict:
    from .forms import user_names
    return user_names(ids)


# -- 5. the overdue register -------------------------------------------------------------

def overdue_register(period: Period) -> list[Table]:
    day = today()
    names = department_names()
    tables = []
    if can(actor(), "list", Complaint):
        late = db.session.scalars(sa.select(Complaint).where(*_seen(
            Complaint, sa.or_(Complaint.late_clause(day), Complaint.step_late_clause(day))))
            .order_by(Complaint.effective_due_date, Complaint.id).limit(MAX_LIST_ROWS)).all()
        tables.append(Table(
            "overdue-complaints", _l("Overdue complaints"), _l("Complaint number"),
            [Column("department", _l("Department"), "text"),
             Column("due", _l("Due date"), "date"),
             Column("reason", _l("Late"), "text")],
            [(c.number or str(c.id), [names.get(c.reminder_department_id, ""),
                                      c.current_due_date, str(c.late_reason(day) or "")])
             for c in late], chart=None))
    for model, key, title in ((Loan, "overdue-loans", _l("Overdue loans")),
                              (ReturnSlip, "overdue-returns",
                               _l("Late inspection and decision steps")),
                              (ArchiveFile, "overdue-transfers",
                               _l("Archive files past their transfer date"))):
        if not can(actor(), "list", model):
            continue
        records = db.session.scalars(sa.select(model).where(*_seen(
            model, model.late_clause(day))).order_by(model.id).limit(MAX_LIST_ROWS)).all()
        tables.append(Table(key, title, model.Admin.label, [
            Column("department", _l("Department"), "text"),
            Column("reason", _l("Late"), "text")],
            [(str(r), [names.get(r.department_id, ""), str(r.late_reason(day) or "")])
             for r in records], chart=None))
    return tables


REPORTS: tuple[PeriodicReport, ...] = (
    PeriodicReport("closed-complaints", _l("Monthly review of closed complaints"),
                   Complaint, "month", closed_complaints, due_day=10,
                   recipients=_l("General manager's office")),
    PeriodicReport("quality-feedback", _l("Monthly quality-feedback summary"), Complaint,
                   "month", quality_feedback, due_day=25,
                   recipients=_l("Marketing, production, quality, purchasing and "
                                 "engineering")),
    PeriodicReport("customer-composition", _l("Customer composition"), Customer, "now",
                   customer_composition),
    PeriodicReport("loan-register", _l("Loan register"), Loan, "range", loan_register),
    PeriodicReport("overdue-register", _l("Overdue register"), Complaint, "now",
                   overdue_register),
)
BY_KEY = {report.key: report for report in REPORTS}


def readable_reports() -> list[PeriodicReport]:
    return [r for r in REPORTS if can(actor(), "list", r.model)]


def default_month(day: date | None = None) -> date:
    return previous_month(day or today())
