"""CSRF protection on every form: login, admin create/edit, delete, actions, transitions."""
from __future__ import annotations

import re

import pytest
from flask_migrate import upgrade

from app import create_app
from models import db

from ..conftest import TEST_CONFIG
from ..sessions import sign_in
from ..world import build_world


@pytest.fixture(scope="module")
def csrf_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("csrf") / "csrf.db"
    app = create_app({**TEST_CONFIG, "WTF_CSRF_ENABLED": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(revision="heads")
        app.extensions["test_world"] = build_world()
        db.session.commit()
    return app


def token_from(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_login_needs_the_token(csrf_app):
    client = csrf_app.test_client()
    refused = client.post("/login", data={"username": "gm", "password": "test-password-1"})
    assert refused.status_code == 400
    token = token_from(client.get("/login").get_data(as_text=True))
    accepted = client.post("/login", data={"username": "gm", "password": "test-password-1",
                                           "csrf_token": token})
    assert accepted.status_code == 302


@pytest.mark.parametrize("path,data", [
    ("/admin/customer/new/", {"code": "CSRF-1", "name": "x", "kind": "dealer",
                              "grade": "A", "level": "internal"}),
    ("/admin/customer/edit/?id=1", {"name": "x"}),
    ("/admin/customer/delete/", {"id": "1"}),
    ("/admin/complaint/action/", {"action": "investigate", "rowid": "1"}),
    ("/admin/complaint/transition/", {"id": "1", "transition": "investigate"}),
    ("/logout", {}),
])
def test_admin_posts_need_the_token(csrf_app, path, data):
    client = csrf_app.test_client()
    world = csrf_app.extensions["test_world"]
    sign_in(csrf_app, client, world.users["supervisor"])
    assert client.post(path, data=data).status_code == 400


def test_admin_form_with_the_token_saves(csrf_app):
    client = csrf_app.test_client()
    world = csrf_app.extensions["test_world"]
    sign_in(csrf_app, client, world.users["clerk.sales"])
    page = client.get("/admin/customer/new/").get_data(as_text=True)
    response = client.post("/admin/customer/new/", data={
        "csrf_token": token_from(page), "code": "CSRF-OK", "name": "带令牌的客户",
        "kind": "dealer", "grade": "A", "level": "internal",
        "department": str(world.departments["sales"])})
    assert response.status_code == 302
