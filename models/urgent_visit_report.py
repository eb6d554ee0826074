"""Urgent visit reports (巡访紧急报告): what the GM office must know now.

001 篇1/2 第十一条, 004 第8条3: on receiving the daily visit reports, the supervisor
(营业单位主管 / 客户服务主管) fills in an urgent report at any time (随时填制) for what the
unit cannot settle itself, and passes it up: a competitor's major policy change
(同行的销售方针政策发生重大变化), a competitor's new product (同行有新产品上市), a new
trend in competitors' sales or service (同行的销售或服务出现新动向), a major defect or
problem of the company's own product or service (发现本公司产品有重大缺陷或问题), or
anything else that needs urgent handling.

It reaches the GM office's home page the moment it is saved (a count of the unread
ones); the GM office marks it read (the time is stamped) and records the decision
taken (处理决定). It may be raised from the visit report that brought the news.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .base import Model
from .choices import LEVELS
from .customer import Customer
from .mixins import BusinessRecord, code_column, foreign_key
from .workflow import Stateful, Transition

URGENT_KINDS = {
    "competitor_policy": _l("Competitor's major policy change"),
    "competitor_product": _l("Competitor's new product"),
    "competitor_trend": _l("New trend in competitors' sales or service"),
    "own_defect": _l("Major defect or problem of our product or service"),
    "other": _l("Other matter needing urgent handling"),
}
URGENT_STATUSES = {"reported": _l("Reported"), "read": _l("Read by the GM office"),
                   "decided": _l("Decided")}


class UrgentVisitReport(Stateful, BusinessRecord, Model):
    """A 巡访紧急报告: news from the visits that the GM office must decide on now."""

    __tablename__ = "urgent_visit_report"
    statuses = URGENT_STATUSES
    initial_status = "reported"
    creator_stamp = "reported_by_id"
    """The supervisor who fills in the report."""
    raised_from = {"visit_report": ("customer",)}
    """Raised from the visit report that brought the news, with its customer."""
    raised_from_label = _l("Raise an urgent visit report")
    locked_from = {"*": "read", "decision": "decided",
                   "level": None}  # never below the customer's (``derive``)
    transitions = (
        Transition("mark_read", _l("Mark read"), ("reported",), "read",
                   stamps=("read_by_id", "read_at")),
        Transition("decide", _l("Record the decision"), ("read",), "decided",
                   requires=("decision",), stamps=("decided_by_id", "decided_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = code_column(URGENT_KINDS, _l("Matter"), default="other")
    subject: Mapped[str] = mapped_column(String(200), info={"label": _l("Subject")})
    content: Mapped[str | None] = mapped_column(Text, info={"label": _l("What was found")})
    customer_id: Mapped[int | None] = foreign_key("customer.id", _l("Customer"))
    customer = relationship("Customer", info={"label": _l("Customer")})
    visit_report_id: Mapped[int | None] = foreign_key("visit_report.id", _l("Visit report"))
    visit_report = relationship("VisitReport", info={"label": _l("Visit report")})
    reported_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Reported by"))
    read_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Read by"))
    read_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Read at")})
    decision: Mapped[str | None] = mapped_column(Text, info={"label": _l("Decision taken")})
    decided_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Decided by"))
    decided_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Decided at")})

    class Admin:
        label = _l("Urgent visit report")
        label_plural = _l("Urgent visit reports")
        list_columns = ("created_at", "kind", "subject", "customer", "status", "read_at",
                        "level")
        search = ("subject", "content")
        filters = ("status", "kind", "level", "department")
        form_columns = ("kind", "subject", "content", "customer", "visit_report",
                        "department", "level")
        default_sort = ("created_at", True)
        lookup_fields = ("subject",)

    def __str__(self) -> str:
        return self.subject or str(_l("(new urgent visit report)"))

    def derive(self) -> None:
        """Never below the level of the customer it names: whoever may not see the
        customer does not read about it here."""
        customer = self.customer
        if customer is None and self.customer_id is not None:
            customer = object_session(self).get(Customer, self.customer_id)
        if customer is not None and self.level in LEVELS and customer.level in LEVELS \
                and list(LEVELS).index(customer.level) > list(LEVELS).index(self.level):
            self.level = customer.level

    def problems(self) -> list:
        customer, report = self.customer, self.visit_report
        if customer is not None and report is not None and report.customer_id != customer.id:
            return [_l("%(field)s: the visit report is of another customer.",
                       field=_l("Visit report"))]
        return []
