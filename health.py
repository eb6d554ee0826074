"""``/healthz`` and ``/readyz``: what a load balancer asks before sending traffic.

``/healthz`` says the process answers (liveness). ``/readyz`` says this server can do
its work (readiness): the database answers, its schema is at the migrations' head,
and the attachment store is writable (the folder) or reachable (the bucket). Both
answer without a login and say nothing but which check failed — no versions, paths or
error texts, which would help an attacker more than an operator (the operator reads
the log, where the detail goes).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, g, jsonify, render_template
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin

from models import db

bp = Blueprint("health", __name__)

#: Seconds a client is asked to wait when the database does not answer.
RETRY_AFTER = 5

MIGRATIONS = Path(__file__).parent / "migrations"


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The revisions a fully migrated database is at (read once per process)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_ready() -> tuple[bool, bool]:
    """(the database answers, its schema is at head)."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("readiness: the database does not answer")
        return False, False
    return True, current == head_revisions()


def store_writable() -> bool:
    """The attachment store can take uploads: the folder is writable, or the bucket
    answers to our credentials (``AttachmentStore.check_ready``)."""
    from attachment_store import StoreUnavailable, current_store

    try:
        current_store().check_ready()
    except StoreUnavailable:
        current_app.logger.exception("readiness: the attachment store cannot be used")
        return False
    return True


@bp.get("/healthz")
def healthz():
    return jsonify(status="alive")


@bp.get("/readyz")
def readyz():
    reachable, migrated = database_ready()
    checks = {"database": reachable, "migrations": migrated, "store": store_writable()}
    ready = all(checks.values())
    response = jsonify(status="ready" if ready else "not ready",
                       checks={name: "ok" if good else "failing"
                               for name, good in checks.items()})
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def install_unavailable_page(app) -> None:
    """While the database cannot be reached, answer 503 with Retry-After, never 500.

    An ``OperationalError`` is the database (or the connection to it) failing, not the
    request: a restarting PostgreSQL, a dropped connection, a locked SQLite file. The
    pool pings a connection before lending it (``pool_pre_ping``), so once the database
    is back the next request gets a fresh connection and the site recovers by itself.
    """

    @app.teardown_appcontext
    def release_session(error=None):
        """Hand the request's connection back even if the database went away after the
        answer was made: closing ends the transaction with a ROLLBACK, which fails on a
        connection the server cut (a restart). Raised from here it would turn a finished
        answer (a page shown, a record saved and committed) into a 500. The connection
        is dropped instead; the pool opens a new one when the database is back.
        Registered after Flask-SQLAlchemy's own teardown, so it runs before it."""
        try:
            db.session.remove()
        except sa.exc.SQLAlchemyError as failure:
            current_app.logger.warning("database connection lost after the answer: %s",
                                       failure.orig or failure)
            try:
                db.session().invalidate()
            except sa.exc.SQLAlchemyError:
                pass
            db.session.registry.clear()

    @app.errorhandler(sa.exc.OperationalError)
    def database_unavailable(error):
        current_app.logger.warning("database unavailable: %s", error.orig or error)
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            db.session().invalidate()
        # The user could not be loaded: render as nobody, so nothing after this asks
        # the database again (the security headers, the template).
        g._login_user = AnonymousUserMixin()
        page = render_template("error.html", code=503, message=_(
            "The database cannot be reached at the moment; nothing was saved. Please try "
            "again in a few seconds."))
        return page, 503, {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
