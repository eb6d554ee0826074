"""What anchors the audit chain outside the database: its key, and its recorded heads.

Someone who can write the database (its owner, a stolen password, a restored copy
edited offline) could otherwise rewrite an event and recompute every digest after
it, or cut events off the end and move the chain head row back; ``audit verify``
would pass. Two things they do not reach stop that:

* **the key** — each digest is an HMAC-SHA256 made with ``AUDIT_KEY`` (environment or
  configuration), else with a key generated once into ``instance/audit_key`` (mode
  0600). It is never stored in the database, nor in a backup: keep a copy with the
  other secrets (a restore on another machine needs it to verify).
* **the heads** — each backup appends the chain's head (last event id and digest) to
  ``instance/audit_heads.jsonl`` (one JSON line per backup, mode 0600); verify checks
  every head recorded since the last restore is still in the chain, so a cut after a
  backup is found. A backup's manifest carries the same head (``anchor_head``
  returns it), and ``audit verify --manifest FILE`` checks it as well.

Lines name the database they belong to (its URL without password), so test runs and
a second installation sharing an instance folder do not mix. With SQLite the
instance folder also holds the database file: the anchors then stop a writer of the
database, not someone with the server's files — set ``AUDIT_KEY`` from a secret store
and keep copies of the heads file elsewhere for that.
"""
from __future__ import annotations

import json
import os
import secrets
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from models import db
from models.audit import GENESIS, AuditChainHead

KEY_FILE = "audit_key"
HEADS_FILE = "audit_heads.jsonl"


class AuditKeyError(RuntimeError):
    """The audit key cannot be read or created; the message says where to put one."""


def _generate_once(path: Path) -> None:
    """Write a new key file unless one exists; atomic, so workers starting together
    agree on one key (a link either succeeds or finds the other worker's file)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
    finally:
        partial.unlink(missing_ok=True)


def audit_key() -> bytes:
    """The key of the chain's HMACs: configuration or environment ``AUDIT_KEY``, else
    the instance folder's key file (created on first use)."""
    app = current_app
    configured = app.config.get("AUDIT_KEY") or os.environ.get("AUDIT_KEY")
    if configured:
        return configured.encode("utf-8") if isinstance(configured, str) else configured
    cached = app.extensions.get("audit_key_file")
    if cached is not None:
        return cached
    path = Path(app.instance_path) / KEY_FILE
    try:
        if not path.exists():
            _generate_once(path)
        key = path.read_text().strip().encode("utf-8")
    except OSError as exc:
        raise AuditKeyError(f"The audit key file {path} cannot be read or created "
                            f"({exc}); set AUDIT_KEY in the environment.") from exc
    if not key:
        raise AuditKeyError(f"The audit key file {path} is empty; restore it from your "
                            "copy, or set AUDIT_KEY.")
    app.extensions["audit_key_file"] = key
    return key


# -- heads --------------------------------------------------------------------------------

def heads_path() -> Path:
    configured = current_app.config.get("AUDIT_HEADS_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / HEADS_FILE


def database_name() -> str:
    """Which database a heads line belongs to: its URL without the password."""
    return db.engine.url.render_as_string(hide_password=True)


def current_head(session=None) -> dict:
    """The chain head as committed now: ``{"audit_head_id", "audit_head_digest"}``."""
    session = session or db.session
    table = AuditChainHead.__table__
    row = session.execute(sa.select(table.c.last_id, table.c.last_digest)
                          .where(table.c.id == 1)).first()
    last_id, last_digest = row if row is not None else (0, GENESIS)
    return {"audit_head_id": last_id, "audit_head_digest": last_digest}


def _append(line: dict) -> None:
    path = heads_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(text)  # one write of one line: appends from two processes do not mix
        f.flush()
        os.fsync(f.fileno())


def _line(kind: str, name: str | None, head: dict) -> dict:
    return {"database": database_name(), "at": datetime.now(UTC).isoformat(),
            "kind": kind, "file": name, **head}


def anchor_head(backup: str | None = None, kind: str = "backup") -> dict:
    """Record the chain's current head in the heads file (at each backup, named by its
    file) and return it, for the backup's manifest."""
    head = current_head()
    _append(_line(kind, backup, head))
    return head


def anchor_restore(backup: str) -> dict:
    """After a restore: the chain now ends where the backup did (plus the restore's
    own event). Heads recorded before it, of a life of the database the restore
    replaced, are no longer checked; this one is."""
    head = current_head()
    _append(_line("restore", backup, head))
    return head


def recorded_heads() -> list[dict]:
    """This database's heads since its last restore (that one included)."""
    path = heads_path()
    if not path.is_file():
        return []
    name, heads = database_name(), []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
        except ValueError:
            line = {"database": name, "kind": "unreadable", "line": number}
        if line.get("database") != name:
            continue
        if line.get("kind") == "restore":
            heads = []
        heads.append(line)
    return heads


def manifest_head(path: Path) -> dict:
    """The head a backup records: in a backup archive's ``manifest.json`` (under
    ``metadata.audit``), or in a manifest given as a JSON file (``audit_head_id`` /
    ``audit_head_digest`` at its top level or under ``audit``)."""
    path = Path(path)
    if tarfile.is_tarfile(path):
        with tarfile.open(path, mode="r:") as archive:
            member = archive.extractfile("manifest.json")
            data = json.loads(member.read().decode("utf-8")) if member else {}
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    if isinstance(data, dict):
        nested = data.get("metadata", {}).get("audit") if isinstance(
            data.get("metadata"), dict) else None
        found = nested or data.get("audit", data)
    if not isinstance(found, dict) or not {"audit_head_id", "audit_head_digest"} <= set(found):
        raise ValueError(f"{path} records no audit chain head (audit_head_id, "
                         "audit_head_digest).")
    return {"kind": "manifest", "file": Path(path).name,
            "audit_head_id": found["audit_head_id"],
            "audit_head_digest": found["audit_head_digest"]}
