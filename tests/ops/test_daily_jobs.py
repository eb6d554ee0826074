"""The daily work runs by itself, exactly once a day across runners (issue 16 item 5,
issue 18 item 5): the claim row (``DailyJobRun``) decides, on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

import daily_jobs
import scheduler
from daily_jobs import DAILY_JOBS, DailyJob, run_due
from models import Complaint, Reminder, db
from models.daily_job import DailyJobRun
from models.mixins import utcnow

from ..browser_support import ROOT
from ..clocks_support import clean_clocks_fixture  # noqa: F401  (drops the reminders made)
from ..threads import run_at_once

MONDAY = date(2026, 11, 16)
SUNDAY = date(2026, 11, 15)


def unique_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def runs_of(app, job: str) -> list[DailyJobRun]:
    with app.app_context():
        found = db.session.scalars(sa.select(DailyJobRun).where(DailyJobRun.job == job)
                                   .order_by(DailyJobRun.day)).all()
        db.session.expunge_all()
        return found


def run_in_thread(app, day, jobs=None, runner=None, barrier=None):
    def run():
        with app.app_context():
            if barrier is not None:
                barrier.wait(timeout=30)
            try:
                return run_due(db.session, day, jobs, runner)
            finally:
                db.session.remove()
    return run


def test_every_registered_job_can_be_found():
    names = [job.name for job in DAILY_JOBS]
    assert len(names) == len(set(names)) and all(len(name) <= 40 for name in names)
    assert "reminders" in names
    for job in DAILY_JOBS:
        assert callable(job.function())


def test_two_concurrent_runners_issue_the_days_reminders_once(app, world):
    """Two schedulers (two machines) start the day's work at the same moment: one
    issues the 催办单, the other finds the claim and issues nothing."""
    with app.app_context():
        overdue = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)
                                    .where(Complaint.late_clause(MONDAY)))
    assert overdue > 0, "the test world has no complaint overdue on the day"
    barrier = threading.Barrier(2)
    first, second = run_at_once(
        run_in_thread(app, MONDAY, runner="machine-a:1", barrier=barrier),
        run_in_thread(app, MONDAY, runner="machine-b:2", barrier=barrier))
    results = {runner: dict((job, (state, detail)) for job, state, detail in found)
               for runner, found in (("a", first), ("b", second))}
    states = sorted(results[r]["reminders"][0] for r in "ab")
    assert states == ["done", "taken"]
    done = next(r for r in "ab" if results[r]["reminders"][0] == "done")
    with app.app_context():
        issued = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)
                                   .where(Reminder.day == MONDAY,
                                          Reminder.subject == "complaint"))
    assert int(results[done]["reminders"][1]) == issued == overdue
    (run,) = [r for r in runs_of(app, "reminders") if r.day == MONDAY]
    assert (run.status, run.attempts, run.outcome) == ("done", 1, str(issued))
    assert run.runner == ("machine-a:1" if done == "a" else "machine-b:2")


def test_only_one_of_many_racing_claims_wins(app):
    job = unique_name()
    barrier = threading.Barrier(4)

    def claim(n):
        def run():
            with app.app_context():
                barrier.wait(timeout=30)
                try:
                    return daily_jobs.claim(db.session, job, MONDAY, f"runner:{n}")
                finally:
                    db.session.remove()
        return run

    assert sorted(run_at_once(*(claim(n) for n in range(4)))) == [False, False, False, True]
    assert len(runs_of(app, job)) == 1


def test_a_runner_leaves_alone_a_job_another_is_doing(app):
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow(session, day):
        calls.append(day)
        started.set()
        assert release.wait(timeout=30)
        return "slow work"

    jobs = (DailyJob(unique_name(), slow),)
    results = []
    worker = threading.Thread(target=lambda: results.append(
        run_in_thread(app, MONDAY, jobs, "machine-a:1")()))
    worker.start()
    assert started.wait(timeout=30)
    meanwhile = run_in_thread(app, MONDAY, jobs, "machine-b:2")()
    release.set()
    worker.join(timeout=30)
    assert meanwhile == [(jobs[0].name, "taken", "running by machine-a:1")]
    assert results == [[(jobs[0].name, "done", "slow work")]]
    assert calls == [MONDAY]
    (run,) = runs_of(app, jobs[0].name)
    assert (run.status, run.outcome, run.runner) == ("done", "slow work", "machine-a:1")
    assert run.finished_at is not None


def test_a_failed_run_is_retried_by_the_next_runner(app):
    attempts = []

    def flaky(session, day):
        attempts.append(day)
        if len(attempts) == 1:
            raise RuntimeError("the store is away")
        return 3

    jobs = (DailyJob(unique_name(), flaky),)
    with app.app_context():
        assert run_due(db.session, MONDAY, jobs, "machine-a:1") == [
            (jobs[0].name, "failed", "RuntimeError: the store is away")]
    (run,) = runs_of(app, jobs[0].name)
    assert (run.status, run.outcome) == ("failed", "RuntimeError: the store is away")
    with app.app_context():
        assert run_due(db.session, MONDAY, jobs, "machine-b:2") == [
            (jobs[0].name, "done", "3")]
        assert run_due(db.session, MONDAY, jobs, "machine-a:1")[0][1] == "taken"
    (run,) = runs_of(app, jobs[0].name)
    assert (run.status, run.runner, run.attempts) == ("done", "machine-b:2", 2)


def test_an_abandoned_claim_is_taken_over_after_the_stale_limit(app):
    fresh, abandoned = unique_name(), unique_name()
    with app.app_context():
        for job, age in ((fresh, timedelta(minutes=5)), (abandoned, timedelta(hours=2))):
            db.session.add(DailyJobRun(job=job, day=MONDAY, status="running",
                                       runner="dead:1", claimed_at=utcnow() - age))
        db.session.commit()
        jobs = (DailyJob(fresh, lambda s, d: 1), DailyJob(abandoned, lambda s, d: 2))
        assert run_due(db.session, MONDAY, jobs, "machine-b:2") == [
            (fresh, "taken", "running by dead:1"), (abandoned, "done", "2")]
    (run,) = runs_of(app, abandoned)
    assert (run.runner, run.attempts) == ("machine-b:2", 2)


def test_no_claim_on_a_day_off_for_a_working_day_job(app):
    every_day, working = unique_name(), unique_name()
    jobs = (DailyJob(working, lambda s, d: 1),
            DailyJob(every_day, lambda s, d: 2, working_days_only=False))
    with app.app_context():
        assert run_due(db.session, SUNDAY, jobs, "machine-a:1") == [
            (working, "skipped", "not a working day"), (every_day, "done", "2")]
    assert runs_of(app, working) == []


def test_the_cli_runs_the_registry_and_shows_the_claims(app, monkeypatch):
    job = unique_name()
    monkeypatch.setattr(daily_jobs, "DAILY_JOBS", (DailyJob(job, lambda s, d: 7),))
    runner = app.test_cli_runner()
    day = MONDAY.isoformat()
    first = runner.invoke(args=["daily-jobs", "run", "--day", day])
    assert first.exit_code == 0 and f"{job}: done (7)" in first.output
    again = runner.invoke(args=["daily-jobs", "run", "--day", day])
    assert again.exit_code == 0 and f"{job}: taken (done by " in again.output
    monkeypatch.setattr(daily_jobs, "DAILY_JOBS", (DailyJob(job + "x", lambda s, d: 1 / 0),))
    failed = runner.invoke(args=["daily-jobs", "run", "--day", day])
    assert failed.exit_code == 1 and "failed (ZeroDivisionError" in failed.output


def test_the_scheduler_runs_at_start_then_hourly_from_the_set_time(app, monkeypatch):
    monkeypatch.setenv("DAILY_JOBS_AT", "07:45")
    with app.app_context():
        built = scheduler.build_scheduler(app)
    (job,) = built.get_jobs()
    trigger = str(job.trigger)
    assert "hour='7-23'" in trigger and "minute='45'" in trigger
    assert "Asia/Shanghai" in str(job.trigger.timezone)
    assert job.next_run_time is not None  # at start, not only at 07:45
    monkeypatch.setenv("DAILY_JOBS_AT", "7.45")
    with app.app_context(), pytest.raises(Exception, match="DAILY_JOBS_AT='7.45'"):
        scheduler.daily_at()


def test_the_schedulers_run_does_the_registered_work(app, monkeypatch):
    job = unique_name()
    monkeypatch.setattr(daily_jobs, "DAILY_JOBS",
                        (DailyJob(job, lambda s, d: "ok", working_days_only=False),))
    scheduler.daily_work(app)
    scheduler.daily_work(app)  # the hourly run after it: nothing more
    (run,) = runs_of(app, job)
    assert (run.status, run.outcome, run.attempts) == ("done", "ok", 1)


def test_claims_are_bookkeeping_the_work_is_audited(app):
    from models import AuditEvent

    job = unique_name()
    with app.app_context():
        run_due(db.session, MONDAY, (DailyJob(job, lambda s, d: 0),), "machine-a:1")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.model == "daily_job_run")) == 0


def test_two_processes_started_at_once_issue_the_days_reminders_once(app, database_url):
    """As two machines would: two ``flask daily-jobs run`` processes, one database."""
    day = date(2026, 11, 17)
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_FORMAT": "text",
           "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"]}
    command = [sys.executable, "-m", "flask", "--app", "app", "daily-jobs", "run", "--day",
               day.isoformat()]
    runners = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [runner.communicate(timeout=300)[0] for runner in runners]
    assert [runner.returncode for runner in runners] == [0, 0], outputs
    for job, kind in (("reminders", Reminder.subject == "complaint"),
                      ("service-reminders", Reminder.subject != "complaint")):
        states = sorted(re.search(rf"^{job}: (\w+)", output, re.M).group(1)
                        for output in outputs)
        assert states == ["done", "taken"], outputs
        (run,) = [r for r in runs_of(app, job) if r.day == day]
        with app.app_context():
            issued = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)
                                       .where(Reminder.day == day, kind))
        assert (run.status, run.attempts) == ("done", 1) and int(run.outcome) == issued > 0
