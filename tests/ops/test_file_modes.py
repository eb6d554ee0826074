"""Issue 11 item 16: the instance folder, the SQLite database (and its -wal/-shm),
the upload folder and its files, the backup folder, backups and their checksum files
are created owner-only (0700 folders, 0600 files), under the common umask 022."""
from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_login import login_user
from werkzeug.datastructures import FileStorage

from admin_views.attachments import store
from file_modes import sqlite_file
from models import AppUser, ArchiveFile, db

from ..test_audit_support import KINDS, empty_database, make_app


@pytest.fixture
def umask_022():
    """The umask most servers run with: group and others may read what is created."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_owner_only(folders: list[Path], files: list[Path]) -> None:
    modes = {str(p): oct(mode_of(p)) for p in folders + files}
    assert modes == {**{str(p): oct(0o700) for p in folders},
                     **{str(p): oct(0o600) for p in files}}


@pytest.mark.parametrize("kind", KINDS)
def test_database_uploads_and_backups_are_owner_only(kind, request, tmp_path_factory,
                                                     umask_022):
    base = tmp_path_factory.mktemp("modes")
    base.chmod(0o755)
    uploads, backups = base / "uploads", base / "backups"
    instance = Path(__file__).parent.parent.parent / "instance"
    instance.mkdir(exist_ok=True)
    instance.chmod(0o755)  # as an earlier version left it
    with empty_database(kind, request, tmp_path_factory, "modes") as url:
        app = make_app(url, tmp_path_factory, UPLOAD_FOLDER=str(uploads),
                       BACKUP_FOLDER=str(backups))
        try:
            with app.app_context():
                wal = None
                if kind == "sqlite":  # a connection in WAL mode keeps -wal and -shm
                    wal = db.engine.raw_connection()
                    wal.execute("PRAGMA journal_mode=wal")
                    wal.execute("CREATE TABLE IF NOT EXISTS mode_probe (x)")
                    wal.execute("INSERT INTO mode_probe VALUES (1)")
                    wal.commit()
                record = db.session.scalars(sa.select(ArchiveFile)).first()
                clerk = db.session.scalar(sa.select(AppUser).where(
                    AppUser.username == "clerk.sales"))
                with app.test_request_context():
                    login_user(clerk)
                    attachment = store(record, FileStorage(io.BytesIO(b"%PDF-1.4 scan"),
                                                           filename="扫描件.pdf"))
                    db.session.commit()
                    stored = uploads / attachment.stored_name
                folders = [Path(app.instance_path), uploads]
                files = [stored]
                if kind == "sqlite":
                    database = sqlite_file(url)
                    files += [database, database.with_name(database.name + "-wal"),
                              database.with_name(database.name + "-shm")]
                assert_owner_only(folders, files)

                result = app.test_cli_runner().invoke(args=["backup"])
                assert result.exit_code == 0, result.output
                (archive,) = [p for p in backups.iterdir() if p.name.endswith(".tar")]
                assert_owner_only([backups], [archive, archive.with_name(
                    archive.name + ".sha256")])
                if wal is not None:
                    wal.close()
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
