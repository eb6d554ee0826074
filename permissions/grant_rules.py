"""The grants in force: ``policy.POLICY`` with the GM office's approved changes on top.

``effective_policy()`` is what ``can()`` reads: the code's table, where an approved
``GrantChange`` replaced a role's line for one record type (``role_grant``, read through
the settings snapshot of ``models/office_settings.py``, so every worker has it from its
next request). ``grant_problems`` says why a proposed grant may not be made: an action
the record type does not declare, ``delete`` (no business record is ever deleted), a row
scope the record type cannot have, a step without read access, or a declared step that
nobody could fire any more.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import has_app_context
from flask_babel import lazy_gettext as _l

from models import REGISTRY
from models.choices import ROLES
from models.grant_change import GRANT_ACTIONS, GRANTABLE_RECORDS, SCOPES, declared_actions
from models.mixins import Owned
from models.office_settings import current

from .policy import POLICY, READ, WRITE, Grant


def effective_policy() -> dict[str, dict[str, Grant]]:
    """role → table → grant, as in force now for this app."""
    if not has_app_context():
        return POLICY
    snap = current()
    if not snap.grants:
        return POLICY
    merged = snap.memo.get("policy")
    if merged is None:
        merged = merge(POLICY, snap.grants)
        snap.memo["policy"] = merged
    return merged


def merge(policy: dict, changes: dict) -> dict:
    """``policy`` with ``changes`` ((role, table) → (scope, actions)) applied."""
    merged = {role: dict(tables) for role, tables in policy.items()}
    for (role, table), (scope, actions) in changes.items():
        tables = merged.setdefault(role, {})
        if actions:
            tables[table] = Grant(scope, frozenset(actions))
        else:
            tables.pop(table, None)
    return merged


def stored_policy(session) -> dict[str, dict[str, Grant]]:
    """The grants in force as the database holds them now, read in ``session``'s
    transaction (an approval re-checks against what another approval just committed,
    not against the snapshot its request started with)."""
    from models.app_setting import RoleGrant

    rows = session.connection().execute(sa.select(
        RoleGrant.role, RoleGrant.record, RoleGrant.scope, RoleGrant.actions)).all()
    return merge(POLICY, {(role, record): (scope, frozenset((actions or "").split()))
                          for role, record, scope, actions in rows})


def describe(found: Grant | None) -> str:
    if found is None or not found.actions:
        return str(_l("no grant"))
    names = [str(GRANT_ACTIONS.get(a, a)) for a in sorted(found.actions)]
    return f"{SCOPES.get(found.scope, found.scope)}: {'、'.join(names)}"


def scope_problem(model, scope: str):
    if scope not in SCOPES:
        return _l("Rows: choose one of the listed values.")
    if scope == "department" and not issubclass(model, Owned):
        return _l("Rows: %(record)s do not belong to a department; choose all or own.",
                  record=model.Admin.label_plural)
    if scope == "own" and not (getattr(model, "owner_columns", ())
                               or model.__tablename__ == "loan"):
        return _l("Rows: %(record)s have no owner; choose all or own department.",
                  record=model.Admin.label_plural)
    return None


def unfirable_steps(policy: dict) -> set[tuple[str, str]]:
    """(table, step) pairs of declared steps no role may fire under ``policy``."""
    found = set()
    for table, model in REGISTRY.items():
        for step in getattr(model, "steps", tuple)():
            if not any(step.name in tables.get(table, Grant("all", frozenset())).actions
                       for tables in policy.values()):
                found.add((table, step.name))
    return found


def grant_problems(role: str, table: str, scope: str, actions: frozenset[str],
                   before: dict | None = None) -> list:
    """Why the grant (``role`` on ``table``: ``scope``, ``actions``) may not be made, on
    top of the grants ``before`` (default: those in force for this request)."""
    model = REGISTRY.get(table)
    if role not in ROLES:
        return [_l("Role: choose one of the listed values.")]
    if model is None or table not in GRANTABLE_RECORDS:
        return [_l("Record type: choose one of the listed values.")]
    found = []
    unknown = sorted(actions - set(declared_actions(model)))
    if "delete" in unknown:
        found.append(_l("Allowed actions: no record of the office is ever deleted."))
    elif unknown:
        found.append(_l("Allowed actions: %(record)s have no action %(actions)s.",
                        record=model.Admin.label_plural, actions=", ".join(unknown)))
    problem = scope_problem(model, scope) if actions else None
    if problem:
        found.append(problem)
    if actions and not actions & set(READ):
        found.append(_l("Allowed actions: whoever may act on a record must be able to "
                        "list or view it; add List or View."))
    if found:
        return found
    before = effective_policy() if before is None else before
    after = merge(before, {(role, table): (scope, actions)})
    lost = sorted(unfirable_steps(after) - unfirable_steps(before))
    if lost:
        steps = "、".join(f"{REGISTRY[t].Admin.label_plural}: {REGISTRY[t].transition(s).label}"
                         for t, s in lost)
        found.append(_l("Allowed actions: nobody could then do %(steps)s; give the step to "
                        "another role first.", steps=steps))
    return found


def same_as_now(role: str, table: str, scope: str, actions: frozenset[str]) -> bool:
    now = effective_policy().get(role, {}).get(table)
    if now is None:
        return not actions
    return now.actions == actions and (now.scope == scope or not actions)


def apply_grant(change, approver) -> None:
    """Write the approved grant (``role_grant``) and audit it old → new, in the
    approval's transaction. A grant equal to the code's removes the stored line."""
    from audit import record_event
    from models import db
    from models.app_setting import RoleGrant

    session = db.session
    old = describe(stored_policy(session).get(change.role, {}).get(change.record))
    stored = session.scalar(sa.select(RoleGrant).where(RoleGrant.role == change.role,
                                                       RoleGrant.record == change.record))
    actions = change.action_set()
    code = POLICY.get(change.role, {}).get(change.record)
    if (code is None and not actions) or (code is not None and code.actions == actions
                                          and code.scope == change.scope):
        if stored is not None:
            session.delete(stored)
    else:
        if stored is None:
            stored = RoleGrant(role=change.role, record=change.record)
            session.add(stored)
        stored.scope, stored.actions = change.scope, " ".join(sorted(actions))
        stored.changed_by_grant_change_id = change.id
    new = describe(Grant(change.scope, actions) if actions else None)
    record_event("grant_changed", model="grant_change", record_id=change.id,
                 changes={"role": change.role, "record": change.record,
                          "grant": [old, new], "requested_by": change.requested_by.username,
                          "approved_by": approver.username})


__all__ = ["effective_policy", "grant_problems", "apply_grant", "describe", "merge",
           "same_as_now", "unfirable_steps", "READ", "WRITE"]
