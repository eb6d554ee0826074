"""Helpers for the audit, backup, login and conflict tests (this module has no tests).

Those tests add, change and tamper with records and audit events, so each test
module gets an app on a database of its own (SQLite file or a new PostgreSQL
database, dropped afterwards) instead of the suite's shared one, whose row counts
the permission matrix checks.
"""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from models import AuditEvent, db

from .conftest import TEST_CONFIG, empty_database, skip_without_postgres  # noqa: F401
from .sessions import sign_in
from .world import build_world

KINDS = ["sqlite", "postgresql"]


def make_app(url: str, tmp_path_factory, *, world: bool = True, demo: bool = False,
             **config):
    """An app on ``url`` migrated to the head, with the test world or the demo data."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")), **config})
    with app.app_context():
        upgrade(revision="heads")
        if demo:
            from demo import seed

            assert seed() is True
        if world:
            app.extensions["test_world"] = build_world()
            db.session.commit()
    return app


@contextmanager
def disposed(app):
    """Yield ``app``; afterwards close its sessions and its connection pool."""
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def own_app(request, tmp_path_factory, label: str = "audit", **config):
    with empty_database(request.param, request, tmp_path_factory, label) as url:
        with disposed(make_app(url, tmp_path_factory, **config)) as app:
            yield app


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
