"""The audit trail: one session-level mechanism records every change, in its transaction.

How it works, and why this way:

* ``after_flush`` reads each flushed object's attribute history (old → new per
  column, many-to-many links added/removed). After the flush, new rows have their
  ids and foreign keys set through relationships are synchronised, so nothing is
  missed. Models contain no audit code.
* Events wait in ``session.info`` until ``before_commit``, which flushes what is
  left, locks the chain head row and appends the events with consecutive ids and
  a hash chain keyed with the audit key (``models/audit.py``, ``audit/anchor.py``).
  They are committed with the change, so a rollback leaves no event and no change
  is committed without its event; the chain lock is held only for the moment of
  the commit.
* A row of a non-registered child table (a return slip's line, a contract's review,
  an attachment) is reported as a change of the record it belongs to.
* ``record_event`` adds events the ORM cannot see (login, export, transition).
  An explicit event about a record absorbs that record's field changes of the same
  transaction, so a transition is one event: its name plus old → new per field.
* ORM bulk ``update()``/``delete()`` bypass flush events; they are intercepted
  in ``do_orm_execute``: the affected rows are read before and after, and each
  gets its event. SQL sent on a raw connection is not seen (the hash chain and the
  database triggers still protect the log itself).
* The log is append-only: the ORM refuses to update or delete an event, and the
  migration adds database triggers that refuse it too.

Savepoints: events collected inside a savepoint that is rolled back stay pending
(nothing in the product uses savepoints).
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.interfaces import MANYTOONE

from models import REGISTRY, AuditEvent, db
from models.audit import GENESIS, AuditChainHead
from models.hooks import hook
from models.mixins import Classified, utcnow
from permissions.levels import rank
from request_log import current_request_id

from .anchor import audit_key

#: Tables whose rows are not business data: never audited.
NOT_AUDITED = {"audit_event", "audit_chain_head", "number_counter", "alembic_version"}
NOT_AUDITED.add("daily_job_run")  # the scheduler's claims; the work they do is audited
#: Bookkeeping columns whose changes say nothing an auditor needs.
SKIPPED_FIELDS = {"version_id", "updated_at", "last_login_at", "session_version"}
#: Values never written into the log, only the fact that they changed.
MASK = "***"
#: Stands for an old value written while the record had a higher level than this
#: event's: it stays in that earlier event, readable only at that level.
ABOVE = {"above": True}
#: Actions the hook writes; any other action is an explicit ``record_event``.
CHANGE_ACTIONS = ("insert", "update", "delete")
MAX_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL


class AppendOnlyError(RuntimeError):
    """Raised when anything tries to change or remove an audit event."""


# -- who, from where ----------------------------------------------------------------

def _clean(text, limit: int) -> str | None:
    """Printable text only: a request can carry bytes a database column refuses."""
    if text is None:
        return None
    return "".join(ch for ch in str(text) if ch.isprintable())[:limit]


#: ``session.info`` key naming who acts outside a request (``services`` sets it): a
#: script's or command's changes are audited under that user, like a request's.
ACTING_USER = "acting_user"


def _who(user=None) -> dict:
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    in_request = has_request_context()
    if user is None and not in_request:
        user = db.session.info.get(ACTING_USER)
    return {"user_id": getattr(user, "id", None),
            "username": _clean(getattr(user, "username", None), 60),
            "address": _clean(request.remote_addr, 64) if in_request else None,
            "endpoint": _clean(request.endpoint, 120) if in_request else None}


# -- values -------------------------------------------------------------------------

def plain(value):
    """A JSON value for the log: dates ISO (UTC for date-times), decimals as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 8640.00 and 8640 are one amount
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _masked(key: str) -> bool:
    return "password" in key


def max_level(*levels: str | None) -> str | None:
    known = [level for level in levels if level]
    return max(known, key=rank) if known else None


# -- pending events -----------------------------------------------------------------

@dataclass
class Pending:
    """An event not yet written: ``changes`` stays a dict so later changes can merge."""

    action: str
    model: str | None = None
    record_id: str | None = None
    changes: dict = field(default_factory=dict)
    level: str | None = None
    who: dict = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)
    request_id: str | None = field(default_factory=current_request_id)

    @property
    def explicit(self) -> bool:
        return self.action not in CHANGE_ACTIONS

    def absorb(self, other: Pending) -> None:
        """Fold ``other``'s changes in: old value from the earlier, new from the later."""
        for key, value in other.changes.items():
            mine = self.changes.get(key)
            if isinstance(mine, list) and isinstance(value, list):
                merged = [mine[0], value[1]]
                if merged[0] == merged[1]:
                    self.changes.pop(key)  # changed and changed back
                else:
                    self.changes[key] = merged
            elif isinstance(mine, dict) and isinstance(value, dict) \
                    and {*mine, *value} <= {"added", "removed"}:  # many-to-many links
                self.changes[key] = {k: sorted(set(mine.get(k, ())) | set(value.get(k, ())))
                                     for k in ("added", "removed")}
            else:
                self.changes[key] = value
        self.level = max_level(self.level, other.level)

    def to_event(self) -> AuditEvent:
        return AuditEvent(
            at=self.at, action=self.action, model=self.model, record_id=self.record_id,
            changes=json.dumps(self.changes, ensure_ascii=False, sort_keys=True,
                               default=str) if self.changes else None,
            level=self.level, request_id=self.request_id, **self.who)


def _pending(session) -> list[Pending]:
    return session.info.setdefault("audit_pending", [])


def _queue(session, new: Pending) -> Pending:
    """Add an event, merging it with an earlier one about the same record if it should.

    Field changes of one record in one transaction become one event (an insert
    followed by updates stays an insert); an explicit event (a transition) absorbs
    them. A deletion, and a second explicit event, stay events of their own.
    """
    queue = _pending(session)
    if new.record_id is not None and new.action != "delete":
        for index, old in enumerate(queue):
            if (old.model, old.record_id) != (new.model, new.record_id) \
                    or old.action == "delete":
                continue
            if not new.explicit:
                old.absorb(new)
                return old
            if old.action == "update":
                old.absorb(new)  # field changes first, then what the explicit event says
                new.changes, new.level = old.changes, old.level
                queue[index] = new
                return new
    queue.append(new)
    return new


def record_event(action: str, *, user=None, model: str | None = None,
                 record_id=None, changes: dict | None = None,
                 username: str | None = None) -> AuditEvent:
    """Record something the ORM cannot see (login, export, transition…).

    Written when the current transaction commits; gone if it rolls back.
    ``username`` names the account concerned when nobody is logged in (the name
    typed at a failed login).
    """
    who = _who(user)
    if username is not None:
        who["username"] = _clean(username, 60)
    pending = _queue(db.session(), Pending(
        action=action, model=model, record_id=_clean(record_id, 64),
        changes=dict(changes or {}), who=who))
    return pending.to_event()


@contextmanager
def recorded_as(user, at: datetime):
    """Events queued inside the block are ``user``'s at ``at`` (naive UTC), one per step.

    For writing down what happened earlier — the demo data set, told as its users
    lived it: who registered a record, who confirmed, approved and closed it, when.
    The block's events are kept apart from those queued before it (a record's later
    step is not merged into its creation), flushed at the end of the block, and then
    wait for the commit like any other: they are chained with the audit key there.
    Refused inside a request: what a user does is recorded as theirs, now.
    """
    if has_request_context():
        raise RuntimeError("recorded_as writes down the past; a request records itself.")
    session = db.session()
    earlier = session.info.pop("audit_pending", [])
    try:
        yield
        session.flush()
        for pending in session.info.get("audit_pending", []):
            pending.who, pending.at = _who(user), at
            earlier.append(pending)
    finally:
        session.info["audit_pending"] = earlier


def order_pending_by_time() -> None:
    """Put the events waiting for the commit in the order of their times (ties keep
    their order), so the log's ids follow the story written with ``recorded_as``."""
    _pending(db.session()).sort(key=lambda pending: pending.at)


def record_refusal(status: int, *, model: str | None = None, record_id=None) -> None:
    """Log a refused attempt (403, or a 404 that hides a record) and commit it.

    The request is about to be aborted: nothing else of it may be saved, so the
    session is rolled back first; the event is written in a transaction of its own,
    one per request (``audit.refusals``).
    """
    from .refusals import record_refusal_now  # it builds on this module

    record_refusal_now(status, model=model, record_id=record_id)


# -- reading a flushed object ---------------------------------------------------------

def _table(obj_or_class) -> str:
    mapper = sa.inspect(obj_or_class)
    mapper = getattr(mapper, "mapper", mapper)
    return mapper.local_table.name


def _audited(obj) -> bool:
    return not isinstance(obj, AuditEvent | AuditChainHead) \
        and _table(obj) not in NOT_AUDITED


def _history_values(state, key: str) -> tuple:
    """(old, new) of one column attribute; either may be missing (``...``)."""
    history = state.attrs[key].history
    old = history.deleted[0] if history.deleted else (
        history.unchanged[0] if history.unchanged else ...)
    new = history.added[0] if history.added else (
        history.unchanged[0] if history.unchanged else ...)
    if old is ... and new is ... and key in state.dict:
        old = new = state.dict[key]
    return old, new


def _typed(attr, value):
    """A Numeric column's value as a Decimal whichever number type was assigned, so
    5, 5.0 and Decimal("5.000") are one value and not a change."""
    if value is not None and isinstance(attr.columns[0].type, sa.Numeric) \
            and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return value
    return value


def _pk(obj) -> int | None:
    identity = sa.inspect(obj).mapper.primary_key_from_instance(obj)
    return identity[0] if identity else None


@dataclass
class RowChange:
    """One row's change: field → [old, new] (or links added/removed), plus context."""

    model: type
    action: str
    pk: object
    changes: dict
    old: dict
    new: dict


def _row_change(obj, action: str) -> RowChange | None:
    state = sa.inspect(obj)
    mapper = state.mapper
    changes, old_values, new_values = {}, {}, {}
    for attr in mapper.column_attrs:
        key = attr.key
        old, new = _history_values(state, key)
        old = None if old is ... or action == "insert" else _typed(attr, old)
        new = None if new is ... or action == "delete" else _typed(attr, new)
        old_values[key], new_values[key] = old, new
        if key in SKIPPED_FIELDS or attr.columns[0].primary_key:
            continue
        if plain(old) != plain(new):
            changes[key] = [MASK if old is not None else None, MASK] if _masked(key) \
                else [plain(old), plain(new)]
    for rel in mapper.relationships:
        if rel.secondary is None or action == "delete":
            continue
        history = state.attrs[rel.key].history
        added = sorted(p for p in map(_pk, history.added or ()) if p is not None)
        removed = sorted(p for p in map(_pk, history.deleted or ()) if p is not None)
        if added or removed:
            changes[rel.key] = {"added": added, "removed": removed}
    if not changes and action == "update":
        return None
    return RowChange(type(obj), action, _pk(obj), changes, old_values, new_values)


# -- who owns a child row --------------------------------------------------------------

def _owner_of(session, change: RowChange):
    """(owner class, owner id, prefix) for a row of a non-registered child table."""
    registered = set(REGISTRY.values())
    if change.model in registered:
        return None
    values = change.new if change.action != "delete" else change.old
    if "owner_table" in values and "owner_id" in values:  # attachments
        owner = REGISTRY.get(values.get("owner_table") or change.old.get("owner_table"))
        owner_id = values.get("owner_id") or change.old.get("owner_id")
        return (owner, owner_id, _table(change.model)) if owner and owner_id else None
    candidates = [rel for rel in sa.inspect(change.model).relationships
                  if rel.direction is MANYTOONE and rel.mapper.class_ in registered]
    candidates.sort(key=lambda rel: not (rel._reverse_property and any(
        r.cascade.delete_orphan for r in rel._reverse_property)))
    for rel in candidates:
        column = next(iter(rel.local_columns)).key
        owner_id = values.get(column) or change.old.get(column)
        if owner_id is not None:
            reverse = next(iter(rel._reverse_property), None)
            prefix = reverse.key if reverse is not None else _table(change.model)
            return rel.mapper.class_, owner_id, prefix
    return None


def _level_of(session, model, pk) -> str | None:
    if model is None or not issubclass(model, Classified) or pk is None:
        return None
    return session.execute(sa.select(model.level).where(model.id == pk),
                           execution_options={"skip_visibility": True}).scalar()


def _as_pending(session, change: RowChange) -> Pending:
    owner = _owner_of(session, change)
    if owner is None:
        return Pending(action=change.action, model=_table(change.model),
                       record_id=str(change.pk),
                       changes=change.changes, who=_who(),
                       level=max_level(change.old.get("level"), change.new.get("level")))
    owner_model, owner_id, prefix = owner
    skip = {c.key for rel in sa.inspect(change.model).relationships
            if rel.direction is MANYTOONE and rel.mapper.class_ is owner_model
            for c in rel.local_columns} | {"owner_table", "owner_id"}
    changes = {f"{prefix}#{change.pk}.{key}": value
               for key, value in change.changes.items() if key not in skip}
    if change.action == "delete" and not changes:
        changes = {f"{prefix}#{change.pk}": ["-", None]}
    # The owner's level is looked up once per merged event, in append(), not per row.
    return Pending(action="update", model=_table(owner_model), record_id=str(owner_id),
                   changes=changes, who=_who())


# -- the session hooks ----------------------------------------------------------------------

def _keep_old_values(mapper, class_) -> None:
    """Load the old value when a column is set on an expired object (after a commit),
    so its event still says old → new."""
    if mapper.local_table.name in NOT_AUDITED:
        return
    for attr in mapper.column_attrs:
        event.listen(getattr(class_, attr.key), "set", _ignore, active_history=True)


def _ignore(target, value, oldvalue, initiator):
    return value


hook(Mapper, "mapper_configured")(_keep_old_values)
for _mapper in list(db.Model.registry.mappers):  # configured before this module loaded
    if _mapper.configured:
        _keep_old_values(_mapper, _mapper.class_)


@hook(Session, "before_flush")
def _refuse_changing_events(session, flush_context, instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AppendOnlyError("Audit events cannot be deleted.")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise AppendOnlyError("Audit events cannot be changed.")


@hook(Mapper, "after_delete")
def _note_deletion(mapper, connection, target) -> None:
    """Deletions as they are flushed: this also sees orphans and cascades, which
    ``session.deleted`` does not list."""
    session = sa.orm.object_session(target)
    if session is not None:
        session.info.setdefault("audit_deleted", []).append(target)


@hook(Session, "after_flush")
def _collect_changes(session, flush_context) -> None:
    deleted = session.info.pop("audit_deleted", [])
    found = [(obj, "insert") for obj in session.new] + \
        [(obj, "update") for obj in session.dirty
         if obj not in deleted and session.is_modified(obj, include_collections=True)] + \
        [(obj, "delete") for obj in dict.fromkeys(deleted)]
    for obj, action in found:
        if not _audited(obj):
            continue
        change = _row_change(obj, action)
        if change is not None:
            _queue(session, _as_pending(session, change))


@hook(Session, "before_commit")
def _write_events(session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # the last changes' events join the queue
    queue = session.info.pop("audit_pending", [])
    if queue:
        append(session, queue)


@hook(Session, "after_transaction_end")
def _forget_on_end(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("audit_pending", None)


def _hide_old_values_from_above(session, pending: Pending) -> None:
    """Keep every value of an event at the event's own level.

    An old value may have been written while the record was more confidential (a
    record lowered from secret to internal): it is replaced by ``ABOVE`` here and
    stays readable in the earlier event, at that event's level. So one rule holds
    everywhere the log is read — show an event only within the reader's clearance.
    """
    model = REGISTRY.get(pending.model)
    olds = [key for key, value in pending.changes.items()
            if isinstance(value, list) and len(value) == 2 and value[0] is not None]
    if not olds or model is None or not issubclass(model, Classified):
        return
    same_record = (AuditEvent.model == pending.model,
                   AuditEvent.record_id == pending.record_id)
    ceiling = rank(pending.level)
    levels = session.scalars(sa.select(AuditEvent.level).where(*same_record).distinct())
    if all(rank(level) <= ceiling for level in levels):
        return  # the usual case: the record was never above this event's level
    earlier = session.execute(sa.select(AuditEvent.level, AuditEvent.changes)
                              .where(*same_record).order_by(AuditEvent.id.desc()))
    unseen = set(olds)
    for level, text in earlier:
        touched = unseen & set(json.loads(text or "{}"))
        for key in touched:
            if rank(level) > ceiling:
                pending.changes[key] = [ABOVE, pending.changes[key][1]]
        unseen -= touched
    for key in unseen:  # written before the log began: as high as the record ever was
        pending.changes[key] = [ABOVE, pending.changes[key][1]]


def append(session, queue: list[Pending]) -> None:
    """Chain and add the events. The head row's UPDATE is the lock: on PostgreSQL a
    second transaction waits there for the first one's commit, and SQLite lets one
    writer at a time; either way ids and digests follow each other without a fork."""
    for pending in queue:  # before taking the lock: a query here may autoflush
        record_id = (pending.record_id or "")[:10]
        # isdigit() alone takes "①" and "²", which int() refuses.
        if pending.level is None and pending.model in REGISTRY and record_id.isascii() \
                and record_id.isdigit() \
                and int(record_id) <= MAX_ID:
            pending.level = _level_of(session, REGISTRY[pending.model], int(record_id))
        _hide_old_values_from_above(session, pending)
    connection = session.connection()
    head = AuditChainHead.__table__
    lock = sa.update(head).where(head.c.id == 1).values(last_id=head.c.last_id) \
        .returning(head.c.last_id, head.c.last_digest)
    row = connection.execute(lock).first()
    if row is None:  # a database built without the migration's first row
        insert = postgresql.insert if connection.dialect.name == "postgresql" \
            else sqlite.insert
        connection.execute(insert(head).values(id=1, last_id=0, last_digest=GENESIS)
                           .on_conflict_do_nothing(index_elements=["id"]))
        row = connection.execute(lock).first()
    last_id, last_digest = row
    key = audit_key()
    for pending in queue:
        audit_event = pending.to_event()
        audit_event.id = last_id + 1
        audit_event.prev_digest = last_digest
        audit_event.digest = audit_event.expected_digest(key)
        session.add(audit_event)
        last_id, last_digest = audit_event.id, audit_event.digest
    connection.execute(sa.update(head).where(head.c.id == 1)
                       .values(last_id=last_id, last_digest=last_digest))


# -- bulk statements ----------------------------------------------------------------------

def _mapped_class(table_name: str):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table.name == table_name:
            return mapper.class_
    return None


@hook(Session, "do_orm_execute")
def _audit_bulk_statements(state) -> object:
    """Bulk UPDATE/DELETE skip the flush: read the rows before and after instead."""
    if not (state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in ("audit_event",):
        raise AppendOnlyError("Audit events cannot be changed or deleted.")
    if name is None or name in NOT_AUDITED or len(table.primary_key.columns) != 1:
        return None
    model = _mapped_class(name)
    if model is None:
        return None
    table = model.__table__  # plain Core rows, not the ORM entities of an annotated table
    session = state.session
    key = next(iter(table.primary_key.columns)).name
    where = state.statement.whereclause
    query = sa.select(table) if where is None else sa.select(table).where(where)
    options = {"skip_visibility": True}
    before = {row._mapping[key]: dict(row._mapping) for row in
              session.execute(query, execution_options=options)}
    result = state.invoke_statement()
    after = {}
    if state.is_update and before:
        after = {row._mapping[key]: dict(row._mapping) for row in session.execute(
            sa.select(table).where(table.c[key].in_(list(before))),
            execution_options=options)}
    columns = {c.name: attr.key for attr in sa.inspect(model).column_attrs
               for c in attr.columns}
    for pk, old_row in before.items():
        old = {columns.get(k, k): v for k, v in old_row.items()}
        new = {columns.get(k, k): v for k, v in after.get(pk, {}).items()}
        changes = {k: ([MASK, MASK] if _masked(k) else [plain(v), plain(new.get(k))])
                   for k, v in old.items() if k not in SKIPPED_FIELDS and k != key
                   and (state.is_delete or plain(v) != plain(new.get(k)))}
        if changes:
            change = RowChange(model, "delete" if state.is_delete else "update", pk,
                               changes, old, new if state.is_update else {})
            _queue(session, _as_pending(session, change))
    return result
