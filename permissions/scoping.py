"""A session-level safety net: every ORM SELECT is filtered by ``visible()``.

The admin views already query through ``visible()``; this hook also covers what
Flask-Admin and WTForms load on their own — ``session.get`` in ``get_one``,
relationship lazy loads, select drop-downs, ajax look-ups, submitted related ids,
uniqueness validators. Inside a request the current user's rules apply (no user:
nothing is visible); outside a request (CLI, migrations, tests) nothing is filtered.
System code inside a request opts out with ``execution_options(skip_visibility=True)``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from flask import g, has_request_context, request
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import LoaderCriteriaOption
from sqlalchemy.sql.cache_key import NO_CACHE
from sqlalchemy.sql.visitors import anon_map

from models import REGISTRY
from models.hooks import hook
from models.mixins import Classified, Owned
from models.office_settings import current

from . import core
from .core import DOOR_MODELS, Doors, doors_of, doors_statement, visible
from .grant_rules import effective_policy

#: Models filtered by the hook: every registered model with rows to hide.
SCOPED = tuple(m for m in REGISTRY.values() if issubclass(m, (Owned, Classified)))

@dataclass(frozen=True)
class Principal:
    """A snapshot of the user's security attributes, taken once per request.

    Plain values: evaluating the rules must never lazy-load the user row, since that
    load would itself pass through this hook.
    """

    id: int | None
    department_id: int | None
    clearance: str | None
    role_set: frozenset[str]
    is_authenticated: bool
    is_active: bool
    doors: Doors | None = None
    """What the loan doors open, looked up for a read-only request (None: the rules
    evaluate the doors in SQL, as a request that writes must, since it may open one)."""

    @classmethod
    def of(cls, user) -> Principal:
        if user is None or not getattr(user, "is_authenticated", False):
            return ANONYMOUS
        return cls(user.id, user.department_id, user.clearance, user.role_set, True,
                   bool(user.is_active))

    def has_role(self, *roles: str) -> bool:
        return not self.role_set.isdisjoint(roles)


ANONYMOUS = Principal(None, None, None, frozenset(), False, False)


#: Requests that change nothing: their doors cannot open or close while they run.
READ_ONLY_METHODS = ("GET", "HEAD")


def bind_request_user(user) -> Principal:
    """Called before each request: whose rules the queries of this request follow.

    A static file (a page's scripts and styles, a dozen per page) reads no records: its
    rules are not built, so any query it made would find nothing (the hook's default).
    """
    principal = Principal.of(user)
    g.scope_user = principal
    if (request.endpoint or "").rpartition(".")[2] == "static":
        return principal
    if principal.is_authenticated and request.method in READ_ONLY_METHODS \
            and not _screen_of_a_type_no_door_opens():
        statement = remembered("doors", principal, doors_statement)
        principal = replace(principal, doors=doors_of(principal, statement))
    g.scope_user = principal
    g.scope_options = scope_options(principal)
    return principal


def _screen_of_a_type_no_door_opens() -> bool:
    """A screen of a record type no door opens (complaints, customers): its list,
    details or form read that type's rows and the rows linked to them, where the doors'
    subqueries in SQL (as a request that writes uses them) cost nothing, while looking
    them up first is a statement of its own on every page. The archive files' and
    loans' screens, and every other page, keep the look-up: it lets a list of files
    page from an index."""
    table, _sep, _view = (request.endpoint or "").rpartition(".")
    model = REGISTRY.get(table)
    return model is not None and model not in DOOR_MODELS


class RowCriteria(LoaderCriteriaOption):
    """``with_loader_criteria(model, rule, include_aliases=True)`` that works out its
    part of a statement's cache key once.

    Every ORM statement of a request carries one of these per scoped model (27), and
    SQLAlchemy walks all of them on every execution to find the statement's compiled
    SQL in its cache: an eighth of a list page's time (issue 17). The options are
    remembered per principal and day (``scope_options``), so the walk of a rule gives
    the same answer every time: its key (worked out with an anonymous-name map of its
    own, so that it names the rule alone) and the bound values it collects, in
    traversal order. Later statements reuse both; the values are the option's own, so
    another user's option (another object) never lends its values. The key still
    names every column, operator and literal of the rule: two different rules never
    share compiled SQL.
    """

    __slots__ = ("_key_parts",)
    _traverse_internals = LoaderCriteriaOption._traverse_internals  # the same key parts

    def __init__(self, model, rule):
        super().__init__(model, rule, include_aliases=True)
        self._key_parts = None

    def _gen_cache_key(self, anon_map_, bindparams):
        id_, found = anon_map_.get_anon(self)
        if found:
            return (id_, self.__class__)
        if self._key_parts is None:
            own_map, own_binds = anon_map(), []
            key = super()._gen_cache_key(own_map, own_binds)
            self._key_parts = (None if NO_CACHE in own_map else key[2:], tuple(own_binds))
        key, binds = self._key_parts
        if key is None:
            anon_map_[NO_CACHE] = True
            return None
        bindparams.extend(binds)
        return (id_, self.__class__, *key)


#: Entries one settings snapshot remembers before it starts afresh: each user's options
#: and the home page's statements, about eight per user (256 users).
REMEMBERED = 2048


def scope_options(principal: Principal) -> tuple:
    """One ``with_loader_criteria`` per scoped model: the rows ``principal`` may see.
    (The doors' look-up statement is remembered the same way.)

    Building them is a sixth of a page's time, and the same user asks for the same
    ones on every request, so they are remembered in the settings snapshot: a grant the
    GM office approves makes a new snapshot (a new generation). The key is everything
    ``visible`` reads: the principal's every attribute (account, roles, department,
    clearance, active, the doors looked up for this request), today's date (a loan's
    door closes at its due date when the doors are evaluated in SQL) and the grants in
    force for the principal's roles (compared, not trusted to the generation alone).
    The criteria are plain expressions, not lambdas: SQLAlchemy takes their bound
    values from the option given, each time.
    """
    if principal == ANONYMOUS:  # sees nothing whatever the grants: no settings read
        return _denied()
    return remembered("options", principal, lambda p: tuple(
        RowCriteria(model, visible(p, model)) for model in SCOPED))


def remembered(kind, principal: Principal, build):
    """``build(principal)``, remembered in the settings snapshot under ``kind`` and
    everything the rules read (see ``scope_options``): what one user's rules decide."""
    memo = current().memo.setdefault("scope_rules", {})
    policy = effective_policy()
    grants = tuple((role, tuple(policy.get(role, {}).items()))
                   for role in sorted(principal.role_set))
    key = (kind, principal, core.today(), grants)
    found = memo.get(key)
    if found is None:
        if len(memo) >= REMEMBERED:
            memo.clear()
        found = memo[key] = build(principal)
    return found


@cache
def _denied() -> tuple:
    """The options of a request with no user (or before its user is known): no rows."""
    return tuple(RowCriteria(model, visible(ANONYMOUS, model)) for model in SCOPED)


def actor() -> Principal:
    """The principal of the current request (anonymous when none is bound)."""
    return g.get("scope_user", ANONYMOUS) if has_request_context() else ANONYMOUS


@hook(Session, "do_orm_execute")
def _filter_rows(state: ORMExecuteState) -> None:
    if not state.is_select or state.execution_options.get("skip_visibility"):
        return
    if not has_request_context():
        return
    options = g.get("scope_options")
    if options is None:  # in a request but before the user is bound: default deny
        options = _denied()
    if _carries(state.statement, options):
        return  # built with these very options (``scoped``): filtered as it stands
    state.statement = state.statement.options(*options)


def scoped(statement, principal: Principal):
    """``statement`` with ``principal``'s loader criteria already applied: a statement
    remembered across requests (the home page's) and given these options runs as it
    is, so SQLAlchemy reuses its cache key instead of walking a new copy each time.
    The hook still compares them with the request's own options, object for object,
    and adds those whenever they are not the ones carried (never fewer rules)."""
    return statement.options(*scope_options(principal))


def carries_request_rules(statement) -> bool:
    """Whether ``statement`` carries this request's own loader criteria (``scoped`` with
    the request's principal), so that run as it stands it is filtered exactly as the
    hook would filter it. False outside a request or before its user is bound."""
    if not has_request_context():
        return False
    options = g.get("scope_options")
    return options is not None and _carries(statement, options)


def _carries(statement, options: tuple) -> bool:
    carried = getattr(statement, "_with_options", ())
    return bool(options) and len(carried) >= len(options) and all(
        mine is theirs for mine, theirs in zip(carried[-len(options):], options, strict=True))


def principal_of(user) -> Principal:
    """The principal whose rules apply to ``user``: the request's own (with its doors
    looked up once) when ``user`` is the one bound to the request, else a fresh one.
    The core (``services``) takes a user argument; this keeps the screens' answers
    identical to the ones they gave when they read the request's user themselves."""
    bound = actor()
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    if isinstance(user, Principal):
        return user
    if bound.is_authenticated and bound.id == getattr(user, "id", None):
        return bound
    return Principal.of(user)
