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


#: ``note_view``'s statement, written out: SQLAlchemy keeps no compiled form of an
#: INSERT … ON CONFLICT (it compiled the built one anew on every record page, about a
#: tenth of the page's time); a text statement is compiled once. The same SQL runs on
#: SQLite and PostgreSQL. The slot: the record's own if it is listed already, else the
#: next free one, else the oldest.
NOTE_VIEW = sa.text("""
INSERT INTO recent_view (user_id, slot, model, record_id, viewed_at)
VALUES (:user_id, coalesce(
    (SELECT slot FROM recent_view
     WHERE user_id = :user_id AND model = :model AND record_id = :record_id LIMIT 1),
    CASE WHEN (SELECT count(*) FROM recent_view WHERE user_id = :user_id) < :kept
         THEN (SELECT count(*) FROM recent_view WHERE user_id = :user_id)
         ELSE (SELECT slot FROM recent_view WHERE user_id = :user_id
               ORDER BY viewed_at, id LIMIT 1) END),
  :model, :record_id, :viewed_at)
ON CONFLICT (user_id, slot) DO UPDATE SET model = excluded.model,
  record_id = excluded.record_id, viewed_at = excluded.viewed_at""").bindparams(
    sa.bindparam("user_id", type_=sa.Integer()), sa.bindparam("record_id", type_=sa.Integer()),
    sa.bindparam("model", type_=String(40)), sa.bindparam("kept", type_=sa.Integer()),
    sa.bindparam("viewed_at", type_=RecentView.__table__.c.viewed_at.type))


def note_view(user_id: int, table: str, record_id: int) -> None:
    """Put the record at the top of the user's list in one statement (a record page
    has a statement budget): into the record's own slot if it is listed already, else
    the next free slot, else the oldest one. Opening the same complaint twenty times
    keeps one entry; the twenty-first record takes the place of the first."""
    db.session.execute(NOTE_VIEW, {"user_id": user_id, "model": table,
                                   "record_id": record_id, "kept": KEPT,
                                   "viewed_at": utcnow()})
