"""Status fields with a declared table of transitions.

A model lists its transitions; the generator turns each one into a button on the
detail page and a bulk action, and ``permissions.can`` checks the transition's
name like any other action.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, declared_attr

from .mixins import code_column


@dataclass(frozen=True)
class Transition:
    name: str
    """Action name in the policy table, e.g. ``approve``; unique within the model."""
    label: object
    """Button text (a lazy translation)."""
    source: tuple[str, ...]
    """Statuses the transition may start from."""
    target: str
    """Status after the transition."""
    requires: tuple[str, ...] = ()
    """Fields that must be filled for the transition (a rejection needs a reason)."""
    stamps: tuple[str, ...] = ()
    """``*_by_id`` / ``*_at`` columns filled with the acting user and the time."""
    when: tuple[tuple[str, str], ...] = ()
    """Field values the record must have, e.g. ``(("severity", "major"),)``."""

    def applies_to(self, record) -> bool:
        """True if the transition may start from the record's status and values."""
        return record.status in self.source and all(
            getattr(record, field) == value for field, value in self.when)


class Stateful:
    """A ``status`` column restricted to ``statuses``, starting at ``initial_status``."""

    statuses: dict = {}
    initial_status: str = ""
    transitions: tuple[Transition, ...] = ()

    @declared_attr
    def status(cls) -> Mapped[str]:
        return code_column(cls.statuses, _l("Status"), default=cls.initial_status,
                           index=False)

    @classmethod
    def transition(cls, name: str) -> Transition:
        for transition in cls.transitions:
            if transition.name == name:
                return transition
        raise KeyError(f"{cls.__name__} declares no transition named {name!r}")
