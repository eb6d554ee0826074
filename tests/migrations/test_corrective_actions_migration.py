"""Migration 0035b on a database of the revision before: each complaint's free-text
corrective action becomes a corrective action raised from it, numbered, implemented when
the complaint is closed; the complaint table keeps its full-text search."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from models import db

from ..migration_support import app_before, department_and_customer

REVISION = "0035b_corrective_actions"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_app(request, tmp_path_factory):
    yield from app_before(request, tmp_path_factory, REVISION, "capa")


def test_complaint_texts_become_actions(old_app):
    with old_app.app_context():
        run = db.session.execute
        now = {"now": "2026-11-05 01:00:00"}
        department, customer = department_and_customer(run, now)
        for number, status, text, level in (("2611001", "closed", "增加跌落试验", "secret"),
                                            ("2611002", "approved", "更换包装供应商",
                                             "internal"),
                                            ("2611003", "registered", None, "internal"),
                                            ("2611004", "registered", "  ", "internal")):
            run(sa.text(
                "INSERT INTO complaint (number, customer_id, received_at, channel, content, "
                "kind, severity, status, corrective_action, cause_analysis, "
                "responsible_person, responsible_department_id, department_id, level, "
                "version_id, created_at, updated_at, due_date_provisional, closed_at) VALUES "
                "(:n, :c, :now, 'phone', '破损', 'quality', 'general', :s, :t, '包装不良', "
                "'张三', :d, :d, :level, 1, :now, :now, :f, :closed)"),
                {**now, "n": number, "c": customer, "s": status, "t": text, "d": department,
                 "level": level, "f": False,
                 "closed": "2026-11-10 01:00:00" if status == "closed" else None})
        db.session.commit()
        upgrade(revision="heads")
        rows = run(sa.text(
            "SELECT a.number, c.number, a.action, a.status, a.source, a.level, a.tracked, "
            "a.cause_analysis, a.responsible_person, a.responsible_department_id "
            "FROM corrective_action a JOIN complaint c ON c.id = a.complaint_id "
            "ORDER BY a.number")).all()
        assert [tuple(r) for r in rows] == [
            ("GS2611001", "2611001", "增加跌落试验", "implemented", "complaint", "secret", True,
             "包装不良", "张三", department),
            ("GS2611002", "2611002", "更换包装供应商", "open", "complaint", "internal", True,
             "包装不良", "张三", department)]
        assert "corrective_action" not in {
            c["name"] for c in sa.inspect(db.engine).get_columns("complaint")}
        # The next action of that month continues the serial.
        assert run(sa.text("SELECT last FROM number_counter "
                           "WHERE scope = 'corrective_action:GS2611'")).scalar_one() == 2
        if db.engine.dialect.name == "sqlite":  # the complaint's search triggers remain
            triggers = run(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                   "AND tbl_name = 'complaint'")).scalars().all()
            assert len(triggers) == 3
