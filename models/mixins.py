"""Behaviour shared by business records, declared once.

A model mixes in what it is — owned by a department, classified, stateful,
versioned — and the generator, the permission layer and the audit hook read it.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import (
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    object_session,
    relationship,
)

from .choices import LEVELS
from .clock import utcnow
from .hooks import hook
from .options import followed


def code_literals(*codes: str) -> list:
    """Codes written into the SQL text rather than sent as parameters.

    A partial index (``WHERE status IN ('approved', 'lent')``) is usable only when the
    query's condition names the same literals; SQLite's planner cannot see through a
    bound parameter, and reads the whole table instead.
    """
    return [sa.literal(code, literal_execute=True) for code in codes]


def code_column(choices: dict, label, *, default: str | None = None,
                nullable: bool = False, index: bool = False, readonly: bool = False):
    """A column that holds one code of ``choices``, enforced by a CHECK constraint.

    Non-native enums keep SQLite and PostgreSQL identical and let a later
    migration add a code without ``ALTER TYPE``.
    """
    length = max(len(code) for code in choices)
    return mapped_column(
        sa.Enum(*choices, native_enum=False, create_constraint=True,
                length=max(length, 12), validate_strings=True),
        default=default, nullable=nullable, index=index,
        info={"label": label, "choices": choices, **({"readonly": True} if readonly else {})},
    )


def foreign_key(target: str, label, *, nullable: bool = True, index: bool = True,
                ondelete: str | None = None):
    """A reference to ``target``; indexed for the look-ups from the other side.

    An optional reference gets a partial index of the rows that have one
    (``models/indexes.py``): such columns are mostly empty (reopened from, corrects
    notice), and an index full of NULLs tells the planner's statistics that a value
    matches half the table, so SQLite reads the table instead.
    """
    info = {"label": label}
    if index and nullable:
        info["partial_index"] = True
    return mapped_column(sa.ForeignKey(target, ondelete=ondelete), nullable=nullable,
                         index=index and not nullable, info=info)


def finite_bound(kind: sa.Numeric) -> str:
    """The first magnitude a column of this type cannot hold (``Numeric(16, 2)``:
    10^14), as SQL text; a float or unbounded type: far beyond any amount."""
    if isinstance(kind, sa.Float) or kind.precision is None:
        return "1e300"
    return str(10 ** (kind.precision - (kind.scale or 0)))


def finite_check(table: sa.Table, column: sa.Column) -> sa.CheckConstraint:
    """``ck_<table>_<column>_finite``: no NaN, no infinity, nothing the type cannot hold.

    PostgreSQL's numeric holds NaN (and NaN passes ``>= 0``: it sorts above every
    number); SQLite stores an infinity as REAL, and its reads then fail for everyone.
    On SQLite a NaN parameter reaches the database as text (``models/sqlite_settings``),
    which the bounds refuse too.
    """
    name, bound = column.name, finite_bound(column.type)
    return sa.CheckConstraint(f"{name} <> 'NaN' AND {name} > -{bound} AND {name} < {bound}",
                              name=f"ck_{table.name}_{name}_finite")


@event.listens_for(sa.Column, "after_parent_attach")
def _numbers_are_finite(column, table) -> None:
    """Every Numeric column of the models gets its ``finite_check``, declared once here
    rather than in each model's ``__table_args__`` (a new table gets it too). Other
    metadata (a migration's own tables) is left alone: migrations say what they add."""
    from .base import db
    if isinstance(table, sa.Table) and table.metadata is db.metadata \
            and isinstance(column.type, sa.Numeric):
        table.append_constraint(finite_check(table, column))


class Owned:
    """The record belongs to the department that registered it."""

    @declared_attr
    def department_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("department.id"), nullable=False,
                             info={"label": _l("Department")})

    @declared_attr
    def department(cls):
        return relationship("Department", foreign_keys=[cls.department_id],
                            info={"label": _l("Department")})


class Classified:
    """The record carries a confidentiality level; ``default_level`` is the model's default."""

    default_level = "internal"
    #: The many-to-one relationship whose record's level this one always carries ("a
    #: loan is as confidential as the file it lends"), or a tuple of them when each row
    #: names one of several kinds (a 催办单 names a complaint, a service request or a
    #: work order); None: a level of its own.
    level_follows: str | tuple[str, ...] | None = None

    @declared_attr
    def level(cls) -> Mapped[str]:
        return code_column(LEVELS, _l("Confidentiality"), default=cls.default_level)


@hook(Session, "before_flush")
def _carry_levels(session, flush_context, instances) -> None:
    """A record's new level reaches the records that follow it, whichever path changed
    it (the level-change step, the edit form, a script): a loan or a reminder left at
    the old, lower level would show a secret file's loan to internal users. It goes on
    down the chain (customer → service request → its 催办单) within the same flush."""
    changed = [obj for obj in session.dirty if isinstance(obj, Classified)
               and sa.inspect(obj).attrs.level.history.has_changes()]
    if not changed:
        return
    from .base import REGISTRY  # the registry is complete by the first flush
    followers = [(model, getattr(model, name)) for model in REGISTRY.values()
                 for name in followed(model)]
    with session.no_autoflush:
        while changed:
            record = changed.pop()
            for model, relation in followers:
                if relation.property.mapper.class_ is not type(record):
                    continue
                for follower in session.scalars(sa.select(model).where(
                        relation == record).execution_options(skip_visibility=True)):
                    if follower.level != record.level:
                        follower.level = record.level
                        changed.append(follower)


class Versioned:
    """Optimistic locking: the second of two concurrent saves fails instead of overwriting."""

    version_id: Mapped[int] = mapped_column(nullable=False, default=1,
                                            info={"label": _l("Version")})

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version_id}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False,
                                                 info={"label": _l("Created at")})
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow,
                                                 nullable=False,
                                                 info={"label": _l("Updated at")})


class Assignable:
    """经办人: the member of the record's department who handles it (the complaint record
    form's 经办人签字, 001 篇4 附件2). Empty until the department's supervisor assigns
    someone (the ``assign`` step, ``assign_step``): nothing is chosen that nobody chose.

    The model declares ``assign_step(statuses)`` in its ``actions``: the statuses in
    which the record is still open, which are also the ones "my items" lists (home page,
    the lists' "mine" filter). Whoever is assigned is an active user of the record's
    department cleared for its level, checked on every flush (``_owners_belong``),
    whatever the door. A level raised later, or a clearance lowered, hides the record
    from its owner like from anyone (my items read through ``visible()``).
    """

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        return foreign_key("app_user.id", _l("Handled by (owner)"))

    @declared_attr
    def owner(cls):
        return relationship("AppUser", foreign_keys=[cls.owner_id],
                            info={"label": _l("Handled by (owner)")})

    @classmethod
    def open_statuses(cls) -> tuple[str, ...]:
        """The statuses in which someone handles the record: its ``assign`` step's."""
        return cls.transition("assign").source

    @classmethod
    def mine_clause(cls, user_id: int):
        """SQL condition: the open records ``user_id`` handles."""
        return sa.and_(cls.owner_id == user_id, cls.status.in_(cls.open_statuses()))

    def owner_candidates(self) -> sa.Select:
        """Who may be assigned: the active users of the record's department cleared for
        its level (a 经办人 who may not read the record cannot handle it)."""
        from .user import AppUser
        department = self.department.id if self.department is not None \
            else self.department_id
        order = list(LEVELS)
        cleared = order[order.index(self.level):] if self.level in order else order[-1:]
        return sa.select(AppUser).where(AppUser.active.is_(True),
                                        AppUser.department_id == department,
                                        AppUser.clearance.in_(cleared))

    def field_options(self, field: str) -> list[tuple[int, str]] | None:
        """The choices a step's form offers for ``field`` (None: the default ones)."""
        if field != "owner":
            return None
        from .user import AppUser
        return [(user.id, str(user)) for user in object_session(self).scalars(
            self.owner_candidates().order_by(AppUser.username).limit(200))]

    def owner_problem(self):
        """A message naming the field if the owner is not one of ``owner_candidates``."""
        owner = self.owner.id if self.owner is not None else self.owner_id
        if owner is None:
            return None
        from .user import AppUser
        found = object_session(self).scalar(self.owner_candidates().with_only_columns(
            AppUser.id).where(AppUser.id == owner))
        if found is not None:
            return None
        return _l("%(field)s: choose an active member of the record's department cleared "
                  "for its confidentiality level.", field=_l("Handled by (owner)"))


def assign_step(statuses: tuple[str, ...]):
    """The ``assign`` action of an ``Assignable`` model, open in ``statuses``."""
    from .workflow import Transition
    return Transition("assign", _l("Assign the handler"), tuple(statuses), None,
                      requires=("owner",))


@hook(Session, "before_flush")
def _owners_belong(session, flush_context, instances) -> None:
    """An owner newly set is one of the record's ``owner_candidates``: an id outside
    them (a forged form, the API, a script) is refused naming the field (``LockedField``,
    which every door words by field and audits), and nothing is saved."""
    from .decisions import LockedField
    with session.no_autoflush:
        for record in [*session.new, *session.dirty]:
            if not isinstance(record, Assignable):
                continue
            state = sa.inspect(record)
            if not (state.pending or state.attrs.owner_id.history.has_changes()
                    or state.attrs.owner.history.has_changes()):
                continue
            problem = record.owner_problem()
            if problem:
                raise LockedField(str(problem), record, "owner")


class BusinessRecord(Owned, Classified, Versioned, Timestamped):
    """Everything a business record is: owned, classified, versioned, time-stamped."""
