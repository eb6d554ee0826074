"""An app on a database migrated up to the revision before the one a test checks
(this module holds no test): the data a migration must carry is inserted there, then
the test upgrades to the head."""
from __future__ import annotations

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
