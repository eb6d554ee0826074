"""Issue 11 item 12: every refusal leaves one audit event — a workflow step the policy
refuses, the ids of a bulk action the user cannot see, and failed requests (400 CSRF,
405, 413, 500) — written in a transaction of its own, one per request, and recording
never fails the request."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from admin_views.performance import FastListMixin
from audit import record_event
from audit import refusals as audit_refusals
from models import AuditEvent, Complaint, db
from permissions.policy import POLICY, Grant

from ..test_audit_support import KINDS, events, last_event_id, log_in, own_app

REFUSALS = ("refused", "request_failed")


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "refusals") as app:
        yield app


def complaint(app, department: str, level: str) -> int:
    world = app.extensions["test_world"]
    return next(r.id for r in world.rows_of("complaint")
                if r.department == department and r.level == level)


def refusals_since(app, before: int) -> list[AuditEvent]:
    return events(app, AuditEvent.id > before, AuditEvent.action.in_(REFUSALS))


def test_a_step_refused_by_the_policy_is_recorded(app):
    pk = complaint(app, "sales", "internal")
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "clerk.sales")
    response = client.post("/admin/complaint/transition/",
                           data={"id": str(pk), "transition": "approve_major"})
    assert response.status_code == 302
    (event,) = refusals_since(app, before)
    assert (event.action, event.username, event.model, event.record_id) == \
        ("refused", "clerk.sales", "complaint", str(pk))
    assert '"attempt": "approve_major"' in event.changes
    with app.app_context():
        assert db.session.get(Complaint, pk).status == "registered"  # nothing applied
        db.session.remove()


def test_hidden_ids_of_a_bulk_step_are_recorded_once(app):
    mine = complaint(app, "sales", "internal")
    other_department = complaint(app, "service", "internal")
    above = complaint(app, "sales", "secret")
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "clerk.sales")
    response = client.post("/admin/complaint/action/", data={
        "action": "investigate", "rowid": [str(mine), str(other_department), str(above)]})
    assert response.status_code == 302
    (event,) = refusals_since(app, before)
    assert (event.action, event.username, event.model) == ("refused", "clerk.sales",
                                                           "complaint")
    assert f'"ids": "{other_department} {above}"' in event.changes
    assert '"attempt": "investigate"' in event.changes and '"status": 404' in event.changes
    assert event.level == "secret"  # as confidential as the highest record it names
    assert str(mine) not in event.changes.split('"ids"')[1].split(",")[0].split()


def test_a_flood_of_hidden_ids_is_one_event(app):
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "clerk.sales")
    ids = [str(n) for n in range(900000, 901000)]
    client.post("/admin/complaint/action/", data={"action": "investigate", "rowid": ids})
    (event,) = refusals_since(app, before)
    assert '"count": 1000' in event.changes
    assert len(event.changes) < 1000


def test_malformed_ids_of_a_bulk_action_are_recorded_without_an_error(app):
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "clerk.sales")
    response = client.post("/admin/complaint/action/", data={
        "action": "investigate", "rowid": ["²", "①", "x", str(10**20)]})
    assert response.status_code == 302
    (event,) = refusals_since(app, before)
    assert f'"ids": "² ① x {10**20}"' in event.changes


def test_hidden_ids_of_the_delete_action_are_recorded(app, monkeypatch):
    # Nobody may delete a business record; grant it here to reach the action's path.
    grant = POLICY["clerk"]["complaint"]
    monkeypatch.setitem(POLICY["clerk"], "complaint",
                        Grant(grant.scope, grant.actions | {"delete"}))
    hidden = complaint(app, "service", "confidential")
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "clerk.sales")
    response = client.post("/admin/complaint/action/",
                           data={"action": "delete", "rowid": [str(hidden)]})
    assert response.status_code == 302
    (event,) = refusals_since(app, before)
    assert (event.username, event.model, event.record_id) == ("clerk.sales", "complaint",
                                                              str(hidden))
    assert '"attempt": "delete"' in event.changes
    with app.app_context():
        assert db.session.get(Complaint, hidden) is not None
        db.session.remove()


def failed_event(app, before: int, status: int) -> AuditEvent:
    (event,) = refusals_since(app, before)
    assert event.action == "request_failed"
    assert f'"status": {status}' in event.changes
    return event


def test_a_csrf_failure_is_recorded(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "clerk.sales")
    assert client.post("/admin/customer/new/", data={"code": "X"}).status_code == 400
    event = failed_event(app, before, 400)
    assert event.username == "clerk.sales"
    assert '"path": "/admin/customer/new/?"' in event.changes
    assert '"method": "POST"' in event.changes


def test_a_method_not_allowed_is_recorded(app):
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "auditor")
    assert client.put("/admin/customer/").status_code == 405
    event = failed_event(app, before, 405)
    assert event.username == "auditor" and '"method": "PUT"' in event.changes


def test_a_request_too_large_is_recorded(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "clerk.sales")
    response = client.post("/admin/customer/new/", data={"name": "x" * 5000})
    assert response.status_code == 413
    event = failed_event(app, before, 413)
    assert event.username == "clerk.sales" and "/admin/customer/new/" in event.changes


def test_a_server_error_is_recorded_and_survives_its_rollback(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def broken(self, *args, **kwargs):
        record_event("probe-before-failure")
        db.session.flush()
        raise RuntimeError("the list broke")

    monkeypatch.setattr(FastListMixin, "get_list", broken)
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "supervisor")
    assert client.get("/admin/customer/?page=2").status_code == 500
    event = failed_event(app, before, 500)
    assert event.username == "supervisor"
    assert '"path": "/admin/customer/?page=2"' in event.changes
    assert '"error": "RuntimeError"' in event.changes
    assert "the list broke" not in event.changes  # the detail goes to the log file
    assert not events(app, AuditEvent.id > before,
                      AuditEvent.action == "probe-before-failure")


def test_a_failed_request_about_a_hidden_record_takes_its_level(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    above = complaint(app, "service", "secret")
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "gm")
    assert client.put(f"/admin/complaint/details/?id={above}").status_code == 405
    event = failed_event(app, before, 405)
    assert (event.model, event.record_id, event.level) == ("complaint", str(above),
                                                           "secret")


def test_recording_never_fails_the_request(app, monkeypatch):
    def broken_queue(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is gone"))

    monkeypatch.setattr(audit_refusals, "_queue", broken_queue)
    client = log_in(app.test_client(), app, "clerk.sales")
    before = last_event_id(app)
    assert client.put("/admin/customer/").status_code == 405
    response = client.post("/admin/complaint/action/", data={
        "action": "investigate", "rowid": [str(complaint(app, "service", "internal"))]})
    assert response.status_code == 302
    assert not refusals_since(app, before)


def test_an_ordinary_request_records_no_refusal(app):
    before = last_event_id(app)
    client = log_in(app.test_client(), app, "clerk.sales")
    assert client.get("/admin/customer/").status_code == 200
    assert client.get(f"/admin/complaint/details/?id={complaint(app, 'sales', 'internal')}"
                      ).status_code == 200
    assert not refusals_since(app, before)
