"""Point 6, logins: throttling per address, session cookies and idle
expiry, password rules and hashes that upgrade themselves."""
from __future__ import annotations

import itertools
import time

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import login_throttle
from app import create_app, security_config
from models import AppUser, AuditEvent, db

from ..conftest import TEST_CONFIG
from ..test_audit_support import KINDS, log_in, own_app

PASSWORD = "test-password-1"
_addresses = itertools.count(1)


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "login") as app:
        yield app


def fresh_address() -> dict:
    """Each test logs in from addresses of its own, so address counts do not mix."""
    n = next(_addresses)
    return {"REMOTE_ADDR": f"10.20.{n // 250}.{n % 250 + 1}"}


def try_login(client, username, password, address):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base=address)


def test_an_address_is_locked_after_repeated_failures(app, monkeypatch):
    """(Throttling itself: tests/accounts/test_login_throttle.py.)"""
    client = app.test_client()
    address = fresh_address()
    for n in range(20):
        try_login(client, f"guess{n}", "wrong", address)
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(AuditEvent.at)).where(
            AuditEvent.action == "login_failed", AuditEvent.address == address["REMOTE_ADDR"]))
        db.session.remove()
    monkeypatch.setattr(login_throttle, "utcnow", lambda: last)  # right after it, however slow
    assert try_login(client, "admin", PASSWORD, address).status_code == 429
    assert try_login(client, "admin", PASSWORD, fresh_address()).status_code == 302


def test_a_successful_login_starts_the_account_count_afresh(app):
    client, address = app.test_client(), fresh_address()
    for _ in range(2):
        for _ in range(app.config["LOGIN_FREE_FAILURES"] - 1):
            try_login(client, "supervisor", "wrong", address)
        assert try_login(client, "supervisor", PASSWORD, address).status_code == 302
        client.post("/logout")


def test_the_session_cookie_is_httponly_and_samesite(app):
    response = try_login(app.test_client(), "gm", PASSWORD, fresh_address())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in tests; see the HTTPS test below


def test_cookies_are_secure_when_served_over_https(app, monkeypatch):
    monkeypatch.setenv("HTTPS_ONLY", "1")
    assert security_config()["SESSION_COOKIE_SECURE"] is True
    https_app = create_app({**TEST_CONFIG,
                            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    response = try_login(https_app.test_client(), "gm", PASSWORD, fresh_address())
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers
    with https_app.app_context():
        db.engine.dispose()


class Clock:
    """Stands in for ``time`` inside itsdangerous, which dates the signed cookie."""

    def __init__(self):
        self.offset = 0

    def time(self):
        return time.time() + self.offset


def test_a_session_expires_after_inactivity(app, monkeypatch):
    import itsdangerous.timed
    clock = Clock()
    monkeypatch.setattr(itsdangerous.timed, "time", clock)
    client = app.test_client()
    assert try_login(client, "gm", PASSWORD, fresh_address()).status_code == 302
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    for _ in range(3):  # activity keeps the session alive past the lifetime
        clock.offset += idle * 0.6
        assert client.get("/admin/").status_code == 200
    clock.offset += idle + 1
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_short_password_is_refused(app):
    client = log_in(app.test_client(), app, "admin")
    world = app.extensions["test_world"]
    response = client.post("/admin/app_user/new/", data={
        "username": "short.pw", "full_name": "短密码", "roles": "clerk",
        "department": str(world.departments["it"]), "clearance": "internal",
        "active": "y", "new_password": "short"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(AppUser).where(
            AppUser.username == "short.pw")) is None
        db.session.remove()


def test_an_old_hash_is_upgraded_at_login(app):
    with app.app_context():
        user = db.session.scalar(sa.select(AppUser).where(AppUser.username == "auditor"))
        user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:600")
        db.session.commit()
        db.session.remove()
    assert try_login(app.test_client(), "auditor", PASSWORD,
                     fresh_address()).status_code == 302
    with app.app_context():
        stored = db.session.scalar(sa.select(AppUser.password_hash).where(
            AppUser.username == "auditor"))
        db.session.remove()
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert try_login(app.test_client(), "auditor", PASSWORD,
                     fresh_address()).status_code == 302
    with app.app_context():
        again = db.session.scalar(sa.select(AppUser.password_hash).where(
            AppUser.username == "auditor"))
        db.session.remove()
    assert again == stored  # parameters unchanged: no new hash
