from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .choices import CHANNELS, COMPLAINT_KINDS, COMPLAINT_STATUSES, HANDLINGS, SEVERITIES
from .mixins import BusinessRecord, code_column, foreign_key
from .numbering import local_date_of
from .workdays import add_working_days
from .workflow import Stateful, Transition


class Complaint(Stateful, BusinessRecord, Model):
    """A customer complaint (客户投诉), numbered YYMM + monthly serial (``2611001``)."""

    __tablename__ = "complaint"
    number_format = "{yymm}{serial:03d}"
    #: Working days to handle a complaint, counted from the day after receipt.
    deadlines = {"general": 1, "major": 3}
    #: The GM office may extend a major complaint, never beyond this many working days.
    max_extension = 7
    #: Scans / recordings can be attached (served only through the record's checks).
    attachments_allowed = True
    statuses = COMPLAINT_STATUSES
    initial_status = "registered"
    transitions = (
        Transition("investigate", _l("Start investigation"), ("registered",),
                   "investigating"),
        Transition("determine_responsibility", _l("Determine responsibility"),
                   ("investigating",), "responsibility_determined",
                   requires=("cause_analysis", "responsible_department")),
        Transition("propose_handling", _l("Propose handling"),
                   ("responsibility_determined",), "handling_proposed",
                   requires=("handling",)),
        Transition("approve_general", _l("Approve handling"), ("handling_proposed",),
                   "approved", stamps=("approved_by_id", "approved_at"),
                   when=(("severity", "general"),)),
        Transition("approve_major", _l("Approve handling (major)"), ("handling_proposed",),
                   "approved", stamps=("approved_by_id", "approved_at"),
                   when=(("severity", "major"),)),
        Transition("notify_customer", _l("Customer notified in writing"), ("approved",),
                   "notified", stamps=("notified_at",)),
        Transition("close", _l("Close"), ("notified",), "closed", stamps=("closed_at",)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Complaint number"), "readonly": True})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    received_at: Mapped[datetime] = mapped_column(info={"label": _l("Received at")})
    channel: Mapped[str] = code_column(CHANNELS, _l("Channel"), default="phone")
    complainant: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Complainant")})
    content: Mapped[str] = mapped_column(Text, info={"label": _l("What the customer says")})
    request: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("What the customer asks for")})
    product: Mapped[str | None] = mapped_column(String(120), info={"label": _l("Product")})
    order_no: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Order no.")})
    batch_no: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Batch no.")})
    quantity_affected: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(14, 3), info={"label": _l("Quantity affected")})
    kind: Mapped[str] = code_column(COMPLAINT_KINDS, _l("Complaint kind"), default="quality")
    severity: Mapped[str] = code_column(SEVERITIES, _l("Severity"), default="general")
    due_date: Mapped[date | None] = mapped_column(
        info={"label": _l("Due date"), "readonly": True})
    due_date_provisional: Mapped[bool] = mapped_column(
        default=False, info={"label": _l("Due date provisional"), "readonly": True})
    extended_due_date: Mapped[date | None] = mapped_column(
        info={"label": _l("Extended due date"), "readonly": True})
    cause_analysis: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Cause analysis")})
    responsible_department_id: Mapped[int | None] = foreign_key(
        "department.id", _l("Responsible department"))
    responsible_department = relationship(
        "Department", foreign_keys=[responsible_department_id],
        info={"label": _l("Responsible department")})
    responsible_person: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Responsible person")})
    handling: Mapped[str | None] = code_column(HANDLINGS, _l("Handling"), nullable=True)
    handling_detail: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Handling detail")})
    corrective_action: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Corrective and preventive action")})
    loss_amount: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(14, 2), info={"label": _l("Loss amount (CNY)")})
    approved_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Approved by"))
    approved_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Approved at")})
    notified_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Customer notified at")})
    closed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Closed at")})
    reopened_from_id: Mapped[int | None] = foreign_key("complaint.id", _l("Reopened from"))
    reopened_from = relationship("Complaint", remote_side=[id],
                                 info={"label": _l("Reopened from")})

    __table_args__ = (
        sa.CheckConstraint("quantity_affected IS NULL OR quantity_affected >= 0",
                           name="quantity_not_negative"),
        sa.Index("ix_complaint_scope", "department_id", "level", "received_at"),
        sa.Index("ix_complaint_received_at", "received_at"),
        sa.Index("ix_complaint_status_due", "status", "due_date"),
    )

    class Admin:
        label = _l("Complaint")
        label_plural = _l("Complaints")
        list_columns = ("number", "received_at", "customer", "channel", "kind", "severity",
                        "status", "due_date", "level")
        search = ("number", "content", "product", "batch_no")
        filters = ("status", "severity", "kind", "channel", "level", "department",
                   "received_at", "due_date")
        form_columns = ("customer", "received_at", "channel", "complainant", "content",
                        "request", "product", "order_no", "batch_no", "quantity_affected",
                        "kind", "severity", "cause_analysis", "responsible_department",
                        "responsible_person", "handling", "handling_detail",
                        "corrective_action", "loss_amount", "department", "level")
        default_sort = ("received_at", True)
        lookup_fields = ("number", "product")

    @property
    def number_date(self) -> datetime | None:
        return self.received_at

    def derive(self) -> None:
        """Due date = the N-th working day after the (Shanghai) day of receipt."""
        if self.received_at is None or self.severity not in self.deadlines:
            return
        day = local_date_of(self.received_at)
        self.due_date, self.due_date_provisional = add_working_days(
            day, self.deadlines[self.severity])

    @property
    def effective_due_date(self) -> date | None:
        return self.extended_due_date or self.due_date

    def __str__(self) -> str:
        return self.number or str(_l("(new complaint)"))
