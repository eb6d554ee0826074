"""Firing a declared step, for any door: the engine behind the detail-page buttons, the
bulk actions, the API's ``POST …/steps/<step>`` and scripts.

Firing a step checks, in order: the policy grants it on this record (``can``), the
record is in a status the step starts from, separation of duties, the submitted values
are well formed and every required field is filled, and the model's own rule
(``check_transition``) allows it. Then it stamps who and when, moves the status, lets
the model change what goes with the step (``after_transition``), checks the record is
consistent (``problems``) and records an audit event — all in the caller's transaction,
guarded by the record's version, so of two users firing at once only the first commits.
The caller commits (or rolls back and asks ``refusal_of`` what to say).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from audit import record_event, record_refusal
from audit.refusals import note_refusal
from models import db
from models.clock import local_date_of, utcnow
from models.decisions import step_in_progress
from models.workflow import ActorRefused, TransitionRefused, duty_refusal, label_of, parse_value
from permissions import can
from permissions.scoping import principal_of

from .constraints import constraint_message
from .saving import acting_as

#: What firing and committing a step may raise; ``refusal_of`` words each.
STEP_ERRORS = (TransitionRefused, StaleDataError, IntegrityError, DBAPIError)


def fire(user, record, name: str, values: dict[str, str] | None = None, *,
         audit=record_event):
    """Apply step ``name`` to ``record`` as ``user``, or raise ``TransitionRefused``
    (nothing flushed that the caller's rollback would not undo). Returns a record the
    step created (a reopened complaint), if any. ``audit``: where the transition event
    goes (``audit.record_event``; a door may hand its own reference, so a test can hold
    the step just before its commit)."""
    model = type(record)
    acting_as(user)
    model.transition(name)  # an undeclared step is a programming error, not a refusal
    if not can(principal_of(user), name, record):
        note_refusal(name, model=model.__tablename__, record_ids=[record.id])
        raise TransitionRefused(_("You may not do this on %(record)s.", record=record))
    return apply_step(user, record, name, values, audit=audit)


def apply_step(user, record, name: str, values: dict[str, str] | None = None, *,
               at=None, audit=record_event):
    """The step engine under the role grants: everything ``fire`` checks and does after
    asking ``can``. Every door goes through ``fire``; the demo story
    (``demo_story.Story.step``) calls this directly because it writes down the past as
    the demo users lived it (the demo's sales department has no supervisor of its own,
    so the service supervisor signs for it), with ``at`` the moment the stamps take
    (naive UTC; default now)."""
    values = values or {}
    model = type(record)
    step = model.transition(name)
    who = principal_of(user)
    if not step.in_source(record):
        if step.refused is not None and step.not_reached(record):
            raise TransitionRefused(str(step.refused))
        raise TransitionRefused(_("%(record)s: “%(action)s” is not possible in status "
                                  "“%(status)s”.", record=record, action=step.label,
                                  status=model.statuses.get(record.status, record.status)))
    # Separation of duties, once the step applies here: who signed before may not sign.
    duty = duty_refusal(record, step, who)
    if duty is not None:
        record_refusal(403, model=model.__tablename__, record_id=record.id)
        raise TransitionRefused(duty)
    with db.session.no_autoflush, step_in_progress(db.session, record, step):
        assign(record, step, values)
        require(record, step)
        problem = record.check_transition(name, user)
        if isinstance(problem, ActorRefused):  # refused to this person: audited
            record_refusal(403, model=model.__tablename__, record_id=record.id)
        if problem:
            raise TransitionRefused(str(problem))
        if step.guard and not getattr(record, step.guard):
            raise TransitionRefused(_("%(record)s: “%(action)s” is not possible at this "
                                      "point.", record=record, action=step.label))
        old_status = record.status
        stamp(record, step, user, at)
        if step.target is not None:
            record.status = step.target
        follow = record.after_transition(name, user)
        problems = record.problems()
        if problems:
            raise TransitionRefused(" ".join(str(p) for p in problems))
    changes = {"transition": name,
               "values": {field: str(getattr(record, field))[:500] for field in step.requires}}
    if record.status != old_status:  # a step that keeps the status does not say "A → A"
        changes["status"] = [old_status, record.status]
    audit("transition", user=user, model=model.__tablename__, record_id=record.id,
          changes=changes)
    return follow


def assign(record, step, values: dict[str, str]) -> None:
    """The step's submitted fields (and line fields ``line-<id>-<field>``), parsed."""
    model = type(record)
    for field in step.requires:
        if field in values:
            setattr(record, field, parse_value(model, field, values[field], db.session))
    if not step.per_line:
        return
    line_model = sa.inspect(model).relationships[model.line_items].mapper.class_
    for number, line in enumerate(getattr(record, model.line_items), start=1):
        for field in step.per_line:
            key = f"line-{line.id}-{field}"
            if key in values:
                setattr(line, field, parse_value(
                    line_model, field, values[key], db.session,
                    where=_("line %(number)s", number=number)))


def require(record, step) -> None:
    for field in step.requires:
        if getattr(record, field) in (None, ""):
            raise TransitionRefused(_("%(field)s is required for “%(action)s”.",
                                      field=label_of(type(record), field),
                                      action=step.label))


def stamp(record, step, user, at=None) -> None:
    """``*_by_id``: the acting user; ``*_at``: ``at`` or now (UTC); ``*_on``: that
    moment's day in Shanghai."""
    for column in step.stamps:
        if column.endswith("_by_id"):
            setattr(record, column, user.id)
        elif column.endswith("_at"):
            setattr(record, column, at or utcnow())
        else:
            setattr(record, column, local_date_of(at))


def refusal_of(record, exc: Exception) -> str:
    """The user's message for an exception raised while firing or committing a step."""
    if isinstance(exc, TransitionRefused):
        return str(exc)
    if isinstance(exc, StaleDataError):
        return _("%(record)s: someone else changed this record at the same moment; nothing "
                 "was changed. Look at its new state and try again.", record=record)
    if isinstance(exc, IntegrityError):
        return constraint_message(type(record), exc) or _(
            "The change conflicts with other data; nothing was changed.")
    return _("The change could not be saved: a value is out of range or has the wrong "
             "format.")


def available_steps(user, record) -> list:
    """The steps ``user`` may fire on ``record`` now (the detail page's buttons)."""
    who = principal_of(user)
    return [step for step in type(record).steps()
            if step.applies_to(record) and can(who, step.name, record)
            and duty_refusal(record, step, who) is None]


__all__ = ["fire", "apply_step", "refusal_of", "available_steps", "STEP_ERRORS",
           "TransitionRefused"]
