"""The claim row of a daily job: who does today's work, so it is done exactly once.

The scheduler runs on every application machine (one systemd unit each, and
``./run.sh`` beside the demo server); each one, at the set hour, tries to claim each
registered job for the day by inserting this row. The unique key (job, day) lets one
insert win on SQLite and PostgreSQL alike; the others see the row and leave the job
alone. A claim whose runner failed, or died without finishing (``running`` for longer
than the stale limit), is taken over by one conditional UPDATE, which again only one
runner can win.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import db
from .mixins import utcnow

#: A claim's states: being done, done, or failed (another runner may take it over).
RUN_STATES = ("running", "done", "failed")


class DailyJobRun(db.Model):
    """One job's run for one day (Asia/Shanghai calendar date)."""

    __tablename__ = "daily_job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    """The job's name in ``daily_jobs.DAILY_JOBS``."""
    day: Mapped[date]
    """The working day the run does the work of."""
    status: Mapped[str] = mapped_column(String(10))
    """One of ``RUN_STATES``."""
    runner: Mapped[str] = mapped_column(String(120))
    """``host:pid`` of the scheduler (or command) that holds or held the claim."""
    attempts: Mapped[int] = mapped_column(default=1)
    """How many runners claimed it: more than 1 after a failure or a stale claim."""
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    """UTC; a ``running`` claim older than the stale limit may be taken over."""
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(200))
    """What the job reported (``12``: reminders issued) or the error that stopped it."""

    __table_args__ = (sa.UniqueConstraint("job", "day"),)

    def __str__(self) -> str:
        return f"{self.job} · {self.day.isoformat()} · {self.status}"
