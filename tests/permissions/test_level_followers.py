"""A loan is as confidential as the file it lends, a reminder as its complaint, however
the level changes: the GM office's level-change step or the edit form."""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from models import Complaint, Loan, Reminder, TimelinessInquiry, db

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    make_file,
    make_loan,
    row_of,
    user_client_fixture,
)
from ..workflows.test_conflicts import FormFields
from ..world import extra_rows


def _level(app, model, pk) -> str:
    with app.app_context():
        found = db.session.scalar(sa.select(model.level).where(model.id == pk)
                                  .execution_options(skip_visibility=True))
        db.session.remove()
    return found


def _edit(client, table: str, pk: int, **changes) -> int:
    parser = FormFields()
    parser.feed(client.get(f"/admin/{table}/edit/?id={pk}").get_data(as_text=True))
    return client.post(f"/admin/{table}/edit/?id={pk}",
                       data={**parser.data, **changes}).status_code


def test_a_file_raised_through_its_edit_form_takes_its_loans_along(app, world, clean,
                                                                    user_client):
    file = make_file(app, world, department="service")
    loan = make_loan(app, world, file, status="lent", level="internal")
    supervisor = user_client("supervisor")  # the department's loans up to confidential
    assert f"/admin/loan/details/?id={loan}&" in supervisor.get("/admin/loan/").get_data(
        as_text=True)
    assert _edit(user_client("gm"), "archive_file", file, level="secret") == 302
    assert _level(app, Loan, loan) == "secret"
    listed = supervisor.get("/admin/loan/").get_data(as_text=True)
    assert f"/admin/loan/details/?id={loan}&" not in listed
    assert supervisor.get(f"/admin/loan/details/?id={loan}").status_code == 404


def _reminder_levels(app, complaint_id: int) -> dict[int, str]:
    with app.app_context():
        found = dict(db.session.execute(
            sa.select(Reminder.id, Reminder.level).where(Reminder.complaint_id == complaint_id)
            .execution_options(skip_visibility=True)).all())
        db.session.remove()
    return found


def test_a_complaint_raised_takes_its_reminders_along(app, world, clean, user_client):
    complaint = row_of(world, "complaint", "service", "internal")
    before = _reminder_levels(app, complaint.id)  # the shared world's, restored after
    with extra_rows(app, Reminder, [{
            "complaint_id": complaint.id, "subject_number": "C-TEST",
            "day": date(2025, 3, 4), "due_date": date(2025, 2, 28), "overdue_days": 3,
            "department_id": world.departments["service"], "level": "internal"}]) as [pk]:
        assert re.search(rf"/admin/reminder/details/\?id={pk}&", user_client(
            "supervisor").get("/admin/reminder/").get_data(as_text=True))
        try:
            assert _edit(user_client("gm"), "complaint", complaint.id,
                         level="secret") == 302
            assert set(_reminder_levels(app, complaint.id).values()) == {"secret"}
            listed = user_client("supervisor").get("/admin/reminder/").get_data(
                as_text=True)
            assert not re.search(rf"/admin/reminder/details/\?id={pk}&", listed)
        finally:
            with app.app_context():
                db.session.execute(sa.update(Complaint).where(Complaint.id == complaint.id)
                                   .values(level="internal"))
                for reminder, level in before.items():
                    db.session.execute(sa.update(Reminder).where(Reminder.id == reminder)
                                       .values(level=level))
                # The world's 洽办单 on this complaint followed it to "secret" too.
                db.session.execute(sa.update(TimelinessInquiry).where(
                    TimelinessInquiry.complaint_id == complaint.id).values(level="internal"))
                db.session.commit()
                db.session.remove()
