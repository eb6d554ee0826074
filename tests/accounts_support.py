"""Helpers for the account tests: accounts of their own, real logins, account snapshots."""
from __future__ import annotations

import itertools
from contextlib import contextmanager

import sqlalchemy as sa

from models import AccountChange, AppUser, db

PASSWORD = "test-password-1"  # the world's users' password (tests/world.py)
_addresses = itertools.count(1)


def fresh_address() -> dict:
    """A client address of its own, so failed logins of one test never lock another."""
    n = next(_addresses)
    return {"REMOTE_ADDR": f"10.77.{n // 250}.{n % 250 + 1}"}


def log_in(client, username: str, password: str):
    """A real login through the form; a 302 means it worked."""
    return client.post("/login", data={"username": username, "password": password},
                       environ_base=fresh_address())


def user_id_of(app, username: str) -> int | None:
    with app.app_context():
        found = db.session.scalar(sa.select(AppUser.id).where(AppUser.username == username))
        db.session.remove()
    return found


def access_of(app, username: str) -> tuple:
    """(roles, clearance, active) of an account."""
    with app.app_context():
        user = db.session.scalar(sa.select(AppUser).where(AppUser.username == username))
        found = (user.roles, user.clearance, user.active)
        db.session.remove()
    return found


def forget(app, *usernames: str) -> None:
    """Remove accounts a test made, with the requests about them."""
    with app.app_context():
        ids = db.session.scalars(sa.select(AppUser.id).where(
            AppUser.username.in_(usernames))).all()
        if ids:
            db.session.execute(sa.delete(AccountChange).where(sa.or_(
                AccountChange.user_id.in_(ids), AccountChange.requested_by_id.in_(ids),
                AccountChange.decided_by_id.in_(ids))))
            db.session.execute(sa.delete(AppUser).where(AppUser.id.in_(ids)))
            db.session.commit()
        db.session.remove()


@contextmanager
def accounts(app, world, **specs):
    """``accounts(app, world, deputy=("gm_office", "gm", "secret"))``: accounts made
    outside any request (as ``flask create-user`` does), removed afterwards; yields
    username → id."""
    with app.app_context():
        made = {}
        for username, (roles, department, clearance) in specs.items():
            user = AppUser(username=username, full_name=username, roles=roles,
                           department_id=world.departments[department],
                           clearance=clearance)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
            made[username] = user.id
        db.session.commit()
        db.session.remove()
    try:
        yield made
    finally:
        forget(app, *specs)


def pending_changes(app, user_id: int) -> list[AccountChange]:
    with app.app_context():
        found = db.session.scalars(sa.select(AccountChange).where(
            AccountChange.user_id == user_id, AccountChange.status == "pending")).all()
        db.session.expunge_all()
        db.session.remove()
    return found


def decide(app, client, change_id: int, step: str, **values):
    """Fire ``step`` on an account change as the client's user."""
    with app.app_context():
        version = db.session.get(AccountChange, change_id).version_id
        db.session.remove()
    return client.post("/admin/account_change/transition/", data={
        "id": str(change_id), "transition": step, "version": str(version), **values})
