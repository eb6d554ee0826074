"""Saving a record with every save rule, whatever the door.

The rules, each a small function the screens call too (``admin_views/secure.py`` and
``workflow.py`` adapt them to Flask-Admin's form), and ``create``/``update`` which apply
all of them to values from a machine (the API, a script):

* who may: ``can(user, "create" | "edit", …)``; a record the user cannot see is not
  found (the caller loads it through ``visible()``);
* department: a user registers for their own department unless their role covers all
  (``department_problem``); level: at most the user's clearance, changed on an existing
  record only by who may change levels (``level_problem``); a user's grants are not set
  on their own account (``access_problem``);
* references: a referenced record must be one the user may see (``reference``);
* what creating implies (``prepare_new``: department, requester, creator stamp, the
  model's ``on_create``) and the model's consistency rules (``record_problems``);
* locked fields (``models/decisions.py``, on flush) and database constraints
  (``constraints.constraint_problem``), as messages naming the field;
* the optimistic version check (``check_version``): a stale write changes nothing.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from audit import ACTING_USER, record_refusal
from models import db
from models.decisions import LockedField
from models.mixins import Classified, Owned, Versioned
from models.workflow import label_of
from permissions import can, may_change_level, may_set_access, may_use_department, usable_levels
from permissions.scoping import principal_of

from .constraints import constraint_problem, visible_or_reference
from .errors import Refused, SaveRefused, Stale
from .values import ValueProblem, column_value


def acting_as(user) -> None:
    """Outside a request, the session's changes are audited as ``user`` (``audit._who``)."""
    db.session.info[ACTING_USER] = user


# -- the rules, one function each ------------------------------------------------------

def department_problem(user, department_id) -> str | None:
    """A record is registered for the user's own department (unless their role covers
    every department)."""
    if department_id is not None and not may_use_department(principal_of(user),
                                                            department_id):
        return _("You may only register records for your own department.")
    return None


def level_problem(user, level) -> str | None:
    if level and level not in usable_levels(principal_of(user)):
        return _("This level is above your clearance.")
    return None


def default_level(user, model) -> str | None:
    """A new record's level: the model's default, or the user's clearance if lower."""
    allowed = usable_levels(principal_of(user))
    default = getattr(model, "default_level", None)
    return default if default in allowed else (allowed[-1] if allowed else None)


def level_change_problem(user, record) -> str | None:
    """Only who may change levels changes an existing record's level."""
    if not may_change_level(principal_of(user), type(record)):
        return _("Only the general manager's office changes the level of a record.")
    return None


def access_problem(user, record, fields) -> str | None:
    """A user's grants (roles, clearance, …) are not set on their own account."""
    if set(fields) & set(getattr(type(record), "access_fields", ())) \
            and not may_set_access(principal_of(user), record):
        return _("You may not change your own account's access.")
    return None


def prepare_new(user, record, may=None):
    """What creating ``record`` by ``user`` implies: their department, the requester,
    the model's creator stamp, and the model's ``on_create`` (returns its note)."""
    if isinstance(record, Owned) and record.department is None \
            and record.department_id is None:
        record.department_id = user.department_id
    if hasattr(record, "requested_by_id") and record.requested_by_id is None:
        record.requested_by_id = user.id
    stamp = getattr(type(record), "creator_stamp", None)
    if stamp and getattr(record, stamp) is None:
        setattr(record, stamp, user.id)
    on_create = getattr(record, "on_create", None)
    if on_create is None:
        return None
    who = principal_of(user)
    return on_create(user, may or (lambda step: can(who, step, type(record))))


def record_problems(record) -> list:
    """The model's own consistency rules (a source in the right status, its values)."""
    found = []
    with db.session.no_autoflush:
        for name in ("source_problems", "problems"):
            check = getattr(record, name, None)
            if check is not None:
                found.extend(check())
    return found


def record_warnings(record) -> list:
    """What the user should know but does not block the save."""
    return list(getattr(record, "warnings", lambda: [])())


def check_version(record, seen) -> None:
    """Raise ``Stale`` if ``seen`` is not the record's stored version."""
    if isinstance(record, Versioned) and str(seen).strip() != str(record.version_id):
        raise Stale(record, seen)


def reference(user, model, key: str, raw):
    """The record a foreign-key column ``key`` of ``model`` points at, as ``user`` may
    see it: an id of a record they cannot see is as good as no id."""
    column = sa.inspect(model).columns[key]
    (fk,) = column.foreign_keys
    remote = next(m for m in _mapped_classes() if m.__table__ is fk.column.table)
    if raw is None:
        return None
    pk = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    found = db.session.scalar(sa.select(remote).where(
        remote.id == pk, visible_or_reference(remote, user))) \
        if pk is not None and 0 < pk < 2**31 else None
    if found is None:
        raise ValueProblem(key, _("%(field)s: %(problem)s", field=label_of(model, key),
                                  problem=_("choose an entry from the list.")))
    return found


def _mapped_classes():
    return [mapper.class_ for mapper in db.Model.registry.mappers]


# -- which fields a door may write: the screens' declaration ---------------------------

def form_fields(model, creating: bool) -> tuple[str, ...]:
    """The fields the screens' form offers (``Admin.form_columns``, or
    ``create_columns`` for a registration), less read-only ones."""
    declared = model.Admin
    names = (getattr(declared, "create_columns", None) if creating else None) \
        or declared.form_columns
    return tuple(n for n in names if not getattr(getattr(model, n), "info", {})
                 .get("readonly"))


def writable_columns(model, creating: bool) -> dict[str, str]:
    """Column key → the form field it belongs to: a many-to-one relationship is written
    as its foreign-key column (``customer`` → ``customer_id``); rows of a record (lines,
    review opinions) and many-to-many links are the screens' business for now."""
    mapper = sa.inspect(model)
    found = {}
    for name in form_fields(model, creating):
        if name in mapper.relationships:
            relation = mapper.relationships[name]
            local = list(relation.local_columns)
            if relation.direction.name == "MANYTOONE" and len(local) == 1 \
                    and relation.secondary is None:
                found[local[0].key] = name
        elif name in mapper.columns:
            found[name] = name
    return found


# -- create and update -----------------------------------------------------------------

def create(user, model, data: dict):
    """A new ``model`` record from ``data`` (column key → JSON value), saved with every
    rule and flushed (the caller commits). Raises ``Refused`` or ``SaveRefused``."""
    acting_as(user)
    who = principal_of(user)
    if not can(who, "create", model):
        record_refusal(403, model=model.__tablename__)
        raise Refused(403, _("You do not have permission to do this."))
    record = model()
    if isinstance(record, Classified) and "level" not in data:
        record.level = default_level(user, model)
    with db.session.no_autoflush:  # nothing reaches the database before every rule ran
        _assign(user, record, data, writable_columns(model, creating=True))
        note = prepare_new(user, record)
        _check(user, record, data, creating=True)
    db.session.add(record)
    _flush(user, record, data)
    return record, [str(note)] if note else []


def update(user, record, data: dict, version):
    """Change ``record`` (already loaded through ``visible()``) with ``data`` as ``user``;
    ``version`` is the one the caller read: another one raises ``Stale``, nothing
    changed. Raises ``Refused`` or ``SaveRefused``."""
    model = type(record)
    acting_as(user)
    if not can(principal_of(user), "edit", record):
        record_refusal(403, model=model.__tablename__, record_id=record.id)
        raise Refused(403, _("You do not have permission to do this."))
    check_version(record, version)
    writable = writable_columns(model, creating=False)
    if "level" in data and data["level"] != getattr(record, "level", None):
        problem = level_change_problem(user, record)
        if problem:
            record_refusal(403, model=model.__tablename__, record_id=record.id)
            raise SaveRefused({"level": [problem]})
    problem = access_problem(user, record, data)
    if problem:
        record_refusal(403, model=model.__tablename__, record_id=record.id)
        raise SaveRefused({None: [problem]})
    with db.session.no_autoflush:  # nothing reaches the database before every rule ran
        _assign(user, record, data, writable)
        _check(user, record, data, creating=False)
    _flush(user, record, data)
    return record, []


def _assign(user, record, data: dict, writable: dict[str, str]) -> None:
    model = type(record)
    problems: dict = {}
    unknown = [key for key in data if key not in writable]
    for key in unknown:
        problems.setdefault(key, []).append(_("%(field)s: this field cannot be written.",
                                              field=key))
    with db.session.no_autoflush:
        for key, raw in data.items():
            if key in unknown:
                continue
            try:
                if sa.inspect(model).columns[key].foreign_keys:
                    setattr(record, writable[key], reference(user, model, key, raw))
                else:
                    setattr(record, key, column_value(model, key, raw, db.session))
            except ValueProblem as problem:
                problems.setdefault(problem.field, []).append(str(problem))
    if problems:
        raise SaveRefused(problems)


def _check(user, record, data: dict, creating: bool) -> None:
    problems: dict = {}
    model = type(record)
    columns = sa.inspect(model).columns
    for key, name in writable_columns(model, creating).items():
        column = columns[key]
        if not column.nullable and column.default is None and column.server_default is None \
                and getattr(record, key) is None and getattr(record, name, None) is None:
            problems[key] = [_("%(field)s is required.", field=label_of(model, key))]
    if isinstance(record, Owned):
        problem = department_problem(user, record.department_id
                                     if record.department is None else record.department.id)
        if problem:
            problems["department_id"] = [problem]
    if isinstance(record, Classified) and (creating or "level" in data):
        problem = level_problem(user, record.level)
        if problem:
            problems["level"] = [problem]
    if problems:
        raise SaveRefused(problems)
    found = record_problems(record)
    if found:
        raise SaveRefused({None: [str(p) for p in found]})


def _flush(user, record, data: dict) -> None:
    """Flush now, so locked fields, numbering and constraints answer here, by field."""
    try:
        db.session.flush()
    except LockedField as exc:
        db.session.rollback()
        record_refusal(403, model=type(record).__tablename__,
                       record_id=getattr(record, "id", None))
        raise SaveRefused({exc.field: [str(exc)]}) from None
    except StaleDataError:
        db.session.rollback()
        raise Stale(record, None) from None
    except IntegrityError as exc:
        db.session.rollback()
        field, message = constraint_problem(type(record), exc, typed=data, user=user)
        raise SaveRefused({field: [message or _(
            "The record could not be saved because it conflicts with other data.")]}) \
            from None
