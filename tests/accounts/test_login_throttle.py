"""Item 20 of issue 11: wrong passwords slow down whoever types them, by account and
address together with growing delays, so an outsider cannot lock the approvers out
(login_throttle.py). Time is a stand-in clock (login_throttle.utcnow); no sleeping."""
from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

import login_throttle
from models import AuditEvent, db
from models.mixins import utcnow

from ..test_audit_support import KINDS, events, own_app

PASSWORD = "test-password-1"
_addresses = itertools.count(1)


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "throttle") as app:
        yield app


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock: real time plus ``clock.ahead``, set by the test."""
    class Clock:
        ahead = timedelta(0)

        def now(self):
            return utcnow() + self.ahead

        def set(self, moment):
            self.ahead = moment - utcnow()

    stand_in = Clock()
    monkeypatch.setattr(login_throttle, "utcnow", stand_in.now)
    return stand_in


def fresh_address() -> str:
    """Each test uses addresses of its own, so counts do not mix between tests."""
    n = next(_addresses)
    return f"10.30.{n // 250}.{n % 250 + 1}"


def attempt(app, username, password, address):
    return app.test_client().post("/login", data={"username": username,
                                                  "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def last_failure_at(app, *where):
    with app.app_context():
        value = db.session.scalar(sa.select(sa.func.max(AuditEvent.at)).where(
            AuditEvent.action == "login_failed", *where))
        db.session.remove()
        return value


def wait_at(app, username, address, now):
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        refused = login_throttle.refusal(username, address, now=now)
        db.session.remove()
    return refused.wait if refused else timedelta(0)


def test_failures_from_one_address_do_not_stop_the_owner_on_another(app, clock):
    attacker, owner = fresh_address(), fresh_address()
    for _ in range(12):  # each try made once the previous wait is over: 12 failures
        last = last_failure_at(app, AuditEvent.username == "gm")
        if last is not None:
            clock.set(last + timedelta(hours=1))
        assert attempt(app, "gm", "wrong", attacker).status_code == 200
    clock.set(last_failure_at(app, AuditEvent.username == "gm") + timedelta(seconds=1))
    assert attempt(app, "gm", PASSWORD, attacker).status_code == 429  # the attacker waits
    assert attempt(app, "gm", PASSWORD, owner).status_code == 302     # the owner does not


def test_failures_of_one_account_from_one_address_wait_longer_and_longer(app, clock):
    address = fresh_address()
    expected = [0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    waits = []
    for _ in expected:
        assert attempt(app, "legal", "wrong", address).status_code == 200
        last = last_failure_at(app, AuditEvent.username == "legal",
                               AuditEvent.address == address)
        wait = wait_at(app, "legal", address, now=last)
        waits.append(wait.total_seconds())
        if wait:  # just before the wait is over: refused, even with the right password
            clock.set(last + wait - timedelta(milliseconds=300))
            refused = attempt(app, "legal", PASSWORD, address)
            assert refused.status_code == 429
        clock.set(last + wait + timedelta(milliseconds=1))
    assert waits == expected


def test_the_refusal_says_when_to_try_again_and_is_recorded(app, clock):
    address = fresh_address()
    for _ in range(app.config["LOGIN_FREE_FAILURES"] + 1):  # the last one waits 2 s
        clock.set(utcnow() + timedelta(hours=1))
        attempt(app, "auditor", "wrong", address)
    clock.set(last_failure_at(app, AuditEvent.address == address))
    refused = attempt(app, "auditor", PASSWORD, address)
    assert refused.status_code == 429
    assert "登录失败次数过多，请在 2 秒后再试" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "2"
    (event,) = events(app, AuditEvent.action == "login_locked",
                      AuditEvent.address == address)
    assert event.username == "auditor"
    assert json.loads(event.changes) == {"reason": "pair", "wait_seconds": 2}


def test_a_long_wait_is_told_in_minutes(app, clock):
    address = fresh_address()
    for _ in range(14):
        clock.set(utcnow() + timedelta(hours=1))
        attempt(app, "clerk.service", "wrong", address)
    clock.set(last_failure_at(app, AuditEvent.address == address))
    refused = attempt(app, "clerk.service", PASSWORD, address)
    assert "登录失败次数过多，请在 15 分钟后再试" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "900"


def test_an_address_spraying_many_accounts_is_slowed(app, clock):
    sprayer, elsewhere = fresh_address(), fresh_address()
    free = app.config["LOGIN_ADDRESS_FREE_ACCOUNTS"]
    waits = []
    for n in range(free + 3):  # one wrong password each for many names
        clock.set(utcnow() + timedelta(hours=1))
        assert attempt(app, f"spray{n}", "wrong", sprayer).status_code == 200
        last = last_failure_at(app, AuditEvent.address == sprayer)
        waits.append(wait_at(app, f"anyone{n}", sprayer, now=last).total_seconds())
    assert waits == [0] * (free - 1) + [1, 2, 4, 8]
    clock.set(last_failure_at(app, AuditEvent.address == sprayer) + timedelta(seconds=1))
    assert attempt(app, "clerk.sales", PASSWORD, sprayer).status_code == 429
    assert attempt(app, "clerk.sales", PASSWORD, elsewhere).status_code == 302


def test_the_owner_on_a_known_address_gets_in_while_it_is_sprayed(app, clock):
    office = fresh_address()
    assert attempt(app, "supervisor", PASSWORD, office).status_code == 302  # known
    for n in range(app.config["LOGIN_ADDRESS_FREE_ACCOUNTS"] + 4):
        clock.set(utcnow() + timedelta(hours=1))
        attempt(app, f"typo{n}", "wrong", office)
    clock.set(last_failure_at(app, AuditEvent.address == office))
    assert attempt(app, "clerk.service", PASSWORD, office).status_code == 429  # unknown
    assert attempt(app, "supervisor", PASSWORD, office).status_code == 302


def test_many_failures_of_one_account_from_everywhere_only_slow_it(app, clock,
                                                                      monkeypatch):
    """A botnet, one wrong password per address: a new address waits seconds, not
    minutes; the owner's known address is not slowed at all."""
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_CEILING", 6)
    known = fresh_address()
    assert attempt(app, "admin", PASSWORD, known).status_code == 302
    for _ in range(6):
        assert attempt(app, "admin", "wrong", fresh_address()).status_code == 200
    last = last_failure_at(app, AuditEvent.username == "admin")
    clock.set(last)
    slowed = attempt(app, "admin", PASSWORD, fresh_address())
    assert slowed.status_code == 429
    assert slowed.headers["Retry-After"] == str(app.config["LOGIN_ACCOUNT_DELAY_SECONDS"])
    assert attempt(app, "admin", PASSWORD, known).status_code == 302
    clock.set(last + timedelta(seconds=app.config["LOGIN_ACCOUNT_DELAY_SECONDS"] + 1))
    assert attempt(app, "admin", PASSWORD, fresh_address()).status_code == 302
