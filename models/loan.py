"""Loans of archive files (借阅登记): requested, approved (GM office; legal office too for
outside borrowers and secret or litigation files), lent, returned.

At most one loan per file is approved or lent at any time; the database enforces it
with a partial unique index, so two approvals at the same moment cannot both win.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .archive import ArchiveFile
from .base import Model
from .choices import (
    ARCHIVE_STATUSES,
    CREDENTIAL_TYPES,
    LEVELS,
    LOAN_MODES,
    LOAN_STATUSES,
    OUTSIDE_ORGANS,
)
from .mixins import BusinessRecord, code_column, code_literals, foreign_key
from .numbering import local_date_of
from .workflow import Stateful, Transition

#: Statuses in which a loan holds its file; at most one such loan per file.
OPEN_LOAN_STATUSES = ("approved", "lent")

ONE_OPEN_LOAN = _l("This archive file is already promised or lent to another borrower: "
                   "it can be approved again once that loan is returned.")
#: Fields an outside borrower (police, procuratorate, court) must give.
OUTSIDE_FIELDS = {"outside_name": _l("Outside borrower name"),
                  "outside_organ": _l("Outside organ"),
                  "credential_type": _l("Credential type"),
                  "credential_number": _l("Credential number"),
                  "inquiry_notice_no": _l("Assistance-inquiry notice no.")}


class Loan(Stateful, BusinessRecord, Model):
    """A loan of an archive file (借阅登记) to a user or to police, procuratorate or court."""

    __tablename__ = "loan"
    level_follows = "archive_file"  # a loan is as confidential as the file it lends
    statuses = LOAN_STATUSES
    initial_status = "requested"
    #: File levels whose loans need the legal office's approval as well.
    legal_levels = ("secret",)
    #: File categories whose loans need the legal office's approval as well.
    legal_categories = ("litigation",)
    #: What the user reads when the database refuses a second open loan of a file.
    constraint_messages = {"uq_loan_one_open_per_file": ONE_OPEN_LOAN}
    #: A request is what the approvers decide on: fixed once made (the steps fill in the
    #: decisions); its level follows the file's; whether the legal office must approve
    #: is kept by the system from the request on (it can only become true).
    locked_from = {"*": "requested", "level": None, "needs_legal": None}
    #: Who may not approve: the requester and the borrower sign the request, never its
    #: approval (separation of duties, ``Transition.not_by``).
    not_approved_by = ("requested_by_id", "borrower_id")
    transitions = (
        Transition("legal_approve", _l("Approve (legal office)"), ("requested",),
                   "legal_approved", stamps=("legal_approved_by_id", "legal_approved_at"),
                   guard="awaits_legal_approval", not_by=not_approved_by),
        # Two offices, two people: whoever approved for the legal office (holding both
        # roles) does not give the GM office's approval too.
        Transition("approve", _l("Approve"), ("requested", "legal_approved"), "approved",
                   stamps=("approved_by_id", "approved_at"),
                   not_by=(*not_approved_by, "legal_approved_by_id"),
                   guard="legal_cleared"),
        Transition("reject", _l("Reject"), ("requested", "legal_approved"), "rejected",
                   requires=("decision_reason",), stamps=("approved_by_id", "approved_at")),
        Transition("lend", _l("Hand out"), ("approved",), "lent", stamps=("lent_at",)),
        Transition("return_file", _l("Returned"), ("lent",), "returned",
                   stamps=("returned_at",)),
    )
    creator_stamp = "requested_by_id"

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
    due_date: Mapped[date] = mapped_column(info={"label": _l("Return by")})
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
    needs_legal: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(),
        info={"label": _l("Needs the legal office's approval"), "readonly": True})
    """Fixed while the loan waits (``derive``): switching the file's category or level
    away and back cannot skip the legal office."""
    approved_level: Mapped[str | None] = code_column(LEVELS, _l("Level approved at"),
                                                     nullable=True)
    """The file's level when the GM office approved the loan: the loan opens the file
    only while its level is at most this (or within the borrower's clearance)."""
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
        sa.Index("ix_loan_borrower_status", "borrower_id", "status"),
        sa.Index("ix_loan_dept_status_due", "department_id", "status", "due_date"),
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
        """A loan is as confidential as the file it lends. What its approval needs is
        fixed while it waits: once the legal office's approval is needed (at the
        request, or any save before the decision), it stays needed."""
        if self.archive_file is None and self.archive_file_id is not None:
            # Written with the file's id only (a script, an import): fetch the file.
            session = object_session(self)
            with session.no_autoflush:
                self.archive_file = session.get(ArchiveFile, self.archive_file_id,
                                                execution_options={"skip_visibility": True})
        if self.archive_file is not None:
            self.level = self.archive_file.level
        # A new request has no status before its insert (the column's default).
        if self.status in (None, "requested") and self.legal_rule_applies():
            self.needs_legal = True
        if self.status in OPEN_LOAN_STATUSES and self.approved_level is None \
                and self.archive_file is not None:
            # Recorded as approved without the step (an import): at the file's level now.
            self.approved_level = self.archive_file.level

    @property
    def is_outside(self) -> bool:
        return self.borrower_id is None and self.borrower is None

    def legal_rule_applies(self) -> bool:
        """Outside borrowers, and files the legal office watches, need its approval too."""
        file = self.archive_file
        return self.is_outside or (file is not None and (
            file.level in self.legal_levels or file.category in self.legal_categories))

    @property
    def needs_legal_approval(self) -> bool:
        """Needed when the loan was requested (stored) or by the file as it is now."""
        return bool(self.needs_legal) or self.legal_rule_applies()

    @property
    def awaits_legal_approval(self) -> bool:
        return self.needs_legal_approval and self.legal_approved_at is None

    @property
    def legal_cleared(self) -> bool:
        """The GM office's approval is offered once the legal office has given its own."""
        return not self.awaits_legal_approval

    @property
    def above_borrower_clearance(self) -> bool:
        if self.borrower is None or self.archive_file is None:
            return False
        order = list(LEVELS)
        clearance = self.borrower.clearance
        return clearance not in order or \
            order.index(self.archive_file.level) > order.index(clearance)

    def file_has_other_open_loan(self) -> bool:
        session = object_session(self)
        query = sa.select(sa.func.count()).select_from(Loan).where(
            Loan.archive_file_id == self.archive_file_id,
            Loan.status.in_(OPEN_LOAN_STATUSES))
        if self.id is not None:
            query = query.where(Loan.id != self.id)
        return session.scalar(query.execution_options(skip_visibility=True)) > 0

    # -- rules -------------------------------------------------------------------------
    def check_transition(self, name: str, user):
        if name == "legal_approve" and not self.awaits_legal_approval:
            return _l("This loan does not await the legal office's approval.")
        if name == "approve":
            if self.awaits_legal_approval:
                return _l("The legal office approves this loan first (outside borrower, or "
                          "a secret or litigation file).")
            if self.above_borrower_clearance and not user.has_role("gm_office"):
                return _l("The file is above the borrower's clearance: only the GM office "
                          "may approve this loan.")
            if self.file_has_other_open_loan():
                return ONE_OPEN_LOAN
        if name == "lend" and self.above_approved_level:
            return _l("The file's level was raised after this loan was approved: it can "
                      "be handed out only under a new approval.")
        if name == "lend" and self.archive_file is not None \
                and self.archive_file.status != "in_archive":
            return _l("The file is not in the archive room (status: %(status)s); it can be "
                      "handed out only from there.", status=ARCHIVE_STATUSES.get(
                          self.archive_file.status, self.archive_file.status))
        return None

    #: Steps that promise the file to the borrower: warned of when the loan is overdue.
    promising_steps = ("legal_approve", "approve", "lend")

    def step_warnings(self, name: str) -> list:
        """A request still waiting when its return date has passed: approving it lends a
        file that is due back already (flagged late at once)."""
        if name in self.promising_steps and self.due_date is not None \
                and self.due_date < local_date_of(None):
            return [_l("This loan is already overdue: the file was to be returned by "
                       "%(day)s. Reject it with a reason if the borrower should ask again "
                       "with a new date.", day=self.due_date)]
        return []

    @property
    def above_approved_level(self) -> bool:
        """The file is now above both the level the loan was approved at and the
        borrower's clearance: the approval no longer covers it."""
        if self.archive_file is None or self.approved_level is None \
                or not self.above_borrower_clearance:
            return False
        order = list(LEVELS)
        return order.index(self.archive_file.level) > order.index(self.approved_level)

    def after_transition(self, name: str, user) -> None:
        """The file's own status follows the loan: out when lent, back when returned.
        An approval holds for the file's level at that moment (``approved_level``)."""
        if self.archive_file is None:
            return
        if name == "approve":
            self.approved_level = self.archive_file.level
        elif name == "lend":
            self.archive_file.status = "on_loan"
        elif name == "return_file":
            self.archive_file.status = "in_archive"

    def problems(self) -> list:
        outside = {field: (getattr(self, field) or "").strip() for field in OUTSIDE_FIELDS}
        has_borrower = self.borrower is not None or self.borrower_id is not None
        if has_borrower and any(outside.values()):
            return [_l("%(field)s: give either a user as borrower or an outside borrower, "
                       "not both (clear the outside borrower's fields).",
                       field=_l("Borrower"))]
        if not has_borrower and not any(outside.values()):
            return [_l("%(field)s: choose a user, or fill in the outside borrower's name, "
                       "organ, credential type and number and the assistance-inquiry "
                       "notice no.", field=_l("Borrower"))]
        missing = [str(label) for field, label in OUTSIDE_FIELDS.items()
                   if not has_borrower and not outside[field]]
        found = []
        if missing:
            found.append(_l("An outside borrower (police, procuratorate or court) must give: "
                            "%(fields)s.", fields=", ".join(missing)))
        if self.id is None and self.due_date is not None \
                and self.due_date < local_date_of(None):
            found.append(_l("%(field)s: cannot be in the past.", field=_l("Return by")))
        return found

    # -- late loans --------------------------------------------------------------------
    @classmethod
    def late_clause(cls, today: date):
        # Literals, so the partial index of open loans applies.
        return sa.and_(cls.status.in_(code_literals(*OPEN_LOAN_STATUSES)),
                       cls.due_date < today)

    def late_reason(self, today: date):
        if self.status in OPEN_LOAN_STATUSES and self.due_date and self.due_date < today:
            return _l("Overdue (due %(day)s)", day=self.due_date)
        return None

    def __str__(self) -> str:
        return f"{self.archive_file} → {self.borrower or self.outside_name}"
