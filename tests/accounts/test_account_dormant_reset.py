"""A password set on a deactivated GM-office account waits for approval too.

Before: ``approval_reasons`` counted a new password as handing out the account's rights
only when the account was active after the save. An administrator (internal) could set
the password of a deactivated secret GM-office account at once, then ask for it to be
reactivated — a request that says nothing about the password — and, once the GM office
approved the reactivation, log in with secret clearance.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import AppUser, db

from ..accounts_support import PASSWORD, accounts, decide, log_in, pending_changes
from ..sessions import sign_in

NEW_PASSWORD = "dormant-known-password-77"


def test_a_password_set_on_a_deactivated_gm_account_waits_for_approval(
        app, client, world, login_as):
    with accounts(app, world, dormant=("gm_office", "gm", "secret"),
                  deputy=("gm_office", "gm", "secret")) as made:
        with app.app_context():
            db.session.get(AppUser, made["dormant"]).active = False
            db.session.commit()
            stored_hash = db.session.get(AppUser, made["dormant"]).password_hash
            db.session.remove()
        login_as("admin")
        form = {"username": "dormant", "full_name": "dormant", "roles": "gm_office",
                "department": str(world.departments["gm"]), "clearance": "secret"}
        response = client.post(f"/admin/app_user/edit/?id={made['dormant']}",
                               data={**form, "new_password": NEW_PASSWORD})
        assert response.status_code == 302
        with app.app_context():
            assert db.session.scalar(sa.select(AppUser.password_hash).where(
                AppUser.id == made["dormant"])) == stored_hash
            db.session.remove()
        (change,) = pending_changes(app, made["dormant"])
        assert change.resets_password

        # The GM office approves what it reads: the reset, as a reset.
        deputy = app.test_client()
        sign_in(app, deputy, made["deputy"], locale="en")
        assert decide(app, deputy, change.id, "approve").status_code == 302
        with app.app_context():
            db.session.get(AppUser, made["dormant"]).active = True
            db.session.commit()
            db.session.remove()
        assert log_in(app.test_client(), "dormant", PASSWORD).status_code != 302
        assert log_in(app.test_client(), "dormant", NEW_PASSWORD).status_code == 302
