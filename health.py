"""``/healthz`` and ``/readyz``: what a load balancer asks before sending traffic.

``/healthz`` says the process answers (liveness). ``/readyz`` says this server can do
its work (readiness): the database answers, its schema is at the migrations' head,
and the attachment folder is writable. Both answer without a login and say nothing
but which check failed — no versions, paths or error texts, which would help an
attacker more than an operator (the operator reads the log, where the detail goes).
"""
from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from models import db

bp = Blueprint("health", __name__)

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
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".ready-"):
            pass
    except OSError:
        current_app.logger.exception("readiness: the attachment folder is not writable")
        return False
    return os.access(folder, os.W_OK)


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
        response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response
