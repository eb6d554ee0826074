"""Who reads which audit events: one rule for the audit log screen, its export, the
record history and the case timeline.

A reader of the log (the policy grants ``audit_event`` list or view: auditors and
the GM office) reads an event when both hold:

* the event's level is within their clearance (or it has none): an event keeps the
  highest level its record had in it, and its values are written at that level;
* it is about no record, or about a record they may see today: a record raised above
  their clearance since takes its whole past with it (no read-up), and so does a
  record type their read grant does not cover in full.

Events about no record — logins, failed logins, lock-outs, logouts, exports, failed
requests — carry no record's secret and are readable by every reader of the log.
(They used to be hidden from anyone with records above their clearance: the SQL
``NOT (model = 'x' AND record_id IN (…))`` is NULL, not true, when both are NULL.)

Anyone else reads no event here; a record's history adds its own change events for
those who may see the record (``readable_in_history``), values masked by level
(``readable``): ``audit.reading`` tells them, the screens only show them.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import REGISTRY, AuditEvent
from models.mixins import Classified, Owned

from .core import READ_ACTIONS, grants
from .levels import ORDER, dominates, levels_up_to

#: Events about reading, not changing, a record: in its history for log readers only.
READING = ("refused", "download", "export", "request_failed", "print")


def reads_audit_log(user) -> bool:
    """May ``user`` read the audit log at all (the policy's ``audit_event`` grant)?"""
    return any(grants(user, AuditEvent, action) for action in READ_ACTIONS)


def _not_about(table: str, ids=None):
    """SQL: the event is not about a row of ``table`` (with an id in ``ids`` if given).
    Spelled out with IS NULL: ``model`` and ``record_id`` are empty on events about no
    record, and a comparison with NULL would drop those events too."""
    others = [AuditEvent.model.is_(None), AuditEvent.model != table]
    if ids is not None:
        others += [AuditEvent.record_id.is_(None), AuditEvent.record_id.not_in(ids)]
    return sa.or_(*others)


def readable_events(user):
    """SQL condition: the audit events ``user`` may read (see the module docstring)."""
    if not reads_audit_log(user):
        return sa.false()
    allowed = levels_up_to(user.clearance)
    conditions = [sa.or_(AuditEvent.level.is_(None), AuditEvent.level.in_(allowed))]
    for table, model in REGISTRY.items():
        if not issubclass(model, (Owned, Classified)):
            continue  # reference data (users, departments): no level, no department
        scopes = {g.scope for action in READ_ACTIONS for g in grants(user, model, action)}
        if "all" not in scopes:
            conditions.append(_not_about(table))  # default deny: no partial reading
        elif issubclass(model, Classified) and allowed != ORDER:
            # Core table, not the entity: the session's visibility filter must not
            # rewrite this subquery (it would hide exactly the rows it looks for).
            rows = model.__table__
            above = sa.select(sa.cast(rows.c.id, sa.String)).where(
                rows.c.level.not_in(allowed))
            conditions.append(_not_about(table, above))
    return sa.and_(*conditions)


def readable(event: AuditEvent, clearance: str | None) -> bool:
    """May a reader with ``clearance`` read the values of ``event``? Below the event's
    level they see that it happened (who, when, which fields), not what it said."""
    return event.level is None or dominates(clearance, event.level)


def readable_in_history(user):
    """SQL: of a record the reader may see, how it changed (every change event, values
    masked by level with ``readable``), and the rest — who tried to read it — as far as
    the audit-reading rule lets this reader see it."""
    return sa.or_(AuditEvent.action.not_in(READING), readable_events(user))
