"""Where attachments' bytes live, and ``flask --app app attachments verify``.

One small interface, ``AttachmentStore``, is all that uploads, downloads, ``verify``,
``backup`` and ``restore`` use, so every one of them works the same on either store:

* ``local`` (the default): the ``UPLOAD_FOLDER`` of this machine, files owner-only;
* ``s3``: a bucket of S3-compatible object storage (``s3_store.py``), which several
  application servers share, so a file uploaded through one downloads through another.

An object's name (its key, under ``S3_PREFIX``) is the row's random ``stored_name``;
nothing about the record or the file name is in it. The bytes are only ever served by
the checked download route, never by a link to the store.

An attachment's row records the SHA-256 and size of its bytes at upload. Those two
values are what makes the files data like the rows: a backup carries them, a restore
checks every file against them, and ``attachments verify`` compares the store with
them at any time (also run by ``audit verify``), listing each file that is missing or
altered, so a lost disk or a changed scan is found by a command, not by the clerk who
opens the record.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from file_modes import open_private, private_dir
from models import Attachment, db

#: Bytes read at a time when hashing, copying or streaming an attachment.
CHUNK = 64 * 1024
STORE_KINDS = ("local", "s3")


def digest_of(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a local file, read in blocks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


class StoreUnavailable(OSError):
    """The store cannot be used now: unreachable, refused our credentials, no bucket,
    a full disk. The message says which, for the operator's log and commands."""


class MissingObject(FileNotFoundError):
    """The store answers, but holds no object of that name."""


class Opened:
    """An object opened for reading: ``size``, ``read(n)``, ``close()``.

    ``head(n)`` looks at the first bytes without losing them for ``read``: the download
    decides the served type from them and then streams the whole object.
    """

    def __init__(self, body, size: int, close=None):
        self.body, self.size, self._buffer = body, size, b""
        self._close = close or body.close
        self.closed = False

    def head(self, count: int) -> bytes:
        while len(self._buffer) < count:
            block = self.body.read(count - len(self._buffer))
            if not block:
                break
            self._buffer += block
        return self._buffer[:count]

    def read(self, size: int = -1) -> bytes:
        buffered, self._buffer = self._buffer, b""
        if size is None or size < 0:
            return buffered + self.body.read()
        if buffered:
            return buffered[:size] if len(buffered) >= size else \
                buffered + self.body.read(size - len(buffered))
        return self.body.read(size)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class AttachmentStore:
    """What every store does. Errors: ``MissingObject`` when a name is not there,
    ``StoreUnavailable`` when the store cannot be used."""

    kind: str = ""
    """``local`` or ``s3`` (``ATTACHMENT_STORE``)."""

    def describe(self) -> str:
        """Where the objects are, for the operator's messages."""
        raise NotImplementedError

    def put(self, name: str, source: bytes | BinaryIO, sha256: str) -> None:
        """Write the object ``name``; ``sha256`` (hex) is what its bytes hash to."""
        raise NotImplementedError

    def open(self, name: str) -> Opened:
        raise NotImplementedError

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def delete(self, name: str) -> None:
        """Remove ``name`` if it is there."""
        raise NotImplementedError

    def names(self) -> Iterator[str]:
        """Every object's name, in no particular order."""
        raise NotImplementedError

    def check_ready(self) -> None:
        """Raise ``StoreUnavailable`` unless uploads can be stored now."""
        raise NotImplementedError

    def staging_dir(self) -> Path:
        """A private folder where a restore unpacks files before they go in."""
        raise NotImplementedError

    def move_in(self, name: str, path: Path, sha256: str) -> None:
        """Put the unpacked file ``path`` (in ``staging_dir``) in as ``name``."""
        with path.open("rb") as handle:
            self.put(name, handle, sha256)

    def digest(self, name: str) -> tuple[str, int]:
        """SHA-256 (hex) and size of the stored bytes, read in chunks."""
        digest, size = hashlib.sha256(), 0
        with self.open(name) as opened:
            for block in iter(lambda: opened.read(CHUNK), b""):
                digest.update(block)
                size += len(block)
        return digest.hexdigest(), size


class LocalStore(AttachmentStore):
    """``UPLOAD_FOLDER`` on this machine; every file and the folder owner-only."""

    kind = "local"

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def describe(self) -> str:
        return f"the upload folder {self.folder}"

    def path(self, name: str) -> Path:
        return private_dir(self.folder) / name

    def put(self, name: str, source: bytes | BinaryIO, sha256: str) -> None:
        try:
            with open_private(self.path(name)) as out:
                if isinstance(source, bytes):
                    out.write(source)
                else:
                    for block in iter(lambda: source.read(CHUNK), b""):
                        out.write(block)
        except OSError as exc:
            raise StoreUnavailable(f"cannot write to {self.describe()}: {exc}") from exc

    def open(self, name: str) -> Opened:
        path = self.folder / name
        try:
            handle = path.open("rb")
        except FileNotFoundError as exc:
            raise MissingObject(f"no file {path}") from exc
        except OSError as exc:
            raise StoreUnavailable(f"cannot read {path}: {exc}") from exc
        return Opened(handle, os.fstat(handle.fileno()).st_size)

    def exists(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        if self.folder.is_dir():
            yield from (p.name for p in self.folder.iterdir()
                        if p.is_file() and not p.name.startswith("."))

    def check_ready(self) -> None:
        try:
            probe = private_dir(self.folder) / f".ready-{os.getpid()}"
            with open_private(probe):
                pass
            probe.unlink()
        except OSError as exc:
            raise StoreUnavailable(f"cannot write to {self.describe()}: {exc}") from exc

    def staging_dir(self) -> Path:
        return private_dir(self.folder)  # same disk: moving a file in is a rename

    def move_in(self, name: str, path: Path, sha256: str) -> None:
        os.replace(path, self.path(name))


def make_store(app) -> AttachmentStore:
    """The store ``ATTACHMENT_STORE`` names, from the app's configuration."""
    kind = (app.config.get("ATTACHMENT_STORE") or "local").strip().lower()
    if kind == "local":
        return LocalStore(app.config["UPLOAD_FOLDER"])
    if kind == "s3":
        from s3_store import S3Store

        return S3Store.from_config(app.config, staging=Path(app.instance_path))
    raise RuntimeError(f"ATTACHMENT_STORE={kind!r} is not one of {', '.join(STORE_KINDS)}.")


def check_config(app) -> None:
    """At start-up: a store that cannot even be built (an unknown kind, no bucket) stops
    the app with the reason, rather than failing the first upload."""
    app.extensions["attachment_store"] = make_store(app)


def current_store() -> AttachmentStore:
    """This app's store, made once (an S3 client keeps its connection pool)."""
    app = current_app._get_current_object()
    store = app.extensions.get("attachment_store")
    if store is None:
        store = app.extensions["attachment_store"] = make_store(app)
    return store


# -- verify ------------------------------------------------------------------------------

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


def check_file(file: StoredFile, store: AttachmentStore) -> FileProblem | None:
    """The problem of one file, or None; ``StoreUnavailable`` goes to the caller (a
    store that does not answer says nothing about any file)."""
    try:
        sha256, size = store.digest(file.stored_name)
    except MissingObject as exc:
        return FileProblem(file, "missing", str(exc))
    if size != file.size:
        return FileProblem(file, "altered", f"{size} bytes stored, {file.size} recorded")
    if sha256 != file.sha256:
        return FileProblem(file, "altered", "its SHA-256 differs from the recorded one")
    return None


def find_problems(files: Iterable[StoredFile], store: AttachmentStore) -> list[FileProblem]:
    return [problem for file in files if (problem := check_file(file, store))]


def report_files() -> bool:
    """Print the check of every attachment; True when every file matches."""
    files = stored_files()
    db.session.remove()
    store = current_store()
    try:
        problems = find_problems(files, store)
    except StoreUnavailable as exc:
        click.echo(f"Attachments not checked: the store cannot be used ({exc}).", err=True)
        return False
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} of {len(files)} attachment file(s) missing or altered "
                   f"in {store.describe()}.", err=True)
        return False
    click.echo(f"Attachments intact: {len(files)} file(s) in {store.describe()} match "
               "their recorded SHA-256 and size.")
    return True


attachments_group = AppGroup("attachments", help="Attachment file tools.")


@attachments_group.command("verify")
def verify_command():
    """Compare every attachment file with its row's SHA-256 and size; exit 1 on any
    missing or altered file."""
    if not report_files():
        raise SystemExit(1)
