"""Working-day arithmetic on the Chinese official calendar.

Public holidays and the make-up working weekends (调休) come from the
``chinesecalendar`` package, which follows the State Council's yearly notice. A
year the package does not know yet is counted on weekends alone and the result
is marked provisional, so registration never fails; ``flask recompute-deadlines``
fixes the provisional dates once the package is updated.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import chinese_calendar


class Deadline(NamedTuple):
    day: date
    """The working day found."""
    provisional: bool
    """True if a day on the way was outside the official calendar (weekends-only guess)."""


def official_is_workday(day: date) -> bool:
    """The State Council's answer for ``day``; raises ``NotImplementedError`` for a year
    the installed package does not cover yet. Tests replace this one function."""
    return chinese_calendar.is_workday(day)


def is_working_day(day: date) -> tuple[bool, bool]:
    """Return ``(working, provisional)`` for one day."""
    try:
        return official_is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: date, count: int) -> Deadline:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted).

    Returns the date and whether any day on the way was outside the calendar.
    """
    day, provisional, remaining = start, False, count
    while remaining > 0:
        day += timedelta(days=1)
        working, guessed = is_working_day(day)
        provisional = provisional or guessed
        if working:
            remaining -= 1
    return Deadline(day, provisional)


def working_days_between(first: date, last: date) -> int:
    """Working days after ``first`` up to and including ``last`` (0 if not after): the
    count ``add_working_days`` would need to reach ``last``."""
    days, day = 0, first
    while day < last:
        day = date.fromordinal(day.toordinal() + 1)
        days += is_working_day(day)[0]
    return days


class WorkingDayCounter:
    """``working_days_between`` for many pairs of days at once: the calendar is asked
    once per day of the span (not once per day of every pair), then a pair is the
    difference of two running counts."""

    def __init__(self, days: list[date]):
        # running[d]: working days after the span's first day up to and including d.
        self.running: dict[date, int] = dict(self._shifted(min(days), max(days))) \
            if days else {}

    @staticmethod
    def _shifted(first: date, last: date):
        total, day = 0, first
        while day <= last:
            yield day, total
            day = date.fromordinal(day.toordinal() + 1)
            if day <= last:
                total += is_working_day(day)[0]

    def between(self, first: date, last: date) -> int:
        return max(0, self.running[last] - self.running[first])
