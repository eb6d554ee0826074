"""Corrective actions (顾客不满意/投诉改善措施表): what is changed so that a problem does not
happen again, followed up until the GM office closes it.

002 4.3.2–4.3.3: after a complaint is registered, the 改善措施表 goes to the quality
department or the department concerned, which finds the cause and takes the action;
001 篇8 (九)7: whether the improvement is 列入追踪 (followed up; a human slip is not) is
decided with the responsibility; 篇8 总则: a problem that caused no loss is reported on
an 异常处理单 for the department to improve. So an action is raised from a complaint
(one click on the complaint's page, its cause and responsible department copied,
linked), from an 异常处理单 (its number and the problem), or on its own. The department
owning it carries it out by the due date; someone verifies the effect (who, when,
what it achieved); the GM office closes it. A followed-up action still open after its
due date is late. The complaint's page lists its actions and their state.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .mixins import BusinessRecord, code_column, foreign_key
from .numbering import local_date_of
from .service_clock import highest_level
from .service_request import customer_of
from .workflow import DueByDate, Stateful, Transition

ACTION_STATUSES = {"open": _l("Action open"), "implemented": _l("Implemented"),
                   "verified": _l("Effect verified"), "closed": _l("Closed")}
ACTION_SOURCES = {"complaint": _l("Customer complaint"),
                  "exception": _l("Exception report"),
                  "standalone": _l("Raised on its own")}
#: Statuses in which the action is not carried out yet (and can be late).
PENDING = ("open", "implemented")


class CorrectiveAction(DueByDate, Stateful, BusinessRecord, Model):
    """A corrective action (改善措施表)."""

    __tablename__ = "corrective_action"
    number_format = "GS{yymm}{serial:03d}"
    statuses = ACTION_STATUSES
    initial_status = "open"
    due_statuses = PENDING
    raised_from = {"complaint": ("cause_analysis", "responsible_department",
                                 "responsible_person", "level")}
    """Raised from the complaint's page, its findings copied."""
    raised_from_label = _l("Raise a corrective action")
    raised_from_statuses = {"complaint": ("responsibility_determined", "handling_proposed",
                                          "approved", "notified", "closed")}
    """Once the complaint's cause is known."""
    listed_on_source = True
    """The complaint's page lists its actions and their state."""
    also_departments = ("responsible_department_id",)
    """The department that must carry the action out works on it as on its own (sees it,
    records the implementation), whoever registered it (002 4.3.2: 改善措施表 goes to the
    department concerned)."""
    locked_from = {
        "*": "implemented",
        # Carried out and then verified: the verification is written with its step.
        "implementation": "verified", "verification_effect": "closed",
        "source": None, "level": None,
    }
    transitions = (
        Transition("implement", _l("Mark implemented"), ("open",), "implemented",
                   requires=("implementation",), stamps=("implemented_at",)),
        # Verified by whoever checks the effect; closed by the GM office (policy).
        Transition("verify", _l("Verify the effect"), ("implemented",), "verified",
                   requires=("verification_effect",),
                   stamps=("verified_by_id", "verified_at")),
        Transition("close", _l("Close (GM office)"), ("verified",), "closed",
                   stamps=("closed_by_id", "closed_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Action number"), "readonly": True})
    source: Mapped[str] = code_column(ACTION_SOURCES, _l("Raised from"),
                                      default="standalone")
    complaint_id: Mapped[int | None] = foreign_key("complaint.id", _l("Complaint"))
    complaint = relationship("Complaint", info={"label": _l("Complaint")})
    exception_no: Mapped[str | None] = mapped_column(
        String(30), info={"label": _l("Exception report no.")})
    problem: Mapped[str | None] = mapped_column(Text, info={"label": _l("Problem")})
    cause_analysis: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Cause analysis")})
    action: Mapped[str] = mapped_column(Text, info={"label": _l("Corrective action")})
    responsible_department_id: Mapped[int | None] = foreign_key(
        "department.id", _l("Owner department"))
    responsible_department = relationship(
        "Department", foreign_keys=[responsible_department_id],
        info={"label": _l("Owner department")})
    responsible_person: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Owner")})
    due_date: Mapped[date | None] = mapped_column(info={"label": _l("Due date")})
    tracked: Mapped[bool] = mapped_column(default=True,
                                          info={"label": _l("Tracked")})
    implementation: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("What was done")})
    implemented_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Implemented at")})
    verification_effect: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Effect verified")})
    verified_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Verified by"))
    verified_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Verified at")})
    closed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Closed by"))
    closed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Closed at")})

    __table_args__ = (
        sa.Index("ix_corrective_action_pending_due", "due_date",
                 sqlite_where=sa.text("status IN ('open', 'implemented')"),
                 postgresql_where=sa.text("status IN ('open', 'implemented')")),
    )

    class Admin:
        label = _l("Corrective action")
        label_plural = _l("Corrective actions")
        list_columns = ("number", "complaint", "source", "responsible_department",
                        "responsible_person", "due_date", "tracked", "status", "level")
        search = ("number", "exception_no", "action", "responsible_person")
        filters = ("status", "source", "tracked", "due_date", "department", "level")
        form_columns = ("complaint", "exception_no", "problem", "cause_analysis", "action",
                        "responsible_department", "responsible_person", "due_date",
                        "tracked", "department", "level")
        default_sort = ("created_at", True)
        lookup_fields = ("number", "responsible_person")

    def __str__(self) -> str:
        return self.number or str(_l("(new corrective action)"))

    @property
    def number_date(self) -> datetime | None:
        """Numbered by the month it was raised in."""
        return self.created_at

    def derive(self) -> None:
        """Where it comes from; an action on a complaint is at least as confidential."""
        complaint = customer_of(self, "complaint")
        self.source = "complaint" if complaint is not None else (
            "exception" if (self.exception_no or "").strip() else "standalone")
        if complaint is not None:
            self.level = highest_level(self.level, complaint.level)

    @classmethod
    def late_clause(cls, today: date):
        """Only an action 列入追踪 is followed up, so only it can be late."""
        return sa.and_(super().late_clause(today), cls.tracked.is_(True))

    def late_reason(self, today: date):
        return super().late_reason(today) if self.tracked else None

    def problems(self) -> list:
        found = []
        if self.complaint is None and self.complaint_id is None \
                and not (self.exception_no or "").strip() and not (self.problem or "").strip():
            found.append(_l("%(field)s: say what went wrong (or raise the action from its "
                            "complaint or exception report).", field=_l("Problem")))
        if self.responsible_department is None and self.responsible_department_id is None:
            found.append(_l("%(field)s: choose the department that carries the action out.",
                            field=_l("Owner department")))
        if self.due_date is not None and self.created_at is None \
                and self.due_date < local_date_of(None):
            found.append(_l("%(field)s: cannot be in the past.", field=_l("Due date")))
        return found
