"""JSON log lines with a request id, which the request's audit events carry too."""
from __future__ import annotations

import io
import json
import logging

import pytest
import sqlalchemy as sa

from app import create_app
from audit.anchor import audit_key
from audit.chain import verify_chain
from models import AppUser, AuditEvent, db
from request_log import configure_logging

from ..conftest import TEST_CONFIG

PASSWORD = "test-password-1"  # the world's users' password (tests/world.py)


def capture(app):
    """Lines the app's log handler writes from now on (a migration run in this process
    may have replaced the handlers: they are set up again first)."""
    configure_logging(app)
    (handler,) = [h for h in logging.getLogger().handlers
                  if getattr(h, "records_handler", False)]
    stream = io.StringIO()
    handler.setStream(stream)
    return lambda: stream.getvalue().splitlines()


@pytest.fixture
def log_lines(app):
    yield capture(app)
    configure_logging(app)  # back to stderr


def proxied_app(app, tmp_path):
    """The same database, served behind one trusted proxy."""
    return create_app({**TEST_CONFIG, "TRUSTED_PROXIES": 1,
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "UPLOAD_FOLDER": str(tmp_path / "uploads")})


def username_of(app, user_id: int) -> str:
    with app.app_context():
        name = db.session.get(AppUser, user_id).username
        db.session.remove()
    return name


def test_each_request_gets_an_id_in_the_response_header(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


def test_a_forged_request_id_is_ignored_without_trusted_proxies(client):
    response = client.get("/healthz", headers={"X-Request-ID": "forged-id-123"})
    assert response.headers["X-Request-ID"] != "forged-id-123"


def test_the_trusted_proxys_request_id_goes_round_trip(app, tmp_path):
    client = proxied_app(app, tmp_path).test_client()
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42:1"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.42:1"
    # Even from the proxy, a value that is no plain token is replaced.
    for hostile in ("two words", "x" * 65, 'a"}{"level":"ERROR"}', "-leading-dash"):
        answer = client.get("/healthz", headers={"X-Request-ID": hostile})
        assert answer.headers["X-Request-ID"] != hostile
        assert len(answer.headers["X-Request-ID"]) == 32


def test_log_lines_are_json_and_carry_the_request_id(client, log_lines):
    response = client.get("/healthz?name=张三&phone=13800138000")
    request_id = response.headers["X-Request-ID"]
    records = [json.loads(line) for line in log_lines()]  # every line parses
    (access,) = [r for r in records if r["logger"] == "records.access"]
    assert access["request_id"] == request_id
    assert access["method"] == "GET" and access["path"] == "/healthz"
    assert access["status"] == 200 and access["duration_ms"] >= 0
    assert access["remote_addr"] == "127.0.0.1" and access["user_id"] is None
    text = "\n".join(log_lines())
    assert "13800138000" not in text and "张三" not in text


def test_a_warning_inside_a_request_carries_its_id(tmp_path):
    away = create_app({**TEST_CONFIG, "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                       "SQLALCHEMY_DATABASE_URI":
                           "postgresql+psycopg://postgres@127.0.0.1:1/none"})
    log_lines = capture(away)
    response = away.test_client().get("/readyz")
    records = [json.loads(line) for line in log_lines()]
    failing = [r for r in records if r["logger"] != "records.access"]
    assert failing and all(r["request_id"] == response.headers["X-Request-ID"]
                           for r in failing)


def test_the_login_audit_event_has_the_requests_id_and_no_password_is_logged(
        app, world, log_lines):
    username = username_of(app, world.users["clerk.service"])
    client = app.test_client()
    response = client.post("/login?next=/admin/", data={"username": username,
                                                        "password": PASSWORD})
    assert response.status_code == 302
    request_id = response.headers["X-Request-ID"]
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.request_id == request_id)).all()
        assert [(e.action, e.username) for e in events] == [("login", username)]
        # The id is covered by the chain: changed, the event no longer verifies.
        event = events[0]
        assert event.expected_digest(audit_key()) == event.digest
        event.request_id = "another-request"
        assert event.expected_digest(audit_key()) != event.digest
        db.session.rollback()
        assert verify_chain().ok
        db.session.remove()
    records = [json.loads(line) for line in log_lines()]
    (access,) = [r for r in records if r["logger"] == "records.access"]
    assert access["request_id"] == request_id and access["path"] == "/login"
    assert access["user_id"] == world.users["clerk.service"]
    assert PASSWORD not in "\n".join(log_lines())


def test_text_format_for_a_terminal(app, tmp_path):
    plain = create_app({**TEST_CONFIG, "LOG_FORMAT": "text",
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    try:
        lines = capture(plain)
        response = plain.test_client().get("/healthz")
        assert f"[{response.headers['X-Request-ID']}] records.access: GET /healthz 200" \
            in lines()[-1]
    finally:
        configure_logging(app)  # JSON again for the tests after this one


def test_a_refusal_is_audited_under_the_requests_id(app, login_as):
    client = login_as("clerk.service")
    response = client.get("/admin/audit_event/")
    assert response.status_code == 403
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.request_id == response.headers["X-Request-ID"])).all()
        db.session.remove()
    assert actions == ["refused"]
