"""The GM office's monthly review of closed complaints (001 篇8 (十)1).

总经理室每月10日前应审视上月份结案的客户投诉案件: by the 10th of each month the GM
office reviews the complaints closed in the previous month. One record per month
(unique), created from the home page's reminder with the month prefilled; its counts
(closed, handled on time, handled late) are read from the complaints the viewer may
see (``visible()``), so no count reveals a case above the viewer's clearance. "Mark
reviewed" stamps the GM-office user and the time; until a review of last month is
marked reviewed, the GM office's home page says it is due.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model
from .clock import LOCAL_TZ, UTC
from .complaint import Complaint
from .mixins import Timestamped, Versioned, foreign_key
from .numbering import local_date_of
from .office_settings import setting
from .workflow import Stateful, Transition

SHANGHAI = LOCAL_TZ
REVIEW_STATUSES = {"open": _l("Open"), "reviewed": _l("Reviewed")}


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date | None = None) -> date:
    """The first day of the month before ``day`` (default: today in Shanghai)."""
    day = local_date_of(None) if day is None else day
    return first_of_month(first_of_month(day) - timedelta(days=1))


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of the Shanghai calendar month, as naive UTC (how times are stored)."""
    following = first_of_month(month + timedelta(days=31))

    def utc(day: date) -> datetime:
        moment = datetime.combine(day, time()).replace(tzinfo=SHANGHAI)
        return moment.astimezone(UTC).replace(tzinfo=None)
    return utc(first_of_month(month)), utc(following)


class MonthlyReview(Stateful, Versioned, Timestamped, Model):
    """The GM office's review of one month's closed complaints."""

    __tablename__ = "monthly_review"
    statuses = REVIEW_STATUSES
    initial_status = "open"
    due_day: int = setting(10, _l("Monthly review due by day"), low=1, high=28)
    """Day of the following month by which the review is due (每月10日前)."""
    locked_from = {"*": "reviewed"}
    transitions = (
        Transition("mark_reviewed", _l("Mark reviewed"), ("open",), "reviewed",
                   stamps=("reviewed_by_id", "reviewed_at")),
    )
    computed = {"closed_count": _l("Complaints closed"),
                "on_time_count": _l("Handled on time"),
                "late_count": _l("Handled late")}
    """Counted on display from the complaints the viewer may see."""

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(
        default=previous_month,
        info={"label": _l("Month (first day)")})
    remarks: Mapped[str | None] = mapped_column(Text, info={"label": _l("Remarks")})
    reviewed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Reviewed by"))
    reviewed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Reviewed at")})

    __table_args__ = (sa.UniqueConstraint("month"),)  # one review per month

    class Admin:
        label = _l("Monthly complaint review")
        label_plural = _l("Monthly complaint reviews")
        list_columns = ("month", "status", "reviewed_at", "remarks")
        search = ("remarks",)
        filters = ("month", "status")
        form_columns = ("month", "remarks")
        default_sort = ("month", True)

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m") if self.month else \
            str(_l("(new monthly review)"))

    def derive(self) -> None:
        if self.month is not None:
            self.month = first_of_month(self.month)  # one record per month, whatever day

    def problems(self) -> list:
        month, label = self.month, _l("Month (first day)")
        if month is None:
            return []
        month = first_of_month(month)
        if month >= first_of_month(local_date_of(None)):
            return [_l("%(field)s: only a past month can be reviewed.", field=label)]
        from .base import db
        other = db.session.scalar(sa.select(MonthlyReview.id).where(
            MonthlyReview.month == month, MonthlyReview.id != (self.id or 0)))
        if other is not None:
            return [_l("%(field)s: %(month)s has its review already.", field=label,
                       month=month.strftime("%Y-%m"))]
        return []

    def _counts(self) -> tuple[int, int, int]:
        cached = getattr(self, "_counted", None)
        if cached is None:
            cached = self._counted = count_closed(self.month)
        return cached

    @property
    def closed_count(self) -> int:
        return self._counts()[0]

    @property
    def on_time_count(self) -> int:
        return self._counts()[1]

    @property
    def late_count(self) -> int:
        return self._counts()[2]


def count_closed(month: date | None) -> tuple[int, int, int]:
    """(closed, on time, late) among the complaints closed in ``month`` that the current
    user may see."""
    from permissions import visible
    from permissions.scoping import actor

    from .base import db
    if month is None:
        return 0, 0, 0
    start, end = month_bounds(month)
    on_time = sa.func.count().filter(Complaint.handled_on_time.is_(True))
    late = sa.func.count().filter(Complaint.handled_on_time.is_(False))
    row = db.session.execute(
        sa.select(sa.func.count(), on_time, late).select_from(Complaint).where(
            Complaint.status == "closed", Complaint.closed_at >= start,
            Complaint.closed_at < end, visible(actor(), Complaint))).one()
    return tuple(int(n or 0) for n in row)


def review_due(day: date) -> tuple[date, int | None] | None:
    """The month whose review the GM office still owes on ``day`` and the review of it
    already started (its id, None if none was), read in one statement; None: done."""
    month = previous_month(day)
    from .base import db
    started = db.session.execute(sa.select(MonthlyReview.id, MonthlyReview.status).where(
        MonthlyReview.month == month)).first()  # one review a month (the unique key)
    if started is None:
        return month, None
    return None if started.status == "reviewed" else (month, started.id)
