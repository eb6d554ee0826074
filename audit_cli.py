"""``flask --app app audit verify``: walk the audit log's hash chain.

Each event's digest covers its content and the previous event's digest, and the
chain head row holds the last id and digest. So verification finds an event
changed after it was written (its digest no longer matches), an event removed
or reordered (the next one's ``prev_digest`` no longer links), and events
removed from the end (the head no longer matches the last event).
"""
from __future__ import annotations

from dataclasses import dataclass

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from models import AuditEvent, db
from models.audit import GENESIS, AuditChainHead, event_digest


@dataclass
class ChainReport:
    ok: bool
    count: int
    message: str
    broken_id: int | None = None


def verify_chain(session=None, batch: int = 2000) -> ChainReport:
    """Check every link; stop at the first broken one."""
    session = session or db.session
    table = AuditEvent.__table__
    last_id, last_digest, count = 0, GENESIS, 0
    rows = session.execute(sa.select(table).order_by(table.c.id)
                           .execution_options(yield_per=batch)).mappings()
    for row in rows:
        if row["prev_digest"] != last_digest:
            return ChainReport(False, count, (
                f"Broken link at event {row['id']}: it does not follow event {last_id} "
                "(an event between them was removed, or one was changed or reordered)."),
                row["id"])
        if event_digest(row, row["prev_digest"]) != row["digest"]:
            return ChainReport(False, count, (
                f"Broken link at event {row['id']}: its content does not match its "
                "digest (it was changed after it was written)."), row["id"])
        last_id, last_digest, count = row["id"], row["digest"], count + 1
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.last_id, head.last_digest) != (last_id, last_digest):
        return ChainReport(False, count, (
            f"Broken chain end: the log ends at event {last_id} but the chain head "
            f"records event {head.last_id} (events were removed from the end)."),
            last_id)
    return ChainReport(True, count, f"Audit chain intact: {count} event(s), "
                                    f"last digest {last_digest[:16]}….")


audit_group = AppGroup("audit", help="Audit log tools.")


@audit_group.command("verify")
def verify_command():
    """Walk the hash chain, then check every attachment file against its row's
    SHA-256 and size; exit 1 at the first broken link or on any missing or altered file."""
    from attachment_store import report_files

    report = verify_chain()
    click.echo(report.message, err=not report.ok)
    files_ok = report_files()
    if not (report.ok and files_ok):
        raise SystemExit(1)
