"""Verifying the audit chain: every link, digest and recorded head (``verify_chain``).

Each event's digest is an HMAC (the audit key, ``audit.anchor``) over its content and
the previous event's digest, and the chain head row holds the last id and digest. So
verification finds an event changed after it was written (its digest no longer
matches), an event removed or reordered (the next one's ``prev_digest`` no longer
links), events removed from the end (the head row, or a head recorded at a backup,
is no longer in the chain), and a chain rewritten by someone without the key (the
digests are not the key's).

Events written before the log had a key carry a plain SHA-256 digest. They are
accepted only as the beginning of the chain, before the first keyed event: that
event's HMAC covers the last plain digest, so the plain part cannot be rewritten
either. A chain with no keyed event at all does not verify — otherwise rewriting
everything with plain digests would pass — and ``audit rekey`` seals it once.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models import AuditEvent, db
from models.audit import GENESIS, AuditChainHead, event_digest

from .anchor import audit_key


@dataclass
class ChainReport:
    ok: bool
    count: int
    message: str
    broken_id: int | None = None
    plain: int = 0
    """Events at the start with a plain SHA-256 digest (written before the key)."""
    last_id: int = 0
    last_digest: str = GENESIS


def _broken(count: int, row_id: int | None, text: str, plain: int = 0) -> ChainReport:
    return ChainReport(False, count, text, row_id, plain)


def _head_problem(head: dict, seen: dict[int, str]) -> str | None:
    """Why a recorded head is not in the chain any more, or None if it is."""
    where = f"the head recorded {_origin(head)}"
    if head.get("kind") == "unreadable":
        return f"Line {head.get('line')} of the heads file is unreadable."
    head_id, digest = head.get("audit_head_id"), head.get("audit_head_digest")
    if head_id in (0, None):
        return None
    if head_id not in seen:
        return (f"Broken chain end: {where} is event {head_id}, which is no longer in "
                "the log (events were removed from the end).")
    if seen[head_id] != digest:
        return (f"Broken chain: event {head_id} is not the one {where} (the log was "
                "rewritten from there on).")
    return None


def _origin(head: dict) -> str:
    kind, name, at = head.get("kind"), head.get("file"), head.get("at", "")[:19]
    if kind == "manifest":
        return f"in {name}"
    words = [f"at the {kind or 'backup'}", name, f"({at} UTC)" if at else None]
    return " ".join(word for word in words if word)


def verify_chain(session=None, batch: int = 2000, *, key: bytes | None = None,
                 heads: list[dict] | tuple = ()) -> ChainReport:
    """Check every link, digest and recorded head; stop at the first problem."""
    session = session or db.session
    key = key if key is not None else audit_key()
    wanted = {h.get("audit_head_id") for h in heads}
    seen: dict[int, str] = {}
    table = AuditEvent.__table__
    last_id, last_digest, count, plain = 0, GENESIS, 0, 0
    rows = session.execute(sa.select(table).order_by(table.c.id)
                           .execution_options(yield_per=batch)).mappings()
    for row in rows:
        if row["prev_digest"] != last_digest:
            return _broken(count, row["id"], (
                f"Broken link at event {row['id']}: it does not follow event {last_id} "
                "(an event between them was removed, or one was changed or reordered)."))
        if event_digest(row, row["prev_digest"], key) != row["digest"]:
            if event_digest(row, row["prev_digest"]) != row["digest"]:
                return _broken(count, row["id"], (
                    f"Broken link at event {row['id']}: its content does not match its "
                    "digest (it was changed after it was written, or the audit key is "
                    "not the one the log was written with)."))
            if plain < count:
                return _broken(count, row["id"], (
                    f"Broken link at event {row['id']}: its digest is not made with the "
                    "audit key, though earlier events' are: it was rewritten after it "
                    "was written, by someone without the key."))
            plain += 1
        if row["id"] in wanted:
            seen[row["id"]] = row["digest"]
        last_id, last_digest, count = row["id"], row["digest"], count + 1
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.last_id, head.last_digest) != (last_id, last_digest):
        return _broken(count, last_id, (
            f"Broken chain end: the log ends at event {last_id} but the chain head "
            f"records event {head.last_id} (events were removed from the end)."), plain)
    for recorded in heads:
        problem = _head_problem(recorded, seen)
        if problem:
            return _broken(count, recorded.get("audit_head_id"), problem, plain)
    if count and plain == count:
        return _broken(count, None, (
            f"The audit log's {count} event(s) were all written without the audit key, "
            "so nothing shows they were not rewritten since: run `flask --app app audit "
            "rekey` once to seal them with the key."), plain)
    anchors = f", {len(heads)} recorded head(s) found in it" if heads else ""
    return ChainReport(True, count, f"Audit chain intact: {count} event(s){anchors}, "
                                    f"last digest {last_digest[:16]}….", None, plain,
                       last_id, last_digest)
