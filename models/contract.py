from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, db
from .choices import CONTRACT_KINDS, CONTRACT_STATUSES, ORDER_CHANGE_STATUSES, REVIEW_ASPECTS
from .mixins import BusinessRecord, code_column, foreign_key, utcnow
from .workflow import Stateful, Transition


class Contract(Stateful, BusinessRecord, Model):
    """A contract (合同). Confidential by default: it carries prices."""

    __tablename__ = "contract"
    default_level = "confidential"
    statuses = CONTRACT_STATUSES
    initial_status = "draft"
    transitions = (
        Transition("submit_review", _l("Submit for review"), ("draft",), "under_review"),
        Transition("approve_quote", _l("Approve quote"), ("under_review",),
                   "quote_approved", stamps=("quote_approved_by_id", "quote_approved_at")),
        Transition("sign", _l("Mark signed"), ("quote_approved",), "signed",
                   requires=("signed_on",)),
        Transition("put_in_force", _l("Put in force"), ("signed",), "in_force"),
        Transition("complete", _l("Complete"), ("in_force",), "completed"),
        Transition("terminate", _l("Terminate"), ("signed", "in_force"), "terminated",
                   requires=("termination_reason",)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True,
                                        info={"label": _l("Contract number")})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    title: Mapped[str] = mapped_column(String(200), info={"label": _l("Title")})
    kind: Mapped[str] = code_column(CONTRACT_KINDS, _l("Contract kind"), default="sales")
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 2),
                                                   info={"label": _l("Amount")})
    currency: Mapped[str] = mapped_column(String(3), default="CNY",
                                          info={"label": _l("Currency")})
    signed_on: Mapped[date | None] = mapped_column(info={"label": _l("Signed on")})
    starts_on: Mapped[date | None] = mapped_column(info={"label": _l("Starts on")})
    ends_on: Mapped[date | None] = mapped_column(info={"label": _l("Ends on")})
    owner_id: Mapped[int | None] = foreign_key("app_user.id", _l("Owner"))
    owner = relationship("AppUser", foreign_keys=[owner_id], info={"label": _l("Owner")})
    quote_approved_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                           _l("Quote approved by"))
    quote_approved_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Quote approved at")})
    termination_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Termination reason")})
    reviews = relationship("ContractReview", back_populates="contract",
                           cascade="all, delete-orphan", info={"label": _l("Review opinions")})
    order_changes = relationship("OrderChange", back_populates="contract",
                                 cascade="all, delete-orphan",
                                 info={"label": _l("Order change notices")})

    __table_args__ = (
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                           name="ends_after_start"),
        sa.Index("ix_contract_scope", "department_id", "level", "number"),
    )

    class Admin:
        label = _l("Contract")
        label_plural = _l("Contracts")
        list_columns = ("number", "title", "customer", "kind", "amount", "currency",
                        "status", "signed_on", "level")
        search = ("number", "title")
        filters = ("status", "kind", "level", "department", "signed_on")
        form_columns = ("number", "customer", "title", "kind", "amount", "currency",
                        "signed_on", "starts_on", "ends_on", "owner", "department",
                        "level", "termination_reason")
        inline = ("reviews", "order_changes")
        default_sort = ("number", True)
        lookup_fields = ("number", "title")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ContractReview(db.Model):
    """A written review opinion (合同评审) from production, quality or materials.

    Reached only through its contract, whose scope and level it shares.
    """

    __tablename__ = "contract_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = foreign_key("contract.id", _l("Contract"), nullable=False,
                                           ondelete="CASCADE")
    contract = relationship("Contract", back_populates="reviews")
    aspect: Mapped[str] = code_column(REVIEW_ASPECTS, _l("Aspect"))
    opinion: Mapped[str] = mapped_column(Text, info={"label": _l("Opinion")})
    reviewer: Mapped[str] = mapped_column(String(60), info={"label": _l("Reviewer")})
    reviewed_on: Mapped[date] = mapped_column(default=date.today,
                                              info={"label": _l("Reviewed on")})

    __table_args__ = (sa.UniqueConstraint("contract_id", "aspect"),)


class OrderChange(db.Model):
    """An order change notice (订单修正通知单) on a signed contract."""

    __tablename__ = "order_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = foreign_key("contract.id", _l("Contract"), nullable=False,
                                           ondelete="CASCADE")
    contract = relationship("Contract", back_populates="order_changes")
    reason: Mapped[str] = mapped_column(Text, info={"label": _l("Reason")})
    content: Mapped[str] = mapped_column(Text, info={"label": _l("Content of the change")})
    status: Mapped[str] = code_column(ORDER_CHANGE_STATUSES, _l("Status"), default="pending")
    confirmed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Confirmed by"))
    confirmed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Confirmed at")})
    created_at: Mapped[datetime] = mapped_column(default=utcnow,
                                                 info={"label": _l("Created at")})
