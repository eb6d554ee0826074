"""Visit plans (巡回访问计划): yearly, quarterly or monthly, per visitor.

001 篇1/2 第五条: each unit's supervisor draws up yearly, quarterly and monthly visit
plans (年度、季度和月份巡回访问计划) and hands them to the named visitor; a plan says
which products to push (重点推销商品), what to survey (重点调查项目, 特别调查项目) and the
visits themselves (具体巡访活动安排) — here its lines, one per customer and date. 001
篇4 第七条 has a plan approved by the department head (部门主任审批) and then by the
management meeting (经理办公会): here the department's supervisor, then the GM office;
whoever submitted the plan signs neither, and the head who approved it for the
department is not the GM office's signer either (one person, one signature).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, db
from .mixins import BusinessRecord, code_column, foreign_key
from .workflow import Stateful, Transition

PLAN_PERIODS = {"year": _l("Yearly plan"), "quarter": _l("Quarterly plan"),
                "month": _l("Monthly plan")}
PLAN_STATUSES = {"draft": _l("Draft"), "submitted": _l("Submitted"),
                 "department_approved": _l("Approved by the department head"),
                 "approved": _l("Approved by the GM office")}
#: Months each kind of plan covers.
PERIOD_MONTHS = {"year": 12, "quarter": 3, "month": 1}


class VisitPlan(Stateful, BusinessRecord, Model):
    """A 巡回访问计划 of one visitor for a year, a quarter or a month."""

    __tablename__ = "visit_plan"
    statuses = PLAN_STATUSES
    initial_status = "draft"
    line_items = "lines"
    creator_stamp = "drawn_up_by_id"
    locked_from = {"*": "submitted"}
    transitions = (
        Transition("submit", _l("Submit for approval"), ("draft",), "submitted",
                   stamps=("submitted_by_id", "submitted_at")),
        # Either approver sends the plan back (退回) to be redrawn.
        Transition("send_back", _l("Send back"), ("submitted", "department_approved"),
                   "draft"),
        Transition("approve_department", _l("Approve (department head)"), ("submitted",),
                   "department_approved", stamps=("department_approved_by_id",
                                                  "department_approved_at"),
                   not_by=("submitted_by_id",)),
        Transition("approve", _l("Approve (GM office)"), ("department_approved",),
                   "approved", stamps=("approved_by_id", "approved_at"),
                   not_by=("submitted_by_id", "department_approved_by_id")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = code_column(PLAN_PERIODS, _l("Plan period"), default="month")
    starts_on: Mapped[date] = mapped_column(info={"label": _l("Period starts on")})
    visitor_id: Mapped[int] = foreign_key("app_user.id", _l("Visitor"), nullable=False)
    visitor = relationship("AppUser", foreign_keys=[visitor_id],
                           info={"label": _l("Visitor")})
    key_products: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Key products to promote")})
    key_surveys: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Key survey items")})
    special_surveys: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Special survey items")})
    support_needed: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Support needed from other departments")})
    drawn_up_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Drawn up by"))
    submitted_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Submitted by"))
    submitted_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Submitted at")})
    department_approved_by_id: Mapped[int | None] = foreign_key(
        "app_user.id", _l("Approved by the department head"))
    department_approved_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Department head approved at")})
    approved_by_id: Mapped[int | None] = foreign_key(
        "app_user.id", _l("Approved by the GM office"))
    approved_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("GM office approved at")})
    lines = relationship("VisitPlanLine", back_populates="plan", cascade="all, delete-orphan",
                         order_by="VisitPlanLine.planned_on",
                         info={"label": _l("Planned visits")})

    class Admin:
        label = _l("Visit plan")
        label_plural = _l("Visit plans")
        list_columns = ("starts_on", "period", "visitor", "status", "level")
        search = ("key_products", "key_surveys")
        filters = ("status", "period", "starts_on", "visitor", "level", "department")
        form_columns = ("period", "starts_on", "visitor", "key_products", "key_surveys",
                        "special_surveys", "support_needed", "department", "level")
        inline = ("lines",)
        default_sort = ("starts_on", True)
        lookup_fields = ("starts_on",)

    def __str__(self) -> str:
        if self.starts_on is None:
            return str(_l("(new visit plan)"))
        period = PLAN_PERIODS.get(self.period, self.period)
        return f"{period} {self.starts_on.isoformat()}"

    @property
    def ends_on(self) -> date | None:
        """The first day after the plan's period."""
        if self.starts_on is None or self.period not in PERIOD_MONTHS:
            return None
        index = self.starts_on.year * 12 + self.starts_on.month - 1 + PERIOD_MONTHS[self.period]
        return date(index // 12, index % 12 + 1, 1)

    def problems(self) -> list:
        found = []
        if self.starts_on is not None and self.starts_on.day != 1:
            found.append(_l("%(field)s: a plan starts on the first day of a month.",
                            field=_l("Period starts on")))
        end = self.ends_on
        for number, line in enumerate(self.lines or (), start=1):
            if line.planned_on is not None and self.starts_on is not None and end and not \
                    self.starts_on <= line.planned_on < end:
                found.append(_l("%(field)s (line %(number)s): %(day)s is outside the "
                                "plan's period.", field=_l("Planned date"), number=number,
                                day=line.planned_on.isoformat()))
        return found


class VisitPlanLine(db.Model):
    """One planned visit: a customer and a date (具体巡访活动安排)."""

    __tablename__ = "visit_plan_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = foreign_key("visit_plan.id", _l("Visit plan"), nullable=False,
                                       ondelete="CASCADE", index=False)  # see below
    plan = relationship("VisitPlan", back_populates="lines")
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    planned_on: Mapped[date] = mapped_column(info={"label": _l("Planned date")})
    purpose: Mapped[str | None] = mapped_column(
        String(200), info={"label": _l("Purpose of the visit")})

    __table_args__ = (sa.Index("ix_visit_plan_line_planned", "plan_id", "planned_on"),)
