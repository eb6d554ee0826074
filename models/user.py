from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from .base import Model
from .choices import LEVELS, ROLES
from .mixins import code_column, foreign_key, utcnow

#: scrypt is Werkzeug's slow, memory-hard default; spelled out so a change is a decision.
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 10
#: Roles an administrator gives alone: they reach one department's records. Every other
#: role (gm_office, legal, auditor, admin, and any role added later) reaches across the
#: office: giving one, or resetting the password of an account holding one, waits for
#: the GM office's approval (permissions/accounts.py, models/account_change.py).
ORDINARY_ROLES = ("clerk", "supervisor")


def password_method() -> str:
    """The configured hash (tests may choose a faster one); scrypt otherwise."""
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", PASSWORD_METHOD)
    return PASSWORD_METHOD


class AppUser(UserMixin, Model):
    """A person who logs in. ``user`` is reserved in PostgreSQL, hence ``app_user``."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True,
                                          info={"label": _l("Username")})
    full_name: Mapped[str] = mapped_column(String(100), info={"label": _l("Full name")})
    password_hash: Mapped[str] = mapped_column(String(255), info={"label": _l("Password")})
    roles: Mapped[str] = mapped_column(
        String(120), default="clerk",
        info={"label": _l("Roles"), "choices": ROLES, "multiple": True},
    )
    department_id: Mapped[int] = foreign_key("department.id", _l("Department"),
                                             nullable=False)
    department = relationship("Department", info={"label": _l("Department")})
    clearance: Mapped[str] = code_column(LEVELS, _l("Clearance"), default="internal")
    active: Mapped[bool] = mapped_column(default=True, info={"label": _l("Active")})
    created_at: Mapped[datetime] = mapped_column(default=utcnow,
                                                 info={"label": _l("Created at")})
    last_login_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Last login")})
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    """Copied into the session at login and compared on every request (auth.load_user):
    raising it ends every session of the account, on every worker and machine. Raised
    by logout, a new password and deactivation."""

    #: Form fields that grant access: nobody sets them on their own account
    #: (permissions.may_set_access).
    access_fields = ("roles", "department", "clearance", "active")

    class Admin:
        label = _l("User")
        label_plural = _l("Users")
        list_columns = ("username", "full_name", "roles", "department", "clearance",
                        "active", "last_login_at")
        search = ("username", "full_name")
        filters = ("department", "clearance", "active")
        form_columns = ("username", "full_name", "roles", "department", "clearance",
                        "active")
        default_sort = ("username", False)
        lookup_fields = ("username", "full_name")

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset((self.roles or "").split())

    def has_role(self, *roles: str) -> bool:
        return not self.role_set.isdisjoint(roles)

    @validates("roles")
    def _check_roles(self, key, value):
        if isinstance(value, (list, tuple, set, frozenset)):
            value = " ".join(value)
        unknown = set((value or "").split()) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        return " ".join(code for code in ROLES if code in (value or "").split())

    def set_password(self, password: str) -> None:
        """Every new password passes passwords.password_problems (WeakPassword if not),
        and a new password ends the account's sessions (a stolen one stops working)."""
        from passwords import WeakPassword, password_problems

        if problems := password_problems(password, self):
            raise WeakPassword(problems)
        self.set_password_hash(generate_password_hash(password, method=password_method()))

    def set_password_hash(self, password_hash: str) -> None:
        """Take a password hashed earlier (an approved reset); ends the sessions too.
        A re-hash of the same password at login assigns ``password_hash`` directly."""
        self.password_hash = password_hash
        self.end_sessions()

    def end_sessions(self) -> None:
        """Every session of this account stops working at its next request."""
        self.session_version = (self.session_version or 0) + 1

    @validates("active")
    def _end_sessions_on_deactivation(self, key, value):
        if self.active and not value:
            self.end_sessions()
        return value

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: an inactive account cannot log in
        return bool(self.active)

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"
