"""Reviews of the periodic reports that are due each month (``reports/periodic.py``).

The quality-feedback summary (003 三友手册 主要职责 E: 每月25日上交质量信息反馈总结) is
due by the 25th; whoever hands it in marks it reviewed here, one record per report and
month, with who and when stamped by the "mark reviewed" step (audited like every step).
Until last month's summary is marked reviewed, the home page of those who review it
says it is due (``reports/home.py``). The GM office's review of closed complaints has
its own record, ``MonthlyReview``, which this follows.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model
from .mixins import Timestamped, Versioned, code_column, foreign_key
from .monthly_review import REVIEW_STATUSES, first_of_month, previous_month
from .numbering import local_date_of
from .workflow import Stateful, Transition

#: The reports reviewed here, each with the day of the following month it is due by.
REVIEWED_REPORTS = {"quality_feedback": _l("Monthly quality-feedback summary")}
DUE_DAYS = {"quality_feedback": 25}


class ReportReview(Stateful, Versioned, Timestamped, Model):
    """One month's review of one periodic report."""

    __tablename__ = "report_review"
    statuses = REVIEW_STATUSES
    initial_status = "open"
    locked_from = {"*": "reviewed"}
    transitions = (
        Transition("mark_reviewed", _l("Mark reviewed"), ("open",), "reviewed",
                   stamps=("reviewed_by_id", "reviewed_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report: Mapped[str] = code_column(REVIEWED_REPORTS, _l("Report"),
                                      default="quality_feedback")
    month: Mapped[date] = mapped_column(default=previous_month,
                                        info={"label": _l("Month (first day)")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})
    reviewed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Reviewed by"))
    reviewed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Reviewed at")})

    __table_args__ = (
        sa.UniqueConstraint("report", "month"),  # one per report and month
        sa.Index("ix_report_review_month", "month"),  # the list, newest month first
    )

    class Admin:
        label = _l("Report review")
        label_plural = _l("Report reviews")
        list_columns = ("report", "month", "status", "reviewed_at", "remarks")
        search = ("remarks",)
        filters = ("report", "month", "status")
        form_columns = ("report", "month", "remarks")
        default_sort = ("month", True)

    def __str__(self) -> str:
        if self.month is None:
            return str(_l("(new report review)"))
        return f"{REVIEWED_REPORTS.get(self.report, self.report)} {self.month:%Y-%m}"

    def derive(self) -> None:
        if self.month is not None:
            self.month = first_of_month(self.month)

    def problems(self) -> list:
        month, label = self.month, _l("Month (first day)")
        if month is None:
            return []
        month = first_of_month(month)
        if month >= first_of_month(local_date_of(None)):
            return [_l("%(field)s: only a past month can be reviewed.", field=label)]
        from .base import db
        other = db.session.scalar(sa.select(ReportReview.id).where(
            ReportReview.report == self.report, ReportReview.month == month,
            ReportReview.id != (self.id or 0)))
        if other is not None:
            return [_l("%(field)s: %(month)s has its review already.", field=label,
                       month=month.strftime("%Y-%m"))]
        return []


def reviews_due(day: date) -> list[tuple[str, date, date]]:
    """(report, month, due day) of the reviews still owed on ``day``: last month's."""
    from .base import db
    month = previous_month(day)
    done = set(db.session.scalars(sa.select(ReportReview.report).where(
        ReportReview.month == month, ReportReview.status == "reviewed")))
    due_month = first_of_month(day)
    return [(report, month, due_month.replace(day=DUE_DAYS[report]))
            for report in REVIEWED_REPORTS if report not in done]
