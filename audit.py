"""Writing audit events: who did what, when, from where, to which record.

Events go into the caller's transaction, so a change that rolls back leaves no
event. Refusals are the exception: the request is about to be aborted, so
``record_refusal`` commits its event at once (nothing else is pending then).
"""
from __future__ import annotations

import json

from flask import has_request_context, request
from flask_login import current_user

from models import AuditEvent, db


def _client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def _clean(text: str | None, limit: int) -> str | None:
    """Printable text only: a request can carry bytes a database column refuses."""
    if text is None:
        return None
    return "".join(ch for ch in str(text) if ch.isprintable())[:limit]


def record_event(action: str, *, user=None, model: str | None = None,
                 record_id=None, changes: dict | None = None) -> AuditEvent:
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        action=action,
        user_id=getattr(user, "id", None),
        username=getattr(user, "username", None),
        address=_client_address(),
        model=model,
        record_id=_clean(record_id, 64),
        endpoint=_clean(request.endpoint, 120) if has_request_context() else None,
        changes=json.dumps(changes, ensure_ascii=False, default=str) if changes else None,
    )
    db.session.add(event)
    return event


def record_refusal(status: int, *, model: str | None = None, record_id=None) -> None:
    """Log a refused attempt (403, or a 404 that hides a record) and commit it."""
    db.session.rollback()
    record_event("refused", model=model, record_id=record_id,
                 changes={"status": status, "path": _clean(request.full_path, 500)})
    db.session.commit()
