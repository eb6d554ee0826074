from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .choices import CREDENTIAL_TYPES, LOAN_MODES, LOAN_STATUSES, OUTSIDE_ORGANS
from .mixins import BusinessRecord, code_column, foreign_key
from .workflow import Stateful, Transition

#: Statuses in which a loan holds its file; at most one such loan per file.
OPEN_LOAN_STATUSES = ("approved", "lent")


class Loan(Stateful, BusinessRecord, Model):
    """A loan of an archive file (借阅登记) to a user or to police, procuratorate or court."""

    __tablename__ = "loan"
    statuses = LOAN_STATUSES
    initial_status = "requested"
    transitions = (
        Transition("approve", _l("Approve"), ("requested",), "approved",
                   stamps=("approved_by_id", "approved_at")),
        Transition("reject", _l("Reject"), ("requested",), "rejected",
                   requires=("decision_reason",), stamps=("approved_by_id", "approved_at")),
        Transition("lend", _l("Hand out"), ("approved",), "lent", stamps=("lent_at",)),
        Transition("return_file", _l("Returned"), ("lent",), "returned",
                   stamps=("returned_at",)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    archive_file_id: Mapped[int] = foreign_key("archive_file.id", _l("Archive file"),
                                               nullable=False)
    archive_file = relationship("ArchiveFile", info={"label": _l("Archive file")})
    borrower_id: Mapped[int | None] = foreign_key("app_user.id", _l("Borrower"))
    borrower = relationship("AppUser", foreign_keys=[borrower_id],
                            info={"label": _l("Borrower")})
    outside_name: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Outside borrower name")})
    outside_organ: Mapped[str | None] = code_column(OUTSIDE_ORGANS, _l("Outside organ"),
                                                    nullable=True)
    credential_type: Mapped[str | None] = code_column(CREDENTIAL_TYPES,
                                                      _l("Credential type"), nullable=True)
    credential_number: Mapped[str | None] = mapped_column(
        String(40), info={"label": _l("Credential number")})
    inquiry_notice_no: Mapped[str | None] = mapped_column(
        String(40), info={"label": _l("Assistance-inquiry notice no.")})
    purpose: Mapped[str] = mapped_column(Text, info={"label": _l("Purpose")})
    mode: Mapped[str] = code_column(LOAN_MODES, _l("Mode"), default="read")
    due_date: Mapped[date] = mapped_column(info={"label": _l("Due date")})
    requested_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Requested by"))
    requested_by = relationship("AppUser", foreign_keys=[requested_by_id],
                                info={"label": _l("Requested by")})
    approved_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Decided by"))
    approved_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Decided at")})
    legal_approved_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                           _l("Legal approval by"))
    legal_approved_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Legal approval at")})
    decision_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Decision reason")})
    lent_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Lent at")})
    returned_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Returned at")})

    __table_args__ = (
        sa.CheckConstraint(
            "(borrower_id IS NOT NULL AND outside_name IS NULL) OR "
            "(borrower_id IS NULL AND outside_name IS NOT NULL AND outside_organ IS NOT NULL"
            " AND credential_type IS NOT NULL AND credential_number IS NOT NULL"
            " AND inquiry_notice_no IS NOT NULL)",
            name="one_kind_of_borrower"),
        # One open loan per file, enforced by the database even under concurrent approvals.
        sa.Index("uq_loan_one_open_per_file", "archive_file_id", unique=True,
                 sqlite_where=sa.text("status IN ('approved', 'lent')"),
                 postgresql_where=sa.text("status IN ('approved', 'lent')")),
        sa.Index("ix_loan_scope", "department_id", "level", "created_at"),
        sa.Index("ix_loan_borrower_status", "borrower_id", "status"),
    )

    class Admin:
        label = _l("Loan")
        label_plural = _l("Loans")
        list_columns = ("archive_file", "borrower", "outside_name", "mode", "due_date",
                        "status", "level")
        search = ("purpose", "outside_name", "inquiry_notice_no")
        filters = ("status", "mode", "level", "department", "due_date")
        form_columns = ("archive_file", "borrower", "outside_name", "outside_organ",
                        "credential_type", "credential_number", "inquiry_notice_no",
                        "purpose", "mode", "due_date", "decision_reason", "department")
        default_sort = ("created_at", True)
        lookup_fields = ("purpose",)

    def derive(self) -> None:
        """A loan is as confidential as the file it lends."""
        if self.archive_file is not None:
            self.level = self.archive_file.level

    @property
    def is_outside(self) -> bool:
        return self.borrower_id is None and self.borrower is None

    def __str__(self) -> str:
        return f"{self.archive_file} → {self.borrower or self.outside_name}"
