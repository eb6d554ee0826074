"""The customer lists the visits need (``Customer.named_lists``).

- Visits due (巡访到期): customers whose last visit is older than their grade allows
  (``models/visit_frequency.py``) — all of them, those the user visits (the patrol
  visitor), and those visited by the user's department (for the supervisor).
- Patrol visitor who sells in the customer's region: 001 篇1/2 第四条(2), 004 第3条3 —
  指定专人负责巡访客户（原则上不能由本地区负责业务员担任）. The region's salespeople are
  the account managers (客户经理) of the customers of that region; a customer is listed
  when its patrol visitor is one of them.
- Grading review due (定期评估客户): no review decided within the review interval.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased


def _models():
    from .customer import Customer
    from .visit_report import VisitReport
    return Customer, VisitReport


def visits_due(user, day):
    customer, report = _models()
    from .visit_frequency import due_clause
    return due_clause(customer, report, day)


def my_visits_due(user, day):
    customer, _report = _models()
    return sa.and_(customer.patrol_visitor_id == user.id, visits_due(user, day))


def department_visits_due(user, day):
    customer, _report = _models()
    from .user import AppUser
    visitors = sa.select(AppUser.id).where(AppUser.department_id == user.department_id)
    return sa.and_(customer.patrol_visitor_id.in_(visitors), visits_due(user, day))


def grading_review_due(user, day):
    """Customers with no grading review decided within ``GradingReview.interval_months``
    (001 篇4 第二条(三): 定期评估客户 — yearly by default)."""
    customer, _report = _models()
    from .grading_review import GradingReview
    from .visit_frequency import months_back, utc_start_of
    cutoff = utc_start_of(months_back(day, GradingReview.interval_months))
    recent = sa.select(GradingReview.id).where(
        GradingReview.customer_id == customer.id, GradingReview.status == "decided",
        GradingReview.decided_at >= cutoff)
    return ~recent.exists()


def region_salesperson_clause(customer):
    """The patrol visitor is an account manager of a customer of the same region (this
    customer's own account manager included)."""
    other = aliased(customer)
    sellers = sa.select(other.account_manager_id).where(
        other.region == customer.region, other.account_manager_id.is_not(None))
    return sa.and_(customer.patrol_visitor_id.is_not(None),
                   sa.or_(customer.patrol_visitor_id == customer.account_manager_id,
                          customer.patrol_visitor_id.in_(sellers)))


def visitor_sells_in_region(user, day):
    customer, _report = _models()
    return region_salesperson_clause(customer)


CUSTOMER_LISTS = {
    "visits_due": (_l("Visits due"), visits_due),
    "my_visits_due": (_l("My visits due"), my_visits_due),
    "department_visits_due": (_l("Visits due (my department's visitors)"),
                              department_visits_due),
    "visitor_sells_in_region": (_l("Patrol visitor sells in the region"),
                                visitor_sells_in_region),
    "grading_review_due": (_l("Grading review due"), grading_review_due),
}
