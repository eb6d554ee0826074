"""Repair work orders (维修工单): the technician's sheet for one repair, the basis of
settlement (003 繁兴售后手册 部门职能10 填写维修工单及维护工单; 001 篇9 三(二)2).

Raised from a repair request (one click on the request, prefilled) or on its own: the
technician, when they arrived, what they did, the parts used, the customer's signature
(a scan, attached) and the cost to settle. The repair is due 24 office hours after the
request (``ServiceSettings.repair_hours``); an unfinished order past that is late. A
finished repair is followed by a call to the customer (``models/follow_up.py``).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .mixins import Assignable, BusinessRecord, assign_step, code_literals, foreign_key
from .numbering import period_problem
from .service_clock import highest_level, moment_of, moment_param, to_local
from .service_request import ServiceSettings, customer_of, no_future
from .workflow import Stateful, Transition

WORK_ORDER_STATUSES = {"issued": _l("Issued"), "arrived": _l("Technician on site"),
                       "finished": _l("Repair finished"), "settled": _l("Settled")}
#: Statuses in which the repair is not finished yet (and can be late).
OPEN = ("issued", "arrived")


class WorkOrder(Stateful, Assignable, BusinessRecord, Model):
    """A repair work order (维修工单)."""

    __tablename__ = "work_order"
    number_format = "WX{yymm}{serial:03d}"
    level_follows = "customer"
    """It names the customer: as confidential as the customer."""
    settings = ServiceSettings
    attachments_allowed = True
    """The customer's signature on the sheet, scanned (签字确认)."""
    statuses = WORK_ORDER_STATUSES
    initial_status = "issued"
    raised_from = {"service_request": ("customer", "department")}
    """Raised from a repair request's page with its customer copied."""
    raised_from_label = _l("Issue a repair work order")
    raised_from_statuses = {"service_request": ("received", "handled")}
    raised_from_when = {"service_request": (("kind", "repair"),)}
    locked_from = {
        "*": "finished",
        # Settlement: the cost is agreed after the repair, the sheet signed with it.
        "cost": "settled", "customer_signed_by": "settled", "owner": "settled",
        "repair_due_at": None, "level": None, "customer": None,
    }
    transitions = (
        Transition("arrive", _l("Technician arrived"), ("issued",), "arrived",
                   requires=("arrived_at",)),
        Transition("finish", _l("Repair finished"), ("arrived",), "finished",
                   requires=("finished_at", "work_done")),
        Transition("settle", _l("Settle"), ("finished",), "settled",
                   requires=("cost",), stamps=("settled_by_id", "settled_at")),
    )
    # Open until settled: a finished repair still waits for its settlement.
    actions = (assign_step(("issued", "arrived", "finished")),)
    creator_stamp = "issued_by_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Work order number"), "readonly": True})
    service_request_id: Mapped[int | None] = foreign_key("service_request.id",
                                                         _l("Service request"))
    service_request = relationship("ServiceRequest", info={"label": _l("Service request")})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    issued_at: Mapped[datetime] = mapped_column(
        info={"label": _l("Issued at"), "prefill_now": True})
    fault: Mapped[str | None] = mapped_column(Text, info={"label": _l("Fault")})
    technician: Mapped[str] = mapped_column(String(60), info={"label": _l("Technician")})
    repair_due_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("To be repaired by"), "readonly": True})
    arrived_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Arrived at")})
    finished_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Finished at")})
    work_done: Mapped[str | None] = mapped_column(Text, info={"label": _l("Work done")})
    parts: Mapped[str | None] = mapped_column(Text, info={"label": _l("Parts used")})
    customer_signed_by: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Signed by (customer)")})
    cost: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(12, 2), info={"label": _l("Cost for settlement (CNY)")})
    issued_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Issued by"))
    settled_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Settled by"))
    settled_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Settled at")})

    __table_args__ = (
        sa.CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        sa.Index("ix_work_order_open_due", "repair_due_at",
                 sqlite_where=sa.text("status IN ('issued', 'arrived')"),
                 postgresql_where=sa.text("status IN ('issued', 'arrived')")),
    )

    class Admin:
        label = _l("Repair work order")
        label_plural = _l("Repair work orders")
        list_columns = ("number", "issued_at", "customer", "technician", "repair_due_at",
                        "status", "owner", "level")
        search = ("number", "technician", "work_done")
        filters = ("status", "department", "level", "issued_at")
        form_columns = ("service_request", "customer", "issued_at", "fault", "technician",
                        "arrived_at", "finished_at", "work_done", "parts",
                        "customer_signed_by", "cost", "department")
        create_columns = ("service_request", "customer", "issued_at", "fault", "technician",
                          "department")
        default_sort = ("issued_at", True)
        lookup_fields = ("number", "technician")

    def __str__(self) -> str:
        return self.number or str(_l("(new work order)"))

    @property
    def number_date(self) -> datetime | None:
        return self.issued_at

    def derive(self) -> None:
        """Due 24 office hours after the repair request (after issue when there is
        none); the customer is the request's; the level covers both."""
        request = customer_of(self, "service_request")
        if request is not None:
            self.customer_id = request.customer_id
            if request.customer is not None:
                self.customer = request.customer
        start = request.received_at if request is not None else self.issued_at
        if start is not None:
            self.repair_due_at = self.settings.due_after(
                start, self.settings.repair_hours, request.kind if request else "repair")
        customer = customer_of(self)
        if customer is not None:
            self.level = highest_level(customer.level,
                                       request.level if request is not None else None)

    @classmethod
    def late_clause(cls, today: date):
        return sa.and_(cls.status.in_(code_literals(*OPEN)),
                       cls.repair_due_at < moment_param(today))

    def late_reason(self, today: date):
        if self.status not in OPEN or self.repair_due_at is None \
                or self.repair_due_at >= moment_of(today):
            return None
        return _l("Not repaired by %(moment)s",
                  moment=to_local(self.repair_due_at).strftime("%Y-%m-%d %H:%M"))

    def problems(self) -> list:
        found = [*no_future(self.arrived_at, _l("Arrived at")),
                 *no_future(self.finished_at, _l("Finished at"))]
        if self.arrived_at and self.issued_at and self.arrived_at < self.issued_at:
            found.append(_l("%(field)s: cannot be before the order was issued (%(moment)s).",
                            field=_l("Arrived at"),
                            moment=to_local(self.issued_at).strftime("%Y-%m-%d %H:%M")))
        if self.finished_at and self.arrived_at and self.finished_at < self.arrived_at:
            found.append(_l("%(field)s: the repair cannot finish before it started (the "
                            "technician arrived at %(moment)s).", field=_l("Finished at"),
                            moment=to_local(self.arrived_at).strftime("%Y-%m-%d %H:%M")))
        elif self.finished_at and not self.arrived_at:
            found.append(_l("%(field)s: enter the arrival first: the repair starts when "
                            "the technician arrives.", field=_l("Finished at")))
        if self.cost is not None and self.cost < 0:
            found.append(_l("%(field)s: must not be negative.",
                            field=_l("Cost for settlement (CNY)")))
        moved = period_problem(self, _l("Issued at"))
        if moved:
            found.append(moved)
        return found
