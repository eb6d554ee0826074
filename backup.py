"""``flask --app app backup`` and ``flask --app app restore FILE``.

A backup is a consistent snapshot taken while the product is in use: SQLite's
online backup API copies the database under one read lock, ``pg_dump`` reads
PostgreSQL inside one snapshot transaction. Next to it goes ``FILE.sha256`` (the
``sha256sum`` format). A restore goes only into an empty database (a new SQLite
file, a newly created PostgreSQL database), only from a file that matches its
checksum, and then walks the audit chain, so a restored log is a checked one.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from audit import record_event
from audit_anchor import anchor_head, anchor_restore
from models import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(click.ClickException):
    """A backup or restore that cannot go ahead; the message says what to do."""


# -- helpers ------------------------------------------------------------------------

def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksum(path: Path) -> Path:
    target = checksum_path(path)
    target.write_text(f"{sha256_of(path)}  {path.name}\n")
    return target


def check_checksum(path: Path) -> None:
    stored = checksum_path(path)
    if not stored.is_file():
        raise BackupError(f"No checksum file {stored.name} next to {path.name}: a backup "
                          "that cannot be checked is not restored.")
    expected = (stored.read_text().split() or [""])[0].lower()
    if expected != sha256_of(path):
        raise BackupError(f"{path.name} does not match its checksum in {stored.name}: the "
                          "file is damaged or was changed. Nothing was restored.")


def sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


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


def run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


# -- backup ----------------------------------------------------------------------------

def default_target(dialect: str) -> Path:
    folder = Path(current_app.instance_path) / "backups"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return folder / f"records-{stamp}.{'sqlite3' if dialect == 'sqlite' else 'pgdump'}"


def make_backup(target: Path | None = None) -> Path:
    """Write a snapshot and its checksum; returns the snapshot's path."""
    engine = db.engine
    dialect = engine.dialect.name
    target = Path(target or default_target(dialect)).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    # The snapshot includes the event that says it was taken.
    record_event("backup", changes={"file": target.name})
    db.session.commit()
    anchor_head(target.name)  # audit: the chain head, kept outside the DB (returns it)
    partial = target.with_name(target.name + ".partial")
    if dialect == "sqlite":
        source = sqlite3.connect(f"file:{sqlite_path(engine.url)}?mode=ro", uri=True)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # one step: a consistent copy under a read lock
        finally:
            copy.close()
            source.close()
    elif dialect == "postgresql":
        uri, env = libpq_args(engine.url)
        pg_dump = tool("pg_dump")
        check_client_version(pg_dump)
        run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
             f"--file={partial}", f"--dbname={uri}"], env)
    else:
        raise BackupError(f"Backups of {dialect} databases are not supported.")
    partial.chmod(0o600)  # every record and password hash is in it
    partial.replace(target)
    write_checksum(target)
    return target


# -- restore ---------------------------------------------------------------------------

def existing_tables() -> list[str]:
    with db.engine.connect() as connection:
        return sa.inspect(connection).get_table_names()


def restore(path: Path) -> None:
    """Load ``path`` into the configured, empty database, or raise ``BackupError``."""
    path = Path(path)
    check_checksum(path)
    with path.open("rb") as f:
        magic = f.read(16)
    engine = db.engine
    dialect = engine.dialect.name
    if dialect == "sqlite" and not magic.startswith(SQLITE_MAGIC) or \
            dialect == "postgresql" and not magic.startswith(PG_DUMP_MAGIC):
        raise BackupError(f"{path.name} is not a backup of a {dialect} database; restore "
                          "it into the kind of database it was taken from.")
    tables = existing_tables()
    if tables:
        raise BackupError(
            f"The target database is not empty ({len(tables)} tables, e.g. "
            f"{', '.join(sorted(tables)[:3])}). Restore only into a new, empty database: "
            "create one, point DATABASE_URL at it and run restore again.")
    db.session.remove()
    engine.dispose()
    if dialect == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(sqlite_path(engine.url))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        uri, env = libpq_args(engine.url)
        run([tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--dbname={uri}", str(path)], env)
    engine.dispose()


# -- commands ----------------------------------------------------------------------------

@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: instance/backups/records-<UTC time>).")
@with_appcontext
def backup_command(output: Path | None):
    """Write a consistent snapshot of the database and its checksum file."""
    path = make_backup(output)
    click.echo(f"Backup written: {path}")
    click.echo(f"Checksum: {checksum_path(path)}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path):
    """Load a backup into an empty database and check its audit chain."""
    from audit_cli import verify_chain

    restore(file)
    report = verify_chain()
    if not report.ok:
        raise BackupError(f"Restored, but the audit chain does not verify: {report.message}")
    record_event("restore", changes={"file": file.name})
    db.session.commit()
    anchor_restore(file.name)  # audit: heads of the database's replaced life end here
    click.echo(f"Restored {file.name}. {report.message}")
