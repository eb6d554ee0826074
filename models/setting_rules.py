"""What ties settings together, and the settings declared from outside their class.

Imported last by ``models/__init__.py``, once every model is registered: it declares the
step clocks' settings (``<table>.step.<key>``, one per ``StepDeadline``), the settings
of classes whose files others keep (``declare(...)``, one line each), fills the
grant-change form's choices, and lists the rules a value must keep with other settings.
A value that would break one is refused with the rule's message on its field.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .base import REGISTRY
from .choices import ARCHIVE_CATEGORIES, LEVELS
from .customer import Customer
from .follow_up import FollowUpCall
from .grading_review import GradingReview
from .grant_change import fill_choices
from .loan import Loan
from .office_settings import SETTINGS, Setting, declare, register
from .service_request import REQUEST_KINDS, ServiceSettings
from .visit_frequency import VisitFrequency


@dataclass(frozen=True)
class Rule:
    keys: tuple[str, ...]
    """The settings the rule reads."""
    holds_for: Callable[..., bool]
    """Called with the rule's settings' values, in ``keys`` order."""
    message: object
    """What the user reads when a new value would break it."""

    def holds(self, values: dict) -> bool:
        if any(key not in values for key in self.keys):
            return True
        return bool(self.holds_for(*(values[key] for key in self.keys)))


# -- declared from outside: files other work keeps editing (one line each) --------------
declare(Loan, "legal_levels", _l("File levels whose loans the legal office also approves"),
        choices=LEVELS)
declare(Loan, "legal_categories",
        _l("File categories whose loans the legal office also approves"),
        choices=ARCHIVE_CATEGORIES)
declare(Customer, "number_format", _l("Customer code format"), kind="number_format")
# Visits (巡访) by customer grade, 001 篇1/2 and 004 第3条: months between visits.
declare(VisitFrequency, "grade_a_months", _l("Visit grade A customers every (months)"),
        low=1, high=24)
declare(VisitFrequency, "grade_b_months", _l("Visit grade B customers every (months)"),
        low=1, high=24)
declare(VisitFrequency, "grade_c_months", _l("Visit grade C customers every (months)"),
        low=1, high=36)
declare(VisitFrequency, "grade_d_months", _l("Visit grade D customers every (months)"),
        low=1, high=48)
declare(VisitFrequency, "residential_d_months",
        _l("Visit residential grade D customers every (months)"), low=1, high=60)
declare(GradingReview, "interval_months", _l("Grading review every (months)"),
        low=1, high=60)
declare(FollowUpCall, "due_after_days", _l("Follow-up call due after (working days)"),
        low=1, high=30)
# Service requests (咨询、报修、报警), 001 篇5/6: office hours to handle, to repair.
declare(ServiceSettings, "handle_hours", _l("Service request handled within (hours)"),
        low=1, high=240, choices=REQUEST_KINDS)
declare(ServiceSettings, "repair_hours", _l("Repair finished within (hours)"),
        low=1, high=240)


def declare_step_clocks() -> None:
    """Every ``StepDeadline`` of every model is a setting: its working days."""
    for table, model in REGISTRY.items():
        for deadline in getattr(model, "step_deadlines", ()):
            key = f"{table}.step.{deadline.key}"
            if key not in SETTINGS:
                register(Setting(deadline.days, _l("Step deadline: %(step)s (working days)",
                                                   step=deadline.label), low=1, high=30),
                         model, key)


declare_step_clocks()
fill_choices()

RULES: tuple[Rule, ...] = (
    Rule(("complaint.deadlines",), lambda d: d["general"] <= d["major"],
         _l("a general complaint is not given longer than a major one.")),
    Rule(("complaint.step.investigation", "complaint.deadlines"),
         lambda investigation, d: investigation <= d["major"],
         _l("the investigation report is due no later than a major complaint's handling "
            "deadline.")),
    Rule(("return_slip.inspection_days", "return_slip.decision_days"),
         lambda inspection, decision: inspection <= decision,
         _l("the decision on returned goods comes after their inspection: decision days "
            "are at least inspection days.")),
    Rule(("complaint.max_extension", "complaint.deadlines"),
         lambda limit, d: limit >= d["major"],
         _l("an extension counts from the receipt, so its limit is at least a major "
            "complaint's handling deadline.")),
)


def rules_of(key: str) -> list[Rule]:
    return [rule for rule in RULES if key in rule.keys]
