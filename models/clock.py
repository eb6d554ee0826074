"""The office's clock, written once: storage is naive UTC, people read Asia/Shanghai.

Every DateTime column stores naive UTC (``utcnow``); dates a person means ("today",
a due date, the day a complaint was received) are Shanghai calendar days. The screens,
the API, the CLI and the models all take their time from here.
"""
from __future__ import annotations

from datetime import UTC as _UTC
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def utcnow() -> datetime:
    """Naive UTC: what every DateTime column stores (the UI shows Asia/Shanghai)."""
    return datetime.now(_UTC).replace(tzinfo=None)


def today() -> date:
    """Today in Asia/Shanghai: deadlines fall due by the office's calendar, not UTC."""
    return datetime.now(LOCAL_TZ).date()


def local_date_of(moment: datetime | date | None) -> date:
    """The Asia/Shanghai calendar date of a naive-UTC moment (now if None); a date is
    already one."""
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return moment
    if moment is None:
        moment = datetime.now(tz=LOCAL_TZ)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()


def utc_to_local(value: datetime | None) -> datetime | None:
    """Stored naive UTC → naive Shanghai wall-clock time (for showing)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)


def local_to_utc(value: datetime | None) -> datetime | None:
    """Naive Shanghai wall-clock time (typed by a person) → naive UTC (for storing)."""
    if value is None:
        return None
    return value.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)
