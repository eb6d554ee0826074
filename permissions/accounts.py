"""Which account changes one administrator makes alone, and which wait for a second person.

An administrator (clearance internal) must not become, or make, a stronger account
than they are: a GM-office account with secret clearance, or gm's password, would let
them read every secret record. So a change takes effect at once only when it hands out
nothing beyond the administrator's own authority:

* roles outside ``ORDINARY_ROLES`` (gm_office, legal, auditor, admin) are never given
  alone, whatever the administrator holds;
* a clearance above the administrator's own is never given alone;
* activating an account, or setting its password (active or not), hands out
  everything the account then holds: alone only if that is within the two rules above.

Taking rights away (fewer roles, a lower clearance, deactivation) is always immediate.
The rest becomes an ``AccountChange`` that a GM-office member approves
(``models/account_change.py``). The ``before_flush`` net below refuses any write that
would hand out such rights by another road (a new screen, a script inside a request).
The CLI (``flask create-user``) runs outside any request: it is the root of trust that
creates the first administrator.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from models import AppUser
from models.choices import LEVELS, ROLES
from models.hooks import hook
from models.user import ORDINARY_ROLES

from .levels import rank

#: ``session.info`` key: ids of accounts whose change an approval applies in this flush.
APPROVED_KEY = "account_changes_approved"


@dataclass(frozen=True)
class Access:
    """What an account carries: its roles, clearance and whether it can log in."""

    roles: frozenset[str] = frozenset()
    clearance: str | None = None
    active: bool = False

    @classmethod
    def of(cls, account) -> Access:
        return cls(frozenset(account.role_set), account.clearance, bool(account.active))


#: What a new account carries before anything is granted.
NOTHING = Access()


def approved_roles(roles) -> frozenset[str]:
    """The roles among ``roles`` that only the GM office's approval gives."""
    return frozenset(roles) - frozenset(ORDINARY_ROLES)


def approval_reasons(actor, before: Access, after: Access, *,
                     new_password: bool = False) -> list:
    """Why the change ``before`` → ``after`` (plus a new password, if set) needs the GM
    office's approval when ``actor`` makes it; empty when it may take effect at once."""
    reasons = []
    added = approved_roles(after.roles - before.roles)
    if added:
        reasons.append(_l("it gives the role(s) %(roles)s",
                          roles="、".join(str(ROLES[r]) for r in sorted(added))))
    if rank(after.clearance) > rank(before.clearance) \
            and rank(after.clearance) > rank(actor.clearance):
        reasons.append(_l("it gives clearance “%(level)s”, above your own",
                          level=LEVELS.get(after.clearance, after.clearance)))
    # Opening the account hands out all it holds; so does its password, even while the
    # account is deactivated: whoever knows it logs in once it is reactivated.
    hands_out = new_password or (after.active and not before.active)
    if hands_out and not reasons:
        if approved_roles(after.roles):
            reasons.append(_l("it opens an account holding the role(s) %(roles)s",
                              roles="、".join(str(ROLES[r]) for r in
                                             sorted(approved_roles(after.roles)))))
        elif rank(after.clearance) > rank(actor.clearance):
            reasons.append(_l("it opens an account with clearance “%(level)s”, above "
                              "your own", level=LEVELS.get(after.clearance,
                                                            after.clearance)))
    return reasons


class AccountChangeRefused(Exception):
    """An account change that needs approval reached the database without one."""


def stored_access(account) -> Access:
    """The account as stored before this flush (``NOTHING`` for a new one)."""
    state = sa.inspect(account)
    if state.pending or state.transient:
        return NOTHING

    def old(key):
        history = state.attrs[key].history
        if history.deleted:
            return history.deleted[0]
        return history.unchanged[0] if history.unchanged else getattr(account, key)

    return Access(frozenset((old("roles") or "").split()), old("clearance"),
                  bool(old("active")))


def _password_changed(account) -> bool:
    state = sa.inspect(account)
    return not (state.pending or state.transient) and \
        state.attrs.session_version.history.has_changes() and \
        state.attrs.password_hash.history.has_changes()


@hook(Session, "before_flush")
def _refuse_unapproved_grants(session, flush_context, instances) -> None:
    """The net under every door: inside a request, an account write that hands out more
    than the acting user may give alone is refused unless an approval applies it."""
    if not has_request_context():
        return  # CLI, migrations, tests' set-up: the root of trust
    from .scoping import actor

    approved = session.info.get(APPROVED_KEY, set())
    who = actor()
    for account in [*session.new, *session.dirty]:
        if not isinstance(account, AppUser) or (account.id is not None
                                                and account.id in approved):
            continue
        if account.id is not None and account.id == who.id:
            continue  # one's own password; access fields are closed (may_set_access)
        reasons = approval_reasons(who, stored_access(account), Access.of(account),
                                   new_password=_password_changed(account))
        if reasons:
            raise AccountChangeRefused(
                f"account {account.username!r}: needs the GM office's approval "
                f"({'; '.join(str(r) for r in reasons)})")


@hook(Session, "after_commit")
@hook(Session, "after_soft_rollback")
def _forget_approvals(session, *args) -> None:
    """An approval opens the net for its own transaction only."""
    session.info.pop(APPROVED_KEY, None)
