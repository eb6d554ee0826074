"""Point 5: ``flask backup`` / ``flask restore`` round-trip the demo data on SQLite and
PostgreSQL — every row of every table, the audit chain included — and restore refuses
a non-empty database or a file that does not match its checksum."""
from __future__ import annotations

import shutil
import threading

import pytest
import sqlalchemy as sa

from app import create_app
from audit import record_event
from models import AuditEvent, db

from ..conftest import TEST_CONFIG
from ..test_audit_support import KINDS, disposed, empty_database, make_app


@pytest.fixture(scope="module", params=KINDS)
def kind(request):
    return request.param


@pytest.fixture(scope="module")
def source(kind, request, tmp_path_factory):
    """A database with the demo data set, in use while it is backed up."""
    with empty_database(kind, request, tmp_path_factory, "backup_src") as url:
        with disposed(make_app(url, tmp_path_factory, world=False, demo=True)) as app:
            yield app


@pytest.fixture
def target(kind, request, tmp_path_factory):
    """An app on a new, empty database (no tables at all)."""
    with empty_database(kind, request, tmp_path_factory, "backup_dst") as url:
        with disposed(create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                                  "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads"))
                                  })) as app:
            yield app


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def all_rows(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with app.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        with db.engine.connect() as conn:
            found = {name: [tuple(row) for row in conn.execute(
                sa.select(table).order_by(*(table.primary_key.columns or table.columns)))]
                for name, table in metadata.tables.items()}
        db.session.remove()
        return found


def backup(app, path):
    result = run(app, "backup", "--output", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_round_trip_keeps_every_row_and_the_audit_chain(source, target, tmp_path):
    path = backup(source, tmp_path / "records.backup")
    assert path.with_name(path.name + ".sha256").is_file()
    expected = all_rows(source)
    assert expected["customer"] and expected["audit_event"]

    result = run(target, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert "Audit chain intact" in result.output
    restored = all_rows(target)

    # The restore appends one event of its own; everything else is identical.
    last = len(expected["audit_event"])
    assert restored["audit_event"][:last] == expected["audit_event"]
    (extra,) = restored["audit_event"][last:]
    with target.app_context():
        assert db.session.get(AuditEvent, extra[0]).action == "restore"
        db.session.remove()
    for table in set(expected) - {"audit_event", "audit_chain_head"}:
        assert restored[table] == expected[table], table
    assert set(restored) == set(expected)
    assert run(target, "audit", "verify").exit_code == 0


def test_a_backup_taken_while_the_product_is_in_use_is_consistent(source, target,
                                                                   tmp_path):
    stop = threading.Event()

    def keep_writing():
        with source.app_context():
            while not stop.is_set():
                record_event("probe")
                db.session.commit()
            db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        path = backup(source, tmp_path / "busy.backup")
    finally:
        stop.set()
        writer.join(30)
    result = run(target, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert run(target, "audit", "verify").exit_code == 0


def test_restore_refuses_a_database_that_is_not_empty(source, tmp_path):
    path = backup(source, tmp_path / "again.backup")
    before = all_rows(source)["customer"]
    result = run(source, "restore", str(path))
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert all_rows(source)["customer"] == before


def test_restore_refuses_a_file_that_does_not_match_its_checksum(source, target, tmp_path):
    path = backup(source, tmp_path / "good.backup")
    damaged = tmp_path / "damaged.backup"
    shutil.copy(path, damaged)
    shutil.copy(path.with_name(path.name + ".sha256"),
                damaged.with_name(damaged.name + ".sha256"))
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    result = run(target, "restore", str(damaged))
    assert result.exit_code != 0
    assert "does not match its checksum" in result.output
    unchecked = tmp_path / "unchecked.backup"
    shutil.copy(path, unchecked)
    result = run(target, "restore", str(unchecked))
    assert result.exit_code != 0 and "No checksum file" in result.output
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        db.session.remove()
