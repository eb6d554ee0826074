"""Two complaint clocks (001 篇4 第十一条(三); 004 第15条3): the handling clock stops when
the customer is notified in writing, and the case is on time or late for good; closing
then has a deadline of its own. A complaint notified on its due day is not overdue and
gets no 催办单; one notified but left unclosed past the closing deadline is chased for
its closing."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import Complaint, Reminder, db
from models.reminder import issue_reminders

from ..test_complaints_support import (  # noqa: F401  (fixtures)
    D,
    as_user_fixture,
    clean_complaints_fixture,
    load,
    register,
    shanghai,
    step,
)

#: Monday 16 November 2026: a general complaint received at 10:00 is due Tuesday 17th.
RECEIVED = "2026-11-16 10:00"


def reminded(app, complaint_id: int, day: date) -> bool:
    with app.app_context():
        issue_reminders(db.session, day)
        return db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(
            Reminder.complaint_id == complaint_id, Reminder.day == day)) == 1


def test_notified_on_the_due_day_is_on_time_and_not_chased(app, world):
    on_time = register(app, world, RECEIVED, status="notified",
                       notified_at=shanghai("2026-11-17 16:00"))
    complaint = load(app, Complaint, on_time)
    assert complaint.due_date == D("2026-11-17")
    assert complaint.handled_on_time is True
    # Closing: 5 working days after the notification day.
    assert complaint.closing_due_date == D("2026-11-24")
    assert complaint.late_reason(D("2026-11-20")) is None
    assert not reminded(app, on_time, D("2026-11-18"))


def test_notified_after_the_due_day_is_late_for_good(app, world):
    late = register(app, world, RECEIVED, status="notified",
                    notified_at=shanghai("2026-11-18 09:00"))
    complaint = load(app, Complaint, late)
    assert complaint.handled_on_time is False
    assert complaint.closing_due_date == D("2026-11-25")


def test_open_complaint_is_chased_for_handling(app, world):
    waiting = register(app, world, RECEIVED, status="approved")
    assert load(app, Complaint, waiting).handled_on_time is None
    assert reminded(app, waiting, D("2026-11-18"))


def test_unclosed_after_the_closing_deadline_is_chased_for_closing(app, world):
    notified = register(app, world, RECEIVED, status="notified",
                        notified_at=shanghai("2026-11-17 16:00"))
    complaint = load(app, Complaint, notified)
    assert str(complaint.late_reason(D("2026-11-25"))).startswith("Closing overdue by 1")
    assert reminded(app, notified, D("2026-11-25"))


def test_the_step_stores_the_verdict_and_extension_stops(app, world, as_user):
    complaint_id = register(app, world, "2026-11-30 10:00", "major", status="approved")
    clerk, gm = as_user("clerk.service"), as_user("gm")
    step(clerk, complaint_id, "notify_customer")
    complaint = load(app, Complaint, complaint_id)
    assert complaint.status == "notified" and complaint.handled_on_time is True
    assert complaint.effective_due_date == complaint.closing_due_date
    page = gm.get(f"/admin/complaint/details/?id={complaint_id}").get_data(as_text=True)
    assert 'value="extend"' not in page  # the handling clock has stopped
    assert "closing" in page


def test_closed_cases_keep_their_verdict_for_the_timeliness_review(app, world, as_user):
    late = register(app, world, RECEIVED, status="closed",
                    notified_at=shanghai("2026-11-19 09:00"))
    on_time = register(app, world, RECEIVED, status="closed",
                       notified_at=shanghai("2026-11-17 09:00"))
    with app.app_context():
        late_ids = set(db.session.scalars(sa.select(Complaint.id).where(
            Complaint.handled_on_time.is_(False))))
    assert late in late_ids and on_time not in late_ids
    page = as_user("gm").get(f"/admin/complaint/details/?id={late}").get_data(as_text=True)
    assert "Handled on time" in page
