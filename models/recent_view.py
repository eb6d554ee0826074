"""What each user opened last (issue 16 item 1, 最近查看): one row per (user, record).

Not a business record: it has no screen, no grants and no audit events (opening a
page is not a change). The generated screens' details and edit pages write it
(``admin_views/record_page.py``); the home page reads it back through
``permissions.visible``, so a record that was raised above the user's clearance or
left their scope since simply drops out of the list (``admin_views/recent.py``).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from .base import db
from .clock import utcnow

#: Rows kept per user: more than the home page shows (10), so that records the user
#: may no longer see, or that were deleted, do not leave the list short.
KEPT = 20


class RecentView(db.Model):
    """The last time ``user_id`` opened record ``record_id`` of table ``model``."""

    __tablename__ = "recent_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(40))
    """The record's table (a key of ``models.REGISTRY``)."""
    record_id: Mapped[int]
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "model", "record_id"),
        sa.Index("ix_recent_view_user_id_viewed_at", "user_id", "viewed_at"),
    )


def note_view(user_id: int, table: str, record_id: int) -> None:
    """Put the record at the top of the user's list and drop what falls past ``KEPT``:
    two statements, in the caller's transaction (one row per record, so opening the
    same complaint twenty times does not push everything else out)."""
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RecentView)
    now = utcnow()
    db.session.execute(insert.values(user_id=user_id, model=table, record_id=record_id,
                                     viewed_at=now).on_conflict_do_update(
        index_elements=["user_id", "model", "record_id"], set_={"viewed_at": now}))
    kept = sa.select(RecentView.id).where(RecentView.user_id == user_id) \
        .order_by(RecentView.viewed_at.desc(), RecentView.id.desc()).limit(KEPT)
    db.session.execute(sa.delete(RecentView).where(
        RecentView.user_id == user_id, RecentView.id.not_in(kept)),
        execution_options={"synchronize_session": False})
