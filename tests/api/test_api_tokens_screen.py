"""The API tokens screen: made by the user (or an administrator), shown once, stored
hashed, revocable; an administrator cannot make a token that acts beyond what they may
grant alone."""
from __future__ import annotations

import re

import sqlalchemy as sa

from models import ApiToken, db

from ..api_support import bearer, make_token, token_row

SECRET = re.compile(r'data-token="1">(rk_[A-Za-z0-9_\-]+)<')


def make(client, **form):
    return client.post("/admin/api_tokens/new", data={"name": "ERP", "scope": "read",
                                                     "days": "30", **form})


def test_a_token_is_shown_once_stored_hashed_and_works(app, client_as, client):
    clerk = client_as("clerk.sales")
    page = make(clerk)
    assert page.status_code == 200
    secret = SECRET.search(page.get_data(as_text=True)).group(1)
    with app.app_context():
        stored = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "ERP")
                                   .order_by(ApiToken.id.desc()))
        assert secret not in (stored.digest, stored.shown) and secret.startswith(stored.shown)
        assert stored.scope == "read"
    assert secret not in clerk.get("/admin/api_tokens/").get_data(as_text=True)
    assert client.get("/api/v1/customer", headers=bearer(secret)).status_code == 200
    listed = clerk.get("/admin/api_tokens/").get_data(as_text=True)
    assert "ERP" in listed and "—" not in listed.split("ERP", 1)[1].split("</tr>")[0]


def test_revoking_closes_the_api_and_only_the_owner_or_an_admin_may(app, world, client_as,
                                                                     client):
    secret = make_token(app, world.users["clerk.sales"])
    row = token_row(app, secret)
    assert client_as("clerk.service").post(
        f"/admin/api_tokens/{row.id}/revoke").status_code == 302
    assert client.get("/api/v1/customer", headers=bearer(secret)).status_code == 200
    client_as("admin").post(f"/admin/api_tokens/{row.id}/revoke")
    assert client.get("/api/v1/customer", headers=bearer(secret)).status_code == 401


def test_an_admin_makes_tokens_only_for_accounts_they_may_set_up_alone(world, client_as):
    admin = client_as("admin")
    assert make(admin, user_id=str(world.users["clerk.sales"])).status_code == 200
    refused = make(admin, user_id=str(world.users["gm"]))
    assert refused.status_code == 400 and not SECRET.search(refused.get_data(as_text=True))
    clerk = client_as("clerk.sales")
    assert make(clerk, user_id=str(world.users["clerk.service"])).status_code == 400


def test_bad_form_values_are_named(client_as):
    clerk = client_as("clerk.sales")
    for form in ({"name": ""}, {"scope": "admin"}, {"days": "0"}, {"days": "9999"}):
        answer = make(clerk, **form)
        assert answer.status_code == 400 and not SECRET.search(answer.get_data(as_text=True))
