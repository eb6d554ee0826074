"""Customer complaints (客户投诉): numbered by month of receipt, due in working days.

The rules of the regulations live here as data and hooks: the number is year + month
of receipt + a monthly serial (``models/numbering.py``); the due date is the N-th
working day after the Shanghai day of receipt on the official calendar
(``models/workdays.py``), provisional when the calendar does not cover it yet; the
GM office may extend a major complaint up to a limit; a complaint the customer does
not accept is reopened as a new one linked to the old; an open complaint past its
due date is overdue and gets a reminder (``models/reminder.py``) each working day.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship, synonym

from .base import Model
from .choices import CHANNELS, COMPLAINT_KINDS, COMPLAINT_STATUSES, HANDLINGS, SEVERITIES
from .mixins import (
    Assignable,
    BusinessRecord,
    assign_step,
    code_column,
    code_literals,
    foreign_key,
    utcnow,
)
from .numbering import local_date_of
from .office_settings import setting
from .step_deadlines import (
    StepDeadline,
    derive_step_due_date,
    stamp_step_clocks,
    step_deadlines_text,
    step_late_reason,
)
from .workdays import add_working_days
from .workflow import Stateful, Transition

#: Statuses in which a complaint is not closed yet (and can become overdue).
OPEN_STATUSES = ("registered", "investigating", "responsibility_determined",
                 "handling_proposed", "approved", "notified")
#: Statuses on the handling clock: it stops when the customer is notified in writing.
HANDLING_STATUSES = OPEN_STATUSES[:-1]
#: The status in which the approver is asked: from here on, what the approval depends
#: on (severity decides who approves; the findings, the handling, the loss amount and
#: what the customer said are what is approved) is fixed, unless the complaint is sent
#: back (退回) to "responsibility determined".
APPROVAL_ASKED = "handling_proposed"
#: A number this model gave (``2611001``); other texts (imported, test markers) are left alone.
OWN_NUMBER = re.compile(r"^\d{6,}$")


class Complaint(Stateful, Assignable, BusinessRecord, Model):
    """A customer complaint (客户投诉), numbered YYMM + monthly serial (``2611001``)."""

    __tablename__ = "complaint"
    number_format = "{yymm}{serial:0{serial_width}d}"
    #: Digits of the monthly serial (the regulations' paper register uses 2).
    serial_width = setting(3, _l("Complaint serial digits"), low=2, high=6)
    #: Working days to handle a complaint, counted from the day after receipt.
    deadlines = setting({"general": 1, "major": 3}, _l("Handling deadline (working days)"), low=1, high=30, choices=SEVERITIES)  # noqa: E501
    #: The GM office may extend a major complaint, never beyond this many working days.
    max_extension = setting(7, _l("Extension limit (working days)"), low=1, high=30)
    #: Working days from the written notification to closing (the closing clock). The
    #: regulations set a deadline for ending every case (004 第15条3) without a number.
    closing_deadline = setting(5, _l("Closing deadline (working days)"), low=1, high=60)
    #: Years a receipt date may have: the number keeps two digits of the year.
    years = (2000, 2099)
    #: Scans / recordings can be attached (served only through the record's checks).
    attachments_allowed = True
    statuses = COMPLAINT_STATUSES
    initial_status = "registered"
    locked_from = {
        "*": APPROVAL_ASKED,
        # Derived from the receipt time and severity (locked themselves); the official
        # calendar may still turn a provisional due date into a final one.
        "due_date": None, "due_date_provisional": None, "effective_due_date": None,
        # The clocks' verdict and closing date, derived once at the written notification.
        "handled_on_time": None, "closing_due_date": None,
        # The step clocks' stamps and running due date (``step_deadlines``), derived.
        "step_due_date": None, "investigated_at": None, "handling_proposed_at": None,
        # The GM office classifies (the edit form offers it to them only).
        "level": None,
        # 经办人: assigned by the supervisor while the case is open (``assign``).
        "owner": "closed",
    }
    step_deadlines: tuple[StepDeadline, ...] = (
        StepDeadline("investigation", _l("Investigation report"), 3, start="received_at",
                     running=("registered", "investigating"),
                     met_by=("determine_responsibility", "not_upheld"),
                     met_at="investigated_at"),
        StepDeadline("combined_opinion", _l("GM office's combined opinion"), 1,
                     start="handling_proposed_at", running=(APPROVAL_ASKED,),
                     met_by=("approve_major",), met_at="approved_at",
                     started_by=("propose_handling", "not_upheld"),
                     when=(("severity", "major"),)),
    )
    """Deadlines of steps on the way (001 篇8 (九)3, (九)6): the investigation report
    (cause analysis: "determine responsibility" or "not upheld") within 3 working days
    of receipt; the GM office's combined opinion on a major complaint (its approval)
    within 1 working day of the handling proposal. Counted by ``models/step_deadlines``;
    ``step_due_date`` holds the running clock's date."""
    computed = {"step_deadlines_shown": _l("Step deadlines")}
    raised_from = {"visit_report": {"customer": None, "channel": "visit"}}
    """Opened from a visit report in one click: its customer, the channel "during a
    visit", and the link back to the report."""
    raised_from_label = _l("Open a complaint from this report")
    correction_hint = _l("If the customer does not accept the result, reopen the complaint "
                         "as a new one.")
    transitions = (
        Transition("investigate", _l("Start investigation"), ("registered",),
                   "investigating"),
        Transition("determine_responsibility", _l("Determine responsibility"),
                   ("investigating",), "responsibility_determined",
                   requires=("cause_analysis", "responsible_department")),
        # The investigation may find the complaint unfounded: nobody is responsible,
        # and the finding goes to the approver like any other handling.
        Transition("not_upheld", _l("Not upheld"),
                   ("investigating", "responsibility_determined"), "handling_proposed",
                   requires=("cause_analysis",), stamps=("handling_proposed_by_id",)),
        Transition("propose_handling", _l("Propose handling"),
                   ("responsibility_determined",), "handling_proposed",
                   requires=("handling",), stamps=("handling_proposed_by_id",)),
        # The approver sends the proposal back (退回): the findings, severity and handling
        # can change again, and a new proposal goes to the approver its severity names.
        # Only the approver asked: a major complaint goes back by the GM office's hand.
        Transition("send_back", _l("Send back"), (APPROVAL_ASKED,),
                   "responsibility_determined", when=(("severity", "general"),)),
        Transition("send_back_major", _l("Send back (major)"), (APPROVAL_ASKED,),
                   "responsibility_determined", when=(("severity", "major"),)),
        # Whoever proposed the handling does not approve it.
        Transition("approve_general", _l("Approve handling"), ("handling_proposed",),
                   "approved", stamps=("approved_by_id", "approved_at"),
                   when=(("severity", "general"),), not_by=("handling_proposed_by_id",)),
        Transition("approve_major", _l("Approve handling (major)"), ("handling_proposed",),
                   "approved", stamps=("approved_by_id", "approved_at"),
                   when=(("severity", "major"),), not_by=("handling_proposed_by_id",)),
        Transition("notify_customer", _l("Customer notified in writing"), ("approved",),
                   "notified", stamps=("notified_at",)),
        Transition("close", _l("Close"), ("notified",), "closed", stamps=("closed_at",)),
        # The customer does not accept the result: this complaint ends here and a new
        # one, linked to it, starts from registration.
        Transition("reopen", _l("Customer refuses: reopen as a new complaint"),
                   ("notified", "closed"), "closed"),
    )
    actions = (
        Transition("extend", _l("Extend the due date"), HANDLING_STATUSES, None,
                   requires=("extended_due_date",), when=(("severity", "major"),)),
        assign_step(OPEN_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(
        String(16), unique=True, info={"label": _l("Complaint number"), "readonly": True})
    customer_id: Mapped[int] = foreign_key("customer.id", _l("Customer"), nullable=False)
    customer = relationship("Customer", info={"label": _l("Customer")})
    received_at: Mapped[datetime] = mapped_column(
        info={"label": _l("Received at"), "prefill_now": True})
    channel: Mapped[str] = code_column(CHANNELS, _l("Channel"), default="phone")
    complainant: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Complainant")})
    content: Mapped[str] = mapped_column(Text, info={"label": _l("What the customer says")})
    request: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("What the customer asks for")})
    product: Mapped[str | None] = mapped_column(String(120), info={"label": _l("Product")})
    order_no: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Order no.")})
    batch_no: Mapped[str | None] = mapped_column(String(40), info={"label": _l("Batch no.")})
    quantity_affected: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(14, 3), info={"label": _l("Quantity affected")})
    kind: Mapped[str] = code_column(COMPLAINT_KINDS, _l("Complaint kind"), default="quality")
    severity: Mapped[str] = code_column(SEVERITIES, _l("Severity"), default="general")
    due_date: Mapped[date | None] = mapped_column(
        info={"label": _l("Original due date"), "readonly": True})
    due_date_provisional: Mapped[bool] = mapped_column(
        default=False, info={"label": _l("Due date provisional"), "readonly": True})
    extended_due_date: Mapped[date | None] = mapped_column(
        info={"label": _l("Extended due date"), "readonly": True})
    #: The date that counts (closing once notified, else extended, else original):
    #: stored so that lists can filter, sort and index on it; kept by ``derive``.
    #: Shown through ``deadline``.
    effective_due_date: Mapped[date | None] = mapped_column()
    #: The handling clock's verdict, fixed when the customer is notified in writing:
    #: notified on or before the (extended) due date. None while not notified.
    handled_on_time: Mapped[bool | None] = mapped_column(
        info={"label": _l("Handled on time"), "readonly": True})
    #: The closing clock: closing is due this many working days after notification.
    closing_due_date: Mapped[date | None] = mapped_column(
        info={"label": _l("Closing due date"), "readonly": True})
    cause_analysis: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Cause analysis")})
    responsible_department_id: Mapped[int | None] = foreign_key(
        "department.id", _l("Responsible department"))
    responsible_department = relationship(
        "Department", foreign_keys=[responsible_department_id],
        info={"label": _l("Responsible department")})
    responsible_person: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Responsible person")})
    handling: Mapped[str | None] = code_column(HANDLINGS, _l("Handling"), nullable=True)
    handling_detail: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Handling detail")})
    # The corrective and preventive action (纠正预防措施) is a record of its own, raised
    # from the complaint and followed up there (``models/corrective_action.py``).
    loss_amount: Mapped[Decimal | None] = mapped_column(
        sa.Numeric(14, 2), info={"label": _l("Loss amount (CNY)")})
    handling_proposed_by_id: Mapped[int | None] = foreign_key("app_user.id",
                                                              _l("Handling proposed by"))
    approved_by_id: Mapped[int | None] = foreign_key("app_user.id", _l("Approved by"))
    approved_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Approved at")})
    notified_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Customer notified at")})
    closed_at: Mapped[datetime | None] = mapped_column(info={"label": _l("Closed at")})
    #: When the investigation report was delivered (the first cause-analysis step).
    investigated_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Investigation reported at"), "readonly": True})
    #: When the handling was last proposed: the GM office's opinion clock starts here.
    handling_proposed_at: Mapped[datetime | None] = mapped_column(
        info={"label": _l("Handling proposed at"), "readonly": True})
    #: Due date of the step clock that runs now (``step_deadlines``); None if none runs.
    step_due_date: Mapped[date | None] = mapped_column(
        info={"label": _l("Step due date"), "readonly": True})
    reopened_from_id: Mapped[int | None] = foreign_key("complaint.id", _l("Reopened from"))
    reopened_from = relationship("Complaint", remote_side=[id],
                                 info={"label": _l("Reopened from"), "readonly": True})
    reopened_as = relationship("Complaint", foreign_keys=[reopened_from_id], viewonly=True,
                               uselist=False,
                               info={"label": _l("Reopened as"), "readonly": True})
    # A problem found on a visit: the complaint opened from the visit report
    # (``VisitReport``, "Open a complaint from this report").
    visit_report_id: Mapped[int | None] = foreign_key("visit_report.id", _l("Visit report"))
    visit_report = relationship("VisitReport", info={"label": _l("Visit report")})

    __table_args__ = (
        sa.CheckConstraint("quantity_affected IS NULL OR quantity_affected >= 0",
                           name="quantity_not_negative"),
        sa.Index("ix_complaint_status_due", "status", "due_date"),
        # Overdue look-ups (list filter, home page, reminders) read open complaints only.
        sa.Index("ix_complaint_open_due", "effective_due_date",
                 sqlite_where=sa.text("status <> 'closed'"),
                 postgresql_where=sa.text("status <> 'closed'")),
        # Step clocks: only running ones have a date (late look-ups, home page figures).
        sa.Index("ix_complaint_step_due", "step_due_date", "status",
                 sqlite_where=sa.text("step_due_date IS NOT NULL"),
                 postgresql_where=sa.text("step_due_date IS NOT NULL")),
        sa.Index("ix_complaint_dept_open_due", "department_id", "effective_due_date", "level",
                 sqlite_where=sa.text("status <> 'closed'"),
                 postgresql_where=sa.text("status <> 'closed'")),
        # The general manager's figure and queue: major complaints awaiting approval.
        sa.Index("ix_complaint_open_status_severity", "status", "severity", "level",
                 sqlite_where=sa.text("status <> 'closed'"),
                 postgresql_where=sa.text("status <> 'closed'")),
    )

    class Admin:
        label = _l("Complaint")
        label_plural = _l("Complaints")
        list_columns = ("number", "received_at", "customer", "channel", "kind", "severity",
                        "status", "deadline", "owner", "level")
        search = ("number", "content", "product", "batch_no")
        filters = ("status", "severity", "kind", "channel", "level", "department",
                   "received_at", "deadline", "due_date_provisional", "handled_on_time",
                   "step_due_date")
        form_columns = ("customer", "received_at", "channel", "complainant", "content",
                        "request", "product", "order_no", "batch_no", "quantity_affected",
                        "kind", "severity", "cause_analysis", "responsible_department",
                        "responsible_person", "handling", "handling_detail",
                        "loss_amount", "reopened_from", "reopened_as",
                        "department", "level", "visit_report")
        # Registration asks what the customer said; the findings, the handling and the
        # links come later, through the steps.
        create_columns = ("customer", "received_at", "channel", "complainant", "content",
                          "request", "product", "order_no", "batch_no", "quantity_affected",
                          "kind", "severity", "department", "level", "visit_report")
        default_sort = ("received_at", True)
        lookup_fields = ("number", "product")

    def __str__(self) -> str:
        return self.number or str(_l("(new complaint)"))

    # -- number and deadlines ------------------------------------------------------
    @property
    def number_date(self) -> datetime | None:
        return self.received_at

    @property
    def receipt_day(self) -> date | None:
        """The Asia/Shanghai day of receipt, from which deadlines are counted."""
        return None if self.received_at is None else local_date_of(self.received_at)

    def _countable(self) -> bool:
        day = self.receipt_day
        return day is not None and self.years[0] <= day.year <= self.years[1]

    def derive(self) -> None:
        """Due date = the N-th working day after the (Shanghai) day of receipt.

        Runs before every flush of a new or changed complaint, so a changed receipt
        time or severity moves the due date, and ``recompute-deadlines`` only has to
        touch the provisional ones. A receipt date out of range is left to
        ``problems()`` to refuse, with a message, instead of failing here.
        """
        if self._countable() and self.severity in self.deadlines:
            self.due_date, self.due_date_provisional = add_working_days(
                self.receipt_day, self.deadlines[self.severity])
        if self.notified_at is not None and self.closing_due_date is None:
            self._stop_handling_clock()
        self.effective_due_date = self.current_due_date
        derive_step_due_date(self)

    def _stop_handling_clock(self) -> None:
        """The customer was notified in writing: the handling clock stops with a verdict
        kept for good (the timeliness review of closed cases reads it), and the closing
        clock starts."""
        day = local_date_of(self.notified_at)
        handling_due = self.handling_due_date
        self.handled_on_time = None if handling_due is None else day <= handling_due
        self.closing_due_date = add_working_days(day, self.closing_deadline).day

    def extension_limit(self) -> date | None:
        """The last day an extension may reach: ``max_extension`` working days."""
        if not self._countable():
            return None
        return add_working_days(self.receipt_day, self.max_extension).day

    @property
    def reminder_department_id(self) -> int | None:
        """Who is chased when the complaint is late: the responsible department once
        it is determined, until then the department handling the complaint."""
        return self.responsible_department_id or self.department_id

    # -- overdue ---------------------------------------------------------------------
    @classmethod
    def late_clause(cls, today: date):
        """Open complaints whose (extended) due date is before ``today``."""
        # A literal, so the partial indexes (WHERE status <> 'closed') apply.
        return sa.and_(cls.status != code_literals("closed")[0],
                       cls.effective_due_date < today)

    @property
    def handling_due_date(self) -> date | None:
        """The handling clock's date: the extension if granted, else the due date."""
        return self.extended_due_date or self.due_date

    @property
    def current_due_date(self) -> date | None:
        """The date that counts now: the handling due date until the customer is
        notified, then the closing due date (``effective_due_date`` is the stored copy,
        which catches up at the next flush)."""
        return self.closing_due_date or self.handling_due_date

    def days_overdue(self, today: date) -> int:
        due = self.current_due_date
        if self.status == "closed" or due is None or due >= today:
            return 0
        return (today - due).days

    def late_reason(self, today: date):
        days = self.days_overdue(today)
        if not days:
            return step_late_reason(self, today)
        if self.closing_due_date is not None:
            return _l("Closing overdue by %(days)s day(s) (due %(day)s)", days=days,
                      day=self.current_due_date.isoformat())
        return _l("Overdue by %(days)s day(s) (due %(day)s)", days=days,
                  day=self.current_due_date.isoformat())

    @classmethod
    def step_late_clause(cls, today: date, key: str | None = None):
        """Complaints whose step clock (``key``: only that one) is late on ``today``."""
        return sa.or_(*(d.late_clause(cls, today) for d in cls.step_deadlines
                        if key is None or d.key == key))

    @property
    def step_deadlines_shown(self) -> str:
        return step_deadlines_text(self)

    @property
    def deadline_shown(self) -> DeadlineShown | None:
        due = self.current_due_date
        if due is None:
            return None
        flags = []
        if self.closing_due_date is not None:
            # After the written notification the date that counts is the closing one.
            flags.append(("closing", "secondary", _l("closing")))
        else:
            if self.due_date_provisional:
                flags.append(("provisional", "secondary", _l("provisional")))
            if self.extended_due_date:
                flags.append(("extended", "info", _l("extended")))
        # Overdue is flagged next to the status, by the workflow view (``late_reason``).
        return DeadlineShown(due, flags)

    #: The due date that counts, as lists and details show it: with its flags. A
    #: synonym of ``effective_due_date``, so the list sorts and filters on the column.
    deadline = synonym("effective_due_date", descriptor=deadline_shown,
                       info={"label": _l("Due date")})

    # -- rules -----------------------------------------------------------------------
    def problems(self) -> list:
        found = []
        received = self.received_at
        if received is not None:
            if not self._countable():
                found.append(_l("%(field)s: enter a date between %(first)s and %(last)s.",
                                field=_l("Received at"), first=self.years[0],
                                last=self.years[1]))
            elif received > utcnow() + timedelta(minutes=5):
                found.append(_l("%(field)s: cannot be in the future.",
                                field=_l("Received at")))
            elif self.number and OWN_NUMBER.match(self.number) and \
                    self.receipt_day.strftime("%y%m") != self.number[:4]:
                found.append(_l("%(field)s: complaint %(number)s was received in 20%(yy)s-"
                                "%(mm)s and keeps its number; a complaint received in another "
                                "month is registered as a new one.", field=_l("Received at"),
                                number=self.number, yy=self.number[:2], mm=self.number[2:4]))
        return found

    def check_transition(self, name: str, user):
        if name == "extend":
            return self._extension_problem()
        if name == "reopen" and self._reopened():
            return _l("%(record)s has already been reopened as a new complaint; if the "
                      "customer refuses again, reopen that one.", record=self)
        return None

    def after_transition(self, name: str, user):
        stamp_step_clocks(self, name)
        if name == "not_upheld":
            self.handling = "not_upheld"
        elif name == "reopen":
            return self._reopen()
        return None

    def _extension_problem(self):
        new, label = self.extended_due_date, _l("Extended due date")
        limit = self.extension_limit()
        if new is None or self.due_date is None or limit is None:
            return None  # "required" is said by the step itself
        if new <= self.due_date:
            return _l("%(field)s: must be after the due date (%(day)s).", field=label,
                      day=self.due_date.isoformat())
        if new > limit:
            return _l("%(field)s: at most %(count)s working days after receipt, i.e. on or "
                      "before %(day)s.", field=label, count=self.max_extension,
                      day=limit.isoformat())
        return None

    # -- reopening ---------------------------------------------------------------------
    def _reopened(self) -> bool:
        """Counted without the request's visibility filter: a reopening the user cannot
        see still counts (the message does not name it)."""
        query = sa.select(sa.func.count()).select_from(Complaint).where(
            Complaint.reopened_from_id == self.id)
        return object_session(self).scalar(
            query.execution_options(skip_visibility=True)) > 0

    def _reopen(self) -> Complaint:
        """The new complaint: what the customer said, received again now.

        The old record is touched too, so its version moves: of two users reopening it
        at the same moment, the second gets the conflict message instead of a twin.
        """
        if self.closed_at is None:
            self.closed_at = utcnow()
        self.updated_at = utcnow()
        copied = ("customer_id", "channel", "complainant", "content", "request", "product",
                  "order_no", "batch_no", "quantity_affected", "kind", "severity",
                  "department_id", "level")
        new = Complaint(received_at=utcnow(), reopened_from=self,
                        **{field: getattr(self, field) for field in copied})
        object_session(self).add(new)
        return new



class DeadlineShown(str):
    """A due date as text (exports: ``2026-10-08 (provisional)``) that renders in HTML
    (lists, details) as the date with one badge per flag.

    The generator shows attribute values; a value that knows its HTML form lets the
    model flag its own list column without a hand-written view.
    """

    def __new__(cls, day: date, flags: list):
        # Each label read once (a lazy label resolves on every str()).
        flags = [(code, kind, str(label)) for code, kind, label in flags]
        text = day.isoformat() + "".join(f" ({label})" for _code, _kind, label in flags)
        shown = super().__new__(cls, text)
        shown.day, shown.flags = day, flags
        return shown

    def __html__(self) -> Markup:
        # ``code`` and ``kind`` are this module's constants; the label is escaped. (A
        # list page asks this of every row: Markup.format cost more than the rest.)
        return Markup(self.day.isoformat() + "".join(
            f' <span class="badge badge-{kind}" data-flag="{code}">{escape(label)}</span>'
            for code, kind, label in self.flags))


def recompute_provisional_deadlines(session) -> tuple[int, int]:
    """Count provisional due dates again; return (no longer provisional, still provisional).

    ``derive`` does the counting; this only picks the complaints whose date was a guess.
    """
    fixed = still = 0
    query = sa.select(Complaint).where(Complaint.due_date_provisional.is_(True))
    for complaint in session.scalars(query.order_by(Complaint.id)).all():
        complaint.derive()
        if complaint.due_date_provisional:
            still += 1
        else:
            fixed += 1
    session.commit()
    return fixed, still
