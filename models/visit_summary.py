"""Monthly visit summaries (每月巡访情况报告书), made from the month's visit reports.

001 篇1/2 第十条 and 004 第8条2: the unit's supervisor collects the daily visit reports
(整理汇总) into a monthly report (每月巡访情况报告书) for the management. One summary
per department and month: a clerk (or the supervisor) prepares it, adding the
comments; its figures are read from the records on display — visits done against the
approved plans' visits per visitor, the average scores per customer and per grade,
and the issues raised (urgent visit reports, complaints opened from visits) — through
``visible()``, so no figure counts a record the reader may not see. The supervisor
reviews it (审阅), not whoever prepared it.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model
from .mixins import BusinessRecord, foreign_key
from .monthly_review import first_of_month, month_bounds, previous_month
from .numbering import local_date_of
from .workflow import Stateful, Transition

SUMMARY_STATUSES = {"prepared": _l("Prepared"), "reviewed": _l("Reviewed by the supervisor")}
SCORES = ("quality_score", "service_score", "reputation_score")


class VisitSummary(Stateful, BusinessRecord, Model):
    """A department's 每月巡访情况报告书 for one month."""

    __tablename__ = "visit_summary"
    statuses = SUMMARY_STATUSES
    initial_status = "prepared"
    creator_stamp = "prepared_by_id"
    locked_from = {"*": "reviewed"}
    transitions = (
        Transition("review", _l("Mark reviewed (supervisor)"), ("prepared",), "reviewed",
                   stamps=("reviewed_by_id", "reviewed_at"), not_by=("prepared_by_id",)),
    )
    computed = {"visits_by_visitor": _l("Visits done / planned, per visitor"),
                "scores_by_grade": _l("Average scores per grade"),
                "scores_by_customer": _l("Average scores per customer"),
                "issues_raised": _l("Issues raised")}
    """Read on display from the month's records the reader may see."""

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(default=previous_month,
                                        info={"label": _l("Month (first day)")})
    comments: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Summary and comments")})
    prepared_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Prepared by"))
    reviewed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Reviewed by"))
    reviewed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Reviewed at")})

    # One summary per department and month; the index says so in the user's words.
    __table_args__ = (sa.Index("uq_visit_summary_department_month", "department_id", "month",
                               unique=True),)
    constraint_messages = {"uq_visit_summary_department_month": _l(
        "Month (first day): the department has its summary of that month already.")}

    class Admin:
        label = _l("Monthly visit summary")
        label_plural = _l("Monthly visit summaries")
        list_columns = ("month", "department", "status", "reviewed_at", "level")
        search = ("comments",)
        filters = ("month", "status", "level", "department")
        form_columns = ("month", "comments", "department", "level")
        default_sort = ("month", True)
        lookup_fields = ("month",)

    def __str__(self) -> str:
        return str(_l("Visits of %(month)s", month=self.month.strftime("%Y-%m"))) \
            if self.month else str(_l("(new monthly visit summary)"))

    def derive(self) -> None:
        if self.month is not None:
            self.month = first_of_month(self.month)

    def problems(self) -> list:
        if self.month is not None and first_of_month(self.month) > \
                first_of_month(local_date_of(None)):
            return [_l("%(field)s: a month that has not begun has no visits to summarise.",
                       field=_l("Month (first day)"))]
        return []

    # -- figures, read from what the reader may see ------------------------------------
    def _reports(self):
        from .visit_report import VisitReport
        start, end = month_bounds(self.month)
        return VisitReport, (VisitReport.department_id == self.department_id,
                             VisitReport.visited_at >= start, VisitReport.visited_at < end)

    def _rows(self, statement):
        """Rows of a statement over the visit reports, limited to those the reader may
        see."""
        from permissions import visible
        from permissions.scoping import actor

        from .base import db
        from .visit_report import VisitReport
        return db.session.execute(statement.where(visible(actor(), VisitReport))).all()

    @property
    def visits_by_visitor(self) -> str:
        """Per visitor, the month's visits done / those the approved plans planned."""
        if self.month is None:
            return ""
        from permissions import visible
        from permissions.scoping import actor

        from .base import db
        from .user import AppUser
        from .visit_plan import VisitPlan, VisitPlanLine
        report, where = self._reports()
        end = first_of_month(date.fromordinal(self.month.toordinal() + 31))
        done = sa.select(report.visited_by_id.label("user_id"), sa.literal_column("'done'")
                         .label("kind")).where(*where, visible(actor(), report))
        planned = sa.select(VisitPlan.visitor_id, sa.literal_column("'planned'")).join(
            VisitPlanLine, VisitPlanLine.plan_id == VisitPlan.id).where(
            VisitPlan.department_id == self.department_id, VisitPlan.status == "approved",
            VisitPlanLine.planned_on >= self.month, VisitPlanLine.planned_on < end,
            visible(actor(), VisitPlan))
        both = sa.union_all(done, planned).subquery()
        counts: dict[str, dict[str, int]] = {}
        for name, kind, count in db.session.execute(
                sa.select(AppUser.full_name, both.c.kind, sa.func.count())
                .join(both, both.c.user_id == AppUser.id)
                .group_by(AppUser.full_name, both.c.kind)):
            counts.setdefault(name, {})[kind] = count
        return "; ".join(f"{name}: {kinds.get('done', 0)}/{kinds.get('planned', 0)}"
                         for name, kinds in sorted(counts.items()))

    def _score_rows(self) -> list:
        """(grade, customer, [sum, count] per score) of the month's visits, one query
        for both lists (cached for the page)."""
        cached = getattr(self, "_scored", None)
        if cached is not None:
            return cached
        from .customer import Customer
        report, _where = self._reports()
        sums = [part for s in SCORES for part in (sa.func.sum(getattr(report, s)),
                                                  sa.func.count(getattr(report, s)))]
        self._scored = self._rows(
            sa.select(Customer.grade, Customer.name, *sums)
            .join(Customer, Customer.id == report.customer_id).where(*_where)
            .group_by(Customer.grade, Customer.name).order_by(Customer.grade, Customer.name))
        return self._scored

    @staticmethod
    def _line(name, parts) -> str:
        """``name: q/s/r`` — each score's average, "—" where none was given."""
        shown = []
        for total, count in zip(parts[::2], parts[1::2], strict=True):
            shown.append("—" if not count else f"{round(float(total) / count, 1):g}")
        return f"{name}: " + "/".join(shown)

    @property
    def scores_by_grade(self) -> str:
        if self.month is None:
            return ""
        grades: dict[str, list] = {}
        for grade, _name, *parts in self._score_rows():
            into = grades.setdefault(grade, [0] * len(parts))
            for index, value in enumerate(parts):
                into[index] += value or 0
        return "; ".join(self._line(grade, parts) for grade, parts in grades.items())

    @property
    def scores_by_customer(self) -> str:
        if self.month is None:
            return ""
        return "; ".join(self._line(name, parts) for _grade, name, *parts
                         in self._score_rows())

    @property
    def issues_raised(self) -> str:
        """Urgent visit reports filed and complaints opened from visits, in the month."""
        if self.month is None:
            return ""
        from permissions import visible
        from permissions.scoping import actor

        from .base import db
        from .complaint import Complaint
        from .urgent_visit_report import UrgentVisitReport
        report, where = self._reports()
        start, end = month_bounds(self.month)
        urgent = sa.select(sa.literal_column("0").label("kind"), UrgentVisitReport.subject.label(
            "text"), UrgentVisitReport.id.label("id")).where(
            UrgentVisitReport.department_id == self.department_id,
            UrgentVisitReport.created_at >= start, UrgentVisitReport.created_at < end,
            visible(actor(), UrgentVisitReport))
        complaints = sa.select(sa.literal_column("1"), Complaint.number, Complaint.id).join(
            report, report.id == Complaint.visit_report_id).where(
            *where, visible(actor(), Complaint), visible(actor(), report))
        both = sa.union_all(urgent, complaints).subquery()
        rows = db.session.execute(sa.select(both.c.kind, both.c.text)
                                  .order_by(both.c.kind, both.c.id)).all()
        return "; ".join(str(_l("Urgent: %(subject)s", subject=text) if kind == 0 else
                             _l("Complaint %(number)s", number=text))
                         for kind, text in rows)
