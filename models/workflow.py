"""Status fields with a declared table of steps.

A model lists its ``transitions`` (steps that move the status) and its ``actions``
(steps that leave the status as it is, e.g. the legal office's second approval of a
loan or a supervisor confirming order changes). The generator turns each step into a
button on the detail page and a bulk action, and ``permissions.can`` checks the
step's name like any other action. The rules a step cannot say in a declaration
live in three hooks on the model — ``check_transition`` (may this step happen now?),
``after_transition`` (what else changes with it) and ``problems`` (is the record
consistent?) — so the view that fires the step never names a model.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, declared_attr

from .base import db
from .department import Department
from .mixins import code_column, code_literals


class TransitionRefused(Exception):
    """A step cannot happen, or a value is wrong; the message says why, for the user."""


class ActorRefused(str):
    """What ``check_transition`` returns when the step is refused to the person firing it
    (the requester approving, a clearance too low), not for the record's values: the step
    engine audits it like a refusal by the policy."""


@dataclass(frozen=True)
class Transition:
    name: str
    """Action name in the policy table, e.g. ``approve``; unique within the model."""
    label: object
    """Button text (a lazy translation)."""
    source: tuple[str, ...]
    """Statuses the step may start from."""
    target: str | None
    """Status after the step; ``None`` for an action that leaves the status unchanged."""
    requires: tuple[str, ...] = ()
    """Fields that must be filled for the step (a rejection needs a reason)."""
    stamps: tuple[str, ...] = ()
    """Columns filled by the step: ``*_by_id`` the acting user, ``*_at`` the time (UTC),
    ``*_on`` the date (Asia/Shanghai)."""
    when: tuple[tuple[str, str], ...] = ()
    """Field values the record must have, e.g. ``(("severity", "major"),)``."""
    per_line: tuple[str, ...] = ()
    """Fields of each line (the model's ``line_items``) asked for with the step, e.g. the
    counted quantity when goods are received."""
    guard: str | None = None
    """A record attribute that must be true for the step to be offered at all (e.g. a
    pending request); ``check_transition`` says why when it is fired anyway."""
    refused: object = None
    """Message when the record has not reached the step yet, i.e. its status comes before
    every source status in ``statuses`` (default: a generic message)."""
    not_by: tuple[str, ...] = ()
    """Separation of duties: columns of the record naming a user (the ``*_by_id``
    stamps of earlier steps, the requester, the borrower; ``relationship.column`` for
    the rows of a relationship, e.g. who wrote a review opinion) whose user may not fire
    this step — one person, one signature (``duty_refusal``). The step must stamp its own
    ``*_by_id``: the refusal names both, "确认人与批准人不能为同一人"."""
    signed_as: str | None = None
    """Where a step records who fired it when that is on the rows it acts on rather than
    on the record (``order_changes.confirmed_by_id``, set by ``after_transition``): the
    column ``not_by``'s refusal names as this step's signature."""
    by_department: str | None = None
    """Code of the department whose member must fire the step (the customer-service
    department's approval of a return slip), whatever other department's supervisor
    holds the grant."""

    def in_source(self, record) -> bool:
        return record.status in self.source and all(
            getattr(record, field) == value for field, value in self.when)

    def not_reached(self, record) -> bool:
        """True if the record's status comes before all the step's source statuses."""
        order = list(type(record).statuses)
        if record.status not in order:
            return False
        return order.index(record.status) < min(order.index(s) for s in self.source)

    @property
    def signature(self) -> str | None:
        """The step's own ``*_by_id`` stamp: the column that records who fired it."""
        return self.signed_as or next((s for s in self.stamps if s.endswith("_by_id")),
                                      None)

    def applies_to(self, record) -> bool:
        """True if the step may start from the record's status, values and guard."""
        return self.in_source(record) and (
            self.guard is None or bool(getattr(record, self.guard)))


class Stateful:
    """A ``status`` column restricted to ``statuses``, starting at ``initial_status``."""

    statuses: dict = {}
    initial_status: str = ""
    transitions: tuple[Transition, ...] = ()
    actions: tuple[Transition, ...] = ()
    """Steps that keep the status (``target=None``)."""
    creator_stamp: str | None = None
    """A ``*_by_id`` column stamped with the user who creates the record (the proposer
    of a penalty notice, the requester of a loan): the first signature, which a later
    step's ``not_by`` may name."""
    frozen_statuses: tuple[str, ...] = ()
    """Statuses in which the record can no longer be edited."""
    frozen_message = None
    """Why a frozen record cannot be edited, and what to do instead."""
    line_items: str | None = None
    """Relationship holding the record's lines, for steps that ask ``per_line`` fields."""
    computed: dict = {}
    """Read-only properties shown on the details page and exported: name → label."""
    locked_from: dict[str, str | None] = {}
    """When each field stops being editable: field → the first status (in ``statuses``
    order) from which no form, list edit, bulk action or script may change it. A field
    is a column or a relationship; a relationship holding the record's rows (lines,
    review opinions) locks the rows too: none added, changed or removed. ``"*"`` stands
    for every field not named (required: a model says when it is decided); ``None``:
    never locked (a derived date, the level the GM office sets). A locked field still
    changes through a step that declares it (its ``requires``, ``stamps``, ``per_line``
    and what ``after_transition`` sets), and after a step that sends the record back to
    an earlier status (退回). Checked on every flush (``models/decisions.py``)."""
    correction_hint = None
    """What to do instead once a field is locked and no step sends the record back (an
    order change notice, reopening as a new complaint)."""

    @declared_attr
    def status(cls) -> Mapped[str]:
        return code_column(cls.statuses, _l("Status"), default=cls.initial_status,
                           index=False)

    @classmethod
    def steps(cls) -> tuple[Transition, ...]:
        return (*cls.transitions, *cls.actions)

    @classmethod
    def transition(cls, name: str) -> Transition:
        for step in cls.steps():
            if step.name == name:
                return step
        raise KeyError(f"{cls.__name__} declares no transition named {name!r}")

    @classmethod
    def lock_status(cls, field: str) -> str | None:
        """The first status in which ``field`` is locked (None: never)."""
        return cls.locked_from.get(field, cls.locked_from.get("*"))

    @classmethod
    def is_locked(cls, field: str, status: str) -> bool:
        """May no form or script change ``field`` of a record in ``status``?"""
        first = cls.lock_status(field)
        order = list(cls.statuses)
        if first is None or status not in order or first not in order:
            return False
        return order.index(status) >= order.index(first)

    @classmethod
    def send_back_steps(cls, status: str, value_of=None) -> tuple[Transition, ...]:
        """Steps from ``status`` back to an earlier one, where fields open again; with
        ``value_of`` (a function: field → the record's value), only those whose ``when``
        the record meets."""
        order = list(cls.statuses)
        return tuple(step for step in cls.transitions
                     if status in step.source and step.target in order
                     and status in order and order.index(step.target) < order.index(status)
                     and (value_of is None or all(value_of(field) == value
                                                for field, value in step.when)))

    # -- hooks a model overrides -------------------------------------------------
    def check_transition(self, name: str, user):
        """A message if step ``name`` may not happen now (values already assigned)."""
        return None

    def after_transition(self, name: str, user) -> None:
        """Changes that go with step ``name`` (same transaction)."""

    def problems(self) -> list:
        """Messages for values that break a rule; checked on every save and step."""
        return []

    def step_warnings(self, name: str) -> list:
        """What the user should know before firing step ``name`` that does not stop it
        (a loan already overdue when it is approved); shown with the step's form."""
        return []

    def on_create(self, user, may) -> object:
        """What creating the record by ``user`` implies, before its rules are checked
        (a customer file asked at a level only the GM office decides starts at the floor
        with that level asked for). ``may(step)``: may ``user`` fire ``step`` on this
        model? Returns a message for the user, or None."""
        return None

    def source_problems(self) -> list:
        """A record raised from another (``raised_from``) only from one in a status
        ``raised_from_statuses`` names, when that source is chosen or changed: a penalty
        notice comes from a closed complaint. Checked on every save."""
        found = []
        state = sa.inspect(self)
        for name, statuses in getattr(self, "raised_from_statuses", {}).items():
            source = getattr(self, name)
            if source is None or source.status in statuses:
                continue
            relation = state.mapper.relationships[name]
            columns = [c.key for c in relation.local_columns]
            if state.transient or state.pending or state.attrs[name].history.has_changes() \
                    or any(state.attrs[c].history.has_changes() for c in columns):
                found.append(_l("%(field)s: choose one that is %(statuses)s (this one is "
                                "%(status)s).",
                                field=label_of(type(self), name),
                                statuses=", ".join(str(type(source).statuses[s])
                                                   for s in statuses),
                                status=type(source).statuses[source.status]))
        return found

    @classmethod
    def late_clause(cls, today: date):
        """SQL condition for records late on ``today`` (None: the model has no deadline)."""
        return None

    def late_reason(self, today: date):
        """Why this record is late on ``today``, or None."""
        return None


class DueByDate:
    """A record to be done by its ``due_date`` while in one of ``due_statuses``: late from
    the day after (a follow-up call, a survey answer sheet, an improvement plan, a
    corrective action). Put before ``Stateful`` in the bases."""

    due_statuses: tuple[str, ...] = ()
    """Statuses in which the record still waits to be done, and so can be late."""

    @classmethod
    def late_clause(cls, today: date):
        # Literals, so the partial indexes of the waiting records apply.
        literals = code_literals(*cls.due_statuses)
        waiting = cls.status == literals[0] if len(literals) == 1 else \
            cls.status.in_(literals)
        return sa.and_(waiting, cls.due_date < today)

    def late_reason(self, today: date):
        if self.status in self.due_statuses and self.due_date is not None \
                and self.due_date < today:
            return _l("Overdue by %(days)s day(s) (due %(day)s)",
                      days=(today - self.due_date).days, day=self.due_date.isoformat())
        return None


# -- separation of duties -------------------------------------------------------------

def duty_refusal(record, step: Transition, user) -> str | None:
    """Why ``user`` may not fire ``step`` on ``record`` under separation of duties, or
    None. Declared on the step (``not_by``, ``by_department``) and checked by the step
    engine on every door — button, bulk action, any later API — and used to hide the
    button. The message names the rule: "确认人与批准人不能为同一人"."""
    model = type(record)
    user_id = getattr(user, "id", None)
    for path in step.not_by:
        if user_id is not None and user_id in signers(record, path):
            return str(_l("%(record)s: %(earlier)s and %(this)s cannot be the same person.",
                          record=record, earlier=signer_label(model, path),
                          this=signer_label(model, step.signature)))
    if step.by_department is not None:
        department = db.session.execute(
            sa.select(Department.id, Department.name)
            .where(Department.code == step.by_department)
            .execution_options(skip_visibility=True)).first()
        if department is None or getattr(user, "department_id", None) != department.id:
            return str(_l("%(record)s: “%(action)s” is given by a member of the department "
                          "%(department)s.", record=record, action=step.label,
                          department=department.name if department else step.by_department))
    return None


def signers(record, path: str) -> set:
    """Users named by ``path``: a column (``confirmed_by_id``) or a column of each row
    of a relationship (``reviews.recorded_by_id``)."""
    relation, _, column = path.rpartition(".")
    rows = getattr(record, relation) if relation else [record]
    return {getattr(row, column) for row in rows} - {None}


def signer_label(model, path: str):
    relation, _, column = path.rpartition(".")
    if relation:
        model = sa.inspect(model).relationships[relation].mapper.class_
    return label_of(model, column)


# -- submitted text → values --------------------------------------------------------

def label_of(model, field: str):
    mapper = sa.inspect(model)
    if field in mapper.relationships:
        return mapper.relationships[field].info.get("label", field)
    if field in mapper.columns:
        return mapper.columns[field].info.get("label", field)
    return field


def parse_value(model, field: str, raw, session, where=None):
    """Turn submitted text into the field's value, or raise ``TransitionRefused`` with a
    message naming the field (``where`` says which line, for line fields).

    Related records are looked up with an ORM ``select`` so the request's visibility
    rules apply: an id the user cannot see is as good as no id.
    """
    mapper = sa.inspect(model)
    raw = "" if raw is None else str(raw).strip()
    label = label_of(model, field)
    if where is not None:
        label = f"{label} ({where})"

    def wrong(message):
        return TransitionRefused(_l("%(field)s: %(problem)s", field=label, problem=message))

    if field in mapper.relationships:
        if not raw:
            return None
        remote = mapper.relationships[field].mapper.class_
        try:
            pk = int(raw)
        except ValueError:
            raise wrong(_l("choose an entry from the list.")) from None
        # Business records pass the session's visibility filter; reference data (a
        # department, a user) must still be in use, as in the forms' choices.
        usable = [remote.active.is_(True)] if hasattr(remote, "active") else []
        found = session.scalar(sa.select(remote).where(remote.id == pk, *usable)) \
            if 0 < pk < 2**31 else None
        if found is None:
            raise wrong(_l("choose an entry from the list."))
        return found
    column = mapper.columns[field]
    if not raw:
        return None
    choices = column.info.get("choices")
    if choices:
        if raw not in choices:
            raise wrong(_l("choose one of the listed values."))
        return raw
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return _parse_moment(raw, wrong)
    if isinstance(kind, sa.Date):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise wrong(_l("enter a date as YYYY-MM-DD.")) from None
    if isinstance(kind, sa.Numeric):
        return _parse_decimal(raw, kind, wrong)
    if isinstance(kind, sa.Integer):
        try:
            return int(raw)
        except ValueError:
            raise wrong(_l("enter a whole number.")) from None
    if isinstance(kind, sa.Boolean):
        return raw.lower() in ("1", "y", "yes", "true", "on")
    length = getattr(kind, "length", None)
    if length is not None and len(raw) > length:
        raise wrong(_l("at most %(count)s characters.", count=length))
    return raw


def _parse_moment(raw: str, wrong) -> datetime:
    """Date and time as the user reads them (Asia/Shanghai) → naive UTC, as stored."""
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "T", 1))
    except ValueError:
        raise wrong(_l("enter a date and time as YYYY-MM-DD HH:MM.")) from None
    if moment.tzinfo is not None or not 2000 <= moment.year <= 2099:
        raise wrong(_l("enter a date and time as YYYY-MM-DD HH:MM."))
    return moment.replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(
        ZoneInfo("UTC")).replace(tzinfo=None)


def _parse_decimal(raw: str, kind, wrong) -> Decimal:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise wrong(_l("enter a number.")) from None
    if not value.is_finite():
        raise wrong(_l("enter a number."))
    if value < 0:
        raise wrong(_l("must not be negative."))
    digits = (kind.precision or 18) - (kind.scale or 0)
    if abs(value) >= Decimal(10) ** digits:
        raise wrong(_l("the number is too large."))
    return value.quantize(Decimal(1).scaleb(-(kind.scale or 0)))
