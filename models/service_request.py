"""Service requests (咨询、报修、报警): every call or visit asking for information, a
repair or help in an emergency (001 篇5/6 第五条(一) 接听、记录、汇总用户咨询、报修、报警
及投诉电话).

A request is handled within a number of office hours of its receipt (第七条(三) 一般故障
原则上在6小时内处理、24小时内修复); a repair is then carried out on a work order
(``models/work_order.py``, 维修工单) due 24 office hours after the request. An alarm is
served around the clock: its clock does not stop at night, on weekends or holidays.
A request still open after its due moment is late (flag in the list, a home-page count).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .base import Model
from .mixins import (
    Assignable,
    BusinessRecord,
    assign_step,
    code_column,
    code_literals,
    foreign_key,
    utcnow,
)
from .numbering import local_date_of, period_problem
from .service_clock import (
    add_office_hours,
    highest_level,
    moment_of,
    moment_param,
    office_hours_between,
    to_local,
)
from .workdays import is_working_day
from .workflow import Stateful, Transition

REQUEST_KINDS = {"inquiry": _l("Inquiry"), "repair": _l("Repair request"),
                 "alarm": _l("Alarm")}
REQUEST_STATUSES = {"received": _l("Received"), "handled": _l("Handled")}


def customer_of(record, name: str = "customer"):
    """The related record ``name`` of ``record``, loaded whoever is looking: a derived
    level must not depend on what the person saving may see."""
    related = getattr(record, name)
    if related is not None:
        return related
    relation = sa.inspect(type(record)).relationships[name]
    pk = getattr(record, next(iter(relation.local_columns)).key)
    if pk is None or object_session(record) is None:
        return None
    target = relation.mapper.class_
    return object_session(record).scalar(sa.select(target).where(target.id == pk)
                                         .execution_options(skip_visibility=True))


class ServiceSettings:
    """The service desk's clock, shared by service requests and work orders."""

    office_hours: tuple[time, time] = (time(8, 30), time(17, 30))
    """Office hours (Asia/Shanghai): the hour clocks of requests and repairs run between
    these times on working days only."""
    holiday_calendar: Callable[[date], tuple[bool, bool]] = staticmethod(is_working_day)
    """``day -> (working, provisional)``: the official Chinese calendar by default
    (``models/workdays.py``, holidays and make-up working days)."""
    handle_hours: dict[str, int] = {"inquiry": 6, "repair": 6, "alarm": 24}
    """Office hours within which a request is handled (001 篇5/6 第七条(三): 6 小时内处理);
    an alarm within 24 hours of the clock."""
    repair_hours: int = 24
    """Office hours from the repair request within which the repair is finished
    (24小时内修复)."""
    around_the_clock: tuple[str, ...] = ("alarm",)
    """Kinds whose clock never stops (an alarm is answered day and night)."""

    @classmethod
    def due_after(cls, start: datetime, hours: int, kind: str) -> datetime:
        if kind in cls.around_the_clock:
            return start + timedelta(hours=hours)
        return add_office_hours(start, hours, cls.office_hours, cls.holiday_calendar)

    @classmethod
    def hours_between(cls, start: datetime, end: datetime, kind: str) -> float:
        """Hours on ``kind``'s clock from ``start`` to ``end`` (how late a record is)."""
        if kind in cls.around_the_clock:
            return max((end - start).total_seconds() / 3600, 0.0)
        return office_hours_between(start, end, cls.office_hours, cls.holiday_calendar)


def no_future(moment: datetime | None, label) -> list:
    if moment is not None and moment > utcnow() + timedelta(minutes=5):
        return [_l("%(field)s: cannot be in the future.", field=label)]
    return []


class ServiceRequest(Stateful, Assignable, BusinessRecord, Model):
    """A service request (咨询、报修、报警) received by phone or at the desk."""

    __tablename__ = "service_request"
    number_format = "FW{yymm}{serial:03d}"
    level_follows = "customer"
    """What is said about a customer is as confidential as the customer."""
    settings = ServiceSettings
    statuses = REQUEST_STATUSES
    initial_status = "received"
    locked_from = {"*": "handled", "handle_due_at": None, "level": None}
    transitions = (
        Transition("handle", _l("Handled"), ("received",), "handled",
                   requires=("handling_result",), stamps=("handled_by_id", "handled_at")),
    )
    actions = (assign_step(("received",)),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Request number"), "readonly": True})
    received_at: Mapped[datetime] = mapped_column(
        info={"label": _l("Received at"), "prefill_now": True})
    caller: Mapped[str | None] = mapped_column(String(60), info={"label": _l("Caller")})
    caller_phone: Mapped[str | None] = mapped_column(
        String(40), info={"label": _l("Caller's phone")})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    kind: Mapped[str] = code_column(REQUEST_KINDS, _l("Request kind"), default="inquiry")
    content: Mapped[str] = mapped_column(Text, info={"label": _l("Content")})
    handle_due_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("To be handled by"), "readonly": True})
    handling_result: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Handling result")})
    handled_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Handled by"))
    handled_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Handled at")})

    __table_args__ = (
        # Late look-ups (list flag, home page) read the open requests only.
        sa.Index("ix_service_request_open_due", "handle_due_at",
                 sqlite_where=sa.text("status = 'received'"),
                 postgresql_where=sa.text("status = 'received'")),
    )

    class Admin:
        label = _l("Service request")
        label_plural = _l("Service requests")
        list_columns = ("number", "received_at", "customer", "kind", "caller",
                        "handle_due_at", "status", "owner", "level")
        search = ("number", "caller", "caller_phone", "content")
        filters = ("status", "kind", "department", "level", "received_at")
        form_columns = ("received_at", "caller", "caller_phone", "customer", "kind",
                        "content", "department")
        default_sort = ("received_at", True)
        lookup_fields = ("number", "caller")

    def __str__(self) -> str:
        return self.number or str(_l("(new service request)"))

    @property
    def number_date(self) -> datetime | None:
        return self.received_at

    def derive(self) -> None:
        """The handling clock starts at receipt; the level is the customer's."""
        if self.received_at is not None and self.kind in self.settings.handle_hours:
            self.handle_due_at = self.settings.due_after(
                self.received_at, self.settings.handle_hours[self.kind], self.kind)
        customer = customer_of(self)
        if customer is not None:
            self.level = highest_level(customer.level)

    @classmethod
    def late_clause(cls, today: date):
        return sa.and_(cls.status == code_literals("received")[0],
                       cls.handle_due_at < moment_param(today))

    def late_reason(self, today: date):
        if self.status != "received" or self.handle_due_at is None \
                or self.handle_due_at >= moment_of(today):
            return None
        return _l("Not handled by %(moment)s",
                  moment=to_local(self.handle_due_at).strftime("%Y-%m-%d %H:%M"))

    def problems(self) -> list:
        found = no_future(self.received_at, _l("Received at"))
        if self.received_at is not None and not 2000 <= local_date_of(
                self.received_at).year <= 2099:
            found.append(_l("%(field)s: enter a date between %(first)s and %(last)s.",
                            field=_l("Received at"), first=2000, last=2099))
        moved = period_problem(self, _l("Received at"))
        if moved:
            found.append(moved)
        return found
