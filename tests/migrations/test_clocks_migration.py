"""Migration 0025 on a database with complaints: one still under investigation gets its
investigation clock (3 working days after receipt, across the National Day holiday);
one already past the investigation runs no step clock."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from models import Complaint, db

from ..migration_support import app_before
from ..test_complaints_support import D

REVISION = "0025_clocks_inquiries"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_app(request, tmp_path_factory):
    """An app on a database migrated up to the revision before this one."""
    yield from app_before(request, tmp_path_factory, REVISION, "clocks")


def insert_complaint(status: str) -> int:
    db.session.execute(sa.text(
        "INSERT INTO complaint (customer_id, received_at, channel, content, kind, severity, "
        "due_date_provisional, status, department_id, level, version_id, created_at, "
        "updated_at) VALUES (:c, '2026-09-30 02:00:00', 'phone', '旧投诉', 'quality', "
        "'general', :f, :s, :d, 'internal', 1, :now, :now)"),
        {"c": customer_id(), "f": False, "s": status, "d": department_id(),
         "now": "2026-09-30 02:00:00"})
    return db.session.execute(sa.text("SELECT max(id) FROM complaint")).scalar_one()


def department_id() -> int:
    return db.session.execute(sa.text("SELECT id FROM department")).scalar_one()


def customer_id() -> int:
    return db.session.execute(sa.text("SELECT id FROM customer")).scalar_one()


def test_open_investigations_get_their_clock(old_app):
    with old_app.app_context():
        db.session.execute(sa.text(
            "INSERT INTO department (code, name, active) VALUES ('svc', '客服部', :t)"),
            {"t": True})
        db.session.execute(sa.text(
            "INSERT INTO customer (code, name, kind, grade, department_id, level, version_id, "
            "created_at, updated_at) VALUES ('OLD-1', '旧的客户甲', 'dealer', 'B', :d, "
            "'internal', 1, :now, :now)"), {"d": department_id(), "now": "2026-09-01"})
        investigating = insert_complaint("investigating")
        proposed = insert_complaint("handling_proposed")
        db.session.commit()
        upgrade(revision="heads")
        assert db.session.get(Complaint, investigating).step_due_date == D("2026-10-10")
        assert db.session.get(Complaint, proposed).step_due_date is None
