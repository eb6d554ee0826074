"""Grading reviews (客户分级评审): the only way a customer's grade changes.

001 篇1/2 第四条(1) and 004 第3条2 grade customers A/B/C/D by their nature (性质), size
(规模), sales (销售额) and growth trend (经营发展趋势); 001 篇4 第二条(三) asks for a
periodic re-assessment (定期评估客户、更新客户资料，动态管理). A supervisor proposes a
grade with the four criteria; the GM office decides (or rejects), never the proposer.
Deciding sets the customer's grade in the same transaction, so the customer's
history shows the change made by the decision; the customer form does not offer the
grade at all (``Customer.grade`` is read-only there).

A customer is due for review when no review of it was decided within
``interval_months`` (yearly by default).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .base import Model
from .choices import GRADES
from .customer import Customer
from .mixins import BusinessRecord, code_column, foreign_key
from .workflow import Stateful, Transition

TRENDS = {"growing": _l("Growing"), "stable": _l("Stable"), "declining": _l("Declining")}
REVIEW_STATUSES = {"proposed": _l("Proposed"), "decided": _l("Decided"),
                   "rejected": _l("Rejected")}


class GradingReview(Stateful, BusinessRecord, Model):
    """One review of a customer's grade: the criteria, the proposal, the decision."""

    __tablename__ = "grading_review"
    interval_months: int = 12
    """Months after a decided review before the customer is due again (yearly)."""
    level_follows = "customer"
    """A review is as confidential as its customer."""
    statuses = REVIEW_STATUSES
    initial_status = "proposed"
    creator_stamp = "proposed_by_id"
    """The supervisor who proposes the grade."""
    raised_from = {"customer": ("grade",)}
    """Started from the customer's page; its current grade is copied as the proposal."""
    raised_from_label = _l("Propose a grading review")
    locked_from = {"*": "decided", "level": None, "previous_grade": None}
    transitions = (
        Transition("decide", _l("Decide the grade (GM office)"), ("proposed",), "decided",
                   requires=("decided_grade",), stamps=("decided_by_id", "decided_at"),
                   not_by=("proposed_by_id",)),
        Transition("reject", _l("Reject"), ("proposed",), "rejected",
                   requires=("decision_remarks",), stamps=("decided_by_id", "decided_at"),
                   not_by=("proposed_by_id",)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    nature: Mapped[str | None] = mapped_column(
        String(200), info={"label": _l("Nature")})
    size: Mapped[str | None] = mapped_column(String(200), info={"label": _l("Size")})
    sales: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(16, 2), info={"label": _l("Sales in the period (CNY)")})
    trend: Mapped[str] = code_column(TRENDS, _l("Growth trend"), default="stable")
    previous_grade: Mapped[str | None] = code_column(GRADES, _l("Grade before the review"),
                                                     nullable=True)
    grade: Mapped[str] = code_column(GRADES, _l("Proposed grade"), default="C")
    reasons: Mapped[str | None] = mapped_column(Text, info={"label": _l("Reasons")})
    proposed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Proposed by"))
    decided_grade: Mapped[str | None] = code_column(GRADES, _l("Decided grade"),
                                                    nullable=True)
    decision_remarks: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("GM office's remarks")})
    decided_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Decided by"))
    decided_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Decided at")})

    class Admin:
        label = _l("Grading review")
        label_plural = _l("Grading reviews")
        list_columns = ("created_at", "customer", "previous_grade", "grade", "trend",
                        "decided_grade", "status", "level")
        search = ("reasons",)
        filters = ("status", "grade", "decided_grade", "level", "department")
        form_columns = ("customer", "nature", "size", "sales", "trend", "grade", "reasons",
                        "department")
        default_sort = ("created_at", True)
        lookup_fields = ("id",)

    def __str__(self) -> str:
        customer = self.customer.name if self.customer is not None else ""
        return str(_l("Grading review %(customer)s", customer=customer)) if customer \
            else str(_l("(new grading review)"))

    def derive(self) -> None:
        """The level is the customer's; the grade before is noted when proposed."""
        customer = self.customer
        if customer is None and self.customer_id is not None:
            customer = object_session(self).get(Customer, self.customer_id)
        if customer is None:
            return
        self.level = customer.level
        if self.status in (None, "proposed"):
            self.previous_grade = customer.grade

    def after_transition(self, name: str, user) -> None:
        if name == "decide":
            self.customer.grade = self.decided_grade

    def problems(self) -> list:
        if self.sales is not None and self.sales < 0:
            return [_l("%(field)s: must not be negative.",
                       field=_l("Sales in the period (CNY)"))]
        return []
