"""The core without a door: a script or command saves and fires steps as a user, with
the same rules and audit trail as the screens and the API."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AppUser, AuditEvent, Complaint, Customer, db
from services import SaveRefused, Stale, create, update

from ..world import DEPARTMENT_PERSON  # noqa: F401  (the world's people)


def customer_of(world, department="sales", level="internal"):
    return next(r.id for r in world.rows_of("customer") if r.level == level
                and r.department == department)


def test_create_and_update_as_a_user_outside_any_request(app, world):
    with app.app_context():
        clerk = db.session.get(AppUser, world.users["clerk.sales"])
        record, _notes = create(clerk, Complaint, {
            "customer_id": customer_of(world), "received_at": "2026-11-30T09:15:00",
            "content": "门体变形", "severity": "general"})
        db.session.commit()
        assert record.number.startswith("2611") and record.department_id == \
            world.departments["sales"]
        with pytest.raises(SaveRefused) as refused:
            update(clerk, record, {"level": "secret"}, record.version_id)
        assert "level" in refused.value.fields
        with pytest.raises(Stale):
            update(clerk, record, {"complainant": "王"}, record.version_id + 1)
        update(clerk, record, {"complainant": "王"}, record.version_id)
        db.session.commit()
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.model == "complaint", AuditEvent.record_id == str(record.id),
            AuditEvent.action == "update").order_by(AuditEvent.id.desc()).limit(1))
        assert event.username == "clerk.sales"
        db.session.remove()


def test_a_reference_the_user_cannot_see_is_refused(app, world):
    with app.app_context():
        clerk = db.session.get(AppUser, world.users["clerk.sales"])
        with pytest.raises(SaveRefused) as refused:
            create(clerk, Complaint, {"customer_id": customer_of(world, level="secret"),
                                      "received_at": "2026-11-30T09:15:00",
                                      "content": "x"})
        assert set(refused.value.fields) == {"customer_id"}
        db.session.rollback()
        db.session.remove()


def test_the_step_command_fires_as_the_named_user(app, world):
    with app.app_context():
        clerk = db.session.get(AppUser, world.users["clerk.sales"])
        record, _ = create(clerk, Complaint, {
            "customer_id": customer_of(world), "received_at": "2026-11-30T09:15:00",
            "content": "异响"})
        db.session.commit()
        pk = record.id
        db.session.remove()
    runner = app.test_cli_runner()
    done = runner.invoke(args=["step", "complaint", str(pk), "investigate", "--as",
                               "clerk.sales"])
    assert done.exit_code == 0, done.output
    refused = runner.invoke(args=["step", "complaint", str(pk), "approve_major", "--as",
                                  "clerk.sales"])
    assert refused.exit_code != 0
    hidden = next(r.id for r in world.rows_of("complaint") if r.level == "secret")
    unseen = runner.invoke(args=["step", "complaint", str(hidden), "investigate",
                                 "--as", "clerk.sales"])
    assert unseen.exit_code != 0 and "sees no" in unseen.output
    with app.app_context():
        assert db.session.get(Complaint, pk).status == "investigating"
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "transition", AuditEvent.model == "complaint",
            AuditEvent.record_id == str(pk)).order_by(AuditEvent.id.desc()).limit(1))
        assert event.username == "clerk.sales"
        assert db.session.get(Customer, customer_of(world)) is not None
        db.session.remove()
