"""Issue 18 item 1: attachments are data. ``flask backup`` writes one archive with the
database and every attachment; ``flask restore`` brings back every row and every file
byte for byte, into a new database and a new upload folder; a truncated archive, a
wrong checksum or a missing attachment is refused with the reason and restores
nothing; ``attachments verify`` finds missing and altered files."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_login import login_user
from werkzeug.datastructures import FileStorage

from admin_views.attachments import store
from app import create_app
from models import AppUser, ArchiveFile, Attachment, Complaint, db

from ..conftest import TEST_CONFIG
from ..test_audit_support import KINDS, disposed, empty_database, make_app
from .test_backup import all_rows, run

#: What a records office attaches: a Chinese-named scan, a photo, a recording, an
#: empty file and one larger than the archive's read block.
PAYLOADS = [
    ("合同扫描件.pdf", b"%PDF-1.4\n" + os.urandom(3000)),
    ("现场照片.png", b"\x89PNG\r\n\x1a\n" + os.urandom(2000)),
    ("通话录音.mp3", os.urandom(40000)),
    ("空白.txt", b""),
    ("大扫描件.tif", b"II*\x00" + os.urandom(3 * 1024 * 1024)),
]


@pytest.fixture(scope="module", params=KINDS)
def kind(request):
    return request.param


def attach(app, record, filename: str, data: bytes, username: str = "clerk.sales") -> int:
    """Store a file the way the record's form does (``store``), as ``username``."""
    with app.test_request_context():
        user = db.session.scalar(sa.select(AppUser).where(AppUser.username == username))
        login_user(user)
        attachment = store(record, FileStorage(io.BytesIO(data), filename=filename,
                                               content_type="text/html"))
        db.session.commit()
        return attachment.id


@pytest.fixture(scope="module")
def source(kind, request, tmp_path_factory):
    """The demo data set with files attached to archive files and complaints."""
    with empty_database(kind, request, tmp_path_factory, "files_src") as url:
        with disposed(make_app(url, tmp_path_factory, world=False, demo=True)) as app:
            with app.app_context():
                owners = [*db.session.scalars(sa.select(ArchiveFile)
                                              .order_by(ArchiveFile.id).limit(3)),
                          *db.session.scalars(sa.select(Complaint)
                                              .order_by(Complaint.id).limit(2))]
            for owner, (filename, data) in zip(owners, PAYLOADS, strict=True):
                attach(app, owner, filename, data)
            with app.app_context():
                db.session.remove()
            yield app


@pytest.fixture
def target(kind, request, tmp_path_factory):
    """An app on a new, empty database and a new, empty upload folder."""
    with empty_database(kind, request, tmp_path_factory, "files_dst") as url:
        with disposed(create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                                  "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("restored")
                                                       / "up")})) as app:
            yield app


@pytest.fixture(scope="module")
def archive(source, tmp_path_factory):
    path = tmp_path_factory.mktemp("archive") / "records.tar"
    result = run(source, "backup", "--output", str(path))
    assert result.exit_code == 0, result.output
    return path


def folder_of(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def files_on_disk(app) -> dict[str, bytes]:
    folder = folder_of(app)
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()} \
        if folder.exists() else {}


def assert_nothing_restored(target):
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        db.session.remove()
    assert files_on_disk(target) == {}
    assert [p.name for p in folder_of(target).glob(".restore-*")] == []


def sign(path: Path) -> Path:
    """Write the checksum file for ``path`` as it is now (a copy cut short and then
    given a fresh checksum, or an archive rewritten by someone)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n")
    return path


def rewrite(source: Path, target: Path, *, drop: str | None = None,
            manifest=None) -> Path:
    """Copy an archive member by member, leaving out ``drop`` and passing the manifest
    through ``manifest`` (a function), then sign the copy."""
    with tarfile.open(source) as old, tarfile.open(target, "w",
                                                   format=tarfile.PAX_FORMAT) as new:
        for info in old.getmembers():
            if info.name == drop:
                continue
            data = old.extractfile(info).read()
            if info.name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
                info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return sign(target)


def test_round_trip_keeps_every_row_and_every_file(source, target, archive):
    with source.app_context():
        stored = {a.stored_name: (a.sha256, a.size) for a in
                  db.session.scalars(sa.select(Attachment))}
        db.session.remove()
    assert len(stored) == len(PAYLOADS)
    expected_files = files_on_disk(source)
    assert set(expected_files) == set(stored)
    # At upload each row got the SHA-256 and size of the bytes that were stored.
    for name, data in expected_files.items():
        assert stored[name] == (hashlib.sha256(data).hexdigest(), len(data))
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        assert {f["member"] for f in manifest["files"]} == {f"files/{n}" for n in stored}
    expected = all_rows(source)

    result = run(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert f"{len(PAYLOADS)} attachment file(s)" in result.output
    assert "Audit chain intact" in result.output

    # Every file byte for byte, and nothing else in the upload folder.
    assert files_on_disk(target) == expected_files
    assert {oct(p.stat().st_mode & 0o777) for p in folder_of(target).iterdir()} == {"0o600"}
    restored = all_rows(target)
    last = len(expected["audit_event"])
    assert restored["audit_event"][:last] == expected["audit_event"]
    assert len(restored["audit_event"]) == last + 1  # the restore's own event
    for table in set(expected) - {"audit_event", "audit_chain_head"}:
        assert restored[table] == expected[table], table
    assert set(restored) == set(expected)
    assert run(target, "attachments", "verify").exit_code == 0
    assert run(target, "audit", "verify").exit_code == 0
    figures = (sum(len(rows) for rows in expected.values()), len(expected_files),
               sum(map(len, expected_files.values())), archive.stat().st_size)
    print("round trip: rows={} files={} file bytes={} archive bytes={}".format(*figures))


def test_a_truncated_backup_is_refused(target, archive, tmp_path):
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    shutil.copy(archive.with_name(archive.name + ".sha256"),
                cut.with_name(cut.name + ".sha256"))
    result = run(target, "restore", str(cut))
    assert result.exit_code != 0
    assert "does not match its checksum" in result.output
    assert_nothing_restored(target)
    # Cut short and given a checksum of its own: the archive itself says so.
    sign(cut)
    result = run(target, "restore", str(cut))
    assert result.exit_code != 0
    assert "damaged or truncated" in result.output or "it lacks" in result.output
    assert "Nothing was restored" in result.output
    assert_nothing_restored(target)


def test_a_backup_with_a_wrong_checksum_is_refused(target, archive, tmp_path):
    changed = tmp_path / "changed.tar"
    with tarfile.open(archive) as tar:
        last = tar.getmembers()[-1]  # an attachment: members are the manifest's order
    assert last.name.startswith("files/")
    data = bytearray(archive.read_bytes())
    data[last.offset_data + last.size // 2] ^= 0xFF
    changed.write_bytes(bytes(data))
    shutil.copy(archive.with_name(archive.name + ".sha256"),
                changed.with_name(changed.name + ".sha256"))
    result = run(target, "restore", str(changed))
    assert result.exit_code != 0
    assert "does not match its checksum" in result.output
    assert_nothing_restored(target)
    # The same damage under a recomputed checksum: the member's own hash catches it.
    sign(changed)
    result = run(target, "restore", str(changed))
    assert result.exit_code != 0
    assert "does not match the SHA-256 in its manifest" in result.output
    assert_nothing_restored(target)


def test_a_backup_that_lacks_an_attachment_is_refused(target, archive, tmp_path):
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    missing = manifest["files"][1]["member"]
    lacking = rewrite(archive, tmp_path / "lacking.tar", drop=missing)
    result = run(target, "restore", str(lacking))
    assert result.exit_code != 0
    assert f"it lacks the attachment {missing}, which its manifest lists" in result.output
    assert_nothing_restored(target)


def test_a_manifest_that_leaves_out_a_recorded_file_is_refused(target, archive, tmp_path):
    """The rows in the dump decide which files must be there, not only the manifest."""
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    left_out = manifest["files"][0]["member"]

    def without(found):
        found["files"] = [f for f in found["files"] if f["member"] != left_out]
        return found

    forged = rewrite(archive, tmp_path / "forged.tar", drop=left_out, manifest=without)
    result = run(target, "restore", str(forged))
    assert result.exit_code != 0
    assert "it lacks the file of attachment" in result.output
    assert left_out.removeprefix("files/") in result.output
    assert_nothing_restored(target)


def test_an_old_database_only_backup_is_refused(target, source, tmp_path):
    old = tmp_path / "old.backup"
    old.write_bytes(b"SQLite format 3\x00" + bytes(4000))
    result = run(target, "restore", str(sign(old)))
    assert result.exit_code != 0
    assert "Nothing was restored" in result.output
    assert_nothing_restored(target)


def test_verify_finds_a_missing_and_an_altered_file(source, tmp_path):
    assert run(source, "attachments", "verify").exit_code == 0
    with source.app_context():
        first, second = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)
                                           .limit(2)).all()
        db.session.remove()
    folder = folder_of(source)
    saved = {name: (folder / name).read_bytes()
             for name in (first.stored_name, second.stored_name)}
    try:
        (folder / first.stored_name).unlink()
        altered = bytearray(saved[second.stored_name])
        altered[-1] ^= 0x01  # same size, other bytes
        (folder / second.stored_name).write_bytes(bytes(altered))
        result = run(source, "attachments", "verify")
        assert result.exit_code == 1
        assert f"missing: attachment {first.id} ('{first.filename}'" in result.output
        assert f"altered: attachment {second.id} ('{second.filename}'" in result.output
        assert "2 of 5 attachment file(s) missing or altered" in result.output
        assert run(source, "audit", "verify").exit_code == 1
        # A backup is not written while a recorded file is missing or altered.
        refused = run(source, "backup", "--output", str(tmp_path / "x.tar"))
        assert refused.exit_code != 0 and "No backup was written" in refused.output
        assert list(tmp_path.iterdir()) == []
    finally:
        for name, data in saved.items():
            (folder / name).write_bytes(data)
    assert run(source, "attachments", "verify").exit_code == 0


def test_a_manifest_that_lists_a_file_twice_is_refused(target, archive, tmp_path):
    def doubled(found):
        found["files"].append(found["files"][0])
        return found

    forged = rewrite(archive, tmp_path / "doubled.tar", manifest=doubled)
    result = run(target, "restore", str(forged))
    assert result.exit_code != 0 and "lists a file twice" in result.output
    assert_nothing_restored(target)


def test_an_upload_folder_holding_another_file_of_the_same_name_is_refused(target,
                                                                           archive):
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    name = manifest["files"][0]["member"].removeprefix("files/")
    folder = folder_of(target)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"another file")
    result = run(target, "restore", str(archive))
    assert result.exit_code != 0
    assert f"already holds a different {name}" in result.output
    assert (folder / name).read_bytes() == b"another file"
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        db.session.remove()
