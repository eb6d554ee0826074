"""The demo shows a periodic report's review: October 2026's quality-feedback summary,
marked reviewed by the customer-service supervisor before the 25th."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import AppUser, ReportReview, db

from .test_demo import ctx, demo_app, demo_url  # noqa: F401  (fixtures)


def test_demo_has_a_reviewed_quality_feedback_summary(ctx):  # noqa: F811
    [review] = db.session.scalars(sa.select(ReportReview)).all()
    assert (review.report, review.month, review.status) == (
        "quality_feedback", date(2026, 10, 1), "reviewed")
    reviewer = db.session.get(AppUser, review.reviewed_by_id)
    assert reviewer.username == "supervisor"
