"""Where attachments' bytes live, and ``flask --app app attachments verify``.

An attachment's row records the SHA-256 and size of its bytes at upload. Those two
values are what makes the files data like the rows: a backup carries them, a restore
checks every file against them, and ``attachments verify`` compares the upload
folder with them at any time (also run by ``audit verify``), listing each file that
is missing or altered, so a lost disk or a changed scan is found by a command, not by
the clerk who opens the record.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from file_modes import private_dir
from models import Attachment, db


def upload_folder() -> Path:
    """The configured ``UPLOAD_FOLDER``, created owner-only."""
    return private_dir(current_app.config["UPLOAD_FOLDER"])


def digest_of(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in blocks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


@dataclass(frozen=True)
class StoredFile:
    """What a row says about one file: enough to find it and to check it."""

    attachment_id: int
    stored_name: str
    filename: str
    size: int
    sha256: str


@dataclass(frozen=True)
class FileProblem:
    file: StoredFile
    problem: str
    """``missing`` or ``altered``."""
    detail: str

    def __str__(self) -> str:
        return (f"{self.problem}: attachment {self.file.attachment_id} "
                f"({self.file.filename!r}, stored as {self.file.stored_name}): {self.detail}")


def stored_files(session=None) -> list[StoredFile]:
    """Every attachment row, in id order."""
    session = session or db.session
    columns = (Attachment.id, Attachment.stored_name, Attachment.filename,
               Attachment.size, Attachment.sha256)
    return [StoredFile(*row) for row in session.execute(
        sa.select(*columns).order_by(Attachment.id))]


def check_file(file: StoredFile, folder: Path) -> FileProblem | None:
    path = folder / file.stored_name
    if not path.is_file():
        return FileProblem(file, "missing", f"no file {path}")
    sha256, size = digest_of(path)
    if size != file.size:
        return FileProblem(file, "altered", f"{size} bytes on disk, {file.size} recorded")
    if sha256 != file.sha256:
        return FileProblem(file, "altered", "its SHA-256 differs from the recorded one")
    return None


def find_problems(files: Iterable[StoredFile], folder: Path) -> list[FileProblem]:
    return [problem for file in files if (problem := check_file(file, folder))]


def report_files() -> bool:
    """Print the check of every attachment; True when every file matches."""
    files = stored_files()
    problems = find_problems(files, upload_folder())
    db.session.remove()
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} of {len(files)} attachment file(s) missing or altered "
                   f"in {current_app.config['UPLOAD_FOLDER']}.", err=True)
        return False
    click.echo(f"Attachments intact: {len(files)} file(s) match their recorded SHA-256 "
               "and size.")
    return True


attachments_group = AppGroup("attachments", help="Attachment file tools.")


@attachments_group.command("verify")
def verify_command():
    """Compare every attachment file with its row's SHA-256 and size; exit 1 on any
    missing or altered file."""
    if not report_files():
        raise SystemExit(1)
