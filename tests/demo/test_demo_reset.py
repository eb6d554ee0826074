"""``flask demo reset`` (issue 18 item 6): one command puts the demo back as loaded,
with the day's 催办单, an intact audit chain, and refuses a database that is not a demo."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from attachment_store import current_store
from demo import USERS
from models import AppUser, Attachment, Customer, Department, Reminder, db
from models.daily_job import DailyJobRun
from models.numbering import local_date_of
from models.workdays import is_working_day

from ..conftest import fresh_database
from ..test_audit_support import disposed, make_app


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def reset_url(request, tmp_path_factory):
    yield from fresh_database(request, tmp_path_factory, "reset")


@pytest.fixture(scope="module")
def demo_app(reset_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reset")
    with disposed(make_app(reset_url, tmp_path_factory, world=False, demo=True,
                           AUDIT_HEADS_FILE=str(folder / "audit_heads.jsonl"))) as app:
        yield app


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def add_attachment(app, customer_id: int) -> str:
    data = b"a scan somebody tried the demo with"
    digest = hashlib.sha256(data).hexdigest()
    with app.app_context():
        current_store().put("try-" + digest[:16], data, digest)
        db.session.add(Attachment(owner_table="customer", owner_id=customer_id,
                                  filename="scan.pdf", stored_name="try-" + digest[:16],
                                  content_type="application/pdf", size=len(data),
                                  sha256=digest))
        db.session.commit()
    return "try-" + digest[:16]


def test_reset_puts_the_demo_back_with_todays_reminders(demo_app):
    runner = demo_app.test_cli_runner()
    with demo_app.app_context():
        loaded = {model: count(model) for model in (Customer, AppUser, Department)}
        service = db.session.scalar(sa.select(Department).where(Department.code == "sales"))
        tried = Customer(name="试用者随手建的客户", department=service, level="internal")
        db.session.add(tried)
        db.session.commit()
        tried_id = tried.id
    stored = add_attachment(demo_app, tried_id)
    assert runner.invoke(args=["backup", "-o", str(demo_app.config["UPLOAD_FOLDER"])
                               + "/../before.tar"]).exit_code == 0  # a head is recorded

    result = runner.invoke(args=["demo", "reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded again" in result.output
    with demo_app.app_context():
        assert {model: count(model) for model in loaded} == loaded
        assert count(Customer, Customer.name == "试用者随手建的客户") == 0
        assert count(Attachment) == 0
        assert not current_store().exists(stored)
        today = local_date_of(None)
        runs = db.session.scalars(sa.select(DailyJobRun)).all()
        if is_working_day(today)[0]:
            assert [(r.job, r.day, r.status) for r in runs] == [
                ("reminders", today, "done"), ("service-reminders", today, "done")]
            issued = {r.job: int(r.outcome) for r in runs}
            assert count(Reminder, Reminder.day == today,
                         Reminder.subject == "complaint") == issued["reminders"] > 0
            # The demo's open repair request, alarm and unfinished work orders are late.
            assert count(Reminder, Reminder.day == today, Reminder.subject != "complaint") \
                == issued["service-reminders"] > 0
            assert "reminders: done" in result.output
            assert "service-reminders: done" in result.output
        else:
            assert runs == []
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_reset_refuses_a_database_that_is_not_the_demo(demo_app):
    runner = demo_app.test_cli_runner()
    with demo_app.app_context():
        it = db.session.scalar(sa.select(Department).where(Department.code == "it"))
        person = AppUser(username="real.person", full_name="真实用户", roles="clerk",
                         department=it, clearance="internal")
        person.set_password("Hx7!real-person-pass")
        db.session.add(person)
        db.session.commit()
        before = count(AppUser)
    refused = runner.invoke(args=["demo", "reset", "--yes"])
    assert refused.exit_code == 1
    assert "is not a demo database: it has accounts that are not the demo's (real.person)" \
        in refused.output and "Nothing was changed" in refused.output
    with demo_app.app_context():
        assert count(AppUser) == before
    forced = runner.invoke(args=["demo", "reset", "--yes", "--force"])
    assert forced.exit_code == 0, forced.output
    with demo_app.app_context():
        assert set(db.session.scalars(sa.select(AppUser.username))) == {
            username for username, *_ in USERS}


def test_reset_asks_before_deleting(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["demo", "reset"], input="n\n")
    assert result.exit_code == 1 and "Delete everything in" in result.output
    with demo_app.app_context():
        assert count(AppUser) == len(USERS)
