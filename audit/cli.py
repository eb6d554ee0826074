"""``flask --app app audit verify`` and ``audit rekey``: check and seal the audit chain.

Verification itself is ``audit.chain``; this module is the command line around it.
"""
from __future__ import annotations

import getpass
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from models import AuditEvent, db

from .anchor import anchor_head, manifest_head, recorded_heads
from .chain import ChainReport, verify_chain  # noqa: F401  (ChainReport: old import path)
from .trail import record_event

#: The event ``audit rekey`` writes: the plain-digest events before it are sealed.
REKEY_ACTION = "audit_rekey"


audit_group = AppGroup("audit", help="Audit log tools.")


@audit_group.command("verify")
@click.option("--manifest", "manifests", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A backup (its archive or manifest): its recorded chain head must be "
                   "in the log.")
def verify_command(manifests: tuple[Path, ...]):
    """Walk the chain with the audit key and check the heads recorded at backups, then
    check every attachment file against its row's SHA-256 and size; exit 1 on any
    problem."""
    from attachment_store import report_files

    try:
        heads = recorded_heads() + [manifest_head(path) for path in manifests]
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    report = verify_chain(heads=heads)
    click.echo(report.message, err=not report.ok)
    files_ok = report_files()
    if not (report.ok and files_ok):
        raise SystemExit(1)


@audit_group.command("rekey")
def rekey_command():
    """Seal events written before the log had a key: one keyed event (itself in the
    log) covering their last digest, and that head recorded outside the database."""
    report = verify_chain(heads=recorded_heads())
    if report.ok:
        click.echo(f"Nothing to seal: the chain is keyed. {report.message}")
        return
    if report.plain != report.count or report.broken_id is not None:
        click.echo(f"Not sealed: the chain is broken. {report.message}", err=True)
        raise SystemExit(1)
    table = AuditEvent.__table__
    last = db.session.execute(sa.select(table.c.id, table.c.digest)
                              .order_by(table.c.id.desc()).limit(1)).one()
    record_event(REKEY_ACTION, username=f"cli:{getpass.getuser()}", changes={
        "plain_events": report.count, "plain_head_id": last.id,
        "plain_head_digest": last.digest})
    db.session.commit()
    head = anchor_head(kind="rekey")
    click.echo(f"Sealed {report.count} event(s) written without the key: event "
               f"{head['audit_head_id']} now covers them. Keep the audit key safe.")
