"""Issue 11 item 5: who reads which audit events (``permissions.audit.readable_events``).

The auditor (clearance confidential) saw no login, failed-login, logout or export
event, because events about no record were hidden from anyone with records above
their clearance. Events about no record, or about a record the reader may see, are
for auditors and the GM office; events about a record above the reader's clearance
stay hidden, in the list, its export and the record history."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from models import Complaint, db

from ..test_audit_support import KINDS, log_in, own_app

#: The audit log export's columns (AuditLogView.column_export_list), by position.
EXPORT = ("id", "at", "username", "user_id", "address", "action", "model", "record_id",
          "endpoint", "request_id", "level", "changes", "prev_digest", "digest")
NO_RECORD_ACTIONS = {"login", "login_failed", "logout", "export"}


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "readers") as app:
        yield app


@pytest.fixture(scope="module")
def secret_complaint(app):
    """A secret complaint, its events (created in the world; a clerk's refused look)."""
    world = app.extensions["test_world"]
    row = next(r for r in world.rows_of("complaint")
               if r.department == "sales" and r.level == "secret")
    clerk = log_in(app.test_client(), app, "clerk.sales")
    assert clerk.get(f"/admin/complaint/details/?id={row.id}").status_code == 404
    return row


@pytest.fixture(scope="module")
def sessions(app, secret_complaint):
    """What the log should show: a failed login, a login, an export and a logout."""
    client = app.test_client()
    client.post("/login", data={"username": "clerk.service", "password": "wrong-password"})
    response = client.post("/login", data={"username": "clerk.service",
                                           "password": "test-password-1"})
    assert response.status_code == 302
    assert client.get("/admin/customer/export/csv/").status_code in (200, 403)
    log_in(client, app, "supervisor")
    assert client.get("/admin/customer/export/csv/").status_code == 200
    client.post("/logout")


def exported_rows(client) -> list[dict]:
    response = client.get("/admin/audit_event/export/csv/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]
    return [dict(zip(EXPORT, row, strict=True)) for row in rows]


@pytest.mark.parametrize("reader", ["auditor", "gm"])
def test_log_readers_see_logins_failed_logins_logouts_and_exports(app, sessions, reader):
    rows = exported_rows(log_in(app.test_client(), app, reader))
    actions = {row["action"] for row in rows}
    assert NO_RECORD_ACTIONS <= actions
    failed = [r for r in rows if r["action"] == "login_failed"]
    assert any(r["username"] == "clerk.service" for r in failed)
    assert any(r["action"] == "logout" and r["username"] == "supervisor" for r in rows)
    assert any(r["action"] == "export" and r["username"] == "supervisor"
               and r["model"] == "customer" for r in rows)
    client = log_in(app.test_client(), app, reader)
    listed = client.get("/admin/audit_event/?search=clerk.service")
    assert listed.status_code == 200
    assert listed.get_data(as_text=True).count("/admin/audit_event/details/?id=") >= 2


def test_the_auditor_still_sees_nothing_of_a_record_above_their_clearance(
        app, sessions, secret_complaint):
    secret = secret_complaint
    rows = exported_rows(log_in(app.test_client(), app, "auditor"))
    assert rows
    for row in rows:
        assert not (row["model"] == "complaint" and row["record_id"] == str(secret.id))
        assert row["level"] != "secret"
        assert secret.marker not in "".join(row.values())
        assert f"/admin/complaint/details/?id={secret.id}" not in row["changes"]
    gm_rows = exported_rows(log_in(app.test_client(), app, "gm"))
    about = [r for r in gm_rows
             if r["model"] == "complaint" and r["record_id"] == str(secret.id)]
    assert {r["action"] for r in about} >= {"insert", "refused"}


def test_an_event_within_clearance_does_not_name_a_linked_record_above_it(app, sessions):
    world = app.extensions["test_world"]
    secret = next(r for r in world.rows_of("customer")
                  if r.department == "sales" and r.level == "secret")
    with app.app_context():
        record = Complaint(customer_id=secret.id, received_at=datetime(2026, 11, 2, 2),
                           content="LINKED-ABOVE", department_id=world.departments["sales"],
                           level="confidential")
        db.session.add(record)
        db.session.commit()
        pk = record.id
        db.session.remove()
    rows = exported_rows(log_in(app.test_client(), app, "auditor"))
    (created,) = [r for r in rows if r["model"] == "complaint" and r["record_id"] == str(pk)
                  and r["action"] == "insert"]
    changes = json.loads(created["changes"])
    assert "LINKED-ABOVE" in created["changes"]  # the event itself is the auditor's
    assert changes["customer_id"][1] != secret.id and changes["customer_id"][1] != \
        str(secret.id)
    gm_rows = exported_rows(log_in(app.test_client(), app, "gm"))
    (full,) = [r for r in gm_rows if r["model"] == "complaint" and r["record_id"] == str(pk)
               and r["action"] == "insert"]
    assert json.loads(full["changes"])["customer_id"] == [None, secret.id]


def test_the_auditor_reads_the_history_of_a_record_within_clearance(app, sessions):
    world = app.extensions["test_world"]
    row = next(r for r in world.rows_of("complaint")
               if r.department == "sales" and r.level == "confidential")
    body = log_in(app.test_client(), app, "auditor").get(
        f"/admin/complaint/details/?id={row.id}").get_data(as_text=True)
    assert 'data-history="1"' in body


@pytest.mark.parametrize("username", ["clerk.sales", "supervisor", "admin"])
def test_no_one_else_reads_the_log(app, sessions, username):
    client = log_in(app.test_client(), app, username)
    assert client.get("/admin/audit_event/").status_code == 403
    assert client.get("/admin/audit_event/export/csv/").status_code == 403
    assert client.get("/admin/audit_event/details/?id=1").status_code == 403


def test_the_xlsx_export_of_the_log_works_for_readers(app, sessions):
    response = log_in(app.test_client(), app, "auditor").get(
        "/admin/audit_event/export/xlsx/")
    assert response.status_code == 200
    assert response.data[:2] == b"PK"  # a zip container: an xlsx workbook
