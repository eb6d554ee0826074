"""Item 18 of issue 11: a new password is checked against a strength estimator and
the account's own names (passwords.password_problems), wherever it is set: the users
screen, ``flask create-user`` and AppUser.set_password; the user is told why, on the
password field, in Chinese. Existing hashes are not re-checked at login."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from models import AppUser, Department, db
from passwords import WeakPassword, password_problems

from ..test_audit_support import KINDS, log_in, own_app

#: Refused, and the reason the user is told (zh_CN).
WEAK = {
    "1111111111": "密码不能全是数字",
    "password123": "常用密码",
    "qwertyuiop": "常用密码",
    "abcdefghij": "连续的字母或数字",
    "ababababab": "至少要用 5 个不同的字符",
    "short": "至少要有 10 个字符",
    "{username}": "与用户名过于相似",
    "{username}2026": "与用户名过于相似",
    "王秀英王秀英王秀英王秀": "至少要用 5 个不同的字符",
}
STRONG = "violet-harbour-ledger-spins"


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "passwords") as app:
        yield app


def new_user_form(app, username: str, password: str) -> dict:
    return {"username": username, "full_name": "王秀英", "roles": "clerk",
            "department": str(app.extensions["test_world"].departments["it"]),
            "clearance": "internal", "active": "y", "new_password": password}


def user_named(app, username: str) -> AppUser | None:
    with app.app_context():
        user = db.session.scalar(sa.select(AppUser).where(AppUser.username == username))
        db.session.expunge_all()
        db.session.remove()
        return user


def password_field_errors(page: str) -> list[str]:
    """The error lines Flask-Admin shows under the new-password field."""
    block = re.search(r'id="new_password"[^>]*>\s*<div class="invalid-feedback">(.*?)</div>',
                      page, re.S)
    return re.findall(r"<li>(.*?)</li>", block.group(1)) if block else []


@pytest.mark.parametrize("password,reason", WEAK.items())
def test_the_users_screen_refuses_a_weak_password_on_its_field(app, password, reason):
    username = f"weak.{abs(hash(password)) % 10**8}"
    client = log_in(app.test_client(), app, "admin")
    response = client.post("/admin/app_user/new/", data=new_user_form(
        app, username, password.format(username=username)))
    assert response.status_code == 200
    errors = password_field_errors(response.get_data(as_text=True))
    assert any(reason in error for error in errors), errors
    assert user_named(app, username) is None


def test_the_users_screen_accepts_a_strong_passphrase(app):
    client = log_in(app.test_client(), app, "admin")
    response = client.post("/admin/app_user/new/",
                           data=new_user_form(app, "strong.pw", STRONG))
    assert response.status_code == 302
    assert user_named(app, "strong.pw") is not None
    login = app.test_client().post("/login", data={"username": "strong.pw",
                                                   "password": STRONG})
    assert login.status_code == 302


def test_changing_a_password_to_the_username_is_refused(app):
    world = app.extensions["test_world"]
    client = log_in(app.test_client(), app, "admin")
    pk = world.users["clerk.service"]
    page = client.get(f"/admin/app_user/edit/?id={pk}").get_data(as_text=True)
    full_name = re.search(r'id="full_name"[^>]*value="([^"]*)"', page).group(1)
    response = client.post(f"/admin/app_user/edit/?id={pk}", data={
        "username": "clerk.service", "full_name": full_name, "roles": "clerk",
        "department": str(world.departments["service"]), "clearance": "internal",
        "active": "y", "new_password": "clerk.service"})
    assert response.status_code == 200
    assert any("与用户名过于相似" in e
               for e in password_field_errors(response.get_data(as_text=True)))


def test_create_user_refuses_a_weak_password(app):
    runner = app.test_cli_runner()
    with app.app_context():
        code = db.session.scalar(sa.select(Department.code).limit(1))
        db.session.remove()
    args = ["create-user", "--username", "cli.weak", "--full-name", "命令行",
            "--department", code]
    with app.app_context():  # what the `flask` command pushes
        refused = runner.invoke(args=[*args, "--password", "1111111111"])
        db.session.remove()
    assert refused.exit_code != 0
    assert "password" in refused.output and "密码不能全是数字" in refused.output
    assert user_named(app, "cli.weak") is None
    with app.app_context():
        accepted = runner.invoke(args=[*args, "--password", STRONG])
        db.session.remove()
    assert accepted.exit_code == 0, accepted.output
    assert user_named(app, "cli.weak") is not None


def test_set_password_is_the_door_every_path_passes(app):
    with app.app_context():
        user = AppUser(username="model.door", full_name="模型")
        with pytest.raises(WeakPassword) as refused:
            user.set_password("1111111111")
        assert refused.value.problems
        user.set_password(STRONG)


def test_an_existing_weak_hash_still_logs_in(app):
    """Rules apply when a password is set; at login the stored hash alone decides."""
    with app.app_context():
        user = db.session.scalar(sa.select(AppUser).where(AppUser.username == "legal"))
        user.password_hash = generate_password_hash("1111111111",
                                                    method="pbkdf2:sha256:1000")
        db.session.commit()
        db.session.remove()
    login = app.test_client().post("/login", data={"username": "legal",
                                                   "password": "1111111111"})
    assert login.status_code == 302


@pytest.mark.parametrize("password", ["demo-pass-2026", "test-password-1", STRONG,
                                      "correct horse battery staple"])
def test_passphrases_pass(app, password):
    with app.test_request_context():
        user = SimpleNamespace(username="clerk.sales", full_name="销售文员")
        assert password_problems(password, user) == []
