"""Personal API tokens: how another system (the ERP, the call centre, the OA) acts as a
person of the office through ``/api/v1``.

A token acts as its user — their roles, department and clearance, never more — and a
``read`` token only reads. The secret is shown once, when the token is made; only its
SHA-256 is stored (a token is 32 random bytes, so a fast hash is enough: nobody guesses
it, unlike a password). Tokens expire, are revoked rather than deleted (the audit trail
names them), and say when they were last used.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import db
from .clock import utcnow
from .mixins import code_column

TOKEN_SCOPES = {"read": _l("Read"), "read-write": _l("Read and write")}
#: What every token starts with: a secret scanner, and a person, recognise it.
TOKEN_PREFIX = "rk_"


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


class ApiToken(db.Model):
    """One named token of one user (not a registered record type: it has its own
    screen, ``admin_views/api_tokens.py``, and never appears in the API itself)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True,
                                         info={"label": _l("User")})
    user = relationship("AppUser", foreign_keys=[user_id])
    name: Mapped[str] = mapped_column(String(60), info={"label": _l("Name")})
    shown: Mapped[str] = mapped_column(String(16), info={"label": _l("Token starts with")})
    """The first characters of the secret, so a person can tell their tokens apart."""
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = code_column(TOKEN_SCOPES, _l("Scope"), default="read")
    created_at: Mapped[datetime] = mapped_column(default=utcnow,
                                                 info={"label": _l("Created at")})
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"),
                                                      info={"label": _l("Created by")})
    expires_at: Mapped[datetime] = mapped_column(info={"label": _l("Expires at")})
    revoked_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Revoked at")})
    last_used_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Last used")})

    def __str__(self) -> str:
        return f"{self.name} ({self.shown}…)"

    @property
    def writes(self) -> bool:
        return self.scope == "read-write"

    def usable(self, now: datetime | None = None) -> bool:
        return self.revoked_at is None and (now or utcnow()) < self.expires_at

    @classmethod
    def issue(cls, user, name: str, scope: str, expires_at: datetime,
              created_by=None) -> tuple[ApiToken, str]:
        """A new token and its secret (shown once; only the digest is kept)."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(user_id=user.id, name=name.strip()[:60], shown=secret[:10],
                    digest=token_digest(secret), scope=scope, expires_at=expires_at,
                    created_by_id=getattr(created_by or user, "id", None))
        return token, secret
