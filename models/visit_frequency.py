"""How often a customer is visited, by grade (客户分级 → 巡访频次), and who is due.

001 篇1/2 第四条 and 004 第3条: customers are graded A/B/C/D and managed by grade
(分级管理), visited regularly by a named visitor (专人负责，定期巡访). The design notes
give the defaults — A monthly, B quarterly, C half-yearly, D yearly. 001 篇5/6
第七条(五) differs for residential customers (居民用户): at least once in two years,
against once a year for the others (非居民用户); an end consumer (``kind ==
"consumer"``) counts as residential here, so a D-grade consumer is due every 24
months. The months are the settings below (typed class attributes, one per grade).

A customer is due when no visit report of it is dated within its interval, counting
back from today (Asia/Shanghai): ``due_clause`` says it in SQL, one ``NOT EXISTS`` per
customer that the index (customer_id, visited_at) answers.
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

SHANGHAI, UTC = ZoneInfo("Asia/Shanghai"), ZoneInfo("UTC")


class VisitFrequency:
    """Months between two visits of a customer, per grade (巡访频次)."""

    grade_a_months: int = 1
    """A customers (重点客户): visited every month."""
    grade_b_months: int = 3
    """B customers: every quarter."""
    grade_c_months: int = 6
    """C customers: every half year."""
    grade_d_months: int = 12
    """D customers: every year (非居民用户每年不得少于1次, 001 篇5/6 第七条(五))."""
    residential_d_months: int = 24
    """D-grade residential customers (end consumers, 居民用户): every two years
    (居民用户每2年检查不得少于1次). A-C residential customers follow their grade."""
    residential_kinds: tuple[str, ...] = ("consumer",)
    """Customer kinds that count as residential (居民用户)."""

    @classmethod
    def months(cls, grade: str, kind: str | None = None) -> int:
        if grade == "D" and kind in cls.residential_kinds:
            return cls.residential_d_months
        return getattr(cls, f"grade_{grade.lower()}_months")


def months_back(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it has fewer days)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def utc_start_of(day: date) -> datetime:
    """Midnight of a Shanghai day, as the naive UTC the columns store."""
    return datetime.combine(day, time()).replace(tzinfo=SHANGHAI).astimezone(UTC) \
        .replace(tzinfo=None)


def due_clause(customer, report, day: date):
    """Customers (``customer``: the Customer model) with no visit (``report``: the
    VisitReport model) within their grade's interval before ``day``."""
    from .choices import GRADES
    residential = customer.kind.in_(VisitFrequency.residential_kinds)
    cases = []
    for grade in GRADES:
        for is_residential in (False, True):
            cutoff = utc_start_of(months_back(day, VisitFrequency.months(
                grade, VisitFrequency.residential_kinds[0] if is_residential else None)))
            recent = sa.select(report.id).where(report.customer_id == customer.id,
                                                report.visited_at >= cutoff)
            cases.append(sa.and_(customer.grade == grade,
                                 residential if is_residential else ~residential,
                                 ~recent.exists()))
    return sa.or_(*cases)
