"""Point 2: the log is append-only and hash-chained; ``audit verify`` finds tampering."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from audit import AppendOnlyError, record_event
from models import AuditEvent, db

from ..test_audit_support import KINDS, own_app
from ..threads import run_at_once


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "chain") as app:
        yield app


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


@contextmanager
def guard_lifted(app):
    """What a database owner could do: switch the append-only triggers off."""
    with app.app_context():
        engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_event_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            if postgres:
                conn.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
            else:
                for name, when in (("audit_event_no_update", "UPDATE"),
                                   ("audit_event_no_delete", "DELETE")):
                    conn.execute(sa.text(
                        f"CREATE TRIGGER {name} BEFORE {when} ON audit_event BEGIN "
                        "SELECT RAISE(ABORT, 'audit_event is append-only'); END"))


def test_verify_passes_on_an_untouched_log(app):
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_the_orm_refuses_to_change_or_delete_an_event(app):
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).limit(1))
        event.action = "changed"
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(sa.select(AuditEvent).limit(1)))
        with pytest.raises(AppendOnlyError):
            db.session.commit()
        db.session.rollback()
        for statement in (sa.update(AuditEvent).values(action="x"), sa.delete(AuditEvent)):
            with pytest.raises(AppendOnlyError):
                db.session.execute(statement)
            db.session.rollback()
        db.session.remove()
    assert verify(app).exit_code == 0


@pytest.mark.parametrize("sql", ["UPDATE audit_event SET action = 'x' WHERE id = 1",
                                 "DELETE FROM audit_event WHERE id = 1"])
def test_the_database_refuses_plain_sql_too(app, sql):
    with app.app_context():
        engine = db.engine
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text(sql))
    assert verify(app).exit_code == 0


def test_an_altered_event_breaks_the_chain_at_that_event(app):
    with app.app_context():
        pk = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) // 2
        original = db.session.scalar(sa.select(AuditEvent.changes).where(AuditEvent.id == pk))
        db.session.remove()
    with guard_lifted(app) as engine:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_event SET changes = :c WHERE id = :id"),
                         {"c": '{"name": ["a", "b"]}', "id": pk})
        result = verify(app)
        assert result.exit_code == 1
        assert f"Broken link at event {pk}" in result.output
        assert "changed after it was written" in result.output
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_event SET changes = :c WHERE id = :id"),
                         {"c": original, "id": pk})
    assert verify(app).exit_code == 0


def test_a_removed_event_breaks_the_link_of_the_next_one(app):
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        db.session.remove()
    table = AuditEvent.__table__
    with guard_lifted(app) as engine:
        with engine.begin() as conn:
            middle = conn.execute(sa.select(table).where(table.c.id == 3)).mappings().one()
            conn.execute(table.delete().where(table.c.id == 3))
        result = verify(app)
        assert result.exit_code == 1 and "Broken link at event 4" in result.output
        with engine.begin() as conn:
            conn.execute(table.insert().values(**middle))
            last = conn.execute(sa.select(table).where(table.c.id == total)).mappings().one()
            conn.execute(table.delete().where(table.c.id == total))
        result = verify(app)
        assert result.exit_code == 1 and "events were removed from the end" in result.output
        with engine.begin() as conn:
            conn.execute(table.insert().values(**last))
    assert verify(app).exit_code == 0


def test_concurrent_appends_do_not_fork_the_chain(app):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        db.session.remove()
    start = threading.Barrier(2)

    def writer(name):
        with app.app_context():
            start.wait()
            for n in range(15):
                record_event("probe", changes={"writer": name, "n": n})
                db.session.commit()
            db.session.remove()

    run_at_once(lambda: writer("a"), lambda: writer("b"))
    with app.app_context():
        ids = db.session.scalars(sa.select(AuditEvent.id).where(AuditEvent.id > before)
                                 .order_by(AuditEvent.id)).all()
        db.session.remove()
    assert ids == list(range(before + 1, before + 31))
    assert verify(app).exit_code == 0
