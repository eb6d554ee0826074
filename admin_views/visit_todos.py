"""The home page's visit items (``home.TODO_SOURCES``).

- Customers due for a visit: the visitor's own (as patrol visitor), and for whoever
  reads the department's visit reports (the supervisor), those of the department's
  visitors; the GM office sees all. Each links to the customer list's named list
  (``Customer.named_lists``), which applies the same condition.
- Customer qualifications expiring within ``remind_days`` (or expired), for whoever
  keeps them on record.
- Steps waiting for this user on the visit records: reports to read, plans to approve,
  urgent visit reports to read and decide (the GM office's, the moment one is saved),
  summaries to review, grades to decide. Each links to the list filtered by the
  step's status.
"""
from __future__ import annotations

from flask import url_for
from flask_admin.contrib.sqla.filters import EnumEqualFilter
from flask_babel import lazy_gettext as _l

from models import (
    Customer,
    CustomerQualification,
    GradingReview,
    UrgentVisitReport,
    VisitPlan,
    VisitReport,
    VisitSummary,
)
from models.customer_lists import CUSTOMER_LISTS
from permissions import can
from permissions.scoping import actor

from .home import Figure, list_url

#: Records whose steps wait for someone, in the order the home page lists them.
STEP_MODELS = (UrgentVisitReport, VisitReport, VisitPlan, VisitSummary, GradingReview)
#: Steps that put a record in someone's hands ("waiting for me"); sending back does not.
WAITING_STEPS = {"mark_read", "decide", "review", "approve_department", "approve"}


def due_figure(name: str, day) -> Figure:
    label, clause = CUSTOMER_LISTS[name]
    return Figure(f"customer-{name.replace('_', '-')}", label,
                  url_for("customer.index_view", list=name), Customer,
                  (clause(actor(), day),))


def visit_todos(admin, day) -> list[Figure]:
    user, todos = actor(), []
    if can(user, "list", Customer) and can(user, "create", VisitReport):
        todos.append(due_figure("my_visits_due", day))
    if can(user, "list", Customer) and can(user, "review", VisitReport):
        todos.append(due_figure("department_visits_due", day))
    elif can(user, "list", Customer) and can(user, "list", VisitReport) \
            and can(user, "export", VisitReport) and not can(user, "create", VisitReport):
        todos.append(due_figure("visits_due", day))  # the GM office, the auditor
    for model in STEP_MODELS:
        for step in model.transitions:
            if step.name not in WAITING_STEPS or not can(user, step.name, model):
                continue
            status = step.source[0]
            todos.append(Figure(
                f"{model.__tablename__}-{step.name}".replace("_", "-"),
                _l("%(records)s: %(action)s", records=model.Admin.label_plural,
                   action=step.label),
                list_url(admin, model, ("status", EnumEqualFilter, status)), model,
                (model.status == status,), urgent=model is UrgentVisitReport))
    if can(user, "list", Customer) and can(user, "create", GradingReview):
        todos.append(due_figure("grading_review_due", day))  # the supervisor proposes
    if can(user, "edit", CustomerQualification):  # whoever keeps them on record
        label, clause = CustomerQualification.named_lists["expiring"]
        todos.append(Figure("customer-qualification-expiring", _l(
            "%(records)s: %(list)s", records=CustomerQualification.Admin.label_plural,
            list=label), url_for("customer_qualification.index_view", list="expiring"),
            CustomerQualification, (clause(user, day),), urgent=True))
    return todos
