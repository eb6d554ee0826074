"""Issue 18 item 2: one attachment store for every server. With ``ATTACHMENT_STORE=s3``
the files live in a private bucket of an S3-compatible server (here moto's server mode
on loopback, started by the tests): a file uploaded through one server downloads
through another that shares only the database and the bucket; downloads still go
through the checked route and close the object's body; backups read from the bucket
and restores write into an empty one, byte for byte; ``attachments verify`` finds a
missing or altered object; an unreachable store at upload is a message on the form and
no row."""
from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path

import boto3
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from attachment_store import Opened, StoreUnavailable, current_store
from models import ArchiveFile, Attachment, db

from .. import s3_support
from ..conftest import TEST_CONFIG, fresh_database
from ..records import test_attachment_types as types_tests
from ..records import test_attachments as access_tests
from ..s3_support import new_bucket, s3_config, store_contents
from ..sessions import sign_in
from ..test_audit_support import empty_database
from ..world import build_world
from .test_backup import all_rows, run

s3_server = s3_support.s3_server
record, scans, upload = types_tests.record, access_tests.scans, types_tests.upload

# The store-neutral attachment tests, run again with the files in a bucket.
test_download_follows_the_record = access_tests.test_download_follows_the_record
test_guessed_ids_and_anonymous_get_nothing = \
    access_tests.test_guessed_ids_and_anonymous_get_nothing
test_upload_with_the_form_and_refuse_bad_types = \
    access_tests.test_upload_with_the_form_and_refuse_bad_types
test_served_type_is_decided_by_the_server = types_tests.test_served_type_is_decided_by_the_server
test_a_row_stored_with_the_uploaders_type_is_served_safely = \
    types_tests.test_a_row_stored_with_the_uploaders_type_is_served_safely

#: Nothing listens on port 1 of loopback: a connection is refused at once.
UNREACHABLE = "http://127.0.0.1:1"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory):
    yield from fresh_database(request, tmp_path_factory, "s3")


@pytest.fixture(scope="module")
def bucket(s3_server):
    return new_bucket(s3_server)


@pytest.fixture(scope="module")
def app(database, s3_server, bucket, tmp_path_factory):
    """The world on its own database, its attachments in a bucket (overrides the
    session's ``app`` for this module, so the re-run tests above use the S3 store)."""
    app = server(database, s3_server, bucket, tmp_path_factory)
    with app.app_context():
        upgrade(revision="heads")
        app.extensions["test_world"] = build_world()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(app):
    return app.extensions["test_world"]


def server(database: str, endpoint: str, bucket: str, tmp_path_factory):
    """One application server: the shared database and bucket, a local folder of its
    own (which must stay empty)."""
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database,
                       "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("local-uploads")),
                       **s3_config(endpoint, bucket)})


def client_of(app, world, username="clerk.sales"):
    client = app.test_client()
    sign_in(app, client, world.users[username], locale="en")
    return client


def local_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()]


def rows_of(app, record_id) -> list[Attachment]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Attachment).where(
            Attachment.owner_table == "archive_file", Attachment.owner_id == record_id)
            .order_by(Attachment.id)))
        db.session.expunge_all()
        db.session.remove()
        return rows


def test_a_file_uploaded_through_one_server_downloads_through_another(
        app, world, record, database, s3_server, bucket, tmp_path_factory):
    other = server(database, s3_server, bucket, tmp_path_factory)
    data = b"%PDF-1.4\n" + os.urandom(200_000)
    first = client_of(app, world)
    attachment = upload(app, first, record, "两台服务器.pdf", data, "application/pdf")

    response = client_of(other, world).get(f"/files/{attachment.id}")
    assert response.status_code == 200  # streamed by the app, not a redirect to the bucket
    assert response.data == data
    assert response.mimetype == "application/pdf"
    response.close()
    assert local_files(app) == [] and local_files(other) == []

    # Its key is the row's random stored name (under the prefix), and the object carries
    # the row's SHA-256 as its server-side checksum.
    s3 = boto3.client("s3", endpoint_url=s3_server)
    head = s3.head_object(Bucket=bucket, Key=f"attachments/{attachment.stored_name}",
                          ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(
        bytes.fromhex(attachment.sha256)).decode()
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_download_closes_the_objects_body(app, world, record, monkeypatch):
    """Sent whole or abandoned by the client half way, the object's body is closed
    when the response is: no connection to the store stays open."""
    data = b"%PDF-1.4\n" + os.urandom(300_000)
    client = client_of(app, world)
    attachment = upload(app, client, record, "大文件.pdf", data, "application/pdf")
    opened: list[Opened] = []
    with app.app_context():
        store = current_store()
    original = type(store).open
    monkeypatch.setattr(store, "open", lambda name: opened.append(original(store, name))
                        or opened[-1])

    whole = client.get(f"/files/{attachment.id}")
    assert whole.data == data
    whole.close()
    assert opened[-1].closed

    partial = client.get(f"/files/{attachment.id}", buffered=False)
    chunks = iter(partial.response)
    first = next(chunks)
    assert 0 < len(first) <= 64 * 1024 < len(data)  # streamed in bounded blocks
    assert not opened[-1].closed
    partial.close()  # the client went away
    assert opened[-1].closed
    assert len(opened) == 2


def test_verify_finds_a_missing_and_an_altered_object(app, world, record, s3_server,
                                                      bucket, tmp_path):
    client = client_of(app, world)
    first = upload(app, client, record, "甲.pdf", b"%PDF-1.4 first", "application/pdf")
    second = upload(app, client, record, "乙.pdf", b"%PDF-1.4 second", "application/pdf")
    assert run(app, "attachments", "verify").exit_code == 0
    s3 = boto3.client("s3", endpoint_url=s3_server)
    key = f"attachments/{first.stored_name}"
    kept = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    s3.delete_object(Bucket=bucket, Key=key)
    s3.put_object(Bucket=bucket, Key=f"attachments/{second.stored_name}",
                  Body=b"%PDF-1.4 SECOND")  # same size, other bytes
    try:
        result = run(app, "attachments", "verify")
        assert result.exit_code == 1
        assert f"missing: attachment {first.id} ('甲.pdf'" in result.output
        assert f"altered: attachment {second.id} ('乙.pdf'" in result.output
        assert f"s3://{bucket}/attachments/" in result.output
        refused = run(app, "backup", "--output", str(tmp_path / "x.tar"))
        assert refused.exit_code != 0 and "No backup was written" in refused.output
        assert list(tmp_path.iterdir()) == []
    finally:
        s3.put_object(Bucket=bucket, Key=key, Body=kept)
        s3.put_object(Bucket=bucket, Key=f"attachments/{second.stored_name}",
                      Body=b"%PDF-1.4 second")
    assert run(app, "attachments", "verify").exit_code == 0


@pytest.fixture
def empty_target(request, database, s3_server, tmp_path_factory):
    """A new, empty database of the same kind and a new, empty bucket."""
    kind = "sqlite" if database.startswith("sqlite") else "postgresql"
    with empty_database(kind, request, tmp_path_factory, "s3_restore") as url:
        target = server(url, s3_server, new_bucket(s3_server), tmp_path_factory)
        yield target
        with target.app_context():
            db.session.remove()
            db.engine.dispose()


def test_backup_from_the_bucket_and_restore_into_an_empty_one(app, world, record,
                                                              empty_target, tmp_path):
    client = client_of(app, world)
    payloads = {"合同扫描件.pdf": b"%PDF-1.4\n" + os.urandom(5000), "空白.txt": b"",
                "通话录音.mp3": os.urandom(70_000)}
    for filename, data in payloads.items():
        upload(app, client, record, filename, data, "application/octet-stream")
    archive = tmp_path / "records.tar"
    made = run(app, "backup", "--output", str(archive))
    assert made.exit_code == 0, made.output
    expected = all_rows(app)
    with app.app_context():
        names = set(db.session.scalars(sa.select(Attachment.stored_name)))
        db.session.remove()
    source_files = {n: b for n, b in store_contents(app).items() if n in names}
    assert len(source_files) == len(names) >= len(payloads)
    assert store_contents(empty_target) == {}

    restored = run(empty_target, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert f"{len(names)} attachment file(s)" in restored.output
    assert store_contents(empty_target) == source_files  # byte for byte, nothing else
    assert local_files(empty_target) == []
    rows = all_rows(empty_target)
    assert rows["attachment"] == expected["attachment"]
    assert run(empty_target, "attachments", "verify").exit_code == 0


def test_a_restore_into_a_bucket_holding_another_file_of_that_name_is_refused(
        app, world, record, empty_target, tmp_path):
    upload(app, client_of(app, world), record, "丙.pdf", b"%PDF-1.4 c", "application/pdf")
    archive = tmp_path / "records.tar"
    assert run(app, "backup", "--output", str(archive)).exit_code == 0
    taken = rows_of(app, record[0])[-1].stored_name
    with empty_target.app_context():
        current_store().put(taken, b"another file", hashlib.sha256(b"another file")
                            .hexdigest())
    result = run(empty_target, "restore", str(archive))
    assert result.exit_code != 0
    assert f"already holds a different {taken}" in result.output
    assert store_contents(empty_target) == {taken: b"another file"}
    with empty_target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        db.session.remove()


@pytest.fixture
def away(app, database, tmp_path_factory, bucket):
    """A server of the same database whose store does not answer."""
    down = server(database, UNREACHABLE, bucket, tmp_path_factory)
    yield down
    with down.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_unreachable_store_at_upload_is_a_message_and_no_row(app, world, record,
                                                                away):
    record_id, form = record
    before = rows_of(app, record_id)
    client = client_of(away, world)
    response = client.post(f"/admin/archive_file/edit/?id={record_id}", data={
        **form, "title": "不应保存的标题", "upload": (io.BytesIO(b"%PDF-1.4 x"), "扫描.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "the attachment store cannot be reached" in page
    assert "nothing was saved" in page
    assert [a.id for a in rows_of(app, record_id)] == [a.id for a in before]
    with app.app_context():
        assert db.session.get(ArchiveFile, record_id).title == form["title"]
        db.session.remove()

    # A new record with a file: neither the record nor a row.
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveFile))
        db.session.remove()
    created = client.post("/admin/archive_file/new/", data={
        **form, "title": "新档案", "upload": (io.BytesIO(b"%PDF-1.4 y"), "新扫描.pdf")},
        content_type="multipart/form-data")
    assert created.status_code == 200
    assert "the attachment store cannot be reached" in created.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ArchiveFile)) \
            == count
        db.session.remove()


def test_an_unreachable_store_at_download_answers_503(app, world, record, away):
    attachment = upload(app, client_of(app, world), record, "丁.pdf", b"%PDF-1.4 d",
                        "application/pdf")
    response = client_of(away, world).get(f"/files/{attachment.id}")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "attachment store cannot be reached" in response.get_data(as_text=True)
    ready = away.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["store"] == "failing"
    assert app.test_client().get("/readyz").get_json()["checks"]["store"] == "ok"


@pytest.mark.parametrize("config, reason", [
    ({"ATTACHMENT_STORE": "s3", "S3_BUCKET": ""}, "needs S3_BUCKET"),
    ({"ATTACHMENT_STORE": "ftp"}, "is not one of local, s3"),
])
def test_a_store_that_cannot_be_built_stops_the_app(tmp_path, config, reason):
    with pytest.raises(RuntimeError, match=reason):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "UPLOAD_FOLDER": str(tmp_path), **config})


def test_a_store_failing_on_the_second_file_keeps_neither(app, world, record, monkeypatch):
    """Two files, the store fails on the second: the first object is taken out again,
    no row and no change of the record is saved."""
    record_id, form = record
    before_rows = rows_of(app, record_id)
    before_objects = set(store_contents(app))
    with app.app_context():
        store = current_store()
    calls = []
    original = type(store).put

    def put_then_fail(name, source, sha256):
        calls.append(name)
        if len(calls) == 2:
            raise StoreUnavailable("storing failed: the connection was reset")
        return original(store, name, source, sha256)

    monkeypatch.setattr(store, "put", put_then_fail)
    response = client_of(app, world).post(
        f"/admin/archive_file/edit/?id={record_id}",
        data={**form, "title": "不应保存", "upload": [(io.BytesIO(b"%PDF-1.4 a"), "a.pdf"),
                                                  (io.BytesIO(b"%PDF-1.4 b"), "b.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "the attachment store cannot be reached" in response.get_data(as_text=True)
    assert len(calls) == 2
    assert [a.id for a in rows_of(app, record_id)] == [a.id for a in before_rows]
    assert set(store_contents(app)) == before_objects  # the first object is gone again
    with app.app_context():
        assert db.session.get(ArchiveFile, record_id).title == form["title"]
        db.session.remove()


def test_an_unwritable_upload_folder_is_a_message_and_no_row(app, world, record, database,
                                                              tmp_path):
    """The local store fails the same way: the form says so, nothing is saved."""
    record_id, form = record
    uploads = tmp_path / "uploads"
    local = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database,
                        "UPLOAD_FOLDER": str(uploads)})
    uploads.rmdir()
    uploads.write_text("a file where the folder was (a disk unmounted)")
    before = rows_of(app, record_id)
    response = client_of(local, world).post(
        f"/admin/archive_file/edit/?id={record_id}",
        data={**form, "upload": (io.BytesIO(b"%PDF-1.4 x"), "扫描.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "the attachment store cannot be reached" in response.get_data(as_text=True)
    assert [a.id for a in rows_of(app, record_id)] == [a.id for a in before]
    with local.app_context():
        db.session.remove()
        db.engine.dispose()
