"""Reminders (催办单): one per late record per working day, to the department that must act.

A reminder is a record of its own, not a flag on the late record, because it is
addressed to a department that may not be the one that registered it: the addressee
reads its reminders in its own list, scoped like every business record
(``department_id`` is the addressee). It names one late record (``subject``): an
overdue complaint (to its responsible department), or, as for complaints (issue 14
item 3), a service request not handled in time (to the request's department) or a
repair work order not finished in time (to the department doing the repair). It
copies that record's number and level, so the addressee learns which case is late and
nobody learns of a record above their clearance through it. Service records run on
clocks of office hours (``models/service_clock.py``): their reminder also says the
missed moment and how many hours of that clock have passed since.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Model
from .complaint import Complaint
from .mixins import BusinessRecord, code_column, foreign_key
from .numbering import local_date_of
from .service_clock import moment_of
from .service_request import ServiceRequest, ServiceSettings, customer_of
from .work_order import WorkOrder
from .workdays import is_working_day

#: The kinds of record a reminder can name; each is also its foreign key's prefix.
SUBJECTS = {"complaint": _l("Complaint"), "service_request": _l("Service request"),
            "work_order": _l("Repair work order")}


class Reminder(BusinessRecord, Model):
    """A reminder (催办单) that a complaint, service request or work order is late."""

    __tablename__ = "reminder"
    level_follows = tuple(SUBJECTS)  # it names that record: never below its level
    #: Issue reminders on working days only: the office is closed on holidays and
    #: weekends, and a reminder nobody reads that day only adds to the pile.
    working_days_only = True

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = code_column(SUBJECTS, _l("Late record"), default="complaint",
                                       readonly=True)
    # The unique keys (record, day) serve the look-ups by record.
    complaint_id: Mapped[int | None] = foreign_key("complaint.id", _l("Complaint"),
                                                   index=False)
    complaint = relationship("Complaint", info={"label": _l("Complaint")})
    service_request_id: Mapped[int | None] = foreign_key(
        "service_request.id", _l("Service request"), index=False)
    service_request = relationship("ServiceRequest", info={"label": _l("Service request")})
    work_order_id: Mapped[int | None] = foreign_key("work_order.id", _l("Repair work order"),
                                                    index=False)
    work_order = relationship("WorkOrder", info={"label": _l("Repair work order")})
    subject_number: Mapped[str] = mapped_column(
        String(16), info={"label": _l("Number of the late record"), "readonly": True})
    day: Mapped[date] = mapped_column(info={"label": _l("Reminder day"), "readonly": True})
    due_date: Mapped[date] = mapped_column(
        info={"label": _l("Missed due date"), "readonly": True})
    overdue_days: Mapped[int] = mapped_column(
        info={"label": _l("Days overdue"), "readonly": True})
    due_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Missed due moment"), "readonly": True})
    overdue_hours: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(7, 1), info={"label": _l("Hours overdue (on its clock)"), "readonly": True})
    reply: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Reply of the responsible department")})

    __table_args__ = (
        # At most one reminder per record and day, also when two runs overlap.
        sa.UniqueConstraint("complaint_id", "day"),
        sa.UniqueConstraint("service_request_id", "day"),
        sa.UniqueConstraint("work_order_id", "day"),
        sa.CheckConstraint(
            "(subject = 'complaint' AND complaint_id IS NOT NULL"
            " AND service_request_id IS NULL AND work_order_id IS NULL)"
            " OR (subject = 'service_request' AND service_request_id IS NOT NULL"
            " AND complaint_id IS NULL AND work_order_id IS NULL)"
            " OR (subject = 'work_order' AND work_order_id IS NOT NULL"
            " AND complaint_id IS NULL AND service_request_id IS NULL)",
            name="one_subject"),
    )

    class Admin:
        label = _l("Reminder")
        label_plural = _l("Reminders")
        list_columns = ("day", "subject", "subject_number", "department", "due_date",
                        "overdue_days", "overdue_hours", "reply", "level")
        search = ("subject_number", "reply")
        filters = ("day", "subject", "department", "level")
        form_columns = ("reply",)
        default_sort = ("day", True)
        lookup_fields = ("subject_number",)

    @classmethod
    def for_complaint(cls, complaint: Complaint, day: date) -> Reminder:
        due = complaint.current_due_date
        return cls(complaint=complaint, subject_number=complaint.number, day=day,
                   due_date=due, overdue_days=(day - due).days,
                   department_id=complaint.reminder_department_id, level=complaint.level)

    @classmethod
    def for_service_request(cls, request: ServiceRequest, day: date) -> Reminder:
        """To the request's department, which handles it."""
        return cls._on_the_clock(request, "service_request", request.handle_due_at,
                                 request.kind, day)

    @classmethod
    def for_work_order(cls, order: WorkOrder, day: date) -> Reminder:
        """To the work order's department, which does the repair (its technician's)."""
        request = customer_of(order, "service_request")
        return cls._on_the_clock(order, "work_order", order.repair_due_at,
                                 request.kind if request is not None else "repair", day)

    @classmethod
    def _on_the_clock(cls, record, subject: str, due_at: datetime, kind: str,
                      day: date) -> Reminder:
        """A reminder of a record whose clock counts hours: the missed moment, and the
        hours of that clock (office hours, or all hours for an alarm) since then."""
        due_date = local_date_of(due_at)
        late = ServiceSettings.hours_between(due_at, moment_of(day), kind)
        return cls(subject=subject, **{subject: record}, subject_number=record.number,
                   day=day, due_date=due_date, overdue_days=max((day - due_date).days, 0),
                   due_at=due_at, overdue_hours=Decimal(str(round(late, 1))),
                   department_id=record.department_id, level=record.level)

    def __str__(self) -> str:
        return f"{self.subject_number} · {self.day.isoformat()}" if self.day else \
            str(_l("(new reminder)"))


def issue(session: Session, day: date, model, make: Callable) -> int:
    """Issue the reminders of ``day`` for every late ``model`` record; return how many.

    ``make(record, day)`` builds one. Idempotent: a record that already has its
    reminder for ``day`` is skipped, and the unique key (record, day) refuses a
    duplicate from an overlapping run — that run's commit fails, it rolls back and
    retries, and then finds nothing left to do. Rows go through the ORM so the audit
    hook records each reminder. Working days only: the office is closed on holidays
    and weekends, and a reminder nobody reads that day only adds to the pile.
    """
    if Reminder.working_days_only and not is_working_day(day)[0]:
        return 0
    key = getattr(Reminder, f"{model.__tablename__}_id")
    for attempt in range(3):
        issued = 0
        # IS NOT NULL: one NULL in a NOT IN list would make it match nothing.
        already = sa.select(key).where(Reminder.day == day, key.is_not(None))
        late = sa.select(model).where(model.late_clause(day), model.id.not_in(already))
        for record in session.scalars(late.order_by(model.id)):
            session.add(make(record, day))
            issued += 1
        try:
            session.commit()
            return issued
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
    return 0


def issue_reminders(session: Session, day: date) -> int:
    """The day's reminders of overdue complaints (daily job ``reminders``)."""
    return issue(session, day, Complaint, Reminder.for_complaint)


def issue_service_reminders(session: Session, day: date) -> int:
    """The day's reminders of late service requests and unfinished repair work orders
    (daily job ``service-reminders``)."""
    return (issue(session, day, ServiceRequest, Reminder.for_service_request)
            + issue(session, day, WorkOrder, Reminder.for_work_order))
