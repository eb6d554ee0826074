"""Home-page entries of the daily service work: follow-up calls waiting to be made.

Late calls, requests and repairs are counted by the generic "Late:" entries (their
models' ``late_clause``); this adds the calls that are due at all, late or not, for
whoever records their results.
"""
from __future__ import annotations

from flask_admin.contrib.sqla.filters import EnumEqualFilter
from flask_babel import lazy_gettext as _l

from models import FollowUpCall
from permissions import can
from permissions.scoping import actor

from .home import Figure, list_url


def follow_up_todos(admin, day) -> list[Figure]:
    """Follow-up calls due (回访): the list filtered to the calls not made yet."""
    if not can(actor(), "record_result", FollowUpCall):
        return []
    return [Figure("follow-up-calls-due", _l("Follow-up calls due"), list_url(
        admin, FollowUpCall, ("status", EnumEqualFilter, "due")), FollowUpCall,
        (FollowUpCall.status == "due",))]
