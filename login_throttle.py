"""Failed logins slow down whoever fails, not the account's owner (OWASP's advice:
throttle by account and address together, with growing delays).

A fixed lock per account ("five failures lock it for everyone for 15 minutes")
lets an outsider keep the approvers out by typing wrong passwords for them. So:

* **account and address together**: after ``LOGIN_FREE_FAILURES`` failures of one
  account from one address, that pair waits ``LOGIN_FIRST_DELAY_SECONDS`` after its
  last failure, doubling with every further failure up to ``LOGIN_MAX_DELAY_SECONDS``.
  A successful login from that address starts the pair afresh. The owner on another
  address is not slowed by it.
* **an address spraying accounts**: an address that failed on
  ``LOGIN_ADDRESS_FREE_ACCOUNTS`` different account names or more is slowed the same
  way (growing from its last failure), whichever account it tries next.
* **a ceiling per account that only slows**: past ``LOGIN_ACCOUNT_CEILING`` failures
  of one account within ``LOGIN_ACCOUNT_WINDOW_MINUTES`` from anywhere (a botnet, one
  try per address), a try from an address the account never logged in from waits
  ``LOGIN_ACCOUNT_DELAY_SECONDS`` after the account's last failure: seconds, never a
  lock-out.

An address from which the account logged in within ``LOGIN_KNOWN_ADDRESS_DAYS`` is
*known* for it: only its own pair's failures slow it, so the owner at their usual
desk gets in while others' failures (the office's shared address included) pile up.

Failed logins are audit events (``login_failed``, with the name typed and the
address), so they are the counter: it works across every worker and machine.
Refused tries are audited too (``login_locked``) but are not failures: the password
was never checked, and they do not lengthen anyone's wait.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from models import AuditEvent, db
from models.mixins import utcnow


@dataclass(frozen=True)
class Refusal:
    """Why a login try is refused now, and for how long."""

    reason: str
    """``pair`` (this account from this address), ``address`` (many accounts from
    this address) or ``account`` (many failures of this account from anywhere)."""
    wait: timedelta
    """How long from now until a try is accepted again."""

    @property
    def seconds(self) -> int:
        """The wait rounded up: what the user is told and Retry-After says."""
        return max(1, math.ceil(self.wait.total_seconds()))


def growing_delay(failures: int, free: int) -> timedelta:
    """``failures`` beyond ``free - 1`` wait the first delay, doubled per failure,
    capped: with 3 free, the 3rd failure waits 1 s, the 4th 2 s, the 5th 4 s..."""
    config = current_app.config
    if failures < free:
        return timedelta(0)
    first, cap = config["LOGIN_FIRST_DELAY_SECONDS"], config["LOGIN_MAX_DELAY_SECONDS"]
    doublings = min(failures - free, 40)  # 2**40 s is past any cap
    return timedelta(seconds=min(first * 2 ** doublings, cap))


# -- what the audit log says -------------------------------------------------------------

def _failures(*where) -> sa.Select:
    return sa.select(sa.func.count(), sa.func.max(AuditEvent.at)).where(
        AuditEvent.action == "login_failed", *where)


def last_login(username: str, address: str) -> datetime | None:
    return db.session.scalar(sa.select(sa.func.max(AuditEvent.at)).where(
        AuditEvent.action == "login", AuditEvent.username == username,
        AuditEvent.address == address))


def pair_failures(username: str, address: str, since: datetime):
    """(failures of this account from this address since ``since``, the last one's time)."""
    return db.session.execute(_failures(
        AuditEvent.username == username, AuditEvent.address == address,
        AuditEvent.at >= since)).one()


def address_failures(address: str, since: datetime):
    """(different account names that failed from this address, the last failure's time)."""
    return db.session.execute(sa.select(
        sa.func.count(sa.distinct(AuditEvent.username)), sa.func.max(AuditEvent.at)).where(
        AuditEvent.action == "login_failed", AuditEvent.address == address,
        AuditEvent.at >= since)).one()


def account_failures(username: str, since: datetime):
    """(failures of this account from any address since ``since``, the last one's time)."""
    return db.session.execute(_failures(
        AuditEvent.username == username, AuditEvent.at >= since)).one()


# -- the decision -------------------------------------------------------------------------

def remaining(last_failure: datetime | None, delay: timedelta, now: datetime) -> timedelta:
    if last_failure is None or not delay:
        return timedelta(0)
    return max(timedelta(0), last_failure + delay - now)


def refusal(username: str, address: str | None, now: datetime | None = None) -> Refusal | None:
    """The longest wait that applies to a try of ``username`` from ``address`` at
    ``now`` (default: the clock), or None when the try may go ahead."""
    config = current_app.config
    now = now or utcnow()
    memory_start = now - timedelta(hours=config["LOGIN_FAILURE_MEMORY_HOURS"])
    waits: list[Refusal] = []
    known = False
    if address is not None:
        logged_in_at = last_login(username, address)
        known = logged_in_at is not None and logged_in_at >= now - timedelta(
            days=config["LOGIN_KNOWN_ADDRESS_DAYS"])
        since = max(memory_start, logged_in_at or memory_start)
        count, last = pair_failures(username, address, since)
        waits.append(Refusal("pair", remaining(
            last, growing_delay(count, config["LOGIN_FREE_FAILURES"]), now)))
        if not known:
            accounts, last = address_failures(address, memory_start)
            waits.append(Refusal("address", remaining(
                last, growing_delay(accounts, config["LOGIN_ADDRESS_FREE_ACCOUNTS"]), now)))
    if not known:
        count, last = account_failures(username, now - timedelta(
            minutes=config["LOGIN_ACCOUNT_WINDOW_MINUTES"]))
        if count >= config["LOGIN_ACCOUNT_CEILING"]:
            waits.append(Refusal("account", remaining(
                last, timedelta(seconds=config["LOGIN_ACCOUNT_DELAY_SECONDS"]), now)))
    longest = max(waits, key=lambda r: r.wait, default=None)
    return longest if longest is not None and longest.wait > timedelta(0) else None
