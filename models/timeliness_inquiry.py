"""Timeliness inquiries (洽办单): why a closed complaint was handled late.

001 篇8 (十一)3: the GM office checks the handling time of closed cases and, for a
case handled late, may issue a 洽办单 to the department concerned to find out why
(追查逾期原因). The inquiry is raised from a closed complaint whose handling clock
gave the verdict "late" (``Complaint.handled_on_time`` is False); it is addressed to
the complaint's responsible department, which owns it (``department_id``, like a
催办单) so that department finds it in its own list and answers with the reason for
the delay; the GM office then reviews the answer.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from .base import Model
from .complaint import Complaint
from .department import Department
from .mixins import BusinessRecord, foreign_key
from .workflow import Stateful, Transition

INQUIRY_STATUSES = {"asked": _l("Asked"), "answered": _l("Answered"),
                    "reviewed": _l("Reviewed")}


class TimelinessInquiry(Stateful, BusinessRecord, Model):
    """A 洽办单: the GM office asks the responsible department why a case was late."""

    __tablename__ = "timeliness_inquiry"
    level_follows = "complaint"
    """It names the complaint: always at the complaint's level."""
    statuses = INQUIRY_STATUSES
    initial_status = "asked"
    creator_stamp = "asked_by_id"
    """The GM-office user who raises the inquiry."""
    raised_from = {"complaint": ("responsible_department",)}
    """Raised from the complaint's page, with its responsible department copied."""
    raised_from_label = _l("Raise a timeliness inquiry")
    raised_from_statuses = {"complaint": ("closed",)}
    """Only a closed case is checked for its handling time."""
    raised_from_when = {"complaint": (("handled_on_time", False),)}
    """…and only one the handling clock found late."""
    locked_from = {
        "*": "answered",
        # The department's answer stands once the GM office has reviewed it.
        "delay_reason": "reviewed", "review_remarks": "reviewed",
        # Derived: the addressee and the level follow the complaint.
        "department": None, "level": None,
    }
    transitions = (
        Transition("answer", _l("Answer"), ("asked",), "answered",
                   requires=("delay_reason",), stamps=("answered_by_id", "answered_at")),
        # Whoever answered for the department does not review the answer.
        Transition("review", _l("Mark reviewed"), ("answered",), "reviewed",
                   stamps=("reviewed_by_id", "reviewed_at"), not_by=("answered_by_id",)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = foreign_key("complaint.id", _l("Complaint"), nullable=False)
    complaint = relationship("Complaint", info={"label": _l("Complaint")})
    responsible_department_id: Mapped[int] = foreign_key(
        "department.id", _l("Responsible department"), nullable=False)
    responsible_department = relationship(
        "Department", foreign_keys=[responsible_department_id],
        info={"label": _l("Responsible department")})
    question: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("What the GM office asks")})
    delay_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Reason for the delay")})
    review_remarks: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("GM office's remarks")})
    asked_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Asked by"))
    answered_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Answered by"))
    answered_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Answered at")})
    reviewed_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Reviewed by"))
    reviewed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Reviewed at")})

    class Admin:
        label = _l("Timeliness inquiry")
        label_plural = _l("Timeliness inquiries")
        list_columns = ("created_at", "complaint", "responsible_department", "status",
                        "level")
        search = ("question", "delay_reason")
        filters = ("status", "responsible_department", "level")
        # The reason is the department's: written with its "answer" step only.
        form_columns = ("complaint", "responsible_department", "question", "review_remarks")
        create_columns = ("complaint", "responsible_department", "question")
        default_sort = ("created_at", True)

    def __str__(self) -> str:
        number = getattr(self.complaint, "number", None) if self.complaint_id else None
        return str(_l("Timeliness inquiry on %(complaint)s", complaint=number)) if number \
            else str(_l("(new timeliness inquiry)"))

    def derive(self) -> None:
        """The responsible department owns (and answers) the inquiry; the level is the
        complaint's."""
        complaint = self.complaint
        if complaint is None and self.complaint_id is not None:
            complaint = object_session(self).get(Complaint, self.complaint_id)
        if complaint is None:
            return
        if self.responsible_department_id is None and self.responsible_department is None:
            self.responsible_department_id = complaint.responsible_department_id \
                or complaint.department_id
        self.department = self.responsible_department or object_session(self).get(
            Department, self.responsible_department_id)
        self.level = complaint.level

    def problems(self) -> list:
        complaint = self.complaint
        if complaint is not None and complaint.status == "closed" \
                and complaint.handled_on_time is not False and self.status in (None, "asked"):
            return [_l("%(field)s: only a case handled late gets a timeliness inquiry "
                       "(%(complaint)s was handled on time).", field=_l("Complaint"),
                       complaint=complaint)]
        return []
