"""Tokens and requests for the API tests: a token per world user, problem bodies."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from models import ApiToken, AppUser, db
from models.clock import utcnow


def make_token(app, user_id: int, scope: str = "read-write", days: int = 30,
               name: str = "test") -> str:
    """A token of ``user_id`` (the secret, as shown once)."""
    with app.app_context():
        user = db.session.get(AppUser, user_id)
        token, secret = ApiToken.issue(user, name, scope, utcnow() + timedelta(days=days))
        db.session.add(token)
        db.session.commit()
        db.session.remove()
    return secret


def bearer(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}


def fields_of(response) -> set:
    """The fields a problem+json names."""
    return {item["field"] for item in response.get_json().get("errors", [])}


def token_row(app, secret: str) -> ApiToken:
    from models.api_token import token_digest
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken).where(
            ApiToken.digest == token_digest(secret)))
        db.session.expunge(row)
        db.session.remove()
    return row
