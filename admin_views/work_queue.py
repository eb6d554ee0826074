"""The work queue on the home page (issue 16 item 1): every record waiting for a step
the user may fire, grouped by kind, oldest first, with its deadline countdown.

"Waiting for a step the user may fire" is read from the declarations, for every
registered ``Stateful`` model: the user holds the step's grant (``grants``), the record
is visible to them (``visible``) and within the grant's scope, its status is one the
step starts from with the step's ``when`` values, and separation of duties
(``not_by`` on the record's own columns, ``by_department``) does not exclude them.
All kinds come in one SQL statement (each kind capped at ``SHOWN`` rows, its total
counted beside them), so the home page stays within its query budget. A click opens
the record with the step's form open (``?step=<name>``).

The same statement brings "my items" (我的事项): the open records whose 经办人 the user
is (``models.mixins.Assignable``), by kind, oldest first, each one click away.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_login import current_user

from models import REGISTRY
from models.mixins import Assignable, Classified
from models.workdays import is_working_day
from models.workflow import Stateful
from permissions import visible
from permissions.core import _scope_clause, grants
from permissions.frozen import remembered_rows
from permissions.levels import levels_up_to
from permissions.scoping import actor, remembered, scoped

from .record_page import due_field, is_destructive

#: Records listed per kind (the group's count says how many wait in all).
SHOWN = 8


@dataclass
class QueueItem:
    """One record waiting for the user, as the home page shows it."""

    text: str
    step: object
    """The step's label (the first of the user's steps that applies); None for a
    record the user handles (我的事项), which waits for no step in particular."""
    status: object
    due: date | None
    days_left: int | None
    """Working days from today to the due date; negative when overdue."""
    url: str


def working_days_left(today: date, due: date | None) -> int | None:
    """Working days until ``due`` (0: due today), negative when overdue; plain days
    beyond 60, where the count no longer changes what the user does."""
    if due is None:
        return None
    if isinstance(due, datetime):
        due = due.date()
    if abs((due - today).days) > 60:
        return (due - today).days
    step = 1 if due >= today else -1
    count, day = 0, today
    while day != due:
        day += timedelta(days=step)
        if is_working_day(day)[0]:
            count += step
    return count


def _awaits_legal(loan):
    return sa.and_(loan.needs_legal.is_(True), loan.legal_approved_at.is_(None))


#: SQL forms of the steps' guards (``Transition.guard``, a Python attribute), by
#: (table, guard): a loan waits for the legal office while it needs its approval (the
#: stored flag) and has none, then for the GM office.
GUARD_CLAUSES = {
    ("loan", "awaits_legal_approval"): _awaits_legal,
    ("loan", "legal_cleared"): lambda loan: sa.not_(_awaits_legal(loan)),
}


def fireable(model, step, user, department_code: str | None):
    """SQL condition: records of ``model`` on which ``user`` may fire ``step`` now, or
    None when the user may fire it on none."""
    found = grants(user, model, step.name)
    guard = GUARD_CLAUSES.get((model.__tablename__, step.guard)) if step.guard else None
    if not found or (step.guard is not None and guard is None):
        return None  # a guard without an SQL form: the record's page offers the step
    if step.by_department is not None and step.by_department != department_code:
        return None
    columns = sa.inspect(model).columns
    clause = [model.status.in_(step.source),
              *(getattr(model, field) == value for field, value in step.when),
              sa.or_(*(_scope_clause(model, scope, user)
                       for scope in sorted({g.scope for g in found})))]
    if guard is not None:
        clause.append(guard(model))
    if issubclass(model, Classified):
        clause.append(model.level.in_(levels_up_to(user.clearance)))
    for field in step.not_by:
        if "." not in field and field in columns:
            column = getattr(model, field)
            clause.append(sa.or_(column.is_(None), column != user.id))
    return sa.and_(*clause)


def _shown_columns(model):
    """(text, due) of a record as the home page lists it: its number (else its first
    look-up field, else its id) and its due date (a day, whatever the column holds)."""
    lookup = getattr(model.Admin, "lookup_fields", ())
    columns = sa.inspect(model).columns
    text = getattr(model, "number", None) if "number" in columns else (
        getattr(model, lookup[0]) if lookup and lookup[0] in columns else model.id)
    due = due_field(model)
    due_column = sa.cast(sa.null(), sa.Date) if due is None else sa.type_coerce(
        sa.func.date(getattr(model, due)) if isinstance(columns[due].type, sa.DateTime)
        else getattr(model, due), sa.Date)
    return text, due_column


def _part(section: str, table: str, model, user, step, *conditions):
    """One kind's rows of one section (at most ``SHOWN``, oldest first, its total beside
    them), in the columns every part of the home page's statement shares."""
    text, due = _shown_columns(model)
    query = sa.select(
        sa.literal(section).label("section"), sa.literal(table).label("kind"),
        model.id.label("id"), sa.cast(text, sa.String).label("text"),
        sa.cast(model.status, sa.String).label("status"), step.label("step"),
        due.label("due"), sa.func.count().over().label("total"),
    ).where(visible(user, model), *conditions).order_by(model.id).limit(SHOWN)
    return sa.select(*query.subquery().c)


def _queue_parts(user, department: str | None) -> list:
    parts = []
    for table, model in REGISTRY.items():
        if not issubclass(model, Stateful) or not model.transitions:
            continue
        steps = [(step, fireable(model, step, user, department))
                 for step in model.transitions]
        # A record waits for this user when a step that moves it on applies: a step
        # that refuses, undoes or ends it (驳回, 退回, 作废) is always possible on a
        # record's page but is nobody's work to do (a file in the archive room would
        # otherwise wait for 标记为作废 for ever).
        steps = [(step, clause) for step, clause in steps
                 if clause is not None and not is_destructive(step)]
        if not steps:
            continue
        which = sa.case(*((clause, sa.literal(step.name)) for step, clause in steps),
                        else_=sa.literal(""))
        parts.append(_part("queue", table, model, user, which,
                           sa.or_(*(clause for _, clause in steps))))
    return parts


def _mine_parts(user) -> list:
    """我的事项 (issue 16): the open records the user is the 经办人 of, that they may
    see (a record above their clearance stays hidden, whoever assigned it)."""
    if user.id is None:
        return []
    return [_part("mine", table, model, user, sa.literal(""), model.mine_clause(user.id))
            for table, model in REGISTRY.items() if issubclass(model, Assignable)]


def _statement(user, department: str | None):
    """The UNION ALL of every kind's part, or None when no kind has one.

    Remembered like the user's loader criteria (``permissions.scoping.remembered``:
    per principal, Shanghai date, grants in force, settings generation) and the user's
    department code (``by_department``): building it (a part per kind, a clause per
    step) cost more than running it. It embeds only these: the steps' declarations,
    the user's grants, scope, clearance and id; no date and no moment (a record's
    countdown is worked out from ``day`` when the rows are read).
    """
    parts = [*_queue_parts(user, department), *_mine_parts(user)]
    return scoped(sa.union_all(*parts), user) if parts else None


def home_lists(day: date) -> tuple[list[tuple], list[tuple]]:
    """(queue, mine): the records waiting for the user's steps and the records they
    handle, each [(table, kind label, total, [QueueItem])], from one SQL statement."""
    department = getattr(getattr(current_user, "department", None), "code", None)
    statement = remembered(("home-queue", department), actor(),
                           lambda user: _statement(user, department))
    if statement is None:
        return [], []
    rows = remembered_rows(statement)
    return _groups(rows, "queue", day), _groups(rows, "mine", day)


def _groups(rows, section: str, day: date) -> list[tuple]:
    groups = []
    for table, model in REGISTRY.items():
        found = [row for row in rows if row.section == section and row.kind == table]
        if not found:
            continue
        items = []
        for row in found:
            due = row.due.date() if isinstance(row.due, datetime) else row.due
            step = model.transition(row.step) if row.step else None
            url = url_for(f"{table}.details_view", id=row.id, step=row.step,
                          _anchor=f"step-{row.step}") if step else \
                url_for(f"{table}.details_view", id=row.id)
            items.append(QueueItem(
                row.text or f"#{row.id}", step.label if step else None,
                model.statuses.get(row.status, row.status), due,
                working_days_left(day, due), url))
        groups.append((table, model.Admin.label_plural, found[0].total, items))
    return groups


__all__ = ["home_lists", "fireable", "working_days_left", "QueueItem"]
