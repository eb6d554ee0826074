"""Reward/penalty notices (奖罚通知单): issued (开立) by the GM office or proposed by a
supervisor, approved by another person, distributed to accounting and the deducting
department, then frozen."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model
from .choices import PENALTY_KINDS, PENALTY_STATUSES
from .mixins import BusinessRecord, code_column, foreign_key
from .numbering import local_date_of, period_problem
from .office_settings import setting
from .workflow import Stateful, Transition


class Penalty(Stateful, BusinessRecord, Model):
    """A reward/penalty notice (奖罚通知单). Once approved it never changes."""

    __tablename__ = "penalty"
    default_level = "confidential"
    number_format = setting("JF{yymm}{serial:03d}", _l("Penalty notice number format"), kind="number_format")  # noqa: E501
    statuses = PENALTY_STATUSES
    initial_status = "proposed"
    frozen_statuses = ("approved", "applied", "rejected")
    locked_from = {"*": "approved"}
    frozen_message = _l("A decided penalty notice never changes. To correct it, open it and "
                        "choose “Correct with a new notice”: the new notice refers to it.")
    #: Notices a correction may refer to: the decided ones that took effect.
    correctable_statuses = ("approved", "applied")
    #: A notice may be raised from a complaint: the complaint's page links to a new
    #: notice with the complaint chosen and these of its fields copied.
    raised_from = {"complaint": ("responsible_department", "responsible_person")}
    raised_from_label = _l("Propose a penalty notice")
    #: Only a closed complaint leads to a penalty notice (its responsibility is settled).
    raised_from_statuses = {"complaint": ("closed",)}
    creator_stamp = "proposed_by_id"
    transitions = (
        Transition("approve", _l("Approve"), ("proposed",), "approved",
                   stamps=("decided_by_id", "decided_at"), not_by=("proposed_by_id",)),
        Transition("reject", _l("Reject"), ("proposed",), "rejected",
                   requires=("decision_reason",), stamps=("decided_by_id", "decided_at")),
        Transition("apply", _l("Mark applied"), ("approved",), "applied",
                   stamps=("applied_at",)),
    )
    #: 核准后复印三份：自存、会计单位查核、罚扣部门罚扣 (001 篇8 (十)2): once approved the
    #: GM office keeps its copy and sends one to accounting and one to the department
    #: that deducts; the step records to whom, by whom and when. A notice is applied
    #: only after it was distributed.
    actions = (
        Transition("distribute", _l("Distribute copies (accounting, deducting department)"),
                   ("approved",), None,
                   requires=("accounting_department", "deducting_department"),
                   stamps=("distributed_by_id", "distributed_at"),
                   guard="not_distributed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Notice number"), "readonly": True})
    #: The notice's date (开立日期): the number takes its month.
    issued_on: Mapped[date] = mapped_column(
        default=lambda: local_date_of(None), info={"label": _l("Notice date")})
    complaint_id: Mapped[int | None] = foreign_key("complaint.id", _l("Complaint"))
    complaint = relationship("Complaint", info={"label": _l("Complaint")})
    responsible_department_id: Mapped[int | None] = foreign_key(
        "department.id", _l("Responsible department"))
    responsible_department = relationship(
        "Department", foreign_keys=[responsible_department_id],
        info={"label": _l("Responsible department")})
    responsible_person: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Responsible person")})
    kind: Mapped[str] = code_column(PENALTY_KINDS, _l("Kind"), default="bonus_deduction")
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2),
                                                   info={"label": _l("Amount (CNY)")})
    reason: Mapped[str] = mapped_column(Text, info={"label": _l("Reason")})
    decision_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Decision reason")})
    proposed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Proposed by"))
    decided_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Decided by"))
    decided_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Decided at")})
    applied_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Applied at")})
    accounting_department_id: Mapped[int | None] = foreign_key(
        "department.id", _l("Copy to accounting"))
    accounting_department = relationship(
        "Department", foreign_keys=[accounting_department_id],
        info={"label": _l("Copy to accounting")})
    deducting_department_id: Mapped[int | None] = foreign_key(
        "department.id", _l("Copy to the deducting department"))
    deducting_department = relationship(
        "Department", foreign_keys=[deducting_department_id],
        info={"label": _l("Copy to the deducting department")})
    distributed_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                        _l("Copies distributed by"))
    distributed_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Copies distributed at")})
    corrects_id: Mapped[int | None] = foreign_key("penalty.id", _l("Corrects notice"))
    corrects = relationship("Penalty", remote_side=[id],
                            info={"label": _l("Corrects notice")})

    __table_args__ = (
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("responsible_department_id IS NOT NULL "
                           "OR responsible_person IS NOT NULL", name="has_target"),
    )

    class Admin:
        label = _l("Penalty notice")
        label_plural = _l("Penalty notices")
        list_columns = ("number", "complaint", "responsible_department",
                        "responsible_person", "kind", "amount", "status", "level")
        search = ("number", "responsible_person", "reason")
        filters = ("status", "kind", "level", "department")
        form_columns = ("issued_on", "complaint", "responsible_department",
                        "responsible_person", "kind", "amount", "reason", "corrects",
                        "decision_reason", "department", "level")
        default_sort = ("created_at", True)
        lookup_fields = ("number", "responsible_person")

    def __str__(self) -> str:
        return self.number or str(_l("(new notice)"))

    @property
    def not_distributed(self) -> bool:
        return self.distributed_at is None

    @property
    def distributed_to(self) -> list:
        """The departments that received a copy (besides the GM office's own)."""
        return [d for d in (self.accounting_department, self.deducting_department) if d]

    def check_transition(self, name: str, user):
        if name == "distribute" and not self.not_distributed:
            return _l("The copies of this notice have already been distributed.")
        if name == "apply" and self.not_distributed:
            return _l("Distribute the copies to accounting and to the deducting department "
                      "first: the deduction is made from the deducting department's copy.")
        return None

    def correction_values(self) -> dict:
        """What a correcting notice starts from: this notice's content, to be amended."""
        return {"complaint": self.complaint,
                "responsible_department": self.responsible_department,
                "responsible_person": self.responsible_person, "kind": self.kind,
                "amount": self.amount, "reason": self.reason,
                "department": self.department, "level": self.level, "corrects": self}

    @property
    def number_date(self) -> date | None:
        return self.issued_on

    def derive(self) -> None:
        if self.issued_on is None:
            self.issued_on = local_date_of(None)  # an empty form field means today

    def problems(self) -> list:
        found = []
        if self.issued_on is not None and self.issued_on > local_date_of(None):
            found.append(_l("%(field)s: cannot be in the future.", field=_l("Notice date")))
        moved = period_problem(self, _l("Notice date"))
        if moved:
            found.append(moved)
        if self.responsible_department is None and self.responsible_department_id is None \
                and not (self.responsible_person or "").strip():
            found.append(_l("%(a)s or %(b)s: name at least one.",
                            a=_l("Responsible department"), b=_l("Responsible person")))
        if self.amount is not None and self.amount < 0:
            found.append(_l("%(field)s: must not be negative.", field=_l("Amount (CNY)")))
        if self.corrects is not None:
            if self.corrects is self or (self.id is not None and self.corrects_id == self.id):
                found.append(_l("%(field)s: a notice cannot correct itself.",
                                field=_l("Corrects notice")))
            elif self.corrects.status not in self.correctable_statuses:
                found.append(_l("%(field)s: only an approved or applied notice is corrected "
                                "by a new one; a proposed notice is decided as it is.",
                                field=_l("Corrects notice")))
        return found
