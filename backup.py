"""``flask --app app backup`` and ``flask --app app restore FILE``: the database and
every attachment, together.

A backup is one tar archive (``backup_archive.py`` says why one archive and what is
in it) with ``FILE.sha256`` beside it (the ``sha256sum`` format) covering the whole.
The database is a consistent snapshot taken while the product is in use: SQLite's
online backup API copies it under one read lock; ``pg_dump`` reads PostgreSQL inside
one exported snapshot, the same one in which the attachment rows are read. So the
archive holds exactly the files the dumped rows point at, each checked against its
row's SHA-256 and size as it is added: a backup with a missing or altered file is not
written (``attachments verify`` lists them).

The files come from the configured attachment store (``attachment_store.py``: the
upload folder or an S3 bucket), read through the same interface as a download.

A restore goes only into an empty database (a new SQLite file, a newly created
PostgreSQL database), only from an archive that matches its checksum and holds every
member its manifest lists. The files are unpacked into a private staging folder (in
the upload folder, or the instance folder for S3) and checked against the attachment
rows of the dump itself before anything is changed; only then are the files put into
the configured store and the database loaded (a failure of either takes the files put
out again). So a refused restore leaves nothing behind. Afterwards every object is
read back from the store and checked against its restored row's SHA-256 and size, and
the audit chain is walked; only then does restore report success.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from attachment_store import (
    AttachmentStore,
    Opened,
    StoredFile,
    StoreUnavailable,
    current_store,
    digest_of,
    find_problems,
    stored_files,
)
from audit import record_event
from audit.anchor import anchor_head, anchor_restore
from backup_archive import (
    DATABASE_MEMBERS,
    BackupArchive,
    BackupError,
    Member,
    file_member,
    manifest_of,
    stored_name_of,
    write_archive,
)
from file_modes import new_dir, private_dir, secure_sqlite, sqlite_file, write_private
from models import db

__all__ = ["BackupError", "make_backup", "restore", "backup_metadata"]


# -- helpers ------------------------------------------------------------------------

def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def write_checksum(path: Path) -> Path:
    target = checksum_path(path)
    write_private(target, f"{digest_of(path)[0]}  {path.name}\n")
    return target


def check_checksum(path: Path) -> None:
    stored = checksum_path(path)
    if not stored.is_file():
        raise BackupError(f"No checksum file {stored.name} next to {path.name}: a backup "
                          "that cannot be checked is not restored.")
    expected = (stored.read_text().split() or [""])[0].lower()
    if expected != digest_of(path)[0]:
        raise BackupError(f"{path.name} does not match its checksum in {stored.name}: the "
                          "file is damaged, truncated or was changed. Nothing was restored.")


def sqlite_path(url: sa.engine.URL) -> Path:
    path = sqlite_file(url)
    if path is None:
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return path


def libpq_args(url: sa.engine.URL) -> tuple[str, dict]:
    """A libpq connection URI without the password, which goes in the environment
    (a command line is visible to every user of the machine)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found. Install the PostgreSQL client tools of "
                          "the server's major version (Debian: postgresql-client-15).")
    return path


def check_client_version(pg_dump: str) -> None:
    """pg_dump must be at least the server's major version (it refuses older servers'
    newer features); say so before it fails with a less clear message."""
    output = subprocess.run([pg_dump, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"\)\s*(\d+)", output) or re.search(r"(\d+)", output)
    if found is None:
        raise BackupError(f"Cannot tell the version of {pg_dump}: {output.strip()!r}")
    client = int(found.group(1))
    with db.engine.connect() as connection:
        server = int(connection.execute(sa.text("SHOW server_version_num")).scalar()) // 10000
    if client < server:
        raise BackupError(f"pg_dump {client} is older than the PostgreSQL server ({server}); "
                          f"install the client tools of version {server}.")


def run(command: list[str], env: dict | None = None) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
    return result.stdout


def open_local(path: Path) -> Opened:
    handle = path.open("rb")
    return Opened(handle, os.fstat(handle.fileno()).st_size)


def opener(store: AttachmentStore, name: str):
    return lambda: store.open(name)


# -- backup ----------------------------------------------------------------------------

def backup_metadata(dialect: str) -> dict:
    """Facts written into every backup's manifest under ``metadata``.

    The one place where a backup says more about itself: add a key here and it is in
    every archive (e.g. the audit chain's head digest, so that a restore or a later
    verify can tell a truncated chain from a whole one).
    """
    with db.engine.connect() as connection:
        revisions = sorted(connection.execute(sa.text(
            "SELECT version_num FROM alembic_version")).scalars())
    return {"created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": dialect, "schema_revisions": revisions}


def default_target() -> Path:
    folder = private_dir(current_app.config["BACKUP_FOLDER"])
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return folder / f"records-{stamp}.tar"


def snapshot_sqlite(dump: Path) -> list[StoredFile]:
    """Copy the database in one step (a consistent copy under a read lock) and read
    the attachment rows from the copy."""
    source = sqlite3.connect(f"file:{sqlite_path(db.engine.url)}?mode=ro", uri=True)
    secure_sqlite(f"sqlite:///{dump}")
    copy = sqlite3.connect(dump)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return rows_in_sqlite(dump)


def snapshot_postgresql(dump: Path) -> list[StoredFile]:
    """pg_dump inside a snapshot exported by the transaction that reads the rows."""
    uri, env = libpq_args(db.engine.url)
    pg_dump = tool("pg_dump")
    check_client_version(pg_dump)
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
            files = stored_files(connection)
            run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                 f"--snapshot={snapshot}", f"--file={dump}", f"--dbname={uri}"], env)
    return files


def make_backup(target: Path | None = None) -> Path:
    """Write the archive and its checksum; returns the archive's path."""
    dialect = db.engine.dialect.name
    if dialect not in DATABASE_MEMBERS:
        raise BackupError(f"Backups of {dialect} databases are not supported.")
    target = Path(target or default_target()).resolve()
    new_dir(target.parent)
    # The snapshot includes the event that says it was taken.
    record_event("backup", changes={"file": target.name})
    db.session.commit()
    metadata = backup_metadata(dialect)
    # audit: the chain head, kept outside the database and written into the manifest
    metadata["audit"] = anchor_head(target.name)
    db.session.remove()
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=target.parent))
    partial = target.with_name(target.name + ".partial")
    try:
        dump = work / DATABASE_MEMBERS[dialect]
        snapshot = snapshot_sqlite if dialect == "sqlite" else snapshot_postgresql
        files = snapshot(dump)
        database = Member(dump.name, *digest_of(dump))
        members = [file_member(f.stored_name, f.sha256, f.size) for f in files]
        store = current_store()
        sources = {database.name: lambda: open_local(dump),
                   **{m.name: opener(store, stored_name_of(m)) for m in members}}
        problems = write_archive(partial, manifest_of(dialect, database, members, metadata),
                                 sources)
        if problems:
            partial.unlink()
            raise BackupError(
                "No backup was written: " + "; ".join(problems) + ". Run `flask attachments "
                "verify` for the full list, and put the recorded files back first.")
        partial.replace(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
    write_checksum(target)
    return target


# -- restore ---------------------------------------------------------------------------

def existing_tables() -> list[str]:
    with db.engine.connect() as connection:
        return sa.inspect(connection).get_table_names()


def rows_in_sqlite(dump: Path) -> list[StoredFile]:
    connection = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        return [StoredFile(*row) for row in connection.execute(
            "SELECT id, stored_name, filename, size, sha256 FROM attachment ORDER BY id")]
    finally:
        connection.close()


def rows_in_pg_dump(dump: Path) -> list[StoredFile]:
    """The attachment rows of a pg_dump archive, read from its COPY data (text format:
    tab-separated, tabs and backslashes inside values escaped)."""
    script = run([tool("pg_restore"), "--data-only", "--table=attachment", "--file=-",
                  str(dump)])
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and ".attachment (" in line:
            columns = [c.strip().strip('"') for c in line.split("(", 1)[1]
                       .split(")", 1)[0].split(",")]
            break
    else:
        return []
    found = []
    for line in lines:
        if line == "\\.":
            break
        row = dict(zip(columns, line.split("\t"), strict=True))
        found.append(StoredFile(int(row["id"]), row["stored_name"], row["filename"],
                                int(row["size"]), row["sha256"]))
    return found


def check_rows_against_files(rows: list[StoredFile], archive: BackupArchive) -> None:
    """Each row of the dump has its file in the archive, with the row's hash and size
    (the files were already checked against the manifest while they were unpacked)."""
    promised = {stored_name_of(m): m for m in archive.files}
    for row in rows:
        member = promised.get(row.stored_name)
        if member is None:
            raise archive.refuse(f"it lacks the file of attachment {row.attachment_id} "
                                 f"({row.filename!r}, stored as {row.stored_name})")
        if (member.sha256, member.size) != (row.sha256, row.size):
            raise archive.refuse(f"the file of attachment {row.attachment_id} "
                                 f"({row.filename!r}) is not the one its row records")


def check_store_free(archive: BackupArchive, store: AttachmentStore) -> set[str]:
    """The store holds no other file under a name the backup brings; returns the
    names it holds already with the same bytes (left by an interrupted restore)."""
    present = set()
    for member in archive.files:
        name = stored_name_of(member)
        if not store.exists(name):
            continue
        if store.digest(name) != (member.sha256, member.size):
            raise archive.refuse(
                f"{store.describe()} already holds a different {name}; restore into "
                "an empty upload folder or bucket")
        present.add(name)
    return present


def load_database(dump: Path, dialect: str) -> None:
    engine = db.engine
    db.session.remove()
    engine.dispose()
    if dialect == "sqlite":
        path = sqlite_path(engine.url)
        secure_sqlite(engine.url)
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        uri, env = libpq_args(engine.url)
        run([tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--dbname={uri}", str(dump)], env)
    engine.dispose()


def restore(path: Path) -> int:
    """Load the archive at ``path`` into the configured, empty database and upload
    folder, or raise ``BackupError`` having changed nothing. Returns the number of
    attachment files restored."""
    path = Path(path)
    check_checksum(path)
    dialect = db.engine.dialect.name
    with BackupArchive(path) as archive:
        if archive.manifest["dialect"] != dialect:
            raise BackupError(f"{path.name} is a backup of a {archive.manifest['dialect']} "
                              f"database, not {dialect}; restore it into the kind of "
                              "database it was taken from.")
        archive.check_complete()
        tables = existing_tables()
        if tables:
            raise BackupError(
                f"The target database is not empty ({len(tables)} tables, e.g. "
                f"{', '.join(sorted(tables)[:3])}). Restore only into a new, empty database: "
                "create one, point DATABASE_URL at it and run restore again.")
        store = current_store()
        try:
            present = check_store_free(archive, store)
            staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=store.staging_dir()))
        except StoreUnavailable as exc:
            raise archive.refuse(f"the attachment store cannot be used ({exc})") from exc
        try:
            dump = staging / archive.database.name
            archive.extract(archive.database, dump)
            for member in archive.files:
                archive.extract(member, staging / stored_name_of(member))
            rows = rows_in_sqlite(dump) if dialect == "sqlite" else rows_in_pg_dump(dump)
            check_rows_against_files(rows, archive)
            added = put_files_in(archive, staging, store, present)
            try:
                load_database(dump, dialect)
            except BaseException:
                take_files_out(added, store)
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    try:
        problems = find_problems(stored_files(), store)
    except StoreUnavailable as exc:
        raise BackupError(f"Restored, but the attachments could not be checked: {exc}. "
                          "Run `flask attachments verify` once the store answers.") \
            from exc
    finally:
        db.session.remove()
    if problems:
        raise BackupError("Restored, but attachment files do not match their rows: "
                          + "; ".join(map(str, problems)))
    return len(archive.files)


def put_files_in(archive: BackupArchive, staging: Path, store: AttachmentStore,
                 present: set[str]) -> list[str]:
    """Every checked file into the store, before the database is loaded: a store that
    fails on the way leaves the database empty and takes out the files put so far, so
    the restore can simply be run again. Returns the names it put."""
    added = []
    try:
        for member in archive.files:
            name = stored_name_of(member)
            if name not in present:
                store.move_in(name, staging / name, member.sha256)
                added.append(name)
    except StoreUnavailable as exc:
        take_files_out(added, store)
        raise archive.refuse(f"the attachment store failed ({exc})") from exc
    return added


def take_files_out(names: list[str], store: AttachmentStore) -> None:
    for name in names:
        try:
            store.delete(name)
        except StoreUnavailable:
            pass  # a random name no row points at; verify and restore ignore it


# -- commands ----------------------------------------------------------------------------

@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: BACKUP_FOLDER, instance/backups, "
                   "/records-<UTC time>.tar).")
@with_appcontext
def backup_command(output: Path | None):
    """Write one archive of the database and every attachment, and its checksum file."""
    path = make_backup(output)
    with BackupArchive(path) as archive:
        count, size = len(archive.files), sum(m.size for m in archive.files)
    click.echo(f"Backup written: {path}")
    click.echo(f"Contains: the database and {count} attachment file(s), {size} bytes.")
    click.echo(f"Checksum: {checksum_path(path)}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path):
    """Load a backup into an empty database and the attachment store; check every file
    against its row and the audit chain."""
    from audit.chain import verify_chain

    count = restore(file)
    report = verify_chain()
    if not report.ok:
        raise BackupError(f"Restored, but the audit chain does not verify: {report.message}")
    record_event("restore", changes={"file": file.name})
    db.session.commit()
    anchor_restore(file.name)  # audit: heads of the database's replaced life end here
    click.echo(f"Restored {file.name}: the database and {count} attachment file(s), each "
               f"matching the SHA-256 and size in its row. {report.message}")
