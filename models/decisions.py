"""Decisions stay made: a field a record's status has locked does not change.

Each stateful model declares ``locked_from`` (field → first status in which it is
locked, ``models/workflow.py``). One ``before_flush`` hook compares what a flush
would write with it, so every door is covered at once — an edit form, a list edit,
a bulk action, inline rows, a script, a future API: a locked field changed, a row of
a locked collection (return-slip lines, review opinions) added, changed or removed,
or a decided record deleted is refused with ``LockedField``, whose message names the
field and says what to do instead.

What a step changes is allowed: ``fire`` runs the step inside ``step_in_progress``,
which notes the fields the step set (its ``requires``, ``stamps``, line fields and
whatever ``after_transition`` changed, on any record) for the next flush only. Bulk
SQL statements (``session.execute(update(...))``) bypass the flush and this check,
as they bypass every ORM rule: the application does not use them on records.
"""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import MANYTOONE, ONETOMANY

from .hooks import hook
from .workflow import Stateful, TransitionRefused, label_of

#: Columns the system keeps on every record: never an input, never locked.
SYSTEM_FIELDS = frozenset({"id", "version_id", "created_at", "updated_at"})
#: ``session.info`` key: record → fields the step being flushed may change.
ALLOWED = "decisions_step_changes"


class LockedField(TransitionRefused):
    """A save would change a field the record's status has locked."""

    def __init__(self, message, record=None, field: str | None = None):
        super().__init__(message)
        self.record, self.field = record, field


# -- what changed ------------------------------------------------------------------------

def _related_key(obj) -> tuple | None:
    if obj is None:
        return None
    identity = sa.inspect(obj).identity
    return tuple(identity) if identity is not None else ("new", id(obj))


def changed_fields(obj) -> set[str]:
    """Fields of ``obj`` this flush would change, by their declared names: a foreign key
    column counts as its relationship; the same related record set again is no change."""
    state = sa.inspect(obj)
    mapper = state.mapper
    found = set()
    by_column = {}
    for rel in mapper.relationships:
        if rel.viewonly:
            continue
        history = state.attrs[rel.key].history
        if rel.direction is MANYTOONE:
            for column in rel.local_columns:
                by_column[column.key] = rel.key
            if not history.added and not history.deleted:
                continue
            new = _related_key(history.added[0]) if history.added else None
            if history.deleted:
                old = _related_key(history.deleted[0])
            else:  # the old row was not loaded: its key is still in the foreign key
                values = tuple(getattr(obj, c.key) for c in rel.local_columns)
                old = None if all(v is None for v in values) else values
            if new != old:
                found.add(rel.key)
        elif history.has_changes():
            found.add(rel.key)
    for attr in mapper.column_attrs:
        if attr.key in SYSTEM_FIELDS:
            continue
        if state.attrs[attr.key].history.has_changes():
            found.add(by_column.get(attr.key, attr.key))
    return found


def committed_value(record, field: str):
    """The value ``field`` had before this unit of work (a step or a save changes it)."""
    history = sa.inspect(record).attrs[field].history
    return history.deleted[0] if history.deleted else getattr(record, field)


def committed_status(record) -> str:
    """The status the record had before this unit of work (a step moves it)."""
    return committed_value(record, "status")


# -- steps in progress -------------------------------------------------------------------

def _snapshot(session) -> dict:
    return {obj: changed_fields(obj) for obj in list(session.dirty)}


@contextmanager
def step_in_progress(session, record, step):
    """Around a step's changes: what it changes may pass the locks at the next flush.

    The fields changed before the step began (by a form or a script in the same unit
    of work) are not the step's: they are still checked.
    """
    before = _snapshot(session)
    yield
    allowed = session.info.setdefault(ALLOWED, {})
    for obj, fields in _snapshot(session).items():
        allowed.setdefault(obj, set()).update(fields - before.get(obj, set()))
    allowed.setdefault(record, set()).update(
        {*step.requires, *step.stamps, "status"} - before.get(record, set()))


@hook(Session, "after_flush_postexec")
def _forget_step(session, flush_context) -> None:
    session.info.pop(ALLOWED, None)


@hook(Session, "after_transaction_end")
def _forget_step_on_end(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(ALLOWED, None)


# -- rows of a record ----------------------------------------------------------------------

_PARENTS: dict[type, list[tuple[str, str]]] = {}


def parents_of(model) -> list[tuple[str, str]]:
    """(relationship to the parent, the parent's collection) for a row that belongs to a
    stateful record: the parent owns it (``delete-orphan``) and the two name each other."""
    if model not in _PARENTS:
        found = []
        for rel in sa.inspect(model).relationships:
            parent = rel.mapper.class_
            if rel.direction is not MANYTOONE or not issubclass(parent, Stateful):
                continue
            for collection in sa.inspect(parent).relationships:
                if collection.direction is ONETOMANY and collection.mapper.class_ is model \
                        and collection.cascade.delete_orphan \
                        and rel.key in (collection.back_populates, collection.backref):
                    found.append((rel.key, collection.key))
        _PARENTS[model] = found
    return _PARENTS[model]


def _parent(session, row, rel_key: str):
    parent = getattr(row, rel_key)
    if parent is None:
        history = sa.inspect(row).attrs[rel_key].history
        parent = history.deleted[0] if history.deleted else None
    if parent is None:  # only the foreign key was set
        rel = sa.inspect(type(row)).relationships[rel_key]
        pk = tuple(getattr(row, c.key) for c in rel.local_columns)
        if None not in pk:
            parent = session.get(rel.mapper.class_, pk if len(pk) > 1 else pk[0])
    return parent


# -- the check ---------------------------------------------------------------------------

def refusal(record, field: str, status: str) -> LockedField:
    model = type(record)
    back = model.send_back_steps(status, lambda field: committed_value(record, field))
    if back:
        how = _l("To change it, send the record back first with “%(step)s”.",
                 step=back[0].label)
    else:
        how = model.correction_hint or model.frozen_message or _l(
            "It is fixed by the decision taken.")
    message = _l("%(record)s is “%(status)s”: “%(field)s” can no longer be changed. "
                 "%(how)s", record=record, status=model.statuses.get(status, status),
                 field=label_of(model, field), how=how)
    return LockedField(str(message), record, field)


def _check_record(record, allowed: set) -> None:
    status = committed_status(record)
    for field in sorted(changed_fields(record) - allowed):
        if type(record).is_locked(field, status):
            raise refusal(record, field, status)


def _check_row(session, row, allowed: dict, deleted: bool = False) -> None:
    for rel_key, collection in parents_of(type(row)):
        parent = _parent(session, row, rel_key)
        if parent is None or sa.inspect(parent).pending or sa.inspect(parent).transient:
            continue
        status = committed_status(parent)
        if not type(parent).is_locked(collection, status):
            continue
        state = sa.inspect(row)
        if deleted or state.pending or changed_fields(row) - allowed.get(row, set()) \
                - {rel_key}:
            raise refusal(parent, collection, status)


def _check_deletion(record) -> None:
    status = committed_status(record)
    model = type(record)
    if any(model.is_locked(field, status) for field in model.locked_from):
        message = _l("%(record)s is “%(status)s”: it is kept and cannot be deleted.",
                     record=record, status=model.statuses.get(status, status))
        raise LockedField(str(message), record, None)


@hook(Session, "before_flush")
def _keep_decisions(session, flush_context, instances) -> None:
    allowed = session.info.get(ALLOWED, {})
    with session.no_autoflush:
        for obj in list(session.dirty):
            if not session.is_modified(obj):
                continue
            if isinstance(obj, Stateful):
                _check_record(obj, allowed.get(obj, set()))
            elif parents_of(type(obj)):
                _check_row(session, obj, allowed)
        for obj in list(session.new):
            if parents_of(type(obj)):
                _check_row(session, obj, allowed)
        for obj in list(session.deleted):
            if isinstance(obj, Stateful):
                _check_deletion(obj)
            elif parents_of(type(obj)):
                _check_row(session, obj, allowed, deleted=True)
