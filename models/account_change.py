"""Account changes waiting for a second person (账号变更审批).

An administrator may not hand out more than their own authority covers
(``permissions/accounts.py`` says exactly what): such a change — a role of the GM office,
the legal office, audit or administration, a clearance above the administrator's own,
opening or resetting the password of such an account — is kept here until a member of
the GM office approves it. The approver may be neither the requester nor the account's
holder, and their own clearance must cover the clearance the account then carries.
Until then the account has none of the new rights and its old password still holds;
the approval applies the change in the same transaction, ends the account's sessions if
its password changed, and leaves one audit event on the account naming who asked and
who approved.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship, validates

from .base import Model
from .choices import LEVELS, ROLES
from .mixins import code_column, foreign_key
from .two_person import REQUEST_STATUSES, TwoPersonRequest, decision_steps, request_indexes
from .workflow import ActorRefused

CHANGE_STATUSES = REQUEST_STATUSES

ONE_PENDING = _l("This account already has a change waiting for the GM office's "
                 "approval: wait for the decision or withdraw that request first.")

#: The account's fields a change may set (its own column names on both tables).
CHANGED_FIELDS = ("roles", "clearance", "department_id", "active", "password_hash")


class AccountChange(TwoPersonRequest, Model):
    """A requested change of one account's access or password, and its decision."""

    __tablename__ = "account_change"
    frozen_message = _l("A request is decided by its steps; file a new one to change it.")
    constraint_messages = {"uq_account_change_one_pending": ONE_PENDING}
    # The second person is checked in ``check_transition`` (also the account's holder).
    transitions = decision_steps()
    computed = {"resets_password": _l("Sets a new password"),
                "current_access": _l("Account now")}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = foreign_key("app_user.id", _l("Account"), nullable=False)
    user = relationship("AppUser", foreign_keys=[user_id], info={"label": _l("Account")})
    roles: Mapped[str | None] = mapped_column(
        String(120), info={"label": _l("New roles"), "choices": ROLES, "multiple": True})
    """The account's roles after the change (empty: unchanged)."""
    clearance: Mapped[str | None] = code_column(LEVELS, _l("New clearance"), nullable=True)
    department_id: Mapped[int | None] = foreign_key("department.id", _l("New department"))
    department = relationship("Department", info={"label": _l("New department")})
    active: Mapped[bool | None] = mapped_column(info={"label": _l("New active flag")})
    password_hash: Mapped[str | None] = mapped_column(String(255))
    """The new password, hashed when it was typed; the plain password is never kept."""

    __table_args__ = (
        # One open request per account: two would overwrite each other when approved.
        sa.Index("uq_account_change_one_pending", "user_id", unique=True,
                 sqlite_where=sa.text("status = 'pending'"),
                 postgresql_where=sa.text("status = 'pending'")),
        *request_indexes("account_change"),
    )

    class Admin:
        label = _l("Account change")
        label_plural = _l("Account changes")
        list_columns = ("requested_at", "user", "roles", "clearance", "department",
                        "active", "status")
        filters = ("status",)
        form_columns = ("user", "roles", "clearance", "department", "reason")
        default_sort = ("requested_at", True)
        lookup_fields = ("reason",)

    @validates("roles")
    def _normalise_roles(self, key, value):
        if isinstance(value, (list, tuple, set, frozenset)):
            value = " ".join(value)
        unknown = set((value or "").split()) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        return " ".join(code for code in ROLES if code in (value or "").split()) or None

    # -- what the request asks ------------------------------------------------------
    def wanted(self) -> dict:
        """The account fields this request sets, with their new values."""
        return {name: getattr(self, name) for name in CHANGED_FIELDS
                if getattr(self, name) is not None}

    @property
    def resets_password(self) -> bool:
        return self.password_hash is not None

    @property
    def current_access(self) -> str:
        account = self.user
        if account is None:
            return ""
        roles = "、".join(str(ROLES.get(r, r)) for r in account.role_set) or "—"
        return f"{roles} / {LEVELS.get(account.clearance, account.clearance)}"

    def clearance_after(self) -> str | None:
        return self.clearance or (self.user.clearance if self.user is not None else None)

    def __str__(self) -> str:
        return f"{_l('Account change')} {self.id or ''} ({self.user})"

    # -- workflow hooks ---------------------------------------------------------------
    def account_id(self) -> int | None:
        """The account's id, also before a flush has copied it from ``user``."""
        return self.user.id if self.user is not None else self.user_id

    def problems(self) -> list:
        found = []
        account_id = self.account_id()
        if account_id is not None and account_id == self.requested_by_id:
            found.append(_l("Account: nobody requests a change of their own account; "
                            "another administrator does."))
        if not self.wanted():
            found.append(_l("New roles: state at least one change (roles, clearance, "
                            "department)."))
        session = object_session(self)
        if self.status == "pending" and session is not None and account_id is not None:
            with session.no_autoflush:
                other = session.scalar(sa.select(AccountChange.id).where(
                    AccountChange.user_id == account_id,
                    AccountChange.status == "pending",
                    AccountChange.id != (self.id or 0)).limit(1))
            if other is not None:
                found.append(ONE_PENDING)
        return found

    def check_transition(self, name: str, user):
        if name != "approve":
            return None
        from permissions.levels import dominates  # models load before permissions

        if user.id == self.requested_by_id:
            return ActorRefused(_l("A change is approved by someone other than the person "
                                   "who asked for it."))
        if user.id == self.account_id():
            return ActorRefused(_l("Nobody approves a change of their own account."))
        level = self.clearance_after()
        if not dominates(user.clearance, level):
            return ActorRefused(_l("The account would hold clearance “%(level)s”, above "
                                   "yours: a GM-office member with that clearance approves "
                                   "it.", level=LEVELS.get(level, level)))
        return None

    def after_transition(self, name: str, user) -> None:
        if name == "approve":
            self.apply(user)

    def apply(self, approver) -> None:
        """Give the account what was asked, audited as one event on the account."""
        from audit import record_event  # audit and permissions import models
        from permissions.accounts import APPROVED_KEY

        account = self.user
        session = object_session(self)
        session.info.setdefault(APPROVED_KEY, set()).add(account.id)
        record_event("account_change_approved", model="app_user", record_id=account.id,
                     changes={"account_change": self.id,
                              "requested_by": self.requested_by.username,
                              "approved_by": approver.username})
        for name, value in self.wanted().items():
            if name == "password_hash":
                account.set_password_hash(value)  # ends the account's sessions
            else:
                setattr(account, name, value)
        if "department_id" in self.wanted():
            account.department = self.department
