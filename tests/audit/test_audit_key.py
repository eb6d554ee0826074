"""Issue 11 item 19: the audit chain is anchored outside the database — digests are
HMACs with a key the database does not hold, and each backup records the chain's head
outside it — so someone who can write the database can neither rewrite the log and
recompute its digests, nor cut events off its end, without ``audit verify`` failing."""
from __future__ import annotations

import json
import os
import stat

import pytest
import sqlalchemy as sa

from audit import anchor as audit_anchor
from audit import record_event
from models import AuditEvent, db
from models.audit import AuditChainHead, event_digest

from ..test_audit_support import KINDS, own_app
from .test_audit_chain import guard_lifted

KEY = "test-audit-key-19"


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    heads = tmp_path_factory.mktemp("anchors") / "audit_heads.jsonl"
    with own_app(request, tmp_path_factory, "auditkey", AUDIT_KEY=KEY,
                 AUDIT_HEADS_FILE=str(heads)) as app:
        yield app


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def verify(app, *args):
    return cli(app, "audit", "verify", *args)


def probe(app, n: int = 3) -> None:
    with app.app_context():
        for i in range(n):
            record_event("probe", changes={"n": i})
            db.session.commit()
        db.session.remove()


def rows_from(engine, first_id: int) -> list[dict]:
    table = AuditEvent.__table__
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).where(
            table.c.id >= first_id).order_by(table.c.id)).mappings()]


def head_row(engine) -> tuple[int, str]:
    table = AuditChainHead.__table__
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(table.c.last_id, table.c.last_digest)).one())


def set_head(conn, last_id: int, last_digest: str) -> None:
    table = AuditChainHead.__table__
    conn.execute(table.update().values(last_id=last_id, last_digest=last_digest))


def rechain_without_key(engine, first_id: int, change=None) -> None:
    """What a writer of the database without the key can do: change an event and
    recompute the plain SHA-256 digests from there to the end, and the head row."""
    table = AuditEvent.__table__
    with engine.begin() as conn:
        prev = conn.execute(sa.select(table.c.digest).where(table.c.id < first_id)
                            .order_by(table.c.id.desc()).limit(1)).scalar()
        prev = prev or "0" * 64
        rows = conn.execute(sa.select(table).where(table.c.id >= first_id)
                            .order_by(table.c.id)).mappings().all()
        for row in rows:
            values = dict(row)
            if change is not None and row["id"] == first_id:
                values.update(change)
            digest = event_digest(values, prev)
            conn.execute(table.update().where(table.c.id == row["id"]).values(
                **{k: values[k] for k in ("changes", "username")},
                prev_digest=prev, digest=digest))
            prev, last_id = digest, row["id"]
        set_head(conn, last_id, prev)


def put_back(engine, rows: list[dict], head: tuple[int, str]) -> None:
    table = AuditEvent.__table__
    with engine.begin() as conn:
        conn.execute(table.delete().where(table.c.id >= rows[0]["id"]))
        conn.execute(table.insert(), rows)
        set_head(conn, *head)


def test_an_untouched_chain_verifies(app):
    probe(app)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "Audit chain intact" in result.output


def test_digests_are_keyed(app):
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))
        assert event.digest == event_digest(event.digest_values(), event.prev_digest,
                                            KEY.encode())
        assert event.digest != event_digest(event.digest_values(), event.prev_digest)
        db.session.remove()


def test_a_rewritten_event_with_recomputed_plain_digests_fails(app):
    probe(app)
    with app.app_context():
        engine = db.engine
        target = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) - 2
        db.session.remove()
    saved, head = rows_from(engine, target), head_row(engine)
    with guard_lifted(app):
        rechain_without_key(engine, target, {"changes": '{"amount": ["468000", "1"]}'})
        result = verify(app)
        assert result.exit_code == 1
        assert f"Broken link at event {target}" in result.output
        assert "without the key" in result.output
        put_back(engine, saved, head)
    assert verify(app).exit_code == 0


def test_a_whole_log_rechained_without_the_key_fails(app):
    with app.app_context():
        engine = db.engine
        db.session.remove()
    saved, head = rows_from(engine, 1), head_row(engine)
    with guard_lifted(app):
        rechain_without_key(engine, 1, {"username": "nobody"})
        result = verify(app)
        assert result.exit_code == 1
        assert "written without the audit key" in result.output
        put_back(engine, saved, head)
    assert verify(app).exit_code == 0


def test_events_cut_off_after_a_backup_fail(app, tmp_path):
    result = cli(app, "backup", "--output", str(tmp_path / "records.backup"))
    assert result.exit_code == 0, result.output
    recorded = audit_anchor_lines(app)[-1]
    assert recorded["kind"] == "backup" and recorded["file"] == "records.backup"
    probe(app, 2)
    assert verify(app).exit_code == 0
    manifest = tmp_path / "records.manifest.json"
    manifest.write_text(json.dumps({"audit": {k: recorded[k] for k in (
        "audit_head_id", "audit_head_digest")}}))
    assert verify(app, "--manifest", str(manifest)).exit_code == 0

    with app.app_context():
        engine = db.engine
        db.session.remove()
    cut = recorded["audit_head_id"]
    saved, head = rows_from(engine, cut), head_row(engine)
    table = AuditEvent.__table__
    with guard_lifted(app):
        with engine.begin() as conn:  # cut the backup's event and what followed it
            conn.execute(table.delete().where(table.c.id >= cut))
            last = conn.execute(sa.select(table.c.id, table.c.digest)
                                .order_by(table.c.id.desc()).limit(1)).one()
            set_head(conn, last.id, last.digest)
        result = verify(app)
        assert result.exit_code == 1
        assert f"event {cut}, which is no longer in the log" in result.output
        heads = app.config["AUDIT_HEADS_FILE"]
        os.rename(heads, heads + ".away")  # the manifest alone finds it too
        try:
            result = verify(app, "--manifest", str(manifest))
            assert result.exit_code == 1 and "no longer in the log" in result.output
            assert verify(app).exit_code == 0  # nothing anchors it: what the heads are for
        finally:
            os.rename(heads + ".away", heads)
        put_back(engine, saved, head)
    assert verify(app).exit_code == 0


def audit_anchor_lines(app) -> list[dict]:
    with open(app.config["AUDIT_HEADS_FILE"], encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_the_heads_file_is_owner_only(app):
    with app.app_context():  # the file is written at the first anchoring (a backup)
        audit_anchor.anchor_head()
    assert stat.S_IMODE(os.stat(app.config["AUDIT_HEADS_FILE"]).st_mode) == 0o600


def test_a_wrong_key_fails(app, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_KEY", "not-the-key")
    result = verify(app)
    assert result.exit_code == 1
    assert "audit key is not the one" in result.output


def test_without_a_configured_key_one_is_generated_once_owner_only(app, monkeypatch,
                                                                   tmp_path):
    monkeypatch.setitem(app.config, "AUDIT_KEY", None)
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setattr(app, "extensions", {**app.extensions})
    with app.app_context():
        first = audit_anchor.audit_key()
        app.extensions.pop("audit_key_file")
        assert audit_anchor.audit_key() == first and len(first) == 64
    key_file = tmp_path / "audit_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().encode() == first


# -- a log from before the key: sealed once by `audit rekey` ------------------------------

@pytest.fixture(scope="module", params=KINDS)
def legacy_app(request, tmp_path_factory):
    heads = tmp_path_factory.mktemp("anchors") / "audit_heads.jsonl"
    with own_app(request, tmp_path_factory, "auditlegacy", AUDIT_KEY=KEY,
                 AUDIT_HEADS_FILE=str(heads)) as app:
        with app.app_context():
            engine = db.engine
            db.session.remove()
        with guard_lifted(app):
            rechain_without_key(engine, 1)  # as the log was before it had a key
        yield app


def test_an_old_plain_log_is_sealed_once_by_rekey(legacy_app):
    app = legacy_app
    result = verify(app)
    assert result.exit_code == 1 and "audit rekey" in result.output
    result = cli(app, "audit", "rekey")
    assert result.exit_code == 0, result.output
    assert verify(app).exit_code == 0
    assert "Nothing to seal" in cli(app, "audit", "rekey").output
    with app.app_context():
        seal = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "audit_rekey"))
        assert seal.username.startswith("cli:") and '"plain_events"' in seal.changes
        engine = db.engine
        db.session.remove()
    assert audit_anchor_lines(app)[-1]["audit_head_id"] == seal.id

    # The plain part is sealed: rewriting it (plain digests up to the seal) fails.
    saved, head = rows_from(engine, 2), head_row(engine)
    table = AuditEvent.__table__
    with guard_lifted(app):
        with engine.begin() as conn:
            prev = conn.execute(sa.select(table.c.digest).where(table.c.id == 1)).scalar()
            for row in conn.execute(sa.select(table).where(
                    table.c.id.between(2, seal.id - 1)).order_by(table.c.id)).mappings():
                values = {**row, "username": "nobody"} if row["id"] == 2 else dict(row)
                digest = event_digest(values, prev)
                conn.execute(table.update().where(table.c.id == row["id"]).values(
                    username=values["username"], prev_digest=prev, digest=digest))
                prev = digest
        result = verify(app)
        assert result.exit_code == 1 and f"Broken link at event {seal.id}" in result.output
        put_back(engine, saved, head)
    assert verify(app).exit_code == 0


def test_a_restore_ends_the_heads_of_the_database_it_replaced(app, monkeypatch, tmp_path):
    heads = tmp_path / "heads.jsonl"
    monkeypatch.setitem(app.config, "AUDIT_HEADS_FILE", str(heads))
    with app.app_context():
        this = audit_anchor.database_name()
        digest = dict(db.session.execute(sa.select(AuditEvent.id, AuditEvent.digest)
                                         .where(AuditEvent.id.in_([6, 8]))).all())
        lines = [{"database": this, "kind": "backup", "audit_head_id": 9,
                  "audit_head_digest": "f" * 64},  # a life the restore replaced
                 {"database": "sqlite:////elsewhere.db", "kind": "backup",
                  "audit_head_id": 99},
                 {"database": this, "kind": "restore", "audit_head_id": 6,
                  "audit_head_digest": digest[6]},
                 {"database": this, "kind": "backup", "audit_head_id": 8,
                  "audit_head_digest": digest[8]}]
        heads.write_text("".join(json.dumps(line) + "\n" for line in lines) + "{broken\n")
        found = audit_anchor.recorded_heads()
        db.session.remove()
    assert [h.get("audit_head_id") for h in found] == [6, 8, None]
    assert found[-1]["kind"] == "unreadable"  # and verify says so
    result = verify(app)
    assert result.exit_code == 1 and "Line 5 of the heads file is unreadable" in result.output
    heads.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert verify(app).exit_code == 0
