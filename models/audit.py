"""The audit log's tables: the events, and the head of their hash chain.

Each event carries an HMAC-SHA256 digest of its own content and of the previous
event's digest, made with a key kept outside the database (``audit_anchor``), so
changing, removing or reordering a stored event breaks the chain at that point
(``flask --app app audit verify``), and someone who can write the database but
does not hold the key cannot make a new chain that verifies. Events get consecutive
ids, assigned while the chain head row is locked: two transactions appending at
once queue on that row instead of forking the chain.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import db
from .mixins import utcnow

#: ``prev_digest`` of the first event.
GENESIS = "0" * 64

#: The columns a digest covers, in this order. Changing the list or the encoding
#: below invalidates every stored chain: it needs a migration that re-chains.
DIGEST_FIELDS = ("id", "at", "user_id", "username", "address", "action", "model",
                 "record_id", "endpoint", "changes", "level")
#: Columns added later, covered only when they hold a value: events written before
#: such a column existed keep their digest, and one written with a value cannot have
#: it removed or changed without breaking the chain.
OPTIONAL_DIGEST_FIELDS = ("request_id",)


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def event_digest(values: dict, prev_digest: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 with the audit key over the previous digest and the event's fields
    as canonical JSON. Without a key, plain SHA-256: how events were chained before the
    log had a key (``audit_cli`` accepts those only before the first keyed event)."""
    parts = [prev_digest, *(_plain(values.get(f)) for f in DIGEST_FIELDS)]
    parts += [[name, values[name]] for name in OPTIONAL_DIGEST_FIELDS
              if values.get(name) is not None]
    content = json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if key is None:
        return hashlib.sha256(content).hexdigest()
    return hmac.new(key, content, hashlib.sha256).hexdigest()


class AuditEvent(db.Model):
    """One line of the append-only audit log: who did what to which record, from where.

    Not a ``Model`` subclass: it gets no generated edit screen (the read-only audit
    log screen is ``admin_views/audit_log.py``).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True, info={"label": _l("No.")})
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
    level: Mapped[str | None] = mapped_column(
        String(12), info={"label": _l("Confidentiality")})
    """Highest level the record had in this event: who may read the values."""
    request_id: Mapped[str | None] = mapped_column(String(64),
                                                   info={"label": _l("Request id")})
    """The id of the request that wrote it (``request_log``), as in the server's log
    lines of that request; None outside a request (CLI, scheduler)."""
    prev_digest: Mapped[str] = mapped_column(String(64),
                                             info={"label": _l("Previous digest")})
    digest: Mapped[str] = mapped_column(String(64), info={"label": _l("Digest")})

    __table_args__ = (
        sa.Index("ix_audit_event_model_record", "model", "record_id"),
        sa.Index("ix_audit_event_at", "at"),
        # Failed-login counting per account and per address (auth.py).
        sa.Index("ix_audit_event_action_username", "action", "username", "at"),
        sa.Index("ix_audit_event_action_address", "action", "address", "at"),
        sa.Index("ix_audit_event_request_id", "request_id"),
    )

    def digest_values(self) -> dict:
        return {field: getattr(self, field)
                for field in (*DIGEST_FIELDS, *OPTIONAL_DIGEST_FIELDS)}

    def expected_digest(self, key: bytes | None = None) -> str:
        return event_digest(self.digest_values(), self.prev_digest, key)


class AuditChainHead(db.Model):
    """One row: the last event's id and digest. Appending locks it (see audit.py)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
    last_digest: Mapped[str] = mapped_column(String(64), default=GENESIS)
