"""A change takes effect at once on every worker: two app instances on one database.

Each instance keeps its own snapshot of the settings and grants; every request compares
the generation counter with it once and reloads when another worker committed a change.
"""
from __future__ import annotations

import pytest

from app import create_app
from models import AppUser, Complaint, Penalty, db
from models.office_settings import EXTENSION
from permissions import can

from ..conftest import TEST_CONFIG
from ..permissions.test_settings_grants import decide, latest_change, propose
from ..settings_support import (  # noqa: F401  (fixture)
    edit_setting,
    restore_defaults_fixture,
    setting_id,
)

pytestmark = pytest.mark.usefixtures("restore_defaults")


@pytest.fixture(name="other_worker")
def other_worker_fixture(app, tmp_path):
    """A second instance of the application on the same database (another worker)."""
    other = create_app({**TEST_CONFIG,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOAD_FOLDER": str(tmp_path)})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def in_request(worker, read):
    """``read()`` inside one request of ``worker`` (its before-request hooks run first)."""
    with worker.test_request_context("/admin/"):
        worker.preprocess_request()
        try:
            return read()
        finally:
            db.session.remove()


def test_a_setting_changed_on_one_worker_holds_on_the_other(app, other_worker, client_as):
    assert in_request(other_worker, lambda: Complaint.max_extension) == 7
    response = edit_setting(client_as("admin"), app, "complaint.max_extension", value="12")
    assert response.status_code == 302
    assert in_request(other_worker, lambda: Complaint.max_extension) == 12
    client_as("admin").post("/admin/app_setting/action/", data={
        "action": "reset_default",
        "rowid": [str(setting_id(app, "complaint.max_extension"))]})
    assert in_request(other_worker, lambda: Complaint.max_extension) == 7


def test_a_worker_reloads_only_after_a_change(app, other_worker, client_as):
    in_request(other_worker, lambda: Complaint.deadlines)
    first = other_worker.extensions[EXTENSION]
    in_request(other_worker, lambda: Complaint.deadlines)
    assert other_worker.extensions[EXTENSION] is first  # nothing changed: no reload
    edit_setting(client_as("admin"), app, "complaint.deadlines", value_general="2",
                 value_major="4")
    assert in_request(other_worker, lambda: Complaint.deadlines) == {"general": 2,
                                                                     "major": 4}
    assert other_worker.extensions[EXTENSION] is not first


def test_an_approved_grant_holds_on_the_other_worker(app, other_worker, world, client_as):
    def clerk_exports():
        return can(db.session.get(AppUser, world.users["clerk.sales"]), "export", Penalty)

    assert not in_request(other_worker, clerk_exports)
    propose(client_as("admin"), "clerk", "penalty", "department", ("list", "view", "export"))
    assert not in_request(other_worker, clerk_exports)  # proposed only
    decide(app, client_as("gm"), latest_change(app).id, "approve")
    assert in_request(other_worker, clerk_exports)


def test_work_outside_requests_reads_the_settings_once_per_context(app, other_worker,
                                                                   client_as):
    with other_worker.app_context():
        assert Complaint.closing_deadline == 5
    edit_setting(client_as("admin"), app, "complaint.closing_deadline", value="8")
    with other_worker.app_context():  # a new context (a CLI command, a job) looks again
        assert Complaint.closing_deadline == 8
        db.session.remove()
