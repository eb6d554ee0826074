"""A customer's credit incidents (以往信用问题).

001 篇3 第三条4, 第四条4 keep the customer's credit standing, its trade conditions and
credit limit, and its past credit problems: each problem is a row — when, what kind,
how much, how it was settled — at the customer's level.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .follows_customer import FollowsCustomer
from .mixins import BusinessRecord, code_column, foreign_key

INCIDENT_KINDS = {
    "late_payment": _l("Late payment"),
    "bad_debt": _l("Bad debt"),
    "bounced_payment": _l("Bounced payment"),
    "over_limit": _l("Credit limit exceeded"),
    "other": _l("Other credit problem"),
}



class CreditIncident(FollowsCustomer, BusinessRecord, Model):
    """A credit problem of a customer (以往信用问题): what, when, how much."""

    __tablename__ = "credit_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    occurred_on: Mapped[date] = mapped_column(info={"label": _l("Occurred on")})
    kind: Mapped[str] = code_column(INCIDENT_KINDS, _l("Credit problem"),
                                    default="late_payment")
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 2),
                                                   info={"label": _l("Amount (CNY)")})
    description: Mapped[str | None] = mapped_column(Text, info={"label": _l("What happened")})
    resolution: Mapped[str | None] = mapped_column(
        String(300), info={"label": _l("How it was settled")})

    __table_args__ = (
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )

    class Admin:
        label = _l("Credit incident")
        label_plural = _l("Credit incidents")
        list_columns = ("occurred_on", "customer", "kind", "amount", "level")
        search = ("description", "resolution")
        filters = ("kind", "occurred_on", "level", "department")
        form_columns = ("customer", "occurred_on", "kind", "amount", "description",
                        "resolution", "department")
        default_sort = ("occurred_on", True)
        lookup_fields = ("description",)

    def __str__(self) -> str:
        return f"{self.occurred_on or ''} {INCIDENT_KINDS.get(self.kind, '')}".strip() or \
            str(_l("(new credit incident)"))
