"""Helpers for the audit, backup, login and conflict tests (this module has no tests).

Those tests add, change and tamper with records and audit events, so each test
module gets an app on a database of its own (SQLite file or a new PostgreSQL
database, dropped afterwards) instead of the suite's shared one, whose row counts
the permission matrix checks.
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from models import AuditEvent, db

from .conftest import PG_ADMIN_URL, REQUIRE_PG, TEST_CONFIG
from .sessions import sign_in
from .world import build_world

KINDS = ["sqlite", "postgresql"]


def skip_without_postgres(request) -> None:
    problem = request.config._pg_problem
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")


@contextmanager
def empty_database(kind: str, request, tmp_path_factory, label: str = "audit"):
    """The URL of a new, empty database of ``kind``; a PostgreSQL one is dropped after."""
    if kind == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp(label) / f"{label}.db")
        return
    skip_without_postgres(request)
    name = f"records_{label}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(PG_ADMIN_URL).set(database=name) \
            .render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str, tmp_path_factory, *, world: bool = True, **config):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")), **config})
    with app.app_context():
        upgrade(revision="heads")
        if world:
            app.extensions["test_world"] = build_world()
            db.session.commit()
    return app


@contextmanager
def own_app(request, tmp_path_factory, label: str = "audit", **config):
    with empty_database(request.param, request, tmp_path_factory, label) as url:
        app = make_app(url, tmp_path_factory, **config)
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def log_in(client, app, username: str):
    """Put the world's ``username`` into the client's session (no login request)."""
    sign_in(app, client, app.extensions["test_world"].users[username])
    return client


def events(app, *where) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(sa.select(AuditEvent).where(*where)
                                   .order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        db.session.remove()
        return found


def last_event_id(app) -> int:
    with app.app_context():
        value = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
        db.session.remove()
        return value
