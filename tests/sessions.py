"""Logging a test client in without a login request: the session a real login makes.

A session names the account and the account's ``session_version`` at login
(``auth.load_user`` refuses any other), so the version is read from the database.
"""
from __future__ import annotations

import sqlalchemy as sa

from auth import SESSION_VERSION_KEY
from models import AppUser, db


def session_version_of(app, user_id: int) -> int:
    with app.app_context():
        version = db.session.scalar(sa.select(AppUser.session_version).where(
            AppUser.id == user_id))
        db.session.remove()
    return version


def sign_in(app, client, user_id: int, **extra) -> None:
    """Put ``user_id`` into ``client``'s session as a login would (plus ``extra`` keys)."""
    version = session_version_of(app, user_id)
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session[SESSION_VERSION_KEY] = version
        session.update(extra)
