"""The demo's records told as their users lived them: who registered, who signed, when.

``demo.py`` says what each record is; this module writes how it came to be. Each record
is created in its first status with what was known at registration, then taken through
the steps its model declares (``Stateful.transitions`` and ``actions``), each fired by
a demo user at a fixed Asia/Shanghai time. Every creation, edit and step is recorded
with ``audit.recorded_as``: the record's history and the audit log show the actor and
the time of each, like a step fired from the details page would.

A step here obeys what the step engine (``admin_views/workflow.fire``) checks on the
record: the status it starts from, separation of duties (``duty_refusal``: who
confirmed does not approve, the customer-service department approves a return slip),
the required fields, the model's own rule (``check_transition``) and consistency
(``problems``); locked fields are checked by the flush itself (``models/decisions``).
A step the rules refuse stops the seed with ``DemoError`` — the demo never shows what
the application would not let happen. It does not ask the role grants (``can``): the
demo's sales department has no supervisor of its own, so the service supervisor signs
for it. What differs from ``fire``: the stamps take the step's demo time, not the
clock, and no request is involved.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from audit import record_event, recorded_as
from models import AppUser, db
from models.decisions import step_in_progress
from models.numbering import LOCAL_TZ, local_date_of
from models.workflow import Stateful, duty_refusal
from permissions import dominates


class DemoError(RuntimeError):
    """A demo record's story breaks a rule of the application."""


def local(text: str | None) -> datetime | None:
    """``'2026-09-30 09:15'`` in Asia/Shanghai → naive UTC, as DateTime columns store it."""
    if text is None:
        return None
    moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def shanghai(moment: datetime) -> str:
    """Naive UTC → ``'2026-09-30 09:15'`` in Asia/Shanghai (the inverse of ``local``)."""
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(LOCAL_TZ) \
        .strftime("%Y-%m-%d %H:%M")


def refuse_problems(record, problems: list) -> None:
    """Stop on what a save of ``record`` would refuse."""
    if problems:
        raise DemoError(f"{record}: {' '.join(map(str, problems))}")


def touched(record, moment: datetime) -> None:
    """The record's "changed at" is the demo's moment, not the seeding's clock."""
    if hasattr(record, "updated_at"):
        record.updated_at = moment


class Story:
    """Creates, edits and steps records as demo users at demo times."""

    def __init__(self, users: dict[str, AppUser]) -> None:
        self.users = users

    def cleared(self, level: str | None, *candidates: str) -> str:
        """The first of ``candidates`` whose clearance covers ``level``, else the GM office:
        a clerk does not register what they may not read."""
        for who in candidates:
            if dominates(self.users[who].clearance, level or "internal"):
                return who
        return "gm"

    @contextmanager
    def by(self, who: str, when: str):
        """What happens inside is ``who``'s doing at ``when`` (Shanghai time)."""
        with recorded_as(self.users[who], local(when)):
            yield self.users[who]

    def create(self, record, who: str, when: str):
        """Register ``record`` as ``who`` at ``when`` (also its ``created_at``), raised
        only from a record the model accepts (``source_problems``). The other rules of a
        save are not asked here: some measure a new record's dates against today's
        clock (a loan's due date), not against the demo's day."""
        with self.by(who, when):
            if hasattr(record, "created_at"):
                record.created_at = local(when)
            touched(record, local(when))
            db.session.add(record)
            refuse_problems(record, record.source_problems() if isinstance(
                record, Stateful) else [])
        return record

    def edit(self, record, who: str, when: str, **values):
        """Change fields through the edit form, as ``who`` at ``when``."""
        with self.by(who, when):
            for field, value in values.items():
                setattr(record, field, value)
            touched(record, local(when))
            refuse_problems(record, [*getattr(record, "problems", list)(),
                                     *getattr(record, "source_problems", list)()])
        return record

    def step(self, record, name: str, who: str, when: str, lines=(), then=None, **values):
        """Fire step ``name`` as ``who`` at ``when``; ``values`` fill the fields it asks
        (and any other field the user filled on the form before); ``lines`` gives, per
        line, a dict of the step's line fields; ``then(created)`` finishes what the
        step's own hook did at the clock's time (a reopened complaint's receipt) at the
        demo's. Returns what the step created, if any."""
        model, moment = type(record), local(when)
        step = model.transition(name)
        with self.by(who, when) as user:
            if not step.in_source(record):
                raise DemoError(f"{record}: {name} is not possible in status {record.status}")
            duty = duty_refusal(record, step, user)
            if duty is not None:
                raise DemoError(duty)
            with db.session.no_autoflush, step_in_progress(db.session, record, step):
                follow, old_status = self._apply(record, step, user, moment, lines, values)
                if then is not None:
                    then(follow)
            changes = {"transition": name,
                       "values": {field: str(getattr(record, field))[:500]
                                  for field in step.requires}}
            if record.status != old_status:
                changes["status"] = [old_status, record.status]
            record_event("transition", user=user, model=model.__tablename__,
                         record_id=record.id, changes=changes)
        return follow

    @staticmethod
    def _apply(record, step, user, moment, lines, values) -> tuple:
        for field, value in values.items():
            setattr(record, field, value)
        for line, line_values in zip(getattr(record, type(record).line_items or "", ()),
                                     lines, strict=False):
            for field, value in line_values.items():
                setattr(line, field, value)
        missing = [field for field in step.requires if getattr(record, field) in (None, "")]
        problem = record.check_transition(step.name, user)
        if missing or problem:
            raise DemoError(f"{record}: {step.name}: {missing or problem}")
        old_status = record.status
        for stamp in step.stamps:
            setattr(record, stamp, user.id if stamp.endswith("_by_id") else
                    moment if stamp.endswith("_at") else local_date_of(moment))
        if step.target is not None:
            record.status = step.target
        follow = record.after_transition(step.name, user)
        touched(record, moment)
        problems = record.problems()
        if problems:
            raise DemoError(f"{record}: {step.name}: {' '.join(map(str, problems))}")
        return follow, old_status

