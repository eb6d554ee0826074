"""The statistics' complaint figures read from ``complaint_tally`` where that is exact.

A period is whole Shanghai months plus at most two partial ones at its ends (the
default period ends today, in the month under way). Whole months are summed from the
tally (``models/complaint_tally.py``: kept by every save, in its transaction), the
partial ones are counted live from the complaints; the two are added. The tally rows a
user reads are chosen by the clause ``permissions.visible`` builds for complaints, its
columns moved onto the tally's (department and level); if the clause reads any other
column of a complaint (a rule the tally does not carry), the whole period is counted
live instead: figures are never built from rows the user could not list.

``rebuild`` recounts the tally from the complaints (the migration that creates it, and
``flask statistics rebuild`` after records were changed by raw SQL); ``differences``
lists what ``check`` finds.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy.sql import visitors

from models import Complaint, db
from models.complaint_tally import RECEIPT_FIGURES, VERDICT, ComplaintTally, upsert
from models.report_indexes import COMPLAINTS_NOTIFIED, COMPLAINTS_RECEIVED
from models.workdays import WorkingDayCounter

from .sql import between_days, in_month, indexed_by, local_day, local_month, month_ranges

#: Complaint columns the tally carries under the same name.
CARRIED = ("department_id", "level")


class NotCarried(Exception):
    """The visibility clause reads a complaint column the tally does not carry."""


def on_tally(clauses: list):
    """``clauses`` on complaints, moved onto the tally's columns; ``None`` if one of
    them reads a column the tally has not."""
    complaint, tally = Complaint.__table__, ComplaintTally.__table__

    def move(element, **_kw):
        if getattr(element, "table", None) is complaint and isinstance(
                element, sa.sql.elements.ColumnClause):
            if element.name not in CARRIED:
                raise NotCarried(element.name)
            return tally.c[element.name]
        return None

    try:
        return [visitors.replacement_traverse(clause, {}, move) for clause in clauses]
    except NotCarried:
        return None


def split(first: date, last: date) -> tuple[list[str], list[tuple[date, date]]]:
    """The whole months of ``first``..``last`` (``YYYY-MM``) and the day ranges of the
    partial months at its ends."""
    whole, partial = [], []
    day = first.replace(day=1)
    while day <= last:
        after = (day + timedelta(days=32)).replace(day=1)
        lo, hi = max(day, first), min(after - timedelta(days=1), last)
        if lo == day and hi == after - timedelta(days=1):
            whole.append(day.strftime("%Y-%m"))
        else:
            partial.append((lo, hi))
        day = after
    return whole, partial


def receipt_counts(first: date, last: date, seen: list,
                   figures: tuple[str, ...]) -> dict[str, dict[tuple[str, str], int]]:
    """``{figure: {(month, value): complaints}}`` of the complaints received in
    ``first``..``last`` that ``seen`` selects (``value``: the code as text, ``""`` for
    none)."""
    counts: dict = {figure: defaultdict(int) for figure in figures}
    moved = on_tally(seen)
    whole, partial = split(first, last) if moved is not None else ([], [(first, last)])
    if whole:
        tally = ComplaintTally
        for figure, month, value, n in db.session.execute(
                sa.select(tally.figure, tally.month, tally.value,
                          sa.func.sum(tally.complaints))
                .where(tally.figure.in_(figures), tally.month.in_(whole), *moved)
                .group_by(tally.figure, tally.month, tally.value)):
            counts[figure][(month, value)] += n
    columns = [getattr(Complaint, RECEIPT_FIGURES[f]) for f in figures]
    for lo, hi in partial:
        months = month_ranges(Complaint.received_at, lo, hi)
        query = sa.select(months.c.month, *columns, sa.func.count()).select_from(
            months).join(Complaint, in_month(Complaint.received_at, months)).where(
            *seen).group_by(months.c.month, *columns)
        for row in db.session.execute(indexed_by(query, Complaint, COMPLAINTS_RECEIVED)):
            month, values, n = row[0], row[1:-1], row[-1]
            for figure, value in zip(figures, values, strict=True):
                counts[figure][(month, "" if value is None else str(value))] += n
    return {figure: {key: n for key, n in found.items() if n}
            for figure, found in counts.items()}


def verdict_counts(first: date, last: date, seen: list) -> dict[tuple, list[int]]:
    """``{(month, department_id, verdict): [complaints, working days]}`` of the
    complaints notified in writing in ``first``..``last`` that ``seen`` selects, by
    month of notification; ``verdict``: ``on_time``, ``late`` or ``""``; the working
    days from receipt to notification summed."""
    counts: dict = defaultdict(lambda: [0, 0])
    moved = on_tally(seen)
    whole, partial = split(first, last) if moved is not None else ([], [(first, last)])
    if whole:
        tally = ComplaintTally
        for month, department, value, n, days in db.session.execute(
                sa.select(tally.month, tally.department_id, tally.value,
                          sa.func.sum(tally.complaints), sa.func.sum(tally.working_days))
                .where(tally.figure == VERDICT, tally.month.in_(whole), *moved)
                .group_by(tally.month, tally.department_id, tally.value)):
            entry = counts[(month, department, value)]
            entry[0] += n
            entry[1] += days
    received, notified = local_day(Complaint.received_at), local_day(Complaint.notified_at)
    month = local_month(Complaint.notified_at)
    for lo, hi in partial:
        rows = db.session.execute(indexed_by(
            sa.select(month, Complaint.department_id, Complaint.handled_on_time,
                      received, notified, sa.func.count())
            .where(*seen, Complaint.notified_at.is_not(None),
                   between_days(Complaint.notified_at, lo, hi))
            .group_by(month, Complaint.department_id, Complaint.handled_on_time,
                      received, notified), Complaint, COMPLAINTS_NOTIFIED)).all()
        counter = WorkingDayCounter([_day(d) for row in rows for d in row[3:5]])
        for row_month, department, on_time, got, told, n in rows:
            entry = counts[(row_month, department, _verdict(on_time))]
            entry[0] += n
            entry[1] += counter.between(_day(got), _day(told)) * n
    return {key: entry for key, entry in counts.items() if entry[0]}


def _day(value) -> date:
    """A ``local_day`` as read back: a date (PostgreSQL) or its text (SQLite)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _verdict(on_time) -> str:
    return "" if on_time is None else ("on_time" if on_time else "late")


# -- kept exact: recount and check ---------------------------------------------------

def counted(connection) -> dict[tuple, tuple[int, int]]:
    """Every tally row as the complaints make it now, counted by set-based SQL."""
    complaint = Complaint.__table__
    found: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    month = local_month(complaint.c.received_at)
    for figure, attribute in RECEIPT_FIGURES.items():
        column = complaint.c[attribute]
        for row in connection.execute(
                sa.select(month, complaint.c.department_id, complaint.c.level, column,
                          sa.func.count())
                .where(complaint.c.received_at.is_not(None))
                .group_by(month, complaint.c.department_id, complaint.c.level, column)):
            value = "" if row[3] is None else str(row[3])
            found[(figure, row[0], row[1], row[2], value)][0] += row[4]
    received, notified = local_day(complaint.c.received_at), local_day(complaint.c.notified_at)
    span = [_day(d) for d in connection.execute(sa.select(
        sa.func.min(received), sa.func.max(received), sa.func.min(notified),
        sa.func.max(notified)).where(complaint.c.notified_at.is_not(None))).one() if d]
    if span:  # (a date can be entered wrongly: notified before received counts 0 days)
        days = _day_table(connection, min(span), max(span))
        got, told = days.alias("got"), days.alias("told")
        month = local_month(complaint.c.notified_at)
        verdict = sa.case((complaint.c.handled_on_time.is_(None), ""),
                          (complaint.c.handled_on_time, "on_time"), else_="late")
        late = told.c.running - got.c.running
        for row in connection.execute(
                sa.select(month, complaint.c.department_id, complaint.c.level, verdict,
                          sa.func.count(),
                          sa.func.sum(sa.case((late > 0, late), else_=0)))
                .select_from(complaint.join(got, got.c.day == received)
                             .join(told, told.c.day == notified))
                .where(complaint.c.notified_at.is_not(None))
                .group_by(month, complaint.c.department_id, complaint.c.level, verdict)):
            entry = found[(VERDICT, *row[:4])]
            entry[0] += row[4]
            entry[1] += int(row[5] or 0)
        days.drop(connection)
    return {key: tuple(value) for key, value in found.items()}


def _day_table(connection, first: date, last: date) -> sa.Table:
    """A temporary table of every day of ``first``..``last`` with its running count of
    working days (``WorkingDayCounter``): two days' difference is the working days
    between them, so the handling times are summed in SQL, not row by row."""
    table = sa.Table("tally_days", sa.MetaData(), sa.Column("day", sa.Date, primary_key=True),
                     sa.Column("running", sa.Integer, nullable=False),
                     prefixes=["TEMPORARY"])
    table.drop(connection, checkfirst=True)  # one left on a pooled connection
    table.create(connection)
    running = WorkingDayCounter([first, last]).running
    rows = [{"day": day, "running": n} for day, n in running.items()]
    for start in range(0, len(rows), 5000):
        connection.execute(table.insert(), rows[start:start + 5000])
    return table


def stored(connection) -> dict[tuple, tuple[int, int]]:
    tally = ComplaintTally.__table__
    return {tuple(row[:5]): (row[5], row[6]) for row in connection.execute(
        sa.select(tally.c.figure, tally.c.month, tally.c.department_id, tally.c.level,
                  tally.c.value, tally.c.complaints, tally.c.working_days)
        .where(sa.or_(tally.c.complaints != 0, tally.c.working_days != 0)))}


def differences(connection) -> list[tuple[tuple, tuple, tuple]]:
    """``(key, stored, counted)`` of every row where the tally and the complaints
    disagree; empty when the tally is exact."""
    have, want = stored(connection), counted(connection)
    return [(key, have.get(key, (0, 0)), want.get(key, (0, 0)))
            for key in sorted(set(have) | set(want)) if have.get(key) != want.get(key)]


def rebuild(connection) -> int:
    """Replace the tally by a recount of the complaints; returns the rows written."""
    rows = [dict(figure=k[0], month=k[1], department_id=k[2], level=k[3], value=k[4],
                 complaints=n, working_days=days)
            for k, (n, days) in sorted(counted(connection).items())]
    connection.execute(sa.delete(ComplaintTally.__table__))
    for start in range(0, len(rows), 5000):
        connection.execute(upsert(connection.dialect.name), rows[start:start + 5000])
    return len(rows)


statistics_group = AppGroup("statistics", help="The statistics' complaint tally.")


@statistics_group.command("rebuild")
def rebuild_command():
    """Recount the tally from the complaints (after records changed by raw SQL)."""
    with db.engine.begin() as connection:
        written = rebuild(connection)
    click.echo(f"complaint_tally: {written} rows")


@statistics_group.command("check")
def check_command():
    """List tally rows that differ from the complaints; exit 1 if any."""
    with db.engine.connect() as connection:
        found = differences(connection)
    for key, have, want in found[:50]:
        click.echo(f"{key}: tally {have}, complaints {want}")
    click.echo(f"{len(found)} differing rows")
    if found:
        raise SystemExit(1)
