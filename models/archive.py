from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, db
from .choices import ARCHIVE_CATEGORIES, ARCHIVE_STATUSES, RETENTIONS
from .mixins import BusinessRecord, code_column, foreign_key
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
    transitions = (
        Transition("transfer", _l("Transfer to archive room"), ("with_department",),
                   "transferred", stamps=("transferred_on",)),
        Transition("receive", _l("Receive into archive room"), ("transferred",),
                   "in_archive", requires=("room", "cabinet", "shelf")),
        Transition("supersede", _l("Mark superseded"),
                   ("with_department", "transferred", "in_archive"), "superseded",
                   requires=("superseded_reason",)),
    )

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
    references = relationship(
        "ArchiveFile", secondary=archive_reference,
        primaryjoin=lambda: ArchiveFile.id == archive_reference.c.from_id,
        secondaryjoin=lambda: ArchiveFile.id == archive_reference.c.to_id,
        info={"label": _l("Cross-references")})

    __table_args__ = (
        sa.Index("ix_archive_file_scope", "department_id", "level", "number"),
        sa.Index("ix_archive_file_status_due", "status", "transfer_due_on"),
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
