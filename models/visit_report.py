"""Visit reports (客户走访报告单 / 巡访日报表): one record per visit to a customer.

001 篇1/2 第九条 and 004 第8条1: whoever visits reports each day to the supervisor,
in six parts — customer and time of the visit (客户名称及巡访时间), the customer's
opinions, suggestions and hopes (意见、建议、希望), market and competitors (市场行情、
竞争对手动向及其他公司的销售政策), the effect of the visit (巡访活动的效果), the matters
handled and their outcome (主要处理事项的处理经过及结果) and anything else to report.
001 篇4 附件1 (走访客户报告单) adds the customer's three scores — quality (质量),
service attitude (服务态度), product reputation (产品的知名度) — on the scale 100, 90,
85, 80, 70, 60, 50, the service column also 30 (不好) and 0 (恶劣), other suggestions,
and the customer's confirmation (客户单位盖章（签名）): the signer's name here, the
stamped sheet as an attached scan.

The visitor is whoever writes the report (``creator_stamp``), and the report is as
confidential as its customer (``level_follows``): a user who may not see the customer
sees none of its visits, and cannot pick it for a new one (the look-up hides it). The
supervisor marks the report read (审阅) — not the visitor themself. A visit that raises
a problem opens a complaint from the report's page, prefilled and linked
(``Complaint.raised_from``).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .base import Model
from .customer import Customer
from .mixins import BusinessRecord, foreign_key, utcnow
from .workflow import Stateful, Transition

#: 附件1's columns, left to right: 非常优良 100 … 50.
SCALE = (100, 90, 85, 80, 70, 60, 50)
QUALITY_SCORES = {100: _l("100 Excellent"), 90: _l("90 Very good"),
                  85: _l("85 Good"), 80: _l("80 Fair"),
                  70: _l("70 Acceptable"), 60: _l("60 Not acceptable"),
                  50: _l("50")}
#: The service column goes lower: 不好 30, 恶劣 0.
SERVICE_SCORES = {100: _l("100 Excellent"), 90: _l("90 Very good"),
                  85: _l("85 Good"), 80: _l("80 Fair"), 70: _l("70"),
                  60: _l("60"), 50: _l("50"), 30: _l("30 Poor"),
                  0: _l("0 Bad")}
REPUTATION_SCORES = {100: _l("100 Very famous"), 90: _l("90 Famous"),
                     85: _l("85 Well known"), 80: _l("80 Fairly known"),
                     70: _l("70 Known"), 60: _l("60 Heard of"),
                     50: _l("50 Unknown")}
VISIT_STATUSES = {"submitted": _l("Submitted"), "reviewed": _l("Read by the supervisor")}


def score_column(scale: dict, label):
    """An optional score that only takes a value of ``scale`` (a CHECK in the database,
    a drop-down in the form, a message naming the field in ``problems``)."""
    return mapped_column(sa.Integer, nullable=True,
                         info={"label": label, "choices": scale})


def scale_check(column: str, scale: dict) -> sa.CheckConstraint:
    values = ", ".join(str(value) for value in scale)
    return sa.CheckConstraint(f"{column} IS NULL OR {column} IN ({values})",
                              name=f"{column}_on_scale")


class VisitReport(Stateful, BusinessRecord, Model):
    """One visit to one customer (走访报告单 / 巡访日报), with the customer's scores."""

    __tablename__ = "visit_report"
    level_follows = "customer"
    """A visit is as confidential as the customer visited."""
    statuses = VISIT_STATUSES
    initial_status = "submitted"
    creator_stamp = "visited_by_id"
    """The visitor is whoever files the report (巡回访问人员每日…汇报)."""
    attachments_allowed = True
    """The customer's stamped or signed sheet (客户单位盖章) as a scan."""
    locked_from = {"*": "reviewed", "level": None}  # the level follows the customer
    transitions = (
        # The supervisor reads the day's reports (向上级主管汇报); not the visitor.
        Transition("review", _l("Mark read (supervisor)"), ("submitted",), "reviewed",
                   stamps=("reviewed_by_id", "reviewed_at"), not_by=("visited_by_id",)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False,
                                           index=False)  # (customer, visited_at) below
    customer = relationship("Customer", info={"label": _l("Customer")})
    visited_by_id: Mapped[int] = foreign_key("app_user.id", _l("Visitor"), nullable=False)
    visitor = relationship("AppUser", foreign_keys=[visited_by_id],
                           info={"label": _l("Visitor")})
    visited_at: Mapped[datetime] = mapped_column(info={"label": _l("Visited at")})
    opinions: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Customer's opinions, suggestions and hopes")})
    market_news: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Market and competitors' news")})
    effect: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Effect of the visit")})
    matters_handled: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Matters handled and their outcome")})
    other_matters: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Other matters to report")})
    quality_score: Mapped[int | None] = score_column(QUALITY_SCORES, _l("Quality score"))
    service_score: Mapped[int | None] = score_column(
        SERVICE_SCORES, _l("Service attitude score"))
    reputation_score: Mapped[int | None] = score_column(
        REPUTATION_SCORES, _l("Product reputation score"))
    suggestions: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Other suggestions")})
    confirmed_by_name: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Confirmed by (customer)")})
    reviewed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Read by"))
    reviewed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Read at")})

    __table_args__ = (
        scale_check("quality_score", QUALITY_SCORES),
        scale_check("service_score", SERVICE_SCORES),
        scale_check("reputation_score", REPUTATION_SCORES),
        # "Visits of this customer, latest first" (the visits-due list asks it per
        # customer) is one index range.
        sa.Index("ix_visit_report_customer_visited", "customer_id", "visited_at"),
    )

    class Admin:
        label = _l("Visit report")
        label_plural = _l("Visit reports")
        list_columns = ("visited_at", "customer", "visitor", "quality_score",
                        "service_score", "reputation_score", "status", "level")
        search = ("opinions", "market_news", "matters_handled")
        filters = ("status", "visited_at", "visitor", "customer", "level", "department")
        form_columns = ("customer", "visited_at", "opinions", "market_news", "effect",
                        "matters_handled", "other_matters", "quality_score",
                        "service_score", "reputation_score", "suggestions",
                        "confirmed_by_name")
        default_sort = ("visited_at", True)
        lookup_fields = ("visited_at", "opinions")

    def __str__(self) -> str:
        if self.visited_at is None:
            return str(_l("(new visit report)"))
        customer = self.customer.name if self.customer is not None else ""
        return str(_l("Visit of %(day)s %(customer)s", day=self.visited_at.date().isoformat(),
                      customer=customer))

    def derive(self) -> None:
        """The customer's level is the report's (``level_follows``)."""
        customer = self.customer
        if customer is None and self.customer_id is not None:
            customer = object_session(self).get(Customer, self.customer_id)
        if customer is not None:
            self.level = customer.level

    def problems(self) -> list:
        found = []
        if self.visited_at is not None and self.visited_at > utcnow():
            found.append(_l("%(field)s: a visit cannot be reported before it happens.",
                            field=_l("Visited at")))
        for name, scale in (("quality_score", QUALITY_SCORES),
                            ("service_score", SERVICE_SCORES),
                            ("reputation_score", REPUTATION_SCORES)):
            value = getattr(self, name)
            if value is not None and value not in scale:
                found.append(_l("%(field)s: choose one of %(values)s.",
                                field=sa.inspect(type(self)).columns[name].info["label"],
                                values=", ".join(str(v) for v in scale)))
        return found
