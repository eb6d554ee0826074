"""The daily work (催办单 and whatever else a feature registers), done exactly once a day.

A feature adds its job with one line in ``DAILY_JOBS``: a name and the dotted path of
a function ``(session, day) -> result`` that does the day's work and commits it (the
result, a count or a short text, is kept in the claim row). The scheduler
(``scheduler.py``), ``flask daily-jobs run`` and the tests all call ``run_due``.

Exactly once across workers and machines: every scheduler runs ``run_due`` at the set
hour; for each job it first claims (job, day) in the database (``DailyJobRun``: an
INSERT that the unique key lets only one runner win). The others report who holds the
claim and do nothing. A failed run can be claimed again (the next hourly attempt, or
another machine), and so can a claim left ``running`` for longer than
``DAILY_JOBS_STALE_MINUTES`` (its runner died): a conditional UPDATE, which one
runner wins. The jobs themselves stay idempotent (``issue_reminders`` keeps one
reminder per complaint and day), so even a takeover of a claim whose runner was
only slow adds nothing twice.
"""
from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

from models import db
from models.daily_job import DailyJobRun
from models.mixins import utcnow
from models.numbering import local_date_of
from models.workdays import is_working_day

log = logging.getLogger("records.daily_jobs")
log.setLevel(logging.INFO)  # the root stays at WARNING (request_log.py); these lines matter


@dataclass(frozen=True)
class DailyJob:
    """One kind of daily work."""

    name: str
    """Unique, at most 40 characters: the claim row's ``job``."""
    target: str | Callable
    """``module:function`` (or the function itself); it takes ``(session, day)``,
    commits its work and returns what it did (a count or a short text)."""
    working_days_only: bool = True
    """Not run on weekends and holidays (``models/workdays.py``): nobody reads it then."""

    def function(self):
        return import_string(self.target) if isinstance(self.target, str) else self.target


#: The registry: one line per job, in the order they run.
DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob("reminders", "models.reminder:issue_reminders"),  # 催办单, overdue complaints
    DailyJob("service-reminders", "models.reminder:issue_service_reminders"),  # late 服务/工单
)

#: Minutes after which a claim still ``running`` is taken to be abandoned.
DEFAULT_STALE_MINUTES = 30


def runner_name() -> str:
    """Who claims: this machine and process, as the claim row and the log show it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def stale_after() -> timedelta:
    minutes = current_app.config.get("DAILY_JOBS_STALE_MINUTES") \
        or os.environ.get("DAILY_JOBS_STALE_MINUTES") or DEFAULT_STALE_MINUTES
    return timedelta(minutes=float(minutes))


def claim(session: Session, job: str, day: date, runner: str) -> bool:
    """Take (job, day) for ``runner``; False if another runner has or had it.

    The hourly runs after the first find the row and skip the INSERT, so the database
    does not log a refused duplicate each hour; the unique key still decides a race."""
    claimed = sa.select(DailyJobRun.id).where(DailyJobRun.job == job, DailyJobRun.day == day)
    if session.scalar(claimed) is None:
        session.add(DailyJobRun(job=job, day=day, status="running", runner=runner,
                                attempts=1, claimed_at=utcnow()))
        try:
            session.commit()
            return True
        except IntegrityError:
            session.rollback()
    session.rollback()  # end the read: the UPDATE below must see the latest row
    now = utcnow()
    row = DailyJobRun
    takeover = sa.update(row).where(
        row.job == job, row.day == day,
        sa.or_(row.status == "failed",
               sa.and_(row.status == "running", row.claimed_at < now - stale_after())),
    ).values(status="running", runner=runner, claimed_at=now, finished_at=None,
             outcome=None, attempts=row.attempts + 1)
    taken = session.execute(takeover, execution_options={"synchronize_session": False})
    session.commit()
    return taken.rowcount == 1


def finish(session: Session, job: str, day: date, runner: str, status: str,
           outcome: str) -> None:
    """Record the end of our claim (unless another runner took it over meanwhile)."""
    run = session.scalar(sa.select(DailyJobRun).where(DailyJobRun.job == job,
                                                      DailyJobRun.day == day))
    if run is not None and run.runner == runner:
        run.status, run.outcome, run.finished_at = status, outcome[:200], utcnow()
        session.commit()


def holder(session: Session, job: str, day: date) -> str:
    run = session.scalar(sa.select(DailyJobRun).where(DailyJobRun.job == job,
                                                      DailyJobRun.day == day))
    return f"{run.status} by {run.runner}" if run else "not claimed"


def run_due(session: Session, day: date | None = None,
            jobs: tuple[DailyJob, ...] | None = None,
            runner: str | None = None) -> list[tuple[str, str, str]]:
    """Run each job of ``day`` (default: today in Asia/Shanghai) that nobody has done.

    Returns ``(job, state, detail)`` per job; state is ``done``, ``failed``, ``taken``
    (another runner has done it or is doing it) or ``skipped`` (not a working day).
    A failing job does not stop the others; its error is logged and kept in its row.
    """
    day = day or local_date_of(None)
    runner = runner or runner_name()
    working = is_working_day(day)[0]
    results = []
    for job in DAILY_JOBS if jobs is None else jobs:
        if job.working_days_only and not working:
            results.append((job.name, "skipped", "not a working day"))
            continue
        if not claim(session, job.name, day, runner):
            results.append((job.name, "taken", holder(session, job.name, day)))
            continue
        try:
            outcome = str(job.function()(session, day))
        except Exception as error:  # noqa: BLE001 - kept in the row, retried later
            session.rollback()
            log.exception("daily job %s for %s failed", job.name, day)
            detail = f"{type(error).__name__}: {error}"
            finish(session, job.name, day, runner, "failed", detail)
            results.append((job.name, "failed", detail))
            continue
        finish(session, job.name, day, runner, "done", outcome)
        log.info("daily job %s for %s done: %s", job.name, day, outcome)
        results.append((job.name, "done", outcome))
    return results


daily_jobs_group = AppGroup("daily-jobs", help="The daily work (催办单 and others).")


@daily_jobs_group.command("run")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Day to run for (YYYY-MM-DD); default: today in Asia/Shanghai.")
def run_command(day):
    """Run the day's jobs that no runner has done yet (what the scheduler does)."""
    results = run_due(db.session, day.date() if day else None)
    for job, state, detail in results:
        click.echo(f"{job}: {state} ({detail})")
    if any(state == "failed" for _, state, _ in results):
        raise SystemExit(1)


@daily_jobs_group.command("status")
@click.option("--days", default=7, show_default=True, help="How many days back.")
def status_command(days):
    """The claim rows of the last days: which runner did which job, and its outcome."""
    since = local_date_of(None) - timedelta(days=days)
    rows = db.session.scalars(sa.select(DailyJobRun).where(DailyJobRun.day >= since)
                              .order_by(DailyJobRun.day.desc(), DailyJobRun.job))
    for run in rows:
        click.echo(f"{run.day} {run.job} {run.status} by {run.runner} "
                   f"(attempts {run.attempts}): {run.outcome or ''}")
