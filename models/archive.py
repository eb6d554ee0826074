"""Customer archive files (客户档案): transferred to the archive room, lent, re-classified
on request, superseded but never deleted."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, db
from .choices import ARCHIVE_CATEGORIES, ARCHIVE_STATUSES, LEVELS, RETENTIONS
from .levels import rank
from .mixins import BusinessRecord, code_column, foreign_key, utcnow
from .workflow import Stateful, Transition

#: Cross-references (参照) between files of one customer with several properties or cases.
archive_reference = db.Table(
    "archive_reference",
    sa.Column("from_id", sa.ForeignKey("archive_file.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("to_id", sa.ForeignKey("archive_file.id", ondelete="CASCADE"),
              primary_key=True, index=True),
)


class ArchiveFile(Stateful, BusinessRecord, Model):
    """A customer archive file (客户档案). Kept permanently: never deleted, only superseded."""

    __tablename__ = "archive_file"
    number_format = "DA{yyyy}{serial:05d}"
    #: Scans / recordings can be attached (served only through the record's checks).
    attachments_allowed = True
    statuses = ARCHIVE_STATUSES
    initial_status = "with_department"
    locked_from = {
        # What the department handed over is what the archive room keeps; the level
        # changes through the level-change steps (or by the GM office's own edit).
        "*": "transferred",
        "level": None,
        # Where it lies and how it relates to other files is kept up to date in the room.
        "room": "superseded", "cabinet": "superseded", "shelf": "superseded",
        "references": "superseded", "description": "superseded",
    }
    transitions = (
        Transition("transfer", _l("Transfer to archive room"), ("with_department",),
                   "transferred", stamps=("transferred_on",)),
        Transition("receive", _l("Receive into archive room"), ("transferred",),
                   "in_archive", requires=("room", "cabinet", "shelf")),
        Transition("supersede", _l("Mark superseded"),
                   ("with_department", "transferred", "in_archive"), "superseded",
                   requires=("superseded_reason",)),
    )
    #: A level change: a supervisor asks, the GM office decides, each with a reason.
    actions = (
        Transition("request_level_change", _l("Ask for a level change"),
                   ("with_department", "transferred", "in_archive", "on_loan"), None,
                   requires=("requested_level", "level_change_reason"),
                   stamps=("level_requested_by_id", "level_requested_at"),
                   guard="no_level_request_pending"),
        Transition("change_level", _l("Change the level as asked"),
                   ("with_department", "transferred", "in_archive", "on_loan"), None,
                   requires=("requested_level", "level_decision_reason"),
                   stamps=("level_decided_by_id", "level_decided_at"),
                   guard="level_request_pending"),
        Transition("refuse_level_change", _l("Refuse the level change"),
                   ("with_department", "transferred", "in_archive", "on_loan"), None,
                   requires=("level_decision_reason",),
                   stamps=("level_decided_by_id", "level_decided_at"),
                   guard="level_request_pending"),
    )

    floor_level: str = "internal"
    """客户资料密级统一定为公司C级 (001 篇7 5.1.5): a customer file is at this level by
    default and never below it. Any other level is the GM office's decision (whoever
    holds ``change_level``): on a new file anyone else gets the floor, and the level they
    chose is asked for as a level change, which the GM office decides."""
    customer_retention: str = "permanent"
    """客户资料属于公司永久保存的档案 (001 篇7 5.12.1): a customer's file is kept
    permanently. Other periods are for project files that belong to no customer
    (5.8.1); the model has no such file yet (``customer`` is required), so in practice
    every file is permanent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(30), unique=True, info={"label": _l("Archive number"), "readonly": True})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    category: Mapped[str] = code_column(ARCHIVE_CATEGORIES, _l("Category"), default="sales")
    title: Mapped[str] = mapped_column(String(200), info={"label": _l("Title")})
    retention: Mapped[str] = code_column(RETENTIONS, _l("Retention period"),
                                         default="permanent")
    room: Mapped[str | None] = mapped_column(String(30), info={"label": _l("Room")})
    cabinet: Mapped[str | None] = mapped_column(String(30), info={"label": _l("Cabinet")})
    shelf: Mapped[str | None] = mapped_column(String(30), info={"label": _l("Shelf")})
    transfer_due_on: Mapped[date | None] = mapped_column(
        info={"label": _l("Transfer due on")})
    transferred_on: Mapped[date | None] = mapped_column(
        info={"label": _l("Transferred on")})
    superseded_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Reason superseded")})
    description: Mapped[str | None] = mapped_column(Text, info={"label": _l("Description")})
    requested_level: Mapped[str | None] = code_column(LEVELS, _l("Level asked for"),
                                                      nullable=True)
    level_change_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Why the level should change")})
    level_requested_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                            _l("Level change asked by"))
    level_requested_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Level change asked at")})
    level_decision_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Level decision reason")})
    level_decided_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                          _l("Level decided by"))
    level_decided_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Level decided at")})
    references = relationship(
        "ArchiveFile", secondary=archive_reference,
        primaryjoin=lambda: ArchiveFile.id == archive_reference.c.from_id,
        secondaryjoin=lambda: ArchiveFile.id == archive_reference.c.to_id,
        info={"label": _l("Cross-references")})

    __table_args__ = (
        sa.Index("ix_archive_file_status_due", "status", "transfer_due_on"),
        sa.Index("ix_archive_file_dept_status_due", "department_id", "status",
                 "transfer_due_on"),
    )

    class Admin:
        label = _l("Archive file")
        label_plural = _l("Archive files")
        list_columns = ("number", "title", "customer", "category", "status", "room",
                        "cabinet", "shelf", "level")
        search = ("number", "title")
        filters = ("category", "status", "retention", "level", "department",
                   "transfer_due_on")
        form_columns = ("customer", "category", "title", "retention", "room", "cabinet",
                        "shelf", "transfer_due_on", "references", "description",
                        "department", "level")
        default_sort = ("number", True)
        lookup_fields = ("number", "title")

    def __str__(self) -> str:
        return f"{self.number or ''} {self.title}".strip()

    # -- transfer deadline ---------------------------------------------------------
    @classmethod
    def late_clause(cls, today: date):
        return sa.and_(cls.status == "with_department", cls.transfer_due_on < today)

    def late_reason(self, today: date):
        if self.status == "with_department" and self.transfer_due_on \
                and self.transfer_due_on < today:
            return _l("Transfer overdue (due %(day)s)", day=self.transfer_due_on)
        return None

    # -- level change on request -----------------------------------------------------
    @property
    def level_request_pending(self) -> bool:
        return self.level_requested_at is not None and (
            self.level_decided_at is None or self.level_decided_at < self.level_requested_at)

    @property
    def no_level_request_pending(self) -> bool:
        return not self.level_request_pending

    def check_transition(self, name: str, user):
        if name in ("change_level", "refuse_level_change") and not self.level_request_pending:
            return _l("No level change has been asked for on this file.")
        if name == "request_level_change":
            if self.level_request_pending:
                return _l("A level change is already awaiting the GM office's decision.")
            if self.requested_level == self.level:
                return _l("%(field)s: choose a level other than the file's current one.",
                          field=_l("Level asked for"))
            if _rank(self.requested_level) < _rank(self.floor_level):
                return _l("%(field)s: a customer file is at least %(floor)s.",
                          field=_l("Level asked for"), floor=LEVELS[self.floor_level])
        if name == "change_level" and _rank(self.requested_level) > _rank(
                getattr(user, "clearance", None)):
            return _l("%(field)s: this level is above your clearance.",
                      field=_l("Level asked for"))
        return None

    def after_transition(self, name: str, user) -> None:
        if name == "change_level":
            self.level = self.requested_level  # its loans follow (Loan.level_follows)

    # -- the regulation's level floor and retention ------------------------------------
    def on_create(self, user, may):
        """A file asked at a level above the floor by someone who does not decide levels
        starts at the floor, with that level asked of the GM office."""
        if _rank(self.level) <= _rank(self.floor_level) or may("change_level"):
            return None
        asked = self.level
        self.level = self.floor_level
        self.requested_level = asked
        self.level_change_reason = self.level_change_reason or str(_l(
            "Asked for when the file was created."))
        self.level_requested_by_id = getattr(user, "id", None)
        self.level_requested_at = utcnow()
        return _l("The file is kept at %(floor)s: customer files are company C. The level "
                  "you chose, %(asked)s, is asked of the GM office, which decides it.",
                  floor=LEVELS[self.floor_level], asked=LEVELS[asked])

    def _changed(self, field: str) -> bool:
        state = sa.inspect(self)
        return state.transient or state.pending or state.attrs[field].history.has_changes()

    def problems(self) -> list:
        """Checked when the value is set, so a file recorded before the rule is refused
        nothing else until its level or retention is corrected."""
        found = []
        if self.level is not None and _rank(self.level) < _rank(self.floor_level) \
                and self._changed("level"):
            found.append(_l("%(field)s: a customer file is at least %(floor)s.",
                            field=_l("Confidentiality"), floor=LEVELS[self.floor_level]))
        has_customer = self.customer is not None or self.customer_id is not None
        if has_customer and self.retention not in (None, self.customer_retention) \
                and (self._changed("retention") or self._changed("customer_id")):
            found.append(_l("%(field)s: a customer's file is kept permanently; other "
                            "periods are only for project files that belong to no customer.",
                            field=_l("Retention period")))
        return found


_rank = rank  # the one level order (models/levels.py)
