"""Deadlines of single steps inside a record's workflow (001 篇8 (九)3 and (九)6).

The overall handling clock of a complaint says when the customer must have the
answer; the regulations also time two steps on the way: the investigation report
within three days of receipt (调查处理后三天内提出报告) and the GM office's combined
opinion within one day of the handling proposal (应于一日内……作成综合意见). A model
declares its step clocks as ``step_deadlines`` (a tuple of ``StepDeadline``); this
module counts them in working days (``models/workdays.add_working_days``), stores the
due date of the clock that runs now in the model's ``step_due_date`` column (lists
filter, index and count on it) and says why a record is late.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .mixins import utcnow
from .numbering import local_date_of
from .office_settings import value_of
from .workdays import add_working_days


@dataclass(frozen=True)
class StepDeadline:
    key: str
    """Stable name (``investigation``), for tests and the home page's items."""
    label: object
    """What is due, for people (a lazy translation)."""
    days: int
    """Working days allowed, counted from the day after the clock starts."""
    start: str
    """The record's date-time column at which the clock starts (the receipt, the moment
    the handling was proposed)."""
    running: tuple[str, ...]
    """Statuses in which the clock runs; it stops when the record leaves them."""
    met_by: tuple[str, ...]
    """Steps that deliver what is due (their firing stops the clock)."""
    met_at: str
    """Column holding when it was delivered; stamped by the first of ``met_by`` that
    fires if the column is still empty."""
    started_by: tuple[str, ...] = ()
    """Steps that (re)start the clock by stamping ``start`` with the current time (a new
    proposal after a send-back starts a new day for the opinion)."""
    when: tuple[tuple[str, str], ...] = ()
    """Field values the record must have for the clock to apply (a major complaint)."""

    def applies(self, record) -> bool:
        return all(getattr(record, field) == value for field, value in self.when)

    def due_date(self, record) -> date | None:
        """The working day by which the step is due, once the clock has started."""
        started = getattr(record, self.start)
        if started is None or not self.applies(record):
            return None
        return add_working_days(local_date_of(started), self.allowed_days(record)).day

    def allowed_days(self, record) -> int:
        """The working days in force: the office's setting ``<table>.step.<key>``
        (``models/setting_rules.py``), else ``days``."""
        return value_of(f"{record.__tablename__}.step.{self.key}", self.days)

    def is_running(self, record) -> bool:
        return record.status in self.running and self.applies(record) \
            and getattr(record, self.start) is not None

    def late_clause(self, model, today: date):
        """SQL: records whose clock runs and whose due date is before ``today``."""
        return sa.and_(model.step_due_date < today, model.status.in_(self.running),
                       *(getattr(model, field) == value for field, value in self.when))


def running_deadline(record) -> StepDeadline | None:
    return next((d for d in type(record).step_deadlines if d.is_running(record)), None)


def derive_step_due_date(record) -> None:
    """Keep ``step_due_date`` = the due date of the clock that runs now (None: none)."""
    running = running_deadline(record)
    record.step_due_date = None if running is None else running.due_date(record)


def stamp_step_clocks(record, step_name: str) -> None:
    """Called from ``after_transition``: a step that starts a clock stamps its start, a
    step that meets one stamps when (once)."""
    for deadline in type(record).step_deadlines:
        if step_name in deadline.started_by:
            setattr(record, deadline.start, utcnow())
        if step_name in deadline.met_by and getattr(record, deadline.met_at) is None:
            setattr(record, deadline.met_at, utcnow())


def step_late_reason(record, today: date):
    """Why the running step clock is late on ``today``, or None."""
    running, due = running_deadline(record), record.step_due_date
    if running is None or due is None or due >= today:
        return None
    return _l("%(step)s overdue by %(days)s day(s) (due %(day)s)", step=running.label,
              days=(today - due).days, day=due.isoformat())


def step_deadlines_text(record) -> str:
    """Each step clock as one line for the details page: due date and state."""
    lines = []
    for deadline in type(record).step_deadlines:
        due = deadline.due_date(record)
        if due is None:
            continue
        met = getattr(record, deadline.met_at)
        if deadline.is_running(record):
            state = _l("open")
        elif met is not None:
            met_day = local_date_of(met)
            state = _l("done on %(day)s", day=met_day.isoformat()) if met_day <= due \
                else _l("done late, on %(day)s", day=met_day.isoformat())
        else:
            state = _l("stopped")
        lines.append(str(_l("%(step)s: due %(day)s (%(state)s)", step=deadline.label,
                            day=due.isoformat(), state=state)))
    return "; ".join(lines)
