"""Working-day arithmetic on the Chinese official calendar.

Public holidays and the make-up working weekends (调休) come from the
``chinesecalendar`` package, which follows the State Council's yearly notice. A
year the package does not know yet is counted on weekends alone and the result
is marked provisional, so registration never fails; ``flask recompute-deadlines``
fixes the provisional dates once the package is updated.
"""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_working_day(day: date) -> tuple[bool, bool]:
    """Return ``(working, provisional)`` for one day."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: date, count: int) -> tuple[date, bool]:
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
    return day, provisional
