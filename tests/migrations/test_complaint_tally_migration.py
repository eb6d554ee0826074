"""Migration 0042 on a database of the revision before: the tally is filled by a
recount of the complaints already there, hand-counted here (working days on the
official calendar)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from models import db

from ..migration_support import app_before, department_and_customer

REVISION = "0041_owner"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_app(request, tmp_path_factory):
    yield from app_before(request, tmp_path_factory, REVISION, "tally")


def test_the_complaints_already_there_are_counted(old_app):
    with old_app.app_context():
        run = db.session.execute
        now = {"now": "2026-11-05 01:00:00"}
        department, customer = department_and_customer(run, now)
        # Received (UTC) — 30 Sept 2026 17:00 UTC is 1 October in Shanghai; notified.
        for number, received, notified, on_time, product in (
                ("2609001", "2026-09-29 02:00:00", "2026-09-30 02:00:00", True, "冰箱"),
                ("2610001", "2026-09-30 17:00:00", "2026-10-09 02:00:00", False, "冰箱"),
                ("2610002", "2026-10-12 02:00:00", None, None, None)):
            run(sa.text(
                "INSERT INTO complaint (number, customer_id, received_at, channel, content, "
                "kind, severity, status, department_id, level, version_id, created_at, "
                "updated_at, due_date_provisional, notified_at, handled_on_time, product) "
                "VALUES (:n, :c, :r, 'phone', '破损', 'quality', 'general', 'registered', "
                ":d, 'internal', 1, :now, :now, :f, :notified, :on_time, :p)"),
                {**now, "n": number, "c": customer, "r": received, "d": department,
                 "f": False, "notified": notified, "on_time": on_time, "p": product})
        db.session.commit()
        upgrade(revision="heads")
        rows = {tuple(r[:2]) + (r[2],): tuple(r[3:]) for r in run(sa.text(
            "SELECT figure, month, value, complaints, working_days FROM complaint_tally "
            "WHERE figure IN ('product', 'verdict') ORDER BY 1, 2, 3"))}
        assert rows == {
            ("product", "2026-09", "冰箱"): (1, 0),
            ("product", "2026-10", "冰箱"): (1, 0),
            ("product", "2026-10", ""): (1, 0),
            # 29 → 30 Sept: 1 working day.
            ("verdict", "2026-09", "on_time"): (1, 1),
            # 1 Oct → 9 Oct: the National Day holiday runs 1–7 October; 8 and 9 Oct
            # are working days.
            ("verdict", "2026-10", "late"): (1, 2),
        }
