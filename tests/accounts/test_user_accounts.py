"""User accounts: an administrator manages other people's access, never their own.

Roles, department, clearance and the active flag grant access; an administrator who
could set their own would hold every role and the highest clearance. A user account
is no department's record, so any department may be chosen for it.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import AppUser, db


def _account(app, username: str) -> tuple:
    with app.app_context():
        user = db.session.scalar(sa.select(AppUser).where(AppUser.username == username))
        found = (user.roles, user.clearance, user.department_id, user.active, user.full_name)
        db.session.remove()
    return found


def _form(world, username: str, **values) -> dict:
    form = {"username": username, "full_name": values.pop("full_name", username),
            "roles": "clerk", "department": str(world.departments["sales"]),
            "clearance": "internal", "active": "y"}
    form.update(values)
    return form


def test_an_administrator_cannot_grant_themselves_access(app, client, world, login_as):
    login_as("admin")
    me = world.users["admin"]
    page = client.get(f"/admin/app_user/edit/?id={me}").get_data(as_text=True)
    assert 'name="clearance"' not in page and 'name="roles"' not in page
    assert 'name="full_name"' in page  # the rest of their own account stays editable
    roles, clearance, department, active, _name = _account(app, "admin")
    response = client.post(f"/admin/app_user/edit/?id={me}", data=_form(
        world, "admin", full_name="系统管理员", roles=["admin", "gm_office"],
        clearance="secret", department=str(world.departments["gm"])))
    assert response.status_code == 302
    assert _account(app, "admin") == (roles, clearance, department, active, "系统管理员")


def test_an_administrator_sets_another_users_access(app, client, world, login_as):
    """Within the administrator's own authority (an ordinary role, a clearance up to
    theirs) a change takes effect at once; more waits for the GM office
    (tests/accounts/test_account_changes.py)."""
    login_as("admin")
    before = _account(app, "clerk.service")
    response = client.post(f"/admin/app_user/edit/?id={world.users['clerk.service']}",
                           data=_form(world, "clerk.service", roles=["clerk", "supervisor"],
                                      clearance="internal",
                                      department=str(world.departments["service"])))
    assert response.status_code == 302
    try:
        assert _account(app, "clerk.service")[0] == "clerk supervisor"
    finally:
        with app.app_context():
            user = db.session.get(AppUser, world.users["clerk.service"])
            user.roles, user.clearance, user.department_id, user.active, user.full_name \
                = before
            db.session.commit()
            db.session.remove()


def test_a_new_account_may_belong_to_any_department(app, client, world, login_as):
    login_as("admin")  # of the IT department
    response = client.post("/admin/app_user/new/", data=_form(
        world, "new.sales.clerk", new_password="a-long-enough-password-2026"))
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        user = db.session.scalar(sa.select(AppUser).where(
            AppUser.username == "new.sales.clerk"))
        assert user.department_id == world.departments["sales"]
        db.session.delete(user)
        db.session.commit()
        db.session.remove()
