"""The demo's records told as their users lived them: who registered, who signed, when.

``demo.py`` says what each record is; this module writes how it came to be. Each record
is created in its first status with what was known at registration, then taken through
the steps its model declares (``Stateful.transitions`` and ``actions``), each fired by
a demo user at a fixed Asia/Shanghai time. Every creation, edit and step is recorded
with ``audit.recorded_as``: the record's history and the audit log show the actor and
the time of each, like a step fired from the details page would.

A step here is fired through the step engine itself (``services.steps.apply_step``),
so it obeys everything a clerk's step does: the status it starts from, separation of
duties (who confirmed does not approve, the customer-service department approves a
return slip), the required fields, the model's own rule (``check_transition``), its
guard and consistency (``problems``); locked fields are checked by the flush itself
(``models/decisions``). A step the rules refuse stops the seed with ``DemoError`` —
the demo never shows what the application would not let happen. It does not ask the
role grants (``can``, what ``services.steps.fire`` adds): the demo's sales department
has no supervisor of its own, so the service supervisor signs for it. What differs
from a clerk's step: the stamps take the step's demo time, not the clock, and no
request is involved.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from audit import recorded_as
from models import AppUser, db
from models.decisions import step_in_progress
from models.numbering import LOCAL_TZ
from models.workflow import Stateful, TransitionRefused
from permissions import dominates
from services.steps import apply_step


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
            # The values are typed, not a form's text: set here, inside the step, so
            # the locks let them pass as the step's own (``step_in_progress``).
            with db.session.no_autoflush, step_in_progress(db.session, record, step):
                self._fill(record, lines, values)
                try:
                    follow = apply_step(user, record, name, at=moment)
                except TransitionRefused as exc:
                    raise DemoError(f"{record}: {name}: {exc}") from exc
                if then is not None:
                    then(follow)
                touched(record, moment)
        return follow

    @staticmethod
    def _fill(record, lines, values) -> None:
        for field, value in values.items():
            setattr(record, field, value)
        for line, line_values in zip(getattr(record, type(record).line_items or "", ()),
                                     lines, strict=False):
            for field, value in line_values.items():
                setattr(line, field, value)
