"""SQL pieces the reports share: Shanghai months and days of stored UTC times, and the
UTC bounds of a range of Shanghai days.

Times are stored as naive UTC; the office counts by its own calendar. Shanghai keeps
UTC+8 all year (no summer time), so a stored time's local month is that of the time
plus eight hours, which both databases compute without a time-zone table.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SHANGHAI, UTC = ZoneInfo("Asia/Shanghai"), ZoneInfo("UTC")
OFFSET_HOURS = 8


class local_month(FunctionElement):
    """``YYYY-MM`` of a UTC ``DateTime`` in Shanghai, or of a ``Date`` as it is."""

    type = sa.String()
    inherit_cache = True


class local_day(FunctionElement):
    """``YYYY-MM-DD`` of a UTC ``DateTime`` in Shanghai."""

    type = sa.String()
    inherit_cache = True


def _is_datetime(element) -> bool:
    column = list(element.clauses)[0]
    return isinstance(column.type, sa.DateTime)


@compiles(local_month, "sqlite")
def _month_sqlite(element, compiler, **kw):
    column = compiler.process(list(element.clauses)[0], **kw)
    shift = f", '+{OFFSET_HOURS} hours'" if _is_datetime(element) else ""
    return f"strftime('%Y-%m', {column}{shift})"


@compiles(local_month, "postgresql")
def _month_postgresql(element, compiler, **kw):
    column = compiler.process(list(element.clauses)[0], **kw)
    if _is_datetime(element):
        column = f"({column} + interval '{OFFSET_HOURS} hours')"
    return f"to_char({column}, 'YYYY-MM')"


@compiles(local_day, "sqlite")
def _day_sqlite(element, compiler, **kw):
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"strftime('%Y-%m-%d', {column}, '+{OFFSET_HOURS} hours')"


@compiles(local_day, "postgresql")
def _day_postgresql(element, compiler, **kw):
    column = compiler.process(list(element.clauses)[0], **kw)
    return f"to_char({column} + interval '{OFFSET_HOURS} hours', 'YYYY-MM-DD')"


def utc_start(day: date) -> datetime:
    """The first moment of the Shanghai ``day``, as naive UTC (how times are stored)."""
    moment = datetime.combine(day, time()).replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC).replace(tzinfo=None)


def between_days(column, first: date, last: date):
    """``column`` (UTC DateTime or Date) within the Shanghai days ``first``..``last``.
    A plain range on the stored value, so an index on the column serves it."""
    if isinstance(column.type, sa.DateTime):
        return sa.and_(column >= utc_start(first),
                       column < utc_start(last + timedelta(days=1)))
    return sa.and_(column >= first, column <= last)


def months_between(first: date, last: date) -> list[str]:
    """Every ``YYYY-MM`` from ``first``'s month to ``last``'s, so empty months show."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return months
