"""``flask scheduler``: the process that starts the daily work (``daily_jobs.py``).

Why APScheduler in a process of its own, not a systemd timer: the same command serves
the demo (``./run.sh`` starts it beside the server), a container without systemd and
a server (``deploy/records-scheduler.service``), and its cron trigger speaks
Asia/Shanghai whatever the machine's zone. Why not inside the gunicorn workers: each
worker would run a scheduler of its own and die with the worker; one small process
per machine is simpler to watch. It may run on every machine: the claim row makes
each job run once a day across all of them.

When: once at start (so a freshly started demo, or a machine back after a night off,
does the day's work at once), then every hour from ``DAILY_JOBS_AT`` (default 08:30,
Asia/Shanghai) to the end of the day. The first run of the day does the work; the
later ones find it claimed and only take over a failed or abandoned claim.
"""
from __future__ import annotations

import logging
import os
import signal
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from models import db
from models.numbering import LOCAL_TZ

log = logging.getLogger("records.scheduler")
log.setLevel(logging.INFO)  # the root stays at WARNING (request_log.py); these lines matter

DEFAULT_AT = "08:30"


def daily_at() -> tuple[int, int]:
    """(hour, minute) of the day's first run, from ``DAILY_JOBS_AT`` (HH:MM)."""
    text = current_app.config.get("DAILY_JOBS_AT") or os.environ.get("DAILY_JOBS_AT") \
        or DEFAULT_AT
    try:
        hour, minute = (int(part) for part in text.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise click.BadParameter(
            f"DAILY_JOBS_AT={text!r}: expected HH:MM, e.g. 08:30") from None
    return hour, minute


def daily_work(app) -> None:
    """One attempt at the day's jobs, in an application context of its own."""
    from daily_jobs import run_due

    with app.app_context():
        try:
            for job, state, detail in run_due(db.session):
                log.info("daily job %s: %s (%s)", job, state, detail)
        except Exception:  # noqa: BLE001 - the database may be away: the next run retries
            log.exception("the daily work could not run")
        finally:
            db.session.remove()


def build_scheduler(app):
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    hour, minute = daily_at()
    scheduler = BlockingScheduler(timezone=LOCAL_TZ, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    scheduler.add_job(daily_work, CronTrigger(hour=f"{hour}-23", minute=minute,
                                              timezone=LOCAL_TZ),
                      args=[app], id="daily-work", next_run_time=datetime.now(LOCAL_TZ))
    return scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the daily work at start, then hourly from DAILY_JOBS_AT (default 08:30).

    Stops on SIGTERM or Ctrl+C once a job in progress has finished."""
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    hour, minute = daily_at()

    def stop(signum, frame):
        log.info("scheduler stopping (signal %s)", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler started: now, then hourly from %02d:%02d Asia/Shanghai",
             hour, minute)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
