"""A session ends on the server: logout, a new password and deactivation.

Sessions are signed cookies, so a copy of one used to keep working after its owner
logged out. Each session now carries the account's ``session_version`` from its login;
raising the version (logout, a new password, deactivation) ends every session of that
account, on every worker, and leaves other accounts' sessions alone.
"""
from __future__ import annotations

from flask_login.utils import encode_cookie

from models import AppUser, db

from ..accounts_support import PASSWORD, accounts, log_in

SESSION_COOKIE = "session"


def copy_of(app, client):
    """A second client holding a copy of ``client``'s session cookie (a stolen one)."""
    value = client.get_cookie(SESSION_COOKIE).value
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, value)
    return thief


def refused(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def logged_in(app, username: str):
    client = app.test_client()
    assert log_in(client, username, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    return client


def user_form(world, username: str, **values) -> dict:
    return {"username": username, "full_name": username, "roles": "clerk",
            "department": str(world.departments["sales"]), "clearance": "internal",
            "active": "y", **values}


def test_a_cookie_copied_before_logout_is_refused_after_it(app, world):
    with accounts(app, world, walker=("clerk", "sales", "internal"),
                  other=("clerk", "sales", "internal")):
        client = logged_in(app, "walker")
        other = logged_in(app, "other")
        thief = copy_of(app, client)
        assert thief.get("/admin/").status_code == 200  # the copy works while logged in
        client.post("/logout")
        assert refused(thief.get("/admin/"))
        assert refused(thief.get("/admin/customer/"))
        assert other.get("/admin/").status_code == 200  # another account: unaffected


def test_a_new_password_ends_the_accounts_sessions(app, world, login_as, client):
    with accounts(app, world, changed=("clerk", "sales", "internal"),
                  other=("clerk", "sales", "internal")) as made:
        victim = logged_in(app, "changed")
        other = logged_in(app, "other")
        login_as("admin")
        response = client.post(f"/admin/app_user/edit/?id={made['changed']}", data=user_form(
            world, "changed", new_password="another-password-2026"))
        assert response.status_code == 302
        assert refused(victim.get("/admin/"))
        assert other.get("/admin/").status_code == 200
        assert client.get("/admin/").status_code == 200  # the administrator's own stays


def test_deactivation_ends_the_accounts_sessions_for_good(app, world, login_as, client):
    with accounts(app, world, leaver=("clerk", "sales", "internal")) as made:
        leaver = logged_in(app, "leaver")
        login_as("admin")
        form = user_form(world, "leaver")
        del form["active"]  # an unticked box
        assert client.post(f"/admin/app_user/edit/?id={made['leaver']}",
                           data=form).status_code == 302
        assert refused(leaver.get("/admin/"))
        # Reactivated, the account logs in afresh; the old session stays ended.
        assert client.post(f"/admin/app_user/edit/?id={made['leaver']}",
                           data=user_form(world, "leaver")).status_code == 302
        assert refused(leaver.get("/admin/"))
        logged_in(app, "leaver")


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, world):
    with accounts(app, world, admin2=("admin", "it", "internal")) as made:
        here = logged_in(app, "admin2")
        elsewhere = logged_in(app, "admin2")
        response = here.post(f"/admin/app_user/edit/?id={made['admin2']}", data={
            "username": "admin2", "full_name": "admin2", "new_password":
            "my-own-new-password-26"})
        assert response.status_code == 302
        assert here.get("/admin/").status_code == 200
        assert refused(elsewhere.get("/admin/"))
        assert log_in(app.test_client(), "admin2", "my-own-new-password-26"
                      ).status_code == 302


def test_a_remember_me_cookie_alone_opens_no_session(app, world):
    """Flask-Login would load a user from a remember-me cookie; it carries no session
    version, so it is refused like a session from before a logout."""
    with app.test_request_context():
        token = encode_cookie(str(world.users["gm"]))
    client = app.test_client()
    client.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), token)
    assert refused(client.get("/admin/"))


def test_a_session_without_a_version_is_refused(app, world):
    """A cookie from before this check (or one made without a login) names no version."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(world.users["gm"])
        session["_fresh"] = True
    assert refused(client.get("/admin/"))
    with app.app_context():
        assert db.session.get(AppUser, world.users["gm"]).active
        db.session.remove()
