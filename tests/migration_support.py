"""An app on a database migrated up to the revision before the one a test checks
(this module holds no test): the data a migration must carry is inserted there, then
the test upgrades to the head."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from app import create_app
from models import db

from .conftest import TEST_CONFIG, fresh_database


def app_before(request, tmp_path_factory, revision: str, prefix: str):
    """Yield the app at ``revision``'s parent on a fresh database; drop it afterwards."""
    database = fresh_database(request, tmp_path_factory, prefix)
    url = next(database)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_FOLDER": str(tmp_path_factory.mktemp(f"{prefix}-uploads"))})
    with app.app_context():
        scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        upgrade(revision=scripts.get_revision(revision).down_revision)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    next(database, None)  # drops the PostgreSQL database


def department_and_customer(run, now: dict) -> tuple[int, int]:
    """One department and one customer of it, by raw SQL on a database of an older
    revision (the models describe the newest): their ids."""
    run(sa.text("INSERT INTO department (code, name, active) VALUES ('svc', '客服部', :t)"),
        {"t": True})
    department = run(sa.text("SELECT id FROM department")).scalar_one()
    run(sa.text("INSERT INTO customer (code, name, kind, grade, department_id, level, "
                "version_id, created_at, updated_at) VALUES ('KH1', '甲公司', 'dealer', "
                "'B', :d, 'internal', 1, :now, :now)"), {**now, "d": department})
    return department, run(sa.text("SELECT id FROM customer")).scalar_one()
