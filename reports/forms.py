"""Printable forms of the regulations, A4, one document per request.

A form names the record type it prints, its title in the regulations' words, its
copies (联: each with its recipient, one page each) and its signatures: who signed on
the system (a step's stamp: user and time) and the lines that need ink. The layout is
a template in ``templates/forms/``. A form prints only records the user may see (any
other id: 404, audited like every refusal), and each printed record leaves a
``print`` event in the audit log, as an export does.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from audit.reading import full_name, people_of
from models import (
    AppUser,
    ArchiveFile,
    AuditEvent,
    Complaint,
    Loan,
    Penalty,
    Reminder,
    ReturnSlip,
    db,
)


@dataclass(frozen=True)
class Signature:
    label: object
    by: str | None = None
    """The record's field holding the signer's user id (None: ink only)."""
    at: str | None = None
    """The field holding when they signed."""


@dataclass(frozen=True)
class PrintForm:
    key: str
    model: type
    title: object
    template: str
    copies: tuple = ((None, None),)
    """(copy label such as 第一联, its recipient), one printed page each."""
    signatures: tuple[Signature, ...] = ()
    applies: Callable = field(default=lambda record: True)
    """Whether the form exists for this record (a 销货折让证明单 needs an allowance)."""


def _has_allowance(slip) -> bool:
    return any(line.decision == "allowance" for line in slip.lines)


FORMS: tuple[PrintForm, ...] = (
    PrintForm("complaint-record", Complaint, _l("Customer complaint record (customer "
                                                "complaint handling form)"),
              "forms/complaint.html", signatures=(
                  Signature(_l("Registered by"), "registered"),
                  Signature(_l("Handling proposed by"), "handling_proposed_by_id",
                            "handling_proposed_at"),
                  Signature(_l("Approved by"), "approved_by_id", "approved_at"),
                  Signature(_l("General manager's office: comments")),
                  Signature(_l("Customer notified at"), None, "notified_at"))),
    PrintForm("return-application", ReturnSlip, _l("Product return application form"),
              "forms/return_application.html",
              copies=((_l("Copy 1"), _l("Kept by the returning unit, faxed to the "
                                        "customer service department")),
                      (_l("Copy 2"), _l("Travels with the goods, for the receiver to "
                                        "check the quantities"))),
              signatures=(Signature(_l("Regional / office manager"), "confirmed_by_id",
                                    "confirmed_at"),
                          Signature(_l("Customer service department"), "approved_by_id",
                                    "approved_at"))),
    PrintForm("return-slip", ReturnSlip, _l("Return slip"), "forms/return_slip.html",
              copies=((_l("Copy 1"), _l("Kept by the sales department to follow up")),
                      (_l("Copy 2"), _l("Finished goods warehouse (receiving into stock)")),
                      (_l("Copy 3"), _l("Finished goods warehouse (receiving into stock)")),
                      (_l("Copy 4"), _l("Finished goods warehouse (receiving into stock)"))),
              signatures=(Signature(_l("Applied by"), "registered"),
                          Signature(_l("Regional / office manager"), "confirmed_by_id",
                                    "confirmed_at"),
                          Signature(_l("Customer service department"), "approved_by_id",
                                    "approved_at"),
                          Signature(_l("General manager's instructions")),
                          Signature(_l("Warehouse: received into stock")))),
    PrintForm("sales-allowance", ReturnSlip, _l("Sales allowance certificate"),
              "forms/sales_allowance.html",
              copies=((_l("Copy 1"), _l("Kept by the sales department")),
                      (_l("Copy 2"), _l("Accounting, for the books"))),
              signatures=(Signature(_l("Sales staff"), "registered"),
                          Signature(_l("Department manager")),
                          Signature(_l("General manager")),
                          Signature(_l("Customer's signature and seal"))),
              applies=_has_allowance),
    PrintForm("penalty-notice", Penalty, _l("Reward and penalty notice"),
              "forms/penalty.html",
              copies=((_l("Copy 1"), _l("Kept by the general manager's office")),
                      (_l("Copy 2"), _l("Accounting, for checking")),
                      (_l("Copy 3"), _l("The deducting department, to deduct the bonus"))),
              signatures=(Signature(_l("Issued by"), "registered"),
                          Signature(_l("Approved by"), "decided_by_id", "decided_at"),
                          Signature(_l("Copies distributed by"), "distributed_by_id",
                                    "distributed_at"),
                          Signature(_l("Received by"))),
              applies=lambda notice: notice.status != "rejected"),
    PrintForm("reminder", Reminder, _l("Reminder"), "forms/reminder.html",
              signatures=(Signature(_l("General manager's office"), "registered"),
                          Signature(_l("Responsible department: received by")),
                          Signature(_l("Responsible department: head")))),
    PrintForm("loan-slip", Loan, _l("Loan slip"), "forms/loan.html",
              signatures=(Signature(_l("Requested by"), "requested_by_id"),
                          Signature(_l("Approve (legal office)"), "legal_approved_by_id",
                                    "legal_approved_at"),
                          Signature(_l("General manager's office"), "approved_by_id",
                                    "approved_at"),
                          Signature(_l("Handed out by (archive room)"), None, "lent_at"),
                          Signature(_l("Borrower")),
                          Signature(_l("Returned; checked by"), None, "returned_at"))),
    PrintForm("archive-label", ArchiveFile, _l("Archive cover label"),
              "forms/archive_label.html"),
)

BY_KEY = {form.key: form for form in FORMS}


def forms_for(model) -> list[PrintForm]:
    return [form for form in FORMS if form.model is model]


@dataclass
class Signed:
    label: object
    who: str | None
    when: datetime | None
    ink: bool
    """A line for a hand signature (nobody signed it on the system)."""


def registered_by(record) -> tuple[str | None, datetime | None]:
    """Who registered the record (by full name, as every signature) and when, from its
    first audit event."""
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.model == record.__tablename__,
            AuditEvent.record_id == str(record.id)).order_by(AuditEvent.id).limit(1))
    if event is None:
        return None, getattr(record, "created_at", None)
    return (full_name(event, people_of([event])) if event.username else None), event.at


def corrective_actions_of(complaint) -> str:
    """The 改善措施表 raised from a complaint that the user may see (the request's
    visibility hook filters them), oldest first, as the form's one line per action:
    number, action, state."""
    from models import CorrectiveAction

    actions = db.session.scalars(sa.select(CorrectiveAction).where(
        CorrectiveAction.complaint_id == complaint.id).order_by(CorrectiveAction.id))
    return "\n".join(f"{a.number or ''} {a.action}（{a.statuses.get(a.status, a.status)}）"
                     for a in actions)


def user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(AppUser.id, AppUser.full_name).where(
        AppUser.id.in_(ids))).all())


def signatures_of(form: PrintForm, record) -> list[Signed]:
    names = user_names(getattr(record, s.by) for s in form.signatures
                       if s.by and s.by != "registered")
    signed = []
    for sig in form.signatures:
        who = when = None
        if sig.by == "registered":
            who, when = registered_by(record)
        elif sig.by:
            who = names.get(getattr(record, sig.by))
        if sig.at:
            when = getattr(record, sig.at)
        signed.append(Signed(sig.label, who, when, ink=sig.by is None and sig.at is None
                             or (who is None and when is None)))
    return signed
