"""Who calls the API: a personal token (``Authorization: Bearer rk_…``), nothing else.

A session cookie does not authenticate here (a page on another site could otherwise
make the browser of a logged-in clerk call the API), so CSRF does not apply either.
The token's user becomes the request's user (``flask_login.current_user``) before any
other hook reads it, so the row filter, the audit trail and the refusals all name them;
the session is neither read nor written.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import g, request
from flask_login import AnonymousUserMixin

from models import ApiToken, AppUser, db
from models.api_token import token_digest
from models.clock import utcnow

#: Paths served to token holders only (the document and its page are public).
PREFIX = "/api/v1"
PUBLIC = (f"{PREFIX}/openapi.json", f"{PREFIX}/docs")
#: ``last_used_at`` is written at most this often per token (one write per request
#: would make every read a write).
LAST_USED_EVERY = timedelta(minutes=1)


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    kind, _, value = header.partition(" ")
    if kind.lower() != "bearer" or not value.strip():
        return None
    return value.strip()[:200]


def token_of_request() -> ApiToken | None:
    """The usable token the request carries, with its active user; else None."""
    secret = bearer()
    if secret is None:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(
        ApiToken.digest == token_digest(secret)).execution_options(skip_visibility=True))
    if token is None or not token.usable():
        return None
    user = db.session.scalar(sa.select(AppUser).where(AppUser.id == token.user_id)
                             .execution_options(skip_visibility=True))
    if user is None or not user.is_active:
        return None
    return token


def authenticate() -> None:
    """Before every API request, first of all hooks: bind the token's user (or nobody)."""
    if not is_api_request():
        return
    token = None if request.path.startswith(PUBLIC) else token_of_request()
    g.api_token = token
    if token is None:
        g._login_user = AnonymousUserMixin()
        return
    g._login_user = db.session.get(AppUser, token.user_id)
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        # Bookkeeping, not a change of the token: no audit event (a plain UPDATE on the
        # connection, which the ORM's audit hook does not see), committed at once.
        db.session.connection().execute(
            sa.update(ApiToken.__table__).where(ApiToken.__table__.c.id == token.id)
            .values(last_used_at=now))
        db.session.commit()


def current_token() -> ApiToken | None:
    return g.get("api_token")
