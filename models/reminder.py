"""Reminders (催办单): one per overdue complaint per day, to the responsible department.

A reminder is a record of its own, not a flag on the complaint, because it is
addressed to a department that may not be the one that registered the complaint:
the responsible department reads its reminders in its own list, scoped like every
business record (``department_id`` is the addressee). It copies the complaint's
number and level, so the addressee learns which case is late and nobody learns of
a complaint above their clearance through it.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Model
from .complaint import Complaint
from .mixins import BusinessRecord, foreign_key
from .workdays import is_working_day


class Reminder(BusinessRecord, Model):
    """A reminder (催办单) that an open complaint is past its due date."""

    __tablename__ = "reminder"
    level_follows = "complaint"  # it names the complaint: never below its level
    #: Issue reminders on working days only: the office is closed on holidays and
    #: weekends, and a reminder nobody reads that day only adds to the pile.
    working_days_only = True

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = foreign_key("complaint.id", _l("Complaint"), nullable=False,
                                            index=False)  # the unique key serves look-ups
    complaint = relationship("Complaint", info={"label": _l("Complaint")})
    complaint_number: Mapped[str] = mapped_column(
        String(16), info={"label": _l("Complaint number"), "readonly": True})
    day: Mapped[date] = mapped_column(info={"label": _l("Reminder day"), "readonly": True})
    due_date: Mapped[date] = mapped_column(
        info={"label": _l("Missed due date"), "readonly": True})
    overdue_days: Mapped[int] = mapped_column(
        info={"label": _l("Days overdue"), "readonly": True})
    reply: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Reply of the responsible department")})

    __table_args__ = (
        # At most one reminder per complaint and day, also when two runs overlap.
        sa.UniqueConstraint("complaint_id", "day"),
    )

    class Admin:
        label = _l("Reminder")
        label_plural = _l("Reminders")
        list_columns = ("day", "complaint_number", "department", "due_date", "overdue_days",
                        "reply", "level")
        search = ("complaint_number", "reply")
        filters = ("day", "department", "level")
        form_columns = ("reply",)
        default_sort = ("day", True)
        lookup_fields = ("complaint_number",)

    @classmethod
    def for_complaint(cls, complaint: Complaint, day: date) -> Reminder:
        due = complaint.current_due_date
        return cls(complaint=complaint, complaint_number=complaint.number, day=day,
                   due_date=due, overdue_days=(day - due).days,
                   department_id=complaint.reminder_department_id, level=complaint.level)

    def __str__(self) -> str:
        return f"{self.complaint_number} · {self.day.isoformat()}" if self.day else \
            str(_l("(new reminder)"))


def issue_reminders(session: Session, day: date) -> int:
    """Issue the reminders of ``day`` for every complaint overdue on it; return how many.

    Idempotent: a complaint that already has its reminder for ``day`` is skipped, and
    the unique key (complaint, day) refuses a duplicate from an overlapping run — that
    run's commit fails, it rolls back and retries, and then finds nothing left to do.
    Rows go through the ORM so the audit hook records each reminder.
    """
    if Reminder.working_days_only and not is_working_day(day)[0]:
        return 0
    for attempt in range(3):
        issued = 0
        already = sa.select(Reminder.complaint_id).where(Reminder.day == day)
        overdue = sa.select(Complaint).where(Complaint.late_clause(day),
                                             Complaint.id.not_in(already))
        for complaint in session.scalars(overdue.order_by(Complaint.id)):
            session.add(Reminder.for_complaint(complaint, day))
            issued += 1
        try:
            session.commit()
            return issued
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
    return 0
