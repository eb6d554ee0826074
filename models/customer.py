from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .choices import CUSTOMER_KINDS, GRADES
from .customer_lists import CUSTOMER_LISTS
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
    named_lists = CUSTOMER_LISTS
    """Visits due (all, mine, my department's) and customers whose patrol visitor sells
    in their region (``models/customer_lists.py``), opened with ``?list=<name>``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(
        String(30), unique=True, info={"label": _l("Customer code"), "readonly": True})
    name: Mapped[str] = mapped_column(String(200), info={"label": _l("Customer name")})
    kind: Mapped[str] = code_column(CUSTOMER_KINDS, _l("Customer kind"), default="dealer")
    # The grade changes only through a decided grading review (``GradingReview``):
    # never typed in a customer form.
    grade: Mapped[str] = code_column(GRADES, _l("Grade"), default="C", readonly=True)
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
    # Profile (001 篇3 第三条4, 第四条4; 篇4 第五条(一)): trade and payment terms, and
    # whether this is a prospect (目标客户) rather than a customer already trading.
    trade_terms: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Trade terms")})
    payment_terms: Mapped[str | None] = mapped_column(
        String(200), info={"label": _l("Payment terms")})
    prospect: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), info={"label": _l("Prospect")})

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
        filters = ("kind", "grade", "region", "level", "department", "prospect")
        form_columns = ("name", "kind", "grade", "industry", "region", "address",
                        "legal_representative", "contact_person", "phone", "email",
                        "first_trade_date", "annual_sales", "credit_rating",
                        "credit_limit", "account_manager", "patrol_visitor",
                        "department", "level", "remarks", "trade_terms", "payment_terms",
                        "prospect")
        default_sort = ("code", False)
        # A caller is found by the number they call from or by the contact's name.
        lookup_fields = ("code", "name", "phone", "contact_person")

    def warnings(self) -> list:
        """Things the clerk should know but that do not block saving."""
        if self.account_manager is not None and self.account_manager is self.patrol_visitor:
            return [_l("The patrol visitor should not be the customer's own account "
                       "manager.")]
        if self.patrol_visitor is not None and self.region and self.sells_in_region():
            return [_l("The patrol visitor %(user)s is a salesperson (account manager) of "
                       "region %(region)s: as a rule the region's salesperson does not "
                       "visit its customers.",
                       user=self.patrol_visitor, region=self.region)]
        return []

    def sells_in_region(self) -> bool:
        """Is the patrol visitor an account manager of a customer of this region?"""
        from .base import db
        found = db.session.scalar(sa.select(Customer.id).where(
            Customer.region == self.region, Customer.account_manager_id.is_not(None),
            Customer.account_manager_id == self.patrol_visitor.id,
            Customer.id != (self.id or 0)).limit(1))
        return found is not None

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
