from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, db
from .choices import RETURN_DECISIONS, RETURN_STATUSES
from .mixins import BusinessRecord, code_column, foreign_key
from .workflow import Stateful, Transition


class ReturnSlip(Stateful, BusinessRecord, Model):
    """A product return application (退货单 / 产品返厂申请) with its lines."""

    __tablename__ = "return_slip"
    number_format = "TH{yymm}{serial:03d}"
    statuses = RETURN_STATUSES
    initial_status = "applied"
    transitions = (
        Transition("confirm", _l("Confirm (regional manager)"), ("applied",), "confirmed",
                   stamps=("confirmed_by_id", "confirmed_at")),
        Transition("approve", _l("Approve (customer service)"), ("confirmed",), "approved",
                   stamps=("approved_by_id", "approved_at")),
        Transition("receive", _l("Goods received"), ("approved",), "received",
                   requires=("arrived_on",)),
        Transition("inspect", _l("Inspected"), ("received",), "inspected",
                   requires=("inspected_on",)),
        Transition("decide", _l("Decision made"), ("inspected",), "decided",
                   requires=("decided_on",)),
        Transition("close", _l("Close"), ("decided",), "closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Return slip number"), "readonly": True})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    complaint_id: Mapped[int | None] = foreign_key("complaint.id", _l("Complaint"))
    complaint = relationship("Complaint", info={"label": _l("Complaint")})
    contract_id: Mapped[int | None] = foreign_key("contract.id", _l("Contract"))
    contract = relationship("Contract", info={"label": _l("Contract")})
    order_no: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Order no.")})
    sold_on: Mapped[date | None] = mapped_column(info={"label": _l("Sold on")})
    quality_problem: Mapped[bool] = mapped_column(default=False,
                                                  info={"label": _l("Quality problem")})
    within_warranty: Mapped[bool] = mapped_column(default=False,
                                                  info={"label": _l("Within warranty")})
    arrived_on: Mapped[date | None] = mapped_column(info={"label": _l("Arrived on")})
    inspected_on: Mapped[date | None] = mapped_column(info={"label": _l("Inspected on")})
    decided_on: Mapped[date | None] = mapped_column(info={"label": _l("Decided on")})
    confirmed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Confirmed by"))
    confirmed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Confirmed at")})
    approved_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Approved by"))
    approved_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Approved at")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})
    lines = relationship("ReturnLine", back_populates="slip", cascade="all, delete-orphan",
                         order_by="ReturnLine.id", info={"label": _l("Lines")})

    __table_args__ = (
        sa.Index("ix_return_slip_scope", "department_id", "level", "created_at"),
    )

    class Admin:
        label = _l("Return slip")
        label_plural = _l("Return slips")
        list_columns = ("number", "customer", "complaint", "quality_problem", "status",
                        "arrived_on", "level")
        search = ("number", "order_no")
        filters = ("status", "quality_problem", "level", "department", "arrived_on")
        form_columns = ("customer", "complaint", "contract", "order_no", "sold_on",
                        "quality_problem", "within_warranty", "arrived_on", "inspected_on",
                        "decided_on", "remarks", "department", "level")
        inline = ("lines",)
        default_sort = ("created_at", True)
        lookup_fields = ("number", "order_no")

    def __str__(self) -> str:
        return self.number or str(_l("(new return slip)"))


class ReturnLine(db.Model):
    """One product line of a return slip; the counted quantity prevails over the claim."""

    __tablename__ = "return_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    slip_id: Mapped[int] = foreign_key("return_slip.id", _l("Return slip"), nullable=False,
                                       ondelete="CASCADE")
    slip = relationship("ReturnSlip", back_populates="lines")
    product: Mapped[str] = mapped_column(String(120), info={"label": _l("Product")})
    specification: Mapped[str | None] = mapped_column(
        String(120), info={"label": _l("Specification")})
    batch_no: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Batch no.")})
    quantity_claimed: Mapped[Decimal] = mapped_column(
        sa.Numeric(14, 3), info={"label": _l("Quantity claimed")})
    reason: Mapped[str | None] = mapped_column(Text, info={"label": _l("Reason")})
    quantity_counted: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(14, 3), info={"label": _l("Quantity counted")})
    decision: Mapped[str | None] = code_column(RETURN_DECISIONS, _l("Decision"),
                                               nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Decision reason")})

    __table_args__ = (
        sa.CheckConstraint("quantity_claimed > 0", name="claimed_positive"),
        sa.CheckConstraint("quantity_counted IS NULL OR quantity_counted >= 0",
                           name="counted_not_negative"),
    )

    @property
    def quantity(self) -> Decimal:
        """The quantity that counts: what was counted on arrival, else the claim."""
        return self.quantity_counted if self.quantity_counted is not None \
            else self.quantity_claimed
