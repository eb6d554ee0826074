"""A customer's sales year by year (历年销售实绩).

001 篇3 第三条3 keeps the customer's sales record year by year; 004 第3条2 and 001
篇1/2 第四条(1) grade customers on their sales and its trend, which these figures show
(a grading review reads them). One figure per customer and year, at the customer's
level.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .follows_customer import FollowsCustomer
from .mixins import BusinessRecord, foreign_key


class CustomerYearSales(FollowsCustomer, BusinessRecord, Model):
    """One customer's sales in one year (历年销售实绩)."""

    __tablename__ = "customer_year_sales"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False,
                                           index=False)  # (customer, year) below
    customer = relationship("Customer", info={"label": _l("Customer")})
    year: Mapped[int] = mapped_column(info={"label": _l("Year")})
    sales: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2),
                                           info={"label": _l("Sales (CNY)")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})

    __table_args__ = (
        # One figure per customer and year (the index also finds a customer's years).
        sa.Index("uq_customer_year_sales_customer_year", "customer_id", "year", unique=True),
        sa.CheckConstraint("sales >= 0", name="sales_not_negative"),
        sa.CheckConstraint("year BETWEEN 1900 AND 2999", name="year_plausible"),
    )

    constraint_messages = {"uq_customer_year_sales_customer_year": _l(
        "Year: the customer has a sales figure for that year already.")}

    class Admin:
        label = _l("Yearly sales")
        label_plural = _l("Yearly sales")
        list_columns = ("year", "customer", "sales", "level")
        search = ("remarks",)
        filters = ("year", "level", "department")
        form_columns = ("customer", "year", "sales", "remarks", "department")
        default_sort = ("year", True)
        lookup_fields = ("year",)

    def __str__(self) -> str:
        return f"{self.year or ''} {self.sales or ''}".strip() or \
            str(_l("(new yearly sales)"))
