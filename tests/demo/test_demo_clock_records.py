"""The demo shows the new record types: a 洽办单 on a closed complaint handled late, and
the GM office's review of September 2026 marked reviewed."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import MonthlyReview, TimelinessInquiry, db

from .test_demo import ctx, demo_app, demo_url  # noqa: F401  (fixtures)


def test_demo_has_an_inquiry_on_a_late_closed_case_and_a_done_review(ctx):  # noqa: F811
    [inquiry] = db.session.scalars(sa.select(TimelinessInquiry)).all()
    assert inquiry.complaint.status == "closed"
    assert inquiry.complaint.handled_on_time is False
    assert inquiry.status == "asked" and inquiry.level == inquiry.complaint.level
    [review] = db.session.scalars(sa.select(MonthlyReview)).all()
    assert (review.month, review.status) == (date(2026, 9, 1), "reviewed")
