from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .choices import CUSTOMER_KINDS, GRADES
from .mixins import BusinessRecord, code_column, foreign_key


class Customer(BusinessRecord, Model):
    """A customer (客户). Company-wide: every department may see it up to its level."""

    __tablename__ = "customer"
    number_format: str = "KH{serial:05d}"
    """The customer code the system gives on registration (``models/numbering.py``):
    ``KH00001``, ``KH00002``, … A code a clerk typed would tell them, by "already in
    use", the codes of customers they may not see."""
    number_column: str = "code"
    """The column holding that code."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(
        String(30), unique=True, info={"label": _l("Customer code"), "readonly": True})
    name: Mapped[str] = mapped_column(String(200), info={"label": _l("Customer name")})
    kind: Mapped[str] = code_column(CUSTOMER_KINDS, _l("Customer kind"), default="dealer")
    grade: Mapped[str] = code_column(GRADES, _l("Grade"), default="C")
    industry: Mapped[str | None] = mapped_column(String(100), info={"label": _l("Industry")})
    region: Mapped[str | None] = mapped_column(String(100), info={"label": _l("Region")})
    address: Mapped[str | None] = mapped_column(String(300), info={"label": _l("Address")})
    legal_representative: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Legal representative")})
    contact_person: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Contact person")})
    phone: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Phone")})
    email: Mapped[str | None] = mapped_column(String(120), info={"label": _l("E-mail")})
    first_trade_date: Mapped[date | None] = mapped_column(
        info={"label": _l("First trade date")})
    annual_sales: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(16, 2), info={"label": _l("Annual sales (CNY)")})
    credit_rating: Mapped[str | None] = mapped_column(
        String(20), info={"label": _l("Credit rating")})
    credit_limit: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(16, 2), info={"label": _l("Credit limit (CNY)")})
    account_manager_id: Mapped[int | None] = foreign_key("app_user.id", _l("Account manager"))
    account_manager = relationship("AppUser", foreign_keys=[account_manager_id],
                                   info={"label": _l("Account manager")})
    patrol_visitor_id: Mapped[int | None] = foreign_key("app_user.id", _l("Patrol visitor"))
    patrol_visitor = relationship("AppUser", foreign_keys=[patrol_visitor_id],
                                  info={"label": _l("Patrol visitor")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})

    __table_args__ = (
        sa.CheckConstraint("credit_limit IS NULL OR credit_limit >= 0",
                           name="credit_limit_not_negative"),
    )

    class Admin:
        label = _l("Customer")
        label_plural = _l("Customers")
        list_columns = ("code", "name", "kind", "grade", "region", "contact_person",
                        "phone", "account_manager", "level")
        search = ("code", "name", "contact_person", "phone")
        filters = ("kind", "grade", "region", "level", "department")
        form_columns = ("name", "kind", "grade", "industry", "region", "address",
                        "legal_representative", "contact_person", "phone", "email",
                        "first_trade_date", "annual_sales", "credit_rating",
                        "credit_limit", "account_manager", "patrol_visitor",
                        "department", "level", "remarks")
        default_sort = ("code", False)
        # A caller is found by the number they call from or by the contact's name.
        lookup_fields = ("code", "name", "phone", "contact_person")

    def warnings(self) -> list:
        """Things the clerk should know but that do not block saving."""
        if self.account_manager is not None and self.account_manager is self.patrol_visitor:
            return [_l("The patrol visitor should not be the customer's own account "
                       "manager.")]
        return []

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
