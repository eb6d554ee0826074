"""The GM office's monthly review of last month's closed complaints (001 篇8 (十)1):
due by the 10th, shown on its home page until marked reviewed, one per month."""
from __future__ import annotations

import re

import sqlalchemy as sa

from models import Complaint, MonthlyReview, db
from models.monthly_review import previous_month
from models.numbering import local_date_of

from ..clocks_support import clean_clocks_fixture, todo  # noqa: F401  (fixture)
from ..test_complaints_support import as_user_fixture, load, register, shanghai  # noqa: F401


def reviews(app) -> list[MonthlyReview]:
    with app.app_context():
        rows = db.session.scalars(sa.select(MonthlyReview).order_by(MonthlyReview.id)).all()
        db.session.expunge_all()
        return rows


def closed_last_month(app, world, on_time: bool, level: str = "internal") -> int:
    """A general complaint received on the 15th of last month, notified on time (that
    day) or late (four days later), closed on the 20th."""
    month = previous_month()
    notified = "15 16:00" if on_time else "19 16:00"
    return register(app, world, f"{month.isoformat()[:8]}15 10:00", status="closed",
                    level=level, notified_at=shanghai(f"{month.isoformat()[:8]}{notified}"),
                    closed_at=shanghai(f"{month.isoformat()[:8]}20 18:00"))


def shown_counts(client, review_id: int) -> tuple[int, int, int]:
    page = client.get(f"/admin/monthly_review/details/?id={review_id}").get_data(
        as_text=True)
    return tuple(int(re.search(rf"{label}\s*(?:</b>)?\s*</t[hd]>\s*<td>\s*(\d+)",
                               page).group(1))
                 for label in ("Complaints closed", "Handled on time", "Handled late"))


def test_home_page_says_the_review_is_due_until_it_is_marked_reviewed(app, world, as_user):
    gm = as_user("gm")
    month = previous_month()
    item = todo(gm.get("/admin/").get_data(as_text=True), "monthly-review-due")
    assert item is not None
    _count, url = item
    assert url.endswith("/admin/monthly_review/new/")
    form = gm.get(url).get_data(as_text=True)
    assert f'value="{month.isoformat()}"' in form  # prefilled with last month
    response = gm.post(url, data={"month": month.isoformat(), "remarks": "无行政处分案件"})
    assert response.status_code == 302
    [review] = reviews(app)
    # Started but not marked reviewed: still due, the link opens it.
    _count, url = todo(gm.get("/admin/").get_data(as_text=True), "monthly-review-due")
    assert url.endswith(f"/admin/monthly_review/details/?id={review.id}")
    gm.post("/admin/monthly_review/transition/",
            data={"id": review.id, "transition": "mark_reviewed"})
    [review] = reviews(app)
    assert (review.status, review.reviewed_by_id) == ("reviewed", world.users["gm"])
    assert review.reviewed_at is not None
    assert todo(gm.get("/admin/").get_data(as_text=True), "monthly-review-due") is None
    # Other roles never see the item.
    assert todo(as_user("supervisor").get("/admin/").get_data(as_text=True),
                "monthly-review-due") is None


def test_one_review_per_month(app, world, as_user):
    gm = as_user("gm")
    month = previous_month()
    assert gm.post("/admin/monthly_review/new/", data={"month": month.isoformat()}
                   ).status_code == 302
    page = gm.post("/admin/monthly_review/new/", follow_redirects=True,
                   data={"month": month.replace(day=20).isoformat()}).get_data(as_text=True)
    assert len(reviews(app)) == 1
    assert f"Month (first day): {month:%Y-%m} has its review already." in page


def test_current_month_cannot_be_reviewed_yet(app, world, as_user):
    page = as_user("gm").post("/admin/monthly_review/new/", follow_redirects=True, data={
        "month": local_date_of(None).isoformat()}).get_data(as_text=True)
    assert "Month (first day): only a past month can be reviewed." in page
    assert reviews(app) == []


def test_counts_are_those_of_the_month_and_of_what_the_viewer_sees(app, world, as_user):
    gm, auditor = as_user("gm"), as_user("auditor")
    gm.post("/admin/monthly_review/new/", data={"month": previous_month().isoformat()})
    [review] = reviews(app)
    before, auditor_before = shown_counts(gm, review.id), shown_counts(auditor, review.id)
    closed_last_month(app, world, on_time=True)
    closed_last_month(app, world, on_time=False)
    late_and_secret = closed_last_month(app, world, on_time=False, level="secret")
    assert load(app, Complaint, late_and_secret).handled_on_time is False
    # Received this month and closed at once: another month's case.
    register(app, world, f"{local_date_of(None).isoformat()[:8]}01 09:00", status="closed",
             notified_at=shanghai(f"{local_date_of(None).isoformat()[:8]}01 10:00"),
             closed_at=shanghai(f"{local_date_of(None).isoformat()[:8]}01 11:00"))
    assert shown_counts(gm, review.id) == (before[0] + 3, before[1] + 1, before[2] + 2)
    # The auditor (clearance confidential) does not learn of the secret case.
    assert shown_counts(auditor, review.id) == (
        auditor_before[0] + 2, auditor_before[1] + 1, auditor_before[2] + 1)
