"""Deadlines in working hours, and the level of a record about a customer.

001 篇5/6 第七条(三): 一般故障原则上在6小时内处理、24小时内修复 — a service request is
handled, a repair finished, within so many hours of office time: the clock runs only
during office hours on working days (the official calendar of ``models/workdays.py``),
except for kinds served around the clock (an alarm), whose clock never stops.

A record about a customer (a follow-up call, a service request, a survey answer) is as
confidential as the customer and whatever else it names: who may not see the customer
may not see, nor write, what is said about them.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .choices import LEVELS
from .mixins import utcnow

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def to_local(moment: datetime) -> datetime:
    """Naive UTC (as stored) → naive Asia/Shanghai."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)


def to_utc(moment: datetime) -> datetime:
    """Naive Asia/Shanghai → naive UTC (as stored)."""
    return moment.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def add_office_hours(start: datetime, hours: float, office: tuple[time, time],
                     is_working_day: Callable[[date], tuple[bool, bool]]) -> datetime:
    """The moment (naive UTC) when ``hours`` of office time have passed since ``start``
    (naive UTC). Time outside ``office`` (Shanghai time) and on days the calendar says
    are not working days does not count; a request received at night starts counting
    at the next opening."""
    opening, closing = office
    remaining = timedelta(hours=hours)
    local = to_local(start)
    day = local.date()
    for _ in range(3660):  # ten years of days: a calendar with no working day ends here
        if is_working_day(day)[0]:
            begin = max(local, datetime.combine(day, opening))
            end = datetime.combine(day, closing)
            if begin < end:
                if begin + remaining <= end:
                    return to_utc(begin + remaining)
                remaining -= end - begin
        day += timedelta(days=1)
        local = datetime.combine(day, opening)
    raise ValueError("no working day within ten years")


def office_hours_between(start: datetime, end: datetime, office: tuple[time, time],
                         is_working_day: Callable[[date], tuple[bool, bool]]) -> float:
    """Hours of office time from ``start`` to ``end`` (naive UTC): how late a record
    is on the clock it is measured by (the inverse of ``add_office_hours``)."""
    opening, closing = office
    first, last = to_local(start), to_local(end)
    total, day = timedelta(), first.date()
    while day <= last.date():
        if is_working_day(day)[0]:
            begin = max(first, datetime.combine(day, opening))
            finish = min(last, datetime.combine(day, closing))
            if begin < finish:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def moment_of(day: date) -> datetime:
    """The moment (naive UTC) a lateness check on ``day`` looks at: now if ``day`` is
    today in Shanghai, else the start of that day (a report "as of" another day)."""
    if day == to_local(utcnow()).date():
        return utcnow()
    return to_utc(datetime.combine(day, time()))


def moment_param(day: date):
    """``moment_of(day)`` in SQL: a bound parameter whose value is taken each time the
    statement runs, so a statement built once and reused (the home page's, remembered
    for the day: ``admin_views/home.py``) never freezes the moment it was built at. Its
    type is the column's it is compared with."""
    return sa.bindparam(None, callable_=partial(moment_of, day))


def highest_level(*levels: str | None) -> str:
    """The most confidential of ``levels`` (``internal`` when none is given)."""
    order = list(LEVELS)
    known = [level for level in levels if level in order]
    return max(known, key=order.index) if known else "internal"
