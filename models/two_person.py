"""Requests that one person asks and another decides (账号变更, 权限变更).

An account change and a grant change hand out rights, so both follow one shape: an
administrator asks, the request is fixed from that moment (the approver approves what
they read), and it ends approved, rejected (with a reason) or withdrawn, stamped with
who decided and when. The shape is declared once here; each request type adds what it
asks for and its own approval checks (``check_transition``, ``after_transition``).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .mixins import Versioned, foreign_key, utcnow
from .workflow import Stateful, Transition

REQUEST_STATUSES = {
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}


def decision_steps(*, approve_not_by: tuple[str, ...] = ()) -> tuple[Transition, ...]:
    """Approve, reject (with a reason) and withdraw a pending request."""
    return (
        Transition("approve", _l("Approve"), ("pending",), "approved",
                   stamps=("decided_by_id", "decided_at"), not_by=approve_not_by),
        Transition("reject", _l("Reject"), ("pending",), "rejected",
                   requires=("decision_reason",), stamps=("decided_by_id", "decided_at")),
        Transition("withdraw", _l("Withdraw"), ("pending",), "withdrawn",
                   stamps=("decided_by_id", "decided_at")),
    )


def request_indexes(table: str) -> tuple[sa.Index, ...]:
    """The lists' orders: newest first, by status, and an administrator's own requests."""
    return (
        sa.Index(f"ix_{table}_requested_at", "requested_at"),
        sa.Index(f"ix_{table}_status_requested_at", "status", "requested_at"),
        sa.Index(f"ix_{table}_requester_requested_at", "requested_by_id", "requested_at"),
    )


class TwoPersonRequest(Stateful, Versioned):
    """Asked by one person, decided by another: the columns and steps both kinds share."""

    statuses = REQUEST_STATUSES
    initial_status = "pending"
    owner_columns = ("requested_by_id",)
    """Whose requests the ``own`` scope covers (the requester's)."""
    frozen_statuses = tuple(REQUEST_STATUSES)
    #: What is asked is fixed once asked: the approver approves what they read.
    locked_from = {"*": "pending"}

    requested_by_id: Mapped[int] = foreign_key("app_user.id", _l("Requested by"),
                                               nullable=False, index=False)
    """Indexed with ``requested_at`` (``request_indexes``): an administrator's own
    requests, newest first."""
    requested_at: Mapped[datetime] = mapped_column(default=utcnow,
                                                   info={"label": _l("Requested at")})
    reason: Mapped[str | None] = mapped_column(Text, info={"label": _l("Reason")})
    decided_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Decided by"))
    decided_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Decided at")})
    decision_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Decision reason")})

    @declared_attr
    def requested_by(cls):
        return relationship("AppUser", foreign_keys=[cls.requested_by_id],
                            info={"label": _l("Requested by")})

    @declared_attr
    def decided_by(cls):
        return relationship("AppUser", foreign_keys=[cls.decided_by_id],
                            info={"label": _l("Decided by")})
