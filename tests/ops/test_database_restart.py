"""A connection the database cut after the answer was made does not turn it into a 500.

Found by bench/fault_pg_restart.py: during ``pg_ctl restart -m fast`` a list page was
rendered, then the end-of-request ROLLBACK met the terminated connection and the
worker answered 500 instead of the page.
"""
from __future__ import annotations

import sqlalchemy as sa

from app import create_app
from models import db

from ..conftest import TEST_CONFIG


def test_a_connection_cut_after_the_answer_still_gives_the_answer(app, tmp_path,
                                                                   monkeypatch):
    cut = create_app({**TEST_CONFIG, "PROPAGATE_EXCEPTIONS": False,
                      "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                      "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    armed = []

    @cut.get("/probe-then-restart")
    def probe_then_restart():
        db.session.execute(sa.text("SELECT 1"))  # the request holds a connection
        armed.append(True)  # ... and the server restarts now
        return "the answer"

    with cut.app_context():
        dialect = db.engine.dialect
        original = dialect.do_rollback

        def rollback_on_a_cut_connection(dbapi_connection):
            if armed:
                armed.clear()
                raise dialect.loaded_dbapi.OperationalError(
                    "terminating connection due to administrator command")
            return original(dbapi_connection)

        monkeypatch.setattr(dialect, "do_rollback", rollback_on_a_cut_connection)
    client = cut.test_client()
    response = client.get("/probe-then-restart")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "the answer"
    # The next request gets a working connection.
    assert client.get("/readyz").status_code == 200
