"""Complaints counted per Shanghai month, kept exact in the transaction that changes them.

Why: the statistics screen (``reports/statistics.py``) reads a year or three of a
million-complaint office; counting those rows live costs seconds on SQLite. Each
complaint instead adds one to a row per figure it appears in —
``(figure, month, department, level, value)`` — and a year is a few thousand rows.

Exact at every moment: one hook after every flush adds what the flushed complaints
count now and takes away what they counted before, in the same transaction as the
change, by upsert in key order (two saves never wait on each other crosswise); the old
values are there even for a record read without them (the audit trail loads the value
a change replaces: ``audit.trail._keep_old_values``). An UPDATE or DELETE statement
run through the session counts the rows it reaches before and after. Only what
bypasses the ORM — an import by raw SQL — needs ``flask statistics rebuild``, which
recounts from the complaints; ``flask statistics check`` lists any row that differs
(``reports/tally.py``).

Department and level are the columns the complaint visibility rules read, so the
screen filters tally rows with the very clause ``permissions.visible`` builds for
complaints: a confidential user's figures leave secret complaints out exactly as their
lists do. A figure is the tally's only when every column the clause reads is here
(``reports/tally.py``); otherwise the screen counts live.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import db
from .complaint import Complaint
from .hooks import hook
from .workdays import working_days_between

OFFSET = timedelta(hours=8)
"""Shanghai keeps UTC+8 all year; stored times are naive UTC."""

RECEIPT_FIGURES = {"kind": "kind", "severity": "severity", "channel": "channel",
                   "responsible": "responsible_department_id", "product": "product"}
"""Figures counted in the month of receipt: figure → the complaint's attribute."""

VERDICT = "verdict"
"""The figure counted in the month of the written notification: its value is the
stored on-time verdict (``on_time``, ``late``, ``""`` when none was recorded), and
``working_days`` sums the handling time (receipt to notification) of those counted."""

TRACKED = ("received_at", "notified_at", "department_id", "level", "handled_on_time",
           *RECEIPT_FIGURES.values())
"""Every attribute a tally row depends on."""


class ComplaintTally(db.Model):
    """How many complaints of a department and level a figure counts in a month."""

    __tablename__ = "complaint_tally"

    figure: Mapped[str] = mapped_column(String(12), primary_key=True)
    """``kind``, ``severity``, ``channel``, ``responsible``, ``product`` or ``verdict``."""
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    """``YYYY-MM`` in Shanghai time."""
    department_id: Mapped[int] = mapped_column(primary_key=True)
    """The complaint's department (the one the visibility rules read)."""
    level: Mapped[str] = mapped_column(String(20), primary_key=True)
    """The complaint's confidentiality level."""
    value: Mapped[str] = mapped_column(String(120), primary_key=True)
    """The code counted (a responsible department's id as text; ``""``: none)."""
    complaints: Mapped[int] = mapped_column(default=0)
    working_days: Mapped[int] = mapped_column(default=0)
    """``verdict`` rows: the working days from receipt to notification, summed."""

    __table_args__ = {"sqlite_with_rowid": False}


def month_of(moment: datetime) -> str:
    return (moment + OFFSET).strftime("%Y-%m")


def verdict_code(on_time: bool | None) -> str:
    return "" if on_time is None else ("on_time" if on_time else "late")


def counts_of(values: dict) -> dict[tuple, list[int]]:
    """What one complaint with ``values`` (``TRACKED`` attributes) counts:
    ``{(figure, month, department_id, level, value): [complaints, working_days]}``."""
    found: dict[tuple, list[int]] = {}
    department, level = values["department_id"], values["level"]
    received, notified = values["received_at"], values["notified_at"]
    if received is not None:
        month = month_of(received)
        for figure, attribute in RECEIPT_FIGURES.items():
            value = values[attribute]
            found[(figure, month, department, level,
                   "" if value is None else str(value))] = [1, 0]
    if notified is not None:
        days = working_days_between((received + OFFSET).date(),
                                    (notified + OFFSET).date()) if received else 0
        found[(VERDICT, month_of(notified), department, level,
               verdict_code(values["handled_on_time"]))] = [1, days]
    return found


def _values(complaint: Complaint, before: bool) -> dict:
    """The tracked values of ``complaint`` now, or as they were before this flush."""
    state = sa.inspect(complaint)
    values = {}
    for name in TRACKED:
        if before:
            history = state.attrs[name].history
            if history.has_changes():
                values[name] = history.deleted[0] if history.deleted else None
                continue
        values[name] = getattr(complaint, name)
    return values


def _add(total: dict, counts: dict, sign: int) -> None:
    for key, (n, days) in counts.items():
        entry = total[key]
        entry[0] += sign * n
        entry[1] += sign * days


def _changed(complaint: Complaint) -> bool:
    state = sa.inspect(complaint)
    return any(state.attrs[name].history.has_changes() for name in TRACKED)


@hook(Session, "after_flush")
def _keep_tally(session, flush_context) -> None:
    """Move the flushed complaints' counts, in this flush's transaction."""
    total: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for complaint in session.new:
        if isinstance(complaint, Complaint):
            _add(total, counts_of(_values(complaint, before=False)), 1)
    for complaint in session.dirty:
        if isinstance(complaint, Complaint) and _changed(complaint):
            _add(total, counts_of(_values(complaint, before=True)), -1)
            _add(total, counts_of(_values(complaint, before=False)), 1)
    for complaint in session.deleted:
        if isinstance(complaint, Complaint):
            _add(total, counts_of(_values(complaint, before=True)), -1)
    if total:
        _move(session.connection(), total)


def _move(connection, total: dict) -> None:
    """Add ``total``'s non-zero counts to the tally, in key order."""
    moves = [dict(figure=key[0], month=key[1], department_id=key[2], level=key[3],
                  value=key[4], complaints=n, working_days=days)
             for key, (n, days) in sorted(total.items()) if n or days]
    if moves:
        connection.execute(upsert(connection.dialect.name), moves)


def _rows(connection, where) -> dict[int, dict]:
    table = Complaint.__table__
    query = sa.select(table.c.id, *(table.c[name] for name in TRACKED))
    if where is not None:
        query = query.where(where)
    return {row.id: row._mapping for row in connection.execute(query)}


@hook(Session, "do_orm_execute")
def _keep_tally_in_bulk(state):
    """``session.execute(update(Complaint)…)`` / ``delete(…)`` change rows without a
    flush: count the rows they reach before and after, in the same transaction."""
    if not (state.is_update or state.is_delete):
        return None
    target = getattr(state.statement, "table", None)
    if getattr(target, "name", None) != Complaint.__tablename__:
        return None
    connection = state.session.connection()
    before = _rows(connection, state.statement.whereclause)
    result = state.invoke_statement()
    after: dict[int, dict] = {}
    ids = sorted(before) if state.is_update else []
    for start in range(0, len(ids), 10_000):  # within SQLite's bound parameters
        after.update(_rows(connection, Complaint.__table__.c.id.in_(ids[start:start + 10_000])))
    total: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for values in before.values():
        _add(total, counts_of(values), -1)
    for values in after.values():
        _add(total, counts_of(values), 1)
    _move(connection, total)
    return result


def upsert(dialect: str):
    """Add to a tally row, creating it at zero first (SQLite and PostgreSQL alike)."""
    table = ComplaintTally.__table__
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return insert.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"complaints": table.c.complaints + insert.excluded.complaints,
              "working_days": table.c.working_days + insert.excluded.working_days})

