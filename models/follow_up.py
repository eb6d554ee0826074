"""Follow-up calls (回访): the customer is called after every closed complaint and every
finished repair (001 篇5/6 第五条(五) 负责用户回访; 第十六条 定期组织用户回访，整理反馈意见;
003 繁兴售后手册 部门职能6).

A call falls due by itself: when a complaint is closed or a repair work order is
finished, a follow-up call is registered for it (one hook on the flush, so every door
— a step's button, a bulk action, a script — is covered), due ``due_after_days``
working days later. Staff record the result (satisfied or not, remarks); a customer
who is not satisfied is offered the complaint's own "reopen as a new complaint" step
from the call's page (``offers``). A call may also be registered by hand from a closed
complaint or a finished repair; one raised from a complaint that is not closed yet is
refused, naming the field.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Model
from .complaint import Complaint
from .hooks import hook
from .mixins import BusinessRecord, code_column, foreign_key, utcnow
from .numbering import assign_number, local_date_of
from .service_clock import highest_level
from .service_request import customer_of
from .work_order import WorkOrder
from .workdays import add_working_days
from .workflow import DueByDate, Stateful, Transition

FOLLOW_UP_STATUSES = {"due": _l("Follow-up due"), "done": _l("Followed up")}
FOLLOW_UP_RESULTS = {"satisfied": _l("Satisfied"), "not_satisfied": _l("Not satisfied")}


class FollowUpCall(DueByDate, Stateful, BusinessRecord, Model):
    """A follow-up call (回访) after a closed complaint or a finished repair."""

    __tablename__ = "follow_up_call"
    number_format = "HF{yymm}{serial:03d}"
    level_follows = "customer"
    """What the customer said is as confidential as the customer (and the case)."""
    due_after_days: int = 3
    """Working days after the complaint was closed or the repair finished within which
    the customer is called. The regulations ask for follow-up calls without a number
    of days; 3 is the default, a setting."""
    statuses = FOLLOW_UP_STATUSES
    initial_status = "due"
    due_statuses = ("due",)
    raised_from = {"complaint": ("customer",), "work_order": ("customer",)}
    raised_from_label = _l("Record a follow-up call")
    raised_from_statuses = {"complaint": ("closed",), "work_order": ("finished", "settled")}
    """A follow-up comes after the case: a closed complaint, a finished repair."""
    listed_on_source = True
    """The complaint's (the work order's) page lists its follow-up calls."""
    offers = {"complaint": ("reopen", (("result", "not_satisfied"),))}
    """On the call's page: the complaint's "reopen as a new complaint" step, when the
    customer was not satisfied (and the user may fire it there)."""
    locked_from = {"*": "done", "customer": None, "due_date": None, "level": None}
    transitions = (
        Transition("record_result", _l("Record the result"), ("due",), "done",
                   requires=("result",), stamps=("called_by_id", "called_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Follow-up number"), "readonly": True})
    complaint_id: Mapped[int | None] = foreign_key("complaint.id", _l("Complaint"))
    complaint = relationship("Complaint", info={"label": _l("Complaint")})
    work_order_id: Mapped[int | None] = foreign_key("work_order.id", _l("Repair work order"))
    work_order = relationship("WorkOrder", info={"label": _l("Repair work order")})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    due_date: Mapped[date | None] = mapped_column(
        info={"label": _l("Call by"), "readonly": True})
    contact: Mapped[str | None] = mapped_column(String(60), info={"label": _l("Person called")})
    result: Mapped[str | None] = code_column(FOLLOW_UP_RESULTS, _l("Result"), nullable=True)
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})
    called_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Called by"))
    called_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Called at")})

    __table_args__ = (
        sa.CheckConstraint("complaint_id IS NOT NULL OR work_order_id IS NOT NULL",
                           name="has_case"),
        sa.Index("ix_follow_up_call_open_due", "due_date",
                 sqlite_where=sa.text("status = 'due'"),
                 postgresql_where=sa.text("status = 'due'")),
    )

    class Admin:
        label = _l("Follow-up call")
        label_plural = _l("Follow-up calls")
        list_columns = ("number", "due_date", "customer", "complaint", "work_order",
                        "result", "status", "level")
        search = ("number", "contact", "remarks")
        filters = ("status", "result", "due_date", "department", "level")
        form_columns = ("complaint", "work_order", "contact", "result", "remarks",
                        "department")
        create_columns = ("complaint", "work_order", "contact", "remarks", "department")
        default_sort = ("due_date", True)
        lookup_fields = ("number",)

    def __str__(self) -> str:
        return self.number or str(_l("(new follow-up call)"))

    @property
    def number_date(self) -> datetime | None:
        """Numbered by the month it fell due in (registered)."""
        return self.created_at

    def derive(self) -> None:
        """The customer is the case's; the call is due a few working days after the case
        ended (registration day for a call entered by hand); the level covers the
        customer and the case."""
        complaint, order = customer_of(self, "complaint"), customer_of(self, "work_order")
        case = complaint or order
        if case is not None:
            self.customer_id = case.customer_id
            if case.customer is not None:
                self.customer = case.customer
        if self.due_date is None:
            ended = getattr(complaint, "closed_at", None) or \
                getattr(order, "finished_at", None) or utcnow()
            self.due_date = add_working_days(local_date_of(ended), self.due_after_days).day
        customer = customer_of(self)
        if customer is not None:
            self.level = highest_level(customer.level, getattr(complaint, "level", None),
                                       getattr(order, "level", None))

    def problems(self) -> list:
        if self.complaint is None and self.complaint_id is None \
                and self.work_order is None and self.work_order_id is None:
            return [_l("%(a)s or %(b)s: name the case the customer is called about.",
                       a=_l("Complaint"), b=_l("Repair work order"))]
        return []

    def check_transition(self, name: str, user):
        if name == "record_result" and self.result == "not_satisfied" \
                and not (self.remarks or "").strip():
            return _l("%(field)s: say what the customer is not satisfied with.",
                      field=_l("Remarks"))
        return None


def _ended(obj, status_column: str, statuses: tuple[str, ...]) -> bool:
    history = sa.inspect(obj).attrs[status_column].history
    return bool(history.added) and history.added[0] in statuses and \
        not (history.deleted and history.deleted[0] in statuses)


@hook(Session, "before_flush")
def _calls_fall_due(session, flush_context, instances) -> None:
    """A complaint closed or a repair finished in this flush gets its follow-up call
    (a complaint the customer refused, reopened as a new one, does not: the new one
    will get its call when it is closed)."""
    reopened = {id(obj.reopened_from) for obj in session.new
                if isinstance(obj, Complaint) and obj.reopened_from is not None}
    for obj in list(session.dirty):
        if isinstance(obj, Complaint) and _ended(obj, "status", ("closed",)) \
                and id(obj) not in reopened:
            case = {"complaint": obj}
        elif isinstance(obj, WorkOrder) and _ended(obj, "status", ("finished", "settled")):
            case = {"work_order": obj}
        else:
            continue
        ended = getattr(obj, "closed_at", None) or getattr(obj, "finished_at", None) \
            or utcnow()
        call = FollowUpCall(customer_id=obj.customer_id, department_id=obj.department_id,
                            level=obj.level, created_at=ended, updated_at=ended, **case)
        session.add(call)
        call.derive()  # the numbering hook ran before this one: number it here
        assign_number(session, call)
