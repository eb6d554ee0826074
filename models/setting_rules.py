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
from .grant_change import fill_choices
from .loan import Loan
from .office_settings import SETTINGS, Setting, declare, register


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
