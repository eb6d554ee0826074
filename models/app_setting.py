"""Stored settings (规则设定) and approved grants, and the counter that tells workers.

``AppSetting`` holds the office's value of one declared setting
(``models/office_settings.py``): a JSON value, NULL for "the code's default". Its
version guards against two administrators saving over each other; the audit hook
records every change old → new with who made it. ``RoleGrant`` holds a role's grant on
one record type as the GM office approved it (``models/grant_change.py``); only an
approval writes it. Any flush that changes either moves the generation counter in the
same transaction, and the other workers reload at their next request.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Model, db
from .choices import ROLES
from .hooks import hook
from .mixins import Versioned, foreign_key
from .office_settings import GENERATION_SCOPE, SETTINGS, forget


class AppSetting(Versioned, Model):
    """The office's value of one declared setting (a row per declared key)."""

    __tablename__ = "app_setting"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True,
                                     info={"label": _l("Key"), "readonly": True})
    value: Mapped[object | None] = mapped_column(sa.JSON, info={"label": _l("Stored value")})
    """NULL: the default holds."""
    changed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Changed by"))
    changed_by = relationship("AppUser", info={"label": _l("Changed by")})
    changed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Changed at")})

    class Admin:
        label = _l("Setting")
        label_plural = _l("Settings")
        list_columns = ("key", "value", "changed_by", "changed_at")
        form_columns = ("value",)
        filters = ("changed_at",)
        default_sort = ("key", False)  # grouped by record type: complaint.…, loan.…
        lookup_fields = ("key",)

    @property
    def declared(self):
        return SETTINGS.get(self.key)

    @property
    def setting_label(self) -> str:
        return str(self.declared.label) if self.declared else self.key

    def __str__(self) -> str:
        return self.setting_label


class RoleGrant(db.Model):
    """A role's grant on one record type as approved, replacing ``permissions/policy.py``'s
    line for that pair; no actions: the role has no grant on it."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(sa.Enum(*ROLES, native_enum=False,
                                              create_constraint=True, length=12))
    record: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(12))
    actions: Mapped[str] = mapped_column(sa.Text, default="")
    """Space-separated action names."""
    changed_by_grant_change_id: Mapped[int | None] = foreign_key("grant_change.id",
                                                                 _l("Grant change"))

    __table_args__ = (sa.UniqueConstraint("role", "record"),)


def lock_generation(session) -> None:
    """Move the generation counter now (once per transaction): its row stays locked
    until the transaction ends, so changes of settings and grants happen one at a time."""
    if not session.info.get("settings_generation_moved"):
        from .numbering import next_serial
        next_serial(session, GENERATION_SCOPE)
        session.info["settings_generation_moved"] = True


@hook(Session, "before_flush")
def _move_generation(session, flush_context, instances) -> None:
    """A change of settings or grants tells every worker, in its own transaction."""
    if any(isinstance(obj, (AppSetting, RoleGrant))
           for obj in (*session.new, *session.dirty, *session.deleted)):
        lock_generation(session)


@hook(Session, "after_commit")
def _reload_after_commit(session) -> None:
    if session.info.pop("settings_generation_moved", False):
        forget()


@hook(Session, "after_soft_rollback")
def _nothing_moved(session, previous_transaction) -> None:
    session.info.pop("settings_generation_moved", None)
