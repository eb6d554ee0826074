"""A complaint's case timeline: the complaint, its return slips, penalties, reminders and
the loans of its customer's archive files, their dates and audit events on one line.

The events are read back by ``audit.reading`` under the audit-reading rule
(``permissions.audit``); this module picks the records and links them to their screens.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import url_for

from audit.reading import Entry, describe
from models import REGISTRY, AuditEvent, db
from models.clock import utc_to_local
from permissions import can
from permissions.audit import readable_in_history
from permissions.scoping import actor


def case_records(complaint) -> list:
    """The complaint, its return slips, penalties, reminders and the loans of its
    customer's archive files — those the reader may see (the session filters)."""
    records = [complaint]
    for table in ("return_slip", "penalty", "reminder"):
        model = REGISTRY.get(table)
        if model is not None and hasattr(model, "complaint_id"):
            records += db.session.scalars(sa.select(model).where(
                model.complaint_id == complaint.id).order_by(model.id)).all()
    files, loans = REGISTRY.get("archive_file"), REGISTRY.get("loan")
    if files is not None and loans is not None:
        records += db.session.scalars(
            sa.select(loans).join(files, loans.archive_file_id == files.id)
            .where(files.customer_id == complaint.customer_id).order_by(loans.id)).all()
    return records


def record_url(record) -> str | None:
    try:
        return url_for(f"{record.__tablename__}.details_view", id=record.id)
    except Exception:  # noqa: BLE001 - a record type without a screen has no link
        return None


def milestones(record) -> list[Entry]:
    """The dates a record itself carries (received, approved, returned…)."""
    entries = []
    for column in sa.inspect(type(record)).columns:
        value = getattr(record, column.key, None)
        if column.key == "updated_at" or "label" not in column.info or value is None:
            continue
        if isinstance(value, datetime):
            entries.append(Entry(when=utc_to_local(value), what=str(column.info["label"])))
        elif isinstance(value, date):
            entries.append(Entry(when=datetime.combine(value, datetime.min.time()),
                                 what=str(column.info["label"]), date_only=True))
    return entries


def case_timeline(complaint, clearance: str | None) -> list[Entry]:
    """Everything about one complaint case on one timeline, oldest first."""
    entries = []
    records = case_records(complaint)
    for record in records:
        name = f"{record.Admin.label} {record}"
        for entry in milestones(record):
            entry.record, entry.url = name, record_url(record)
            entries.append(entry)
    keys = [(r.__tablename__, str(r.id)) for r in records]
    if keys:
        events = db.session.scalars(
            sa.select(AuditEvent).where(sa.tuple_(AuditEvent.model, AuditEvent.record_id)
                                        .in_(keys), readable_in_history(actor()))
            .order_by(AuditEvent.id)).all()
        by_key = {(r.__tablename__, str(r.id)): r for r in records}
        for entry, event in zip(describe(events, clearance), events, strict=True):
            record = by_key[(event.model, event.record_id)]
            entry.record = f"{record.Admin.label} {record}"
            entry.url = record_url(record)
            entries.append(entry)
    return sorted(entries, key=lambda e: (e.when, e.event_id or 0))


def case_url(record) -> str | None:
    """Link to the case timeline, for a complaint and a reader of the audit log."""
    if getattr(record, "__tablename__", None) != "complaint" \
            or not can(actor(), "view", AuditEvent):
        return None
    return url_for("case.index", id=record.id)
