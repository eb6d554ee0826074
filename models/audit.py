from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import db
from .mixins import utcnow


class AuditEvent(db.Model):
    """One line of the append-only audit log: who did what to which record, from where.

    Not a ``Model`` subclass: it gets no generated edit screen.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, info={"label": _l("Time")})
    user_id: Mapped[int | None] = mapped_column(info={"label": _l("User id")})
    username: Mapped[str | None] = mapped_column(String(60), info={"label": _l("User")})
    address: Mapped[str | None] = mapped_column(String(64),
                                                info={"label": _l("Client address")})
    action: Mapped[str] = mapped_column(String(40), info={"label": _l("Action")})
    model: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Record type")})
    record_id: Mapped[str | None] = mapped_column(String(64), info={"label": _l("Record id")})
    endpoint: Mapped[str | None] = mapped_column(String(120), info={"label": _l("Endpoint")})
    changes: Mapped[str | None] = mapped_column(Text, info={"label": _l("Changes")})

    __table_args__ = (
        sa.Index("ix_audit_event_model_record", "model", "record_id"),
        sa.Index("ix_audit_event_at", "at"),
    )
