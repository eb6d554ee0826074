"""The two entry points everything else uses: ``can()`` and ``visible()``.

``visible(user, Model)`` is a SQL condition: the rows of ``Model`` that exist for
``user``. ``can(user, action, Model_or_record)`` says whether the user may do
``action`` on the model (class) or on one record (instance). A record outside
``visible`` is never actionable, whatever the grant.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models import OPEN_LOAN_STATUSES, ArchiveFile, Loan
from models.clock import LOCAL_TZ, today  # noqa: F401  (re-exported: views import them here)
from models.mixins import Classified, Owned

from .grant_rules import effective_policy
from .levels import ORDER as LEVEL_ORDER
from .levels import dominates, levels_up_to
from .policy import ALL_DEPARTMENT_ROLES, LEVEL_ACTION, Grant

READ_ACTIONS = ("list", "view")


def _user_ok(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "is_active", False))


def grants(user, model, action: str) -> list[Grant]:
    """The grants of the user's roles that allow ``action`` on ``model``."""
    if not _user_ok(user):
        return []
    table = model.__tablename__
    found = []
    policy = effective_policy()  # the code's table with the GM office's approved changes
    for role in user.role_set:
        found_grant = policy.get(role, {}).get(table)
        if found_grant is not None and action in found_grant.actions:
            found.append(found_grant)
    return found


# -- rows: SQL and Python forms of the same rules ---------------------------------

def department_columns(model) -> tuple[str, ...]:
    """The columns naming the departments a record belongs to: the one that registered it,
    and those it is addressed to (``also_departments``, e.g. the department that must
    carry out a corrective action works on it as on its own)."""
    return ("department_id", *getattr(model, "also_departments", ()))


def _scope_clause(model, scope: str, user):
    if scope == "own" and getattr(model, "owner_columns", ()):
        return sa.or_(*(getattr(model, column) == user.id for column in model.owner_columns))
    if scope == "all" or not issubclass(model, Owned):
        return sa.true()
    if scope == "department":
        return sa.or_(*(getattr(model, column) == user.department_id
                        for column in department_columns(model)))
    if scope == "own" and model is Loan:
        return sa.or_(Loan.borrower_id == user.id, Loan.requested_by_id == user.id)
    return sa.false()


def _in_scope(record, scope: str, user) -> bool:
    if scope == "own" and getattr(record, "owner_columns", ()):
        return user.id in (getattr(record, column) for column in record.owner_columns)
    if scope == "all" or not isinstance(record, Owned):
        return True
    if scope == "department":
        return record.department_id == user.department_id or (
            user.department_id is not None and user.department_id in (
                getattr(record, column) for column in department_columns(type(record))))
    if scope == "own" and isinstance(record, Loan):
        return user.id in (record.borrower_id, record.requested_by_id)
    return False


def _open_loans_of(user):
    """Archive files the user holds an approved or lent, not yet due, loan for, at a
    level the loan still covers (``_covered_level``; a loan's level is its file's)."""
    return sa.select(Loan.archive_file_id).where(
        Loan.borrower_id == user.id, Loan.status.in_(OPEN_LOAN_STATUSES),
        Loan.due_date >= today(), _covered_level(Loan.level, user))


def _covered_level(file_level, user):
    """A loan is valid for the level it was approved at: the file's level now is at
    most that (``Loan.approved_level``), or within the borrower's own clearance. After
    the GM office raises a lent file's level, the loan no longer opens it."""
    return sa.or_(file_level.in_(levels_up_to(user.clearance)),
                  *(sa.and_(Loan.approved_level == level,
                            file_level.in_(levels_up_to(level))) for level in LEVEL_ORDER))


def _within_scope(user, model):
    """Scope and clearance, before any door: None when the user may not read at all."""
    read = [g for action in READ_ACTIONS for g in grants(user, model, action)]
    if not read:
        return None
    # One condition per distinct scope: `dept = 1 OR dept = 1` would defeat the index.
    scopes = sorted({g.scope for g in read})
    clause = sa.or_(*(_scope_clause(model, scope, user) for scope in scopes))
    if issubclass(model, Classified):
        clause = sa.and_(clause, model.level.in_(levels_up_to(user.clearance)))
    return clause


def _reads_everything(user, model) -> bool:
    """Every department and every level: no door can add a row."""
    scopes = {g.scope for action in READ_ACTIONS for g in grants(user, model, action)}
    return "all" in scopes and (not issubclass(model, Classified)
                                or levels_up_to(user.clearance) == LEVEL_ORDER)


@dataclass(frozen=True)
class Doors:
    """What the doors open for one user, looked up once at the start of a request.

    Both doors are ``OR`` conditions, and an ``OR`` stops the database from reading
    a list in index order: it collects every row of both branches and sorts them. Most
    users hold no open loan and have no loan outside their scope, so a request that
    knows it can leave the ``OR`` out and page from the index.
    """

    files: frozenset[int] = frozenset()
    """Archive files opened by an approved or lent, not yet due, loan."""
    own_loans_outside: bool = False
    """The user borrowed something their scope or clearance does not cover."""


#: The record types a door opens rows of (``visible`` below): the only ones whose rules
#: read the doors.
DOOR_MODELS = (ArchiveFile, Loan)


def doors_of(user, statement=None) -> Doors:
    """Look the doors up now, in one statement (every row visible to it);
    ``statement``: ``doors_statement(user)`` built already."""
    from models import db  # local: the session of the current app
    if not _user_ok(user):
        return Doors()
    if statement is None:
        statement = doors_statement(user)
    if statement is False:
        return Doors()
    rows = db.session.scalars(statement).all()
    return Doors(frozenset(r for r in rows if r is not None), None in rows)


def doors_statement(user):
    """The doors' look-up for ``user`` (False: no door can open anything for them)."""
    parts = []
    if _within_scope(user, ArchiveFile) is not None:
        parts.append(_open_loans_of(user))
    own = _within_scope(user, Loan)
    if own is not None and not _reads_everything(user, Loan):
        outside = sa.exists().where(Loan.borrower_id == user.id, sa.not_(own))
        parts.append(sa.select(sa.null()).where(outside))
    if not parts:
        return False
    return sa.union_all(*parts).execution_options(skip_visibility=True)


def visible(user, model):
    """SQL condition selecting the rows of ``model`` that exist for ``user``.

    ``user.doors`` (a ``Doors`` looked up for this request) replaces the doors'
    subqueries by what they found; without it the doors are evaluated in SQL.
    """
    clause = _within_scope(user, model)
    if clause is None:
        return sa.false()
    doors = getattr(user, "doors", None)
    if model is ArchiveFile:
        # The loan door: an approved loan opens that one file to its borrower.
        if doors is None:
            clause = sa.or_(clause, ArchiveFile.id.in_(_open_loans_of(user)))
        elif doors.files:
            clause = sa.or_(clause, ArchiveFile.id.in_(sorted(doors.files)))
    if model is Loan and (doors is None or doors.own_loans_outside):
        # A borrower always sees their own loans, even of a file above their level.
        clause = sa.or_(clause, Loan.borrower_id == user.id)
    return clause


def holds_open_loan(user, record) -> bool:
    if not isinstance(record, ArchiveFile) or not _user_ok(user):
        return False
    doors = getattr(user, "doors", None)
    if doors is not None:  # looked up for this request already
        return record.id in doors.files
    from models import db  # local: the session of the current app
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(_open_loans_of(user)
                                               .where(Loan.archive_file_id == record.id)
                                               .subquery())) > 0


def is_visible(user, record) -> bool:
    """Python twin of ``visible`` for one loaded record."""
    model = type(record)
    in_scope = any(_in_scope(record, g.scope, user)
                   for action in READ_ACTIONS for g in grants(user, model, action))
    if in_scope and (not isinstance(record, Classified)
                     or dominates(user.clearance, record.level)):
        return True
    if isinstance(record, Loan) and _user_ok(user) and read_grants_exist(user, model):
        return record.borrower_id == user.id
    return holds_open_loan(user, record)


def read_grants_exist(user, model) -> bool:
    return any(grants(user, model, action) for action in READ_ACTIONS)


def can(user, action: str, target) -> bool:
    """May ``user`` do ``action`` on a model class or on one record?"""
    if isinstance(target, type):
        return bool(grants(user, target, action))
    found = grants(user, type(target), action)
    if not found or not is_visible(user, target):
        return False
    if action not in READ_ACTIONS and isinstance(target, Classified) \
            and not dominates(user.clearance, target.level):
        return False  # the loan door opens for reading only
    if action in READ_ACTIONS:
        return True  # visible (in scope, or through the loan door) is readable
    if not any(_in_scope(target, g.scope, user) for g in found):
        return False
    if action == "edit" and getattr(target, "status", None) in getattr(
            target, "frozen_statuses", ()):
        return False
    return True


# -- what a user may write ---------------------------------------------------------

def usable_levels(user) -> tuple[str, ...]:
    """Levels a user may give a record: at most their clearance."""
    return levels_up_to(getattr(user, "clearance", None)) if _user_ok(user) else ()


def may_change_level(user, model) -> bool:
    """Only the GM office changes an existing record's level."""
    return can(user, LEVEL_ACTION, model)


def may_set_access(user, record) -> bool:
    """May ``user`` set the grants a record carries (``type(record).access_fields``: a user
    account's roles, department, clearance, active flag)? Not on their own account:
    an administrator would give themselves every role and the highest clearance.
    Another administrator changes them."""
    if not getattr(type(record), "access_fields", ()):
        return True
    return _user_ok(user) and getattr(record, "id", None) != user.id


def may_use_department(user, department_id) -> bool:
    if not _user_ok(user):
        return False
    return user.has_role(*ALL_DEPARTMENT_ROLES) or department_id == user.department_id
