"""Confidentiality levels, lowest first: ``public < internal < confidential < secret``.

Defined here, in the models layer, so that models (an archive file's floor level, a
loan's approved level) and ``permissions`` (which re-exports it) share one order.
"""
from __future__ import annotations

from .choices import LEVELS

ORDER: tuple[str, ...] = tuple(LEVELS)


def rank(level: str | None) -> int:
    """Position of a level; an unknown or missing level ranks below everything."""
    return ORDER.index(level) if level in ORDER else -1


def levels_up_to(clearance: str | None) -> tuple[str, ...]:
    """The levels a user with ``clearance`` may read (none for an unknown clearance)."""
    return ORDER[: rank(clearance) + 1]


def dominates(clearance: str | None, level: str | None) -> bool:
    return rank(level) >= 0 and rank(clearance) >= rank(level)
