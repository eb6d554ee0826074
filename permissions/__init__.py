"""Who may see and do what: one policy table, ``can()`` and ``visible()``."""
# accounts: the net under account changes; scoping: the session-level row filter.
from . import accounts, scoping  # noqa: F401
from .core import (
                   can,
                   grants,
                   is_visible,
                   may_change_level,
                   may_set_access,
                   may_use_department,
                   usable_levels,
                   visible,
)
from .levels import ORDER as LEVEL_ORDER
from .levels import dominates, levels_up_to
from .policy import POLICY

__all__ = ["can", "grants", "is_visible", "may_change_level", "may_set_access",
           "may_use_department",
           "usable_levels", "visible", "LEVEL_ORDER", "dominates", "levels_up_to",
           "POLICY"]
