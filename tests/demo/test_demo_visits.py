"""The demo shows the visits (issue 14 items 1 and 6): every status of each visit record,
a month of visit reports for each demo visitor, customers whose patrol visitor sells in
no region, and the grade a decided review gave."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from models import (
    Customer,
    GradingReview,
    UrgentVisitReport,
    VisitPlan,
    VisitReport,
    VisitSummary,
    db,
)
from models.customer_lists import region_salesperson_clause
from models.numbering import local_date_of

from .test_demo import ctx, demo_app, demo_url  # noqa: F401  (fixtures)

VISIT_MODELS = (VisitPlan, VisitReport, UrgentVisitReport, VisitSummary, GradingReview)


@pytest.mark.parametrize("model", VISIT_MODELS, ids=lambda m: m.__tablename__)
def test_every_status_of_the_visit_records_is_shown(ctx, model):  # noqa: F811
    assert set(db.session.scalars(sa.select(model.status).distinct())) == set(model.statuses)


def test_a_month_of_visits_for_each_demo_visitor(ctx):  # noqa: F811
    reports = db.session.scalars(sa.select(VisitReport)).all()
    by_visitor: dict[str, set[date]] = {}
    for report in reports:
        by_visitor.setdefault(report.visitor.username, set()).add(
            local_date_of(report.visited_at))
        assert report.level == report.customer.level  # the customer's level
    assert set(by_visitor) == {"clerk.service", "manager.service"}
    for days in by_visitor.values():
        november = {d for d in days if d.month == 11}
        assert len(november) >= 18  # every working day of November 2026


def test_no_patrol_visitor_sells_in_the_customers_region(ctx):  # noqa: F811
    assert db.session.scalars(sa.select(Customer.code).where(
        region_salesperson_clause(Customer))).all() == []


def test_the_decided_review_gave_the_customer_its_grade(ctx):  # noqa: F811
    [decided] = db.session.scalars(sa.select(GradingReview).where(
        GradingReview.status == "decided")).all()
    assert decided.customer.grade == decided.decided_grade != decided.previous_grade


def test_the_demo_has_a_qualification_to_renew(ctx):  # noqa: F811
    from models import CustomerQualification
    days = sorted(db.session.scalars(sa.select(CustomerQualification.valid_until)))
    assert days[0] < date(2026, 12, 1) < days[1] < date(2026, 12, 31) < days[-1]
