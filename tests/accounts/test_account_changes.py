"""An administrator cannot make an account stronger than their own authority alone.

The administrator (clearance internal) used to create a GM-office account with secret
clearance, or set gm's password, and log in with it. Such a change now waits for a
GM-office member whose clearance covers it, who is neither the requester nor the
account's holder; until then the account has no new rights and the old password holds.
"""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from models import AccountChange, AppUser, AuditEvent, db
from permissions.accounts import AccountChangeRefused
from permissions.scoping import bind_request_user

from ..accounts_support import (
    PASSWORD,
    access_of,
    accounts,
    decide,
    forget,
    log_in,
    pending_changes,
    user_id_of,
)
from ..sessions import sign_in

NEW_PASSWORD = "brand-new-password-2026"


def new_account_form(world, username: str, roles, clearance: str, department: str) -> dict:
    return {"username": username, "full_name": username, "roles": roles,
            "department": str(world.departments[department]), "clearance": clearance,
            "active": "y", "new_password": NEW_PASSWORD,
            "change_reason": "新任总经理办公室秘书"}


def secret_complaint(world):
    return next(r for r in world.rows_of("complaint") if r.level == "secret")


def as_user(app, user_id: int):
    client = app.test_client()
    sign_in(app, client, user_id, locale="en")
    return client


def test_a_secret_gm_account_made_by_the_administrator_waits_for_approval(
        app, client, world, login_as):
    row = secret_complaint(world)
    with accounts(app, world, deputy=("gm_office", "gm", "secret")) as made:
        try:
            login_as("admin")
            response = client.post("/admin/app_user/new/", data=new_account_form(
                world, "new.gm.secretary", "gm_office", "secret", "gm"))
            assert response.status_code == 302
            # The account exists without any of what was asked, and cannot log in.
            assert access_of(app, "new.gm.secretary") == ("", "public", False)
            new_id = user_id_of(app, "new.gm.secretary")
            fresh = app.test_client()
            assert log_in(fresh, "new.gm.secretary", NEW_PASSWORD).status_code != 302
            page = as_user(app, new_id).get(f"/admin/complaint/details/?id={row.id}")
            assert page.status_code in (302, 403, 404)
            assert row.marker not in page.get_data(as_text=True)
            (change,) = pending_changes(app, new_id)
            assert (change.roles, change.clearance, change.active) == \
                ("gm_office", "secret", True)
            assert change.requested_by_id == world.users["admin"]
            assert change.reason == "新任总经理办公室秘书"

            # The GM office sees it waiting on its home page, and approves it.
            deputy = as_user(app, made["deputy"])
            home = deputy.get("/admin/").get_data(as_text=True)
            assert 'data-todo="account-changes" data-todo-count="1"' in home
            assert decide(app, deputy, change.id, "approve").status_code == 302
            assert access_of(app, "new.gm.secretary") == ("gm_office", "secret", True)
            assert log_in(fresh, "new.gm.secretary", NEW_PASSWORD).status_code == 302
            page = fresh.get(f"/admin/complaint/details/?id={row.id}")
            assert page.status_code == 200 and row.marker in page.get_data(as_text=True)
        finally:
            forget(app, "new.gm.secretary")


def test_a_reset_of_gms_password_waits_and_the_old_password_holds(app, client, world,
                                                                   login_as):
    with app.app_context():
        stored_hash = db.session.get(AppUser, world.users["gm"]).password_hash
        db.session.remove()
    gm_session = app.test_client()
    assert log_in(gm_session, "gm", PASSWORD).status_code == 302
    with accounts(app, world, deputy=("gm_office", "gm", "secret")) as made:
        try:
            login_as("admin")
            response = client.post(f"/admin/app_user/edit/?id={world.users['gm']}", data={
                "username": "gm", "full_name": "gm", "roles": "gm_office",
                "department": str(world.departments["gm"]), "clearance": "secret",
                "active": "y", "new_password": NEW_PASSWORD})
            assert response.status_code == 302
            assert log_in(app.test_client(), "gm", NEW_PASSWORD).status_code != 302
            assert log_in(app.test_client(), "gm", PASSWORD).status_code == 302
            assert gm_session.get("/admin/").status_code == 200
            (change,) = pending_changes(app, world.users["gm"])
            assert change.resets_password and change.roles is None
            with app.app_context():  # only the hash is kept, never the password
                stored = db.session.get(AccountChange, change.id).password_hash
                assert NEW_PASSWORD not in stored and stored.startswith("pbkdf2")
                db.session.remove()

            assert decide(app, as_user(app, made["deputy"]), change.id,
                          "approve").status_code == 302
            assert log_in(app.test_client(), "gm", PASSWORD).status_code != 302
            assert log_in(app.test_client(), "gm", NEW_PASSWORD).status_code == 302
            # The approved reset ended the session gm had before it.
            ended = gm_session.get("/admin/")
            assert ended.status_code == 302 and "/login" in ended.headers["Location"]
        finally:
            with app.app_context():
                gm = db.session.get(AppUser, world.users["gm"])
                gm.password_hash = stored_hash
                db.session.execute(sa.delete(AccountChange).where(
                    AccountChange.user_id == gm.id))
                db.session.commit()
                db.session.remove()


def test_the_requester_and_the_holder_cannot_approve(app, world):
    with accounts(app, world, boss=("admin gm_office", "gm", "secret"),
                  holder=("gm_office", "gm", "secret"),
                  target=("clerk", "sales", "internal")) as made:
        boss = as_user(app, made["boss"])
        # The boss (administrator and GM office) asks for an auditor role...
        response = boss.post(f"/admin/app_user/edit/?id={made['target']}", data={
            "username": "target", "full_name": "target", "roles": ["clerk", "auditor"],
            "department": str(world.departments["sales"]), "clearance": "internal",
            "active": "y"})
        assert response.status_code == 302
        assert access_of(app, "target")[0] == "clerk"
        (change,) = pending_changes(app, made["target"])
        # ...and cannot approve it themselves.
        refused = decide(app, boss, change.id, "approve")
        assert refused.status_code == 302
        assert "other than the person who asked" in \
            boss.get(refused.headers["Location"]).get_data(as_text=True)
        assert access_of(app, "target")[0] == "clerk"
        assert pending_changes(app, made["target"])

        # Nobody approves a change of their own account either.
        holder = as_user(app, made["holder"])
        boss.post(f"/admin/app_user/edit/?id={made['holder']}", data={
            "username": "holder", "full_name": "holder", "roles": ["gm_office", "legal"],
            "department": str(world.departments["gm"]), "clearance": "secret",
            "active": "y"})
        (own,) = pending_changes(app, made["holder"])
        refused = decide(app, holder, own.id, "approve")
        assert "their own account" in \
            holder.get(refused.headers["Location"]).get_data(as_text=True)
        assert access_of(app, "holder")[0] == "gm_office"

        # The holder may approve the first one: neither requester nor its holder.
        assert decide(app, holder, change.id, "approve").status_code == 302
        assert access_of(app, "target")[0] == "clerk auditor"


def test_a_confidential_gm_member_cannot_approve_a_secret_grant(app, client, world,
                                                               login_as):
    with accounts(app, world, junior=("gm_office", "gm", "confidential"),
                  target=("clerk", "sales", "internal")) as made:
        login_as("admin")
        client.post(f"/admin/app_user/edit/?id={made['target']}", data={
            "username": "target", "full_name": "target", "roles": "clerk",
            "department": str(world.departments["sales"]), "clearance": "secret",
            "active": "y"})
        (change,) = pending_changes(app, made["target"])
        junior = as_user(app, made["junior"])
        refused = decide(app, junior, change.id, "approve")
        assert "above yours" in junior.get(refused.headers["Location"]).get_data(
            as_text=True)
        assert access_of(app, "target") == ("clerk", "internal", True)
        assert pending_changes(app, made["target"])


def test_an_ordinary_grant_within_the_administrators_own_takes_effect_at_once(
        app, client, world, login_as):
    try:
        login_as("admin")
        response = client.post("/admin/app_user/new/", data=new_account_form(
            world, "new.clerk", "clerk", "internal", "sales"))
        assert response.status_code == 302
        assert access_of(app, "new.clerk") == ("clerk", "internal", True)
        assert pending_changes(app, user_id_of(app, "new.clerk")) == []
        assert log_in(app.test_client(), "new.clerk", NEW_PASSWORD).status_code == 302
    finally:
        forget(app, "new.clerk")


def _events(app, *where) -> list[tuple]:
    with app.app_context():
        found = [(e.action, e.username, json.loads(e.changes or "{}"))
                 for e in db.session.scalars(sa.select(AuditEvent).where(*where)
                                             .order_by(AuditEvent.id))]
        db.session.remove()
    return found


def test_approval_and_rejection_leave_audit_events(app, client, world, login_as):
    with accounts(app, world, deputy=("gm_office", "gm", "secret"),
                  first=("clerk", "sales", "internal"),
                  second=("clerk", "sales", "internal")) as made:
        login_as("admin")
        for name in ("first", "second"):
            client.post(f"/admin/app_user/edit/?id={made[name]}", data={
                "username": name, "full_name": name, "roles": ["clerk", "legal"],
                "department": str(world.departments["sales"]),
                "clearance": "confidential", "active": "y"})
        with app.app_context():
            start = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
            db.session.remove()
        (approve,) = pending_changes(app, made["first"])
        (reject,) = pending_changes(app, made["second"])
        deputy = as_user(app, made["deputy"])

        decide(app, deputy, approve.id, "approve")
        (applied,) = _events(app, AuditEvent.id > start, AuditEvent.model == "app_user",
                             AuditEvent.record_id == str(made["first"]),
                             AuditEvent.action == "account_change_approved")
        action, who, changes = applied
        assert who == "deputy"
        assert changes["requested_by"] == "admin" and changes["approved_by"] == "deputy"
        assert changes["roles"] == ["clerk", "clerk legal"]
        assert changes["clearance"] == ["internal", "confidential"]

        # A rejection needs a reason, and is recorded with it; the account is unchanged.
        decide(app, deputy, reject.id, "reject")
        assert pending_changes(app, made["second"])
        decide(app, deputy, reject.id, "reject", decision_reason="无法律室岗位")
        assert not pending_changes(app, made["second"])
        assert access_of(app, "second") == ("clerk", "internal", True)
        (rejected,) = _events(app, AuditEvent.id > start,
                              AuditEvent.model == "account_change",
                              AuditEvent.record_id == str(reject.id),
                              AuditEvent.action == "transition")
        assert rejected[1] == "deputy"
        assert rejected[2]["status"] == ["pending", "rejected"]
        assert rejected[2]["values"]["decision_reason"] == "无法律室岗位"


def test_an_administrator_cannot_request_a_change_of_their_own_account(app, world):
    response = as_user(app, world.users["admin"]).post("/admin/account_change/new/", data={
        "user": str(world.users["admin"]), "roles": ["admin", "gm_office"],
        "clearance": "secret"})
    assert response.status_code == 200
    assert "nobody requests a change of their own account" in response.get_data(
        as_text=True)
    assert pending_changes(app, world.users["admin"]) == []


def test_the_requester_may_withdraw_a_request(app, client, world, login_as):
    with accounts(app, world, target=("clerk", "sales", "internal")) as made:
        login_as("admin")
        client.post(f"/admin/app_user/edit/?id={made['target']}", data={
            "username": "target", "full_name": "target", "roles": ["clerk", "admin"],
            "department": str(world.departments["sales"]), "clearance": "internal",
            "active": "y"})
        (change,) = pending_changes(app, made["target"])
        listed = client.get("/admin/account_change/").get_data(as_text=True)
        assert f"/admin/account_change/details/?id={change.id}&" in listed
        assert decide(app, client, change.id, "withdraw").status_code == 302
        assert not pending_changes(app, made["target"])
        assert access_of(app, "target") == ("clerk", "internal", True)


def test_the_net_refuses_a_grant_that_skipped_the_approval(app, world):
    """Any other road to the account rows (a future screen, a script in a request) is
    refused at the flush; only an approval opens it."""
    with app.test_request_context("/admin/"):
        bind_request_user(db.session.get(AppUser, world.users["admin"]))
        target = db.session.get(AppUser, world.users["clerk.sales"])
        target.roles = "clerk gm_office"
        with pytest.raises(AccountChangeRefused):
            db.session.flush()
        db.session.rollback()
        target = db.session.get(AppUser, world.users["clerk.sales"])
        target.clearance = "secret"
        with pytest.raises(AccountChangeRefused):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert access_of(app, "clerk.sales") == ("clerk", "internal", True)
