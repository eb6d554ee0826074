"""/healthz and /readyz: a load balancer's questions, answered without a login."""
from __future__ import annotations

import health
from app import create_app

from ..conftest import TEST_CONFIG


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}


def test_readyz_reports_each_check_and_nothing_else(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {
        "database": "ok", "migrations": "ok", "store": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_refuses_traffic_when_schema_is_behind(client, monkeypatch):
    monkeypatch.setattr(health, "head_revisions", lambda: frozenset({"9999_future"}))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["checks"] == {
        "database": "ok", "migrations": "failing", "store": "ok"}


def test_readyz_when_store_is_not_writable(app, tmp_path):
    uploads = tmp_path / "uploads"
    broken = create_app({**TEST_CONFIG,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "UPLOAD_FOLDER": str(uploads)})
    # The folder goes away after start-up (a disk unmounted): a file stands in its place.
    uploads.rmdir()
    uploads.write_text("not a folder")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["store"] == "failing"


def test_readyz_when_database_is_away(tmp_path):
    # Nothing listens on port 1 of loopback: the connection is refused at once.
    away = create_app({**TEST_CONFIG,
                       "SQLALCHEMY_DATABASE_URI":
                           "postgresql+psycopg://postgres@127.0.0.1:1/none",
                       "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    response = away.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] == "failing"
    assert "127.0.0.1" not in response.get_data(as_text=True)  # no detail leaks out


def test_database_away_answers_503_in_the_users_language(tmp_path):
    away = create_app({**TEST_CONFIG,
                       "SQLALCHEMY_DATABASE_URI":
                           "postgresql+psycopg://postgres@127.0.0.1:1/none",
                       "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    client = away.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"  # a logged-in user: loading them needs the database
    response = client.get("/admin/complaint/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "数据库暂时无法连接" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        session["locale"] = "en"
    response = client.post("/login", data={"username": "gm", "password": "x" * 12})
    assert response.status_code == 503
    assert "database cannot be reached" in response.get_data(as_text=True)
