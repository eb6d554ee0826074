"""Helpers for the settings tests (this module holds no test).

Settings and grants live in the shared test database: ``restore_defaults`` (an autouse
fixture in each settings test module) puts every setting back to the code's value and
removes approved grant changes after each test, through the ORM, so the generation
counter moves and every app instance reloads.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from admin_views.settings_screen import ensure_rows
from models import AppSetting, AppUser, GrantChange, RoleGrant, db


def reset_everything(app) -> None:
    with app.app_context():
        for row in db.session.scalars(sa.select(AppSetting).where(
                AppSetting.value.is_not(None))):
            row.value = None
        for row in db.session.scalars(sa.select(RoleGrant)):
            db.session.delete(row)
        # Left-over proposals are closed (a test's own clean-up, not a step).
        db.session.execute(sa.update(GrantChange).where(GrantChange.status == "pending")
                           .values(status="withdrawn"))
        db.session.commit()
        db.session.remove()


@pytest.fixture(name="restore_defaults")
def restore_defaults_fixture(app):
    yield
    reset_everything(app)


def setting_id(app, key: str) -> int:
    with app.app_context():
        ensure_rows(app)
        pk = db.session.scalar(sa.select(AppSetting.id).where(AppSetting.key == key))
        db.session.remove()
    return pk


def stored(app, key: str):
    """(value, version) of the setting's row, read in a fresh session."""
    with app.app_context():
        ensure_rows(app)
        row = db.session.scalar(sa.select(AppSetting).where(AppSetting.key == key))
        found = (row.value, row.version_id)
        db.session.remove()
    return found


def edit_setting(client, app, key: str, version=None, **fields):
    """Post the edit form of setting ``key`` (``value=…`` or ``value_<part>=…``)."""
    pk = setting_id(app, key)
    if version is None:
        version = stored(app, key)[1]
    return client.post(f"/admin/app_setting/edit/?id={pk}",
                       data={"loaded_version": str(version), **fields})


def user_with_roles(app, world, username: str, roles: str, department="gm",
                    clearance="secret") -> int:
    """A user holding ``roles`` (made once per database), registered in the world."""
    with app.app_context():
        user = db.session.scalar(sa.select(AppUser).where(AppUser.username == username))
        if user is None:
            user = AppUser(username=username, full_name=username, roles=roles,
                           department_id=world.departments[department], clearance=clearance)
            user.set_password("test-password-1")
            db.session.add(user)
            db.session.commit()
        world.users[username] = user.id
        db.session.remove()
    return world.users[username]
