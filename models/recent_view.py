"""What each user opened last (issue 16 item 1, 最近查看): ``KEPT`` rows per user at most.

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
    """The last time ``user_id`` opened record ``record_id`` of table ``model``, in one
    of the user's ``KEPT`` slots."""

    __tablename__ = "recent_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    slot: Mapped[int]
    """0 … KEPT-1: a user's rows are reused, so the list never grows past ``KEPT``."""
    model: Mapped[str] = mapped_column(String(40))
    """The record's table (a key of ``models.REGISTRY``)."""
    record_id: Mapped[int]
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "slot"),
        sa.Index("ix_recent_view_user_id_viewed_at", "user_id", "viewed_at"),
    )


def note_view(user_id: int, table: str, record_id: int) -> None:
    """Put the record at the top of the user's list in one statement (a record page
    has a statement budget): into the record's own slot if it is listed already, else
    the next free slot, else the oldest one. Opening the same complaint twenty times
    keeps one entry; the twenty-first record takes the place of the first."""
    mine = RecentView.user_id == user_id
    own = sa.select(RecentView.slot).where(
        mine, RecentView.model == table, RecentView.record_id == record_id) \
        .limit(1).scalar_subquery()
    used = sa.select(sa.func.count()).select_from(RecentView).where(mine).scalar_subquery()
    oldest = sa.select(RecentView.slot).where(mine) \
        .order_by(RecentView.viewed_at, RecentView.id).limit(1).scalar_subquery()
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RecentView)
    insert = insert.values(user_id=user_id, model=table, record_id=record_id,
                           viewed_at=utcnow(), slot=sa.func.coalesce(
                               own, sa.case((used < KEPT, used), else_=oldest)))
    db.session.execute(insert.on_conflict_do_update(
        index_elements=["user_id", "slot"],
        set_={"model": insert.excluded.model, "record_id": insert.excluded.record_id,
              "viewed_at": insert.excluded.viewed_at}))
