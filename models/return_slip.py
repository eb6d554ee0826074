"""Return slips (退货单 / 产品返厂申请): confirmed, approved, received, inspected, decided.

The rules of the regulations live here as data and hooks: the counted quantity
prevails over the claimed one; inspection and decision are due a fixed number of
days after arrival; a non-quality return across calendar years is refused; goods
are received only on a slip that is both confirmed and approved.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, db
from .choices import RETURN_DECISIONS, RETURN_STATUSES
from .mixins import Assignable, BusinessRecord, assign_step, code_column, foreign_key
from .numbering import local_date_of, period_problem
from .office_settings import setting
from .workflow import Stateful, Transition

RECEIVE_REFUSED = _l("Goods cannot be received on this slip: it must first be confirmed by "
                     "the regional manager and approved by customer service. Refuse the "
                     "goods until then.")


class ReturnSlip(Stateful, Assignable, BusinessRecord, Model):
    """A product return application (退货单 / 产品返厂申请) with its lines."""

    __tablename__ = "return_slip"
    number_format = setting("TH{yymm}{serial:03d}", _l("Return slip number format"), kind="number_format")  # noqa: E501
    #: Calendar days after arrival by which the goods must be inspected.
    inspection_days = setting(3, _l("Inspection within (days after arrival)"), low=1, high=60)
    #: Calendar days after arrival by which the decision must be made.
    decision_days = setting(5, _l("Decision within (days after arrival)"), low=1, high=60)
    #: Refuse a return of goods sold in an earlier calendar year unless it is for a
    #: quality problem within the warranty (the only case the company bears the costs).
    refuse_cross_year_returns = setting(True, _l("Refuse non-quality returns across calendar years"))  # noqa: E501
    statuses = RETURN_STATUSES
    initial_status = "applied"
    line_items = "lines"
    locked_from = {
        # What the manager confirms and customer service approves, lines included, is
        # fixed from the confirmation on; the steps fill in arrival, counts and decisions.
        "*": "confirmed",
        "inspection_due_on": None, "decision_due_on": None,  # derived from the arrival
        "level": None,  # the GM office classifies
        "owner": "closed",  # 经办人: assigned by the supervisor while open (``assign``)
    }
    transitions = (
        # Before the goods arrive, customer service may send the slip back (退回) to the
        # clerk: the confirmation and approval are withdrawn and asked for again.
        Transition("send_back", _l("Send back"), ("confirmed", "approved"), "applied"),
        Transition("confirm", _l("Confirm (regional manager)"), ("applied",), "confirmed",
                   stamps=("confirmed_by_id", "confirmed_at")),
        # One person, one signature; and the approval is the customer-service department's.
        Transition("approve", _l("Approve (customer service)"), ("confirmed",), "approved",
                   stamps=("approved_by_id", "approved_at"), not_by=("confirmed_by_id",),
                   by_department="service"),
        Transition("receive", _l("Goods received"), ("approved",), "received",
                   requires=("arrived_on",), per_line=("quantity_counted",),
                   refused=RECEIVE_REFUSED),
        Transition("inspect", _l("Inspected"), ("received",), "inspected",
                   requires=("inspected_on",)),
        Transition("decide", _l("Decision made"), ("inspected",), "decided",
                   requires=("decided_on",), per_line=("decision", "decision_reason")),
        Transition("close", _l("Close"), ("decided",), "closed"),
    )
    actions = (assign_step(tuple(RETURN_STATUSES)[:-1]),)
    computed = {"total_claimed": _l("Total quantity claimed"),
                "total_quantity": _l("Total quantity (counted prevails)")}

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Return slip number"), "readonly": True})
    #: The day the customer applied (申请日期): the number takes its month, so a paper
    #: slip of September typed in December is still TH2609….
    applied_on: Mapped[date] = mapped_column(
        default=lambda: local_date_of(None), info={"label": _l("Application date")})
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
    inspection_due_on: Mapped[date | None] = mapped_column(
        info={"label": _l("Inspection due on"), "readonly": True})
    decision_due_on: Mapped[date | None] = mapped_column(
        info={"label": _l("Decision due on"), "readonly": True})
    confirmed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Confirmed by"))
    confirmed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Confirmed at")})
    approved_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Approved by"))
    approved_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Approved at")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})
    lines = relationship("ReturnLine", back_populates="slip", cascade="all, delete-orphan",
                         order_by="ReturnLine.id", info={"label": _l("Lines")})

    __table_args__ = (
        sa.Index("ix_return_slip_status_due", "status", "decision_due_on"),
    )

    class Admin:
        label = _l("Return slip")
        label_plural = _l("Return slips")
        list_columns = ("number", "customer", "complaint", "quality_problem", "status",
                        "arrived_on", "decision_due_on", "owner", "level")
        search = ("number", "order_no")
        filters = ("status", "quality_problem", "level", "department", "arrived_on",
                   "decision_due_on")
        # Arrival, inspection and decision dates are recorded by the steps, not typed in:
        # the deadlines are counted from them.
        form_columns = ("applied_on", "customer", "complaint", "contract", "order_no",
                        "sold_on",
                        "quality_problem", "within_warranty", "remarks", "department",
                        "level")
        inline = ("lines",)
        default_sort = ("created_at", True)
        lookup_fields = ("number", "order_no")

    def __str__(self) -> str:
        return self.number or str(_l("(new return slip)"))

    # -- quantities: the counted quantity prevails --------------------------------
    @property
    def total_claimed(self) -> Decimal:
        return sum((line.quantity_claimed or Decimal(0) for line in self.lines), Decimal(0))

    @property
    def total_quantity(self) -> Decimal:
        return sum((line.quantity or Decimal(0) for line in self.lines), Decimal(0))

    @property
    def number_date(self) -> date | None:
        return self.applied_on

    # -- deadlines -------------------------------------------------------------------
    def derive(self) -> None:
        """Inspection and decision fall due a fixed number of days after arrival."""
        if self.applied_on is None:
            self.applied_on = local_date_of(None)  # an empty form field means today
        if self.arrived_on is None:
            self.inspection_due_on = self.decision_due_on = None
        else:
            self.inspection_due_on = self.arrived_on + timedelta(days=self.inspection_days)
            self.decision_due_on = self.arrived_on + timedelta(days=self.decision_days)

    @classmethod
    def late_clause(cls, today: date):
        return sa.or_(
            sa.and_(cls.status == "received", cls.inspection_due_on < today),
            sa.and_(cls.status.in_(("received", "inspected")), cls.decision_due_on < today))

    def late_reason(self, today: date):
        if self.status == "received" and self.inspection_due_on \
                and self.inspection_due_on < today:
            return _l("Inspection overdue (due %(day)s)", day=self.inspection_due_on)
        if self.status in ("received", "inspected") and self.decision_due_on \
                and self.decision_due_on < today:
            return _l("Decision overdue (due %(day)s)", day=self.decision_due_on)
        return None

    # -- rules -------------------------------------------------------------------------
    def problems(self) -> list:
        found = self._sale_problems()
        if self.applied_on is not None and self.applied_on > local_date_of(None):
            found.append(_l("%(field)s: cannot be in the future.",
                            field=_l("Application date")))
        moved = period_problem(self, _l("Application date"))
        if moved:
            found.append(moved)
        for number, line in enumerate(self.lines, start=1):
            found.extend(line.problems(number))
        return found

    def _sale_problems(self) -> list:
        today = local_date_of(None)
        if self.sold_on is not None and self.sold_on > today:
            return [_l("%(field)s: cannot be in the future.", field=_l("Sold on"))]
        covered = self.quality_problem and self.within_warranty
        if covered or not self.refuse_cross_year_returns:
            return []
        applied = self.applied_on or today
        if self.sold_on is None:
            if self.id is not None:
                return []  # asked for when the return is applied for; older slips stand
            if self.quality_problem:
                return [_l("%(field)s: required for a return outside the warranty, which is "
                           "accepted only within the calendar year of the sale.",
                           field=_l("Sold on"))]
            return [_l("%(field)s: required for a non-quality return, which is accepted "
                       "only within the calendar year of the sale.", field=_l("Sold on"))]
        if self.sold_on.year < applied.year:
            if self.quality_problem:
                return [_l("%(field)s: goods sold in %(sold)s are out of warranty and cannot "
                           "be returned in %(now)s. Returns across calendar years are "
                           "accepted only for a quality problem within the warranty.",
                           field=_l("Sold on"), sold=self.sold_on.year, now=applied.year)]
            return [_l("%(field)s: goods sold in %(sold)s cannot be returned for a "
                       "non-quality reason in %(now)s. Returns across calendar years are "
                       "accepted only for a quality problem.", field=_l("Sold on"),
                       sold=self.sold_on.year, now=applied.year)]
        return []

    def check_transition(self, name: str, user):
        today = local_date_of(None)
        if name == "confirm" and not self.lines:
            return _l("Add at least one line (product and quantity) before confirming.")
        if name == "receive":
            if self.confirmed_by_id is None or self.approved_by_id is None:
                return RECEIVE_REFUSED
            return _not_future(self.arrived_on, _l("Arrived on"), today) or \
                _missing_per_line(self.lines, "quantity_counted", _l("Quantity counted"))
        if name == "inspect":
            return _not_future(self.inspected_on, _l("Inspected on"), today) or \
                _not_before(self.inspected_on, self.arrived_on, _l("Inspected on"))
        if name == "decide":
            return _not_future(self.decided_on, _l("Decided on"), today) or \
                _not_before(self.decided_on, self.inspected_on, _l("Decided on")) or \
                _missing_per_line(self.lines, "decision", _l("Decision"))
        return None

    def after_transition(self, name: str, user) -> None:
        if name == "send_back":  # both signatures are asked for again
            self.confirmed_by_id = self.confirmed_at = None
            self.approved_by_id = self.approved_at = None


def _not_future(day: date | None, label, today: date):
    if day is not None and day > today:
        return _l("%(field)s: cannot be in the future.", field=label)
    return None


def _not_before(day: date | None, earlier: date | None, label):
    if day is not None and earlier is not None and day < earlier:
        return _l("%(field)s: cannot be before %(day)s.", field=label, day=earlier)
    return None


def _missing_per_line(lines, field: str, label):
    missing = [str(number) for number, line in enumerate(lines, start=1)
               if getattr(line, field) is None]
    if missing:
        return _l("%(field)s: required for every line (missing on line %(lines)s).",
                  field=label, lines=", ".join(missing))
    return None


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

    def problems(self, number: int) -> list:
        where = _l("line %(number)s", number=number)
        found = []
        if self.quantity_claimed is not None and self.quantity_claimed <= 0:
            found.append(_l("%(field)s (%(where)s): must be greater than 0.",
                            field=_l("Quantity claimed"), where=where))
        if self.quantity_counted is not None and self.quantity_counted < 0:
            found.append(_l("%(field)s (%(where)s): must not be negative.",
                            field=_l("Quantity counted"), where=where))
        if self.decision == "rejected" and not (self.decision_reason or "").strip():
            found.append(_l("%(field)s (%(where)s): a rejected line needs a reason.",
                            field=_l("Decision reason"), where=where))
        return found

    @property
    def quantity(self) -> Decimal:
        """The quantity that counts: what was counted on arrival, else the claim."""
        return self.quantity_counted if self.quantity_counted is not None \
            else self.quantity_claimed
