"""The statistics screen's figures: each a ``Table``, counted in SQL through ``visible()``.

Every query starts from the reading user's visible rows (``visible(actor(), Model)``),
so no figure is built from a record above their clearance or outside their scope; a
table is offered only to users who may list its records. Figures are grouped in the
database (one scan per record type and period), never by loading records. Dates are
Shanghai days; a complaint counts in the month it was received, a verdict in the month
the customer was notified, a return in the month it was applied for, a loan in the
month it was requested, a notice in the month it was issued. Customer, archive and
overdue figures are as of now (no period).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from models import (
    ArchiveFile,
    Complaint,
    Customer,
    Department,
    Loan,
    Penalty,
    ReturnLine,
    ReturnSlip,
    db,
)
from models.choices import (
    ARCHIVE_STATUSES,
    CHANNELS,
    COMPLAINT_KINDS,
    CUSTOMER_KINDS,
    GRADES,
    LEVELS,
    LOAN_MODES,
    RETURN_DECISIONS,
    SEVERITIES,
)
from models.report_indexes import COMPLAINTS_RECEIVED
from permissions import can, visible
from permissions.core import today
from permissions.scoping import actor

from .filters import Period
from .sql import between_days, in_month, indexed_by, local_month, month_ranges, months_between
from .tables import Column, Table
from .tally import receipt_counts, verdict_counts

TOP = 10
"""Rows of the "top customers / products" lists."""
PENALTY_IN_FORCE = ("approved", "applied")
"""Notices whose amount counts: approved by the GM office (or carried out)."""


def _seen(model, period: Period, *conditions):
    """The user's visible rows of ``model``, in the department asked for."""
    clauses = [visible(actor(), model), *conditions]
    if period.department_id:
        clauses.append(model.department_id == period.department_id)
    return clauses


def department_names() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Department.id, Department.name)).all())


def _choice_columns(choices: dict) -> list[Column]:
    return [Column(code, label) for code, label in choices.items()]


def _with_total(columns: list[Column]) -> list[Column]:
    return [*columns, Column("total", _l("Total"), charted=False)]


def _pivot(counts: dict, rows: list[str], codes: list[str]) -> list[tuple[str, list]]:
    """Rows of per-code counts plus a total, for every row heading (zeros included)."""
    return [(row, [*(counts.get((row, code), 0) for code in codes),
                   sum(counts.get((row, code), 0) for code in codes)]) for row in rows]


# -- complaints --------------------------------------------------------------------

def complaint_tables(period: Period) -> list[Table]:
    """Per month: by kind, severity, channel, responsible department (the tally's
    whole months and a live count of the partial ones: ``reports/tally.py``)."""
    counts = receipt_counts(period.first, period.last, _seen(Complaint, period),
                            ("kind", "severity", "channel", "responsible"))
    by = {name: counts[name] for name in ("kind", "severity", "channel")}
    by["department"] = {(m, int(code) if code else 0): n
                        for (m, code), n in counts["responsible"].items()}
    months = months_between(period.first, period.last)
    names = department_names()
    responsible = sorted({code for _m, code in by["department"]},
                         key=lambda code: (code == 0, names.get(code, "")))
    month_label = _l("Month")
    note = _l("Complaints received in each month (Shanghai time).")
    tables = [
        Table("complaints-by-kind", _l("Complaints by kind"), month_label,
              _with_total(_choice_columns(COMPLAINT_KINDS)),
              _pivot(by["kind"], months, list(COMPLAINT_KINDS)), note),
        Table("complaints-by-severity", _l("Complaints by severity"), month_label,
              _with_total(_choice_columns(SEVERITIES)),
              _pivot(by["severity"], months, list(SEVERITIES)), note),
        Table("complaints-by-channel", _l("Complaints by channel"), month_label,
              _with_total(_choice_columns(CHANNELS)),
              _pivot(by["channel"], months, list(CHANNELS)), note),
        Table("complaints-by-responsible-department",
              _l("Complaints by responsible department"), month_label,
              _with_total([Column(str(code), names.get(code) or _l("Not determined yet"))
                           for code in responsible]),
              _pivot(by["department"], months, responsible), note),
    ]
    return tables


def timeliness_tables(period: Period) -> list[Table]:
    """On-time rate per month and department (the verdict stored when the customer was
    notified, ``Complaint.handled_on_time``) and the average handling time in working
    days (receipt to written notification), per month of notification."""
    verdicts = verdict_counts(period.first, period.last, _seen(Complaint, period))
    names = department_names()
    counts: dict = defaultdict(lambda: [0, 0])
    per_month: dict = defaultdict(lambda: [0, 0])
    for (row_month, department, verdict), (count, days) in verdicts.items():
        if verdict:
            counts[(row_month, names.get(department, ""))][
                0 if verdict == "on_time" else 1] += count
        per_month[row_month][0] += days
        per_month[row_month][1] += count
    rows = []
    for (row_month, department), (good, late) in sorted(counts.items()):
        rows.append((f"{row_month} {department}", [good, late, good + late,
                                                    good / (good + late)]))
    on_time = Table("complaints-on-time", _l("On-time rate by month and department"),
                    _l("Month and department"),
                    [Column("on_time", _l("Handled on time")),
                     Column("late", _l("Handled late")),
                     Column("total", _l("Total"), charted=False),
                     Column("rate", _l("On-time rate"), kind="percent", charted=False)],
                    rows, _l("The verdict recorded when the customer was notified in "
                             "writing, by month of notification."))
    handling = Table(
        "complaints-handling-time", _l("Average handling time (working days)"),
        _l("Month"), [Column("average", _l("Average working days"), kind="days"),
                      Column("count", _l("Complaints notified"), charted=False)],
        [(m, [Decimal(total) / count if count else None, count]) for m, (total, count)
         in ((m, per_month.get(m, [0, 0])) for m in months_between(period.first,
                                                                   period.last))],
        _l("Working days (official calendar) from the day of receipt to the day the "
           "customer was notified in writing, by month of notification."))
    return [on_time, handling]


def top_visible_customers(seen: list) -> list[tuple[str, int]]:
    """The ``TOP`` customers with the most complaints among ``seen``, naming only
    customers the user may see. Counted per customer id from the complaints alone (the
    covering index), then read best first in chunks until ``TOP`` visible ones are
    found: exact, without joining every customer of the period."""
    count = sa.func.count().label("n")
    ranked = indexed_by(sa.select(Complaint.customer_id, count).where(*seen).group_by(
        Complaint.customer_id).order_by(count.desc(), Complaint.customer_id),
        Complaint, COMPLAINTS_RECEIVED)
    found, offset, chunk = [], 0, 4 * TOP
    while len(found) < TOP:
        rows = db.session.execute(ranked.offset(offset).limit(chunk)).all()
        if not rows:
            break
        names = dict(db.session.execute(sa.select(Customer.id, Customer.name).where(
            Customer.id.in_([r[0] for r in rows]), visible(actor(), Customer))).all())
        found += [(names[cid], n) for cid, n in rows if cid in names]
        offset, chunk = offset + chunk, chunk * 4
    # Ties at the cut: same count, by name, as a reader would sort them.
    return sorted(found[:TOP], key=lambda row: (-row[1], row[0]))


def top_tables(period: Period) -> list[Table]:
    """The customers and products with the most complaints in the period."""
    seen = _seen(Complaint, period,
                 between_days(Complaint.received_at, period.first, period.last))
    customers = top_visible_customers(seen)
    totals: dict = defaultdict(int)
    for (_month, product), n in receipt_counts(
            period.first, period.last, _seen(Complaint, period), ("product",)
    )["product"].items():
        if product:
            totals[product] += n
    products = sorted(totals.items(), key=lambda row: (-row[1], row[0]))[:TOP]
    column = [Column("count", _l("Complaints"))]
    return [Table("complaints-top-customers", _l("Customers with the most complaints"),
                  _l("Customer"), column, [(name, [n]) for name, n in customers],
                  _l("Complaints received in the period.")),
            Table("complaints-top-products", _l("Products with the most complaints"),
                  _l("Product"), column, [(name, [n]) for name, n in products],
                  _l("Complaints received in the period."))]


# -- returns -----------------------------------------------------------------------

def return_tables(period: Period) -> list[Table]:
    seen = _seen(ReturnSlip, period,
                 between_days(ReturnSlip.applied_on, period.first, period.last))
    month = local_month(ReturnSlip.applied_on).label("month")
    quantities = dict((m, (claimed, counted)) for m, claimed, counted in db.session.execute(
        sa.select(month, sa.func.sum(ReturnLine.quantity_claimed),
                  sa.func.sum(ReturnLine.quantity_counted))
        .select_from(ReturnLine).join(ReturnSlip, ReturnSlip.id == ReturnLine.slip_id)
        .where(*seen).group_by(month)))
    months = months_between(period.first, period.last)
    zero = Decimal(0)
    quantity_rows = []
    for m in months:
        claimed, counted = quantities.get(m, (zero, zero))
        claimed, counted = Decimal(claimed or 0), Decimal(counted or 0)
        quantity_rows.append((m, [claimed, counted, counted - claimed]))
    decisions = dict(((code, (n, qty)) for code, n, qty in db.session.execute(
        sa.select(ReturnLine.decision, sa.func.count(),
                  sa.func.sum(sa.func.coalesce(ReturnLine.quantity_counted,
                                               ReturnLine.quantity_claimed)))
        .select_from(ReturnLine).join(ReturnSlip, ReturnSlip.id == ReturnLine.slip_id)
        .where(*seen, ReturnLine.decision.is_not(None)).group_by(ReturnLine.decision))))
    day = today()
    inspection_late = sa.or_(ReturnSlip.inspected_on > ReturnSlip.inspection_due_on,
                             sa.and_(ReturnSlip.inspected_on.is_(None),
                                     ReturnSlip.inspection_due_on < day))
    decision_late = sa.or_(ReturnSlip.decided_on > ReturnSlip.decision_due_on,
                           sa.and_(ReturnSlip.decided_on.is_(None),
                                   ReturnSlip.decision_due_on < day))
    late = {m: (a, b, c) for m, a, b, c in db.session.execute(
        sa.select(month, sa.func.count().filter(ReturnSlip.arrived_on.is_not(None)),
                  sa.func.count().filter(inspection_late),
                  sa.func.count().filter(decision_late))
        .where(*seen).group_by(month))}
    return [
        Table("returns-quantities", _l("Returns: quantity claimed and counted"), _l("Month"),
              [Column("claimed", _l("Quantity claimed"), kind="quantity"),
               Column("counted", _l("Quantity counted"), kind="quantity"),
               Column("difference", _l("Counted minus claimed"), kind="quantity",
                      charted=False)],
              quantity_rows, _l("Lines of the return slips applied for in each month; "
                                "the counted quantity prevails.")),
        Table("returns-decisions", _l("Returns: decisions by kind"), _l("Decision"),
              [Column("lines", _l("Lines")),
               Column("quantity", _l("Quantity"), kind="quantity", charted=False)],
              [(label, [decisions.get(code, (0, zero))[0],
                        Decimal(decisions.get(code, (0, zero))[1] or 0)])
               for code, label in RETURN_DECISIONS.items()],
              _l("Decided lines of the return slips applied for in the period.")),
        Table("returns-late-steps", _l("Returns: late inspection and decision steps"),
              _l("Month"),
              [Column("arrived", _l("Goods arrived"), charted=False),
               Column("inspection_late", _l("Inspection late")),
               Column("decision_late", _l("Decision late"))],
              [(m, list(late.get(m, (0, 0, 0)))) for m in months],
              _l("Inspected after its due date (3 days after arrival) or still not "
                 "inspected past it; the same for the decision (5 days).")),
    ]


# -- customers, loans, files, penalties ----------------------------------------------

def _count_by(model, column, period: Period, *conditions) -> dict:
    return dict(db.session.execute(
        sa.select(column, sa.func.count()).where(*_seen(model, period, *conditions))
        .group_by(column)).all())


def customer_tables(period: Period) -> list[Table]:
    note = _l("Customers as of now (no period); the department is the one that "
              "registered them.")
    grades, kinds, regions = defaultdict(int), defaultdict(int), defaultdict(int)
    for grade, kind, region, n in db.session.execute(  # one scan for the three tables
            sa.select(Customer.grade, Customer.kind, Customer.region, sa.func.count())
            .where(*_seen(Customer, period))
            .group_by(Customer.grade, Customer.kind, Customer.region)):
        grades[grade] += n
        kinds[kind] += n
        regions[region] += n
    column = [Column("count", _l("Customers"))]
    return [
        Table("customers-by-grade", _l("Customers by grade"), _l("Grade"), column,
              [(str(label), [grades.get(code, 0)]) for code, label in GRADES.items()], note),
        Table("customers-by-kind", _l("Customers by kind"), _l("Customer kind"), column,
              [(str(label), [kinds.get(code, 0)]) for code, label in
               CUSTOMER_KINDS.items()], note),
        Table("customers-by-region", _l("Customers by region"), _l("Region"), column,
              sorted(((region or "—", [n]) for region, n in regions.items()),
                     key=lambda row: (-row[1][0], row[0])), note),
    ]


def loan_tables(period: Period) -> list[Table]:
    months = month_ranges(Loan.created_at, period.first, period.last)
    counts = {(m, mode): n for m, mode, n in db.session.execute(
        sa.select(months.c.month, Loan.mode, sa.func.count()).select_from(months)
        .join(Loan, in_month(Loan.created_at, months)).where(*_seen(Loan, period))
        .group_by(months.c.month, Loan.mode))}
    names = department_names()
    overdue = _count_by(Loan, Loan.department_id, period, Loan.late_clause(today()))
    return [
        Table("loans-per-month", _l("Loans requested per month"), _l("Month"),
              _with_total(_choice_columns(LOAN_MODES)),
              _pivot(counts, months_between(period.first, period.last), list(LOAN_MODES)),
              _l("Loan requests by month of request and mode.")),
        Table("loans-overdue", _l("Overdue loans by department"), _l("Department"),
              [Column("count", _l("Overdue loans"))],
              sorted(((names.get(d, ""), [n]) for d, n in overdue.items()),
                     key=lambda row: row[0]),
              _l("Approved or lent, past the return date, as of today.")),
    ]


def file_tables(period: Period) -> list[Table]:
    counts = {(level, status): n for level, status, n in db.session.execute(
        sa.select(ArchiveFile.level, ArchiveFile.status, sa.func.count())
        .where(*_seen(ArchiveFile, period))
        .group_by(ArchiveFile.level, ArchiveFile.status))}
    rows = [(str(label), [*(counts.get((level, s), 0) for s in ARCHIVE_STATUSES),
                          sum(counts.get((level, s), 0) for s in ARCHIVE_STATUSES)])
            for level, label in LEVELS.items()]
    return [Table("files-by-level-status", _l("Archive files by level and status"),
                  _l("Confidentiality"), _with_total(_choice_columns(ARCHIVE_STATUSES)),
                  rows, _l("Archive files as of now (no period)."))]


def penalty_tables(period: Period) -> list[Table]:
    month = local_month(Penalty.issued_on).label("month")
    amounts = {(m, d or 0): a for m, d, a in db.session.execute(
        sa.select(month, Penalty.responsible_department_id, sa.func.sum(Penalty.amount))
        .where(*_seen(Penalty, period, Penalty.status.in_(PENALTY_IN_FORCE),
                      between_days(Penalty.issued_on, period.first, period.last)))
        .group_by(month, Penalty.responsible_department_id))}
    names = department_names()
    departments = sorted({d for _m, d in amounts}, key=lambda d: (d == 0, names.get(d, "")))
    rows = []
    for m in months_between(period.first, period.last):
        values = [Decimal(amounts.get((m, d)) or 0) for d in departments]
        rows.append((m, [*values, sum(values, Decimal(0))]))
    return [Table("penalties-amounts", _l("Penalty amounts by department and month"),
                  _l("Month"),
                  [*(Column(str(d), names.get(d) or _l("No department"), kind="amount")
                     for d in departments),
                   Column("total", _l("Total"), kind="amount", charted=False)], rows,
                  _l("Approved or applied notices, by month of issue and responsible "
                     "department."))]


@dataclass(frozen=True)
class Section:
    key: str
    """The section's URL name (``?section=complaints``)."""
    model: type
    """Offered to those who may list these records."""
    title: object
    build: Callable[[Period], list[Table]]


#: The screen's sections, in order; one is computed per request (``all``: every one).
SECTIONS: list[Section] = [
    Section("complaints", Complaint, _l("Complaints"), complaint_tables),
    Section("timeliness", Complaint, _l("Complaint handling on time"), timeliness_tables),
    Section("top", Complaint, _l("Top customers and products"), top_tables),
    Section("returns", ReturnSlip, _l("Returns"), return_tables),
    Section("customers", Customer, _l("Customers"), customer_tables),
    Section("loans", Loan, _l("Loans"), loan_tables),
    Section("files", ArchiveFile, _l("Archive files"), file_tables),
    Section("penalties", Penalty, _l("Penalties"), penalty_tables),
]


def readable_sections() -> list[Section]:
    return [s for s in SECTIONS if can(actor(), "list", s.model)]


def statistics(period: Period, key: str | None = None,
               sections: list[Section] | None = None) -> list[tuple[Section, list]]:
    """(section, tables) of ``sections`` (default: every readable one); with ``key``
    only the table of that key."""
    found = []
    for section in readable_sections() if sections is None else sections:
        tables = [t for t in section.build(period) if key is None or t.key == key]
        if tables:
            found.append((section, tables))
    return found


def section_of(key: str) -> Section | None:
    """The readable section that builds the table ``key`` (its prefix names it)."""
    prefixes = {"complaints-on-time": "timeliness", "complaints-handling-time": "timeliness",
                "complaints-top-customers": "top", "complaints-top-products": "top"}
    name = prefixes.get(key) or {"complaints": "complaints", "returns": "returns",
                                 "customers": "customers", "loans": "loans",
                                 "files": "files", "penalties": "penalties"}.get(
        key.split("-")[0])
    return next((s for s in readable_sections() if s.key == name), None)
