"""Owner-only files: the instance folder, the SQLite database, uploads and backups.

Every one of them holds records, attachments or password hashes, so none may be
readable by the other accounts of the machine (issue 11, item 16). The modes are set
where each file or folder is created, not by a process-wide ``umask``: a umask would
also change what every other part of the process writes (a WSGI host's own files, the
test runner's), and it is easily lost when a host creates the app after it has changed
it. ``os.open(..., 0o600)`` and ``mkdir(0o700)`` can only be narrowed by the umask,
never widened, so the modes here hold whatever umask the process runs under.

Folders the product owns (the instance folder, ``UPLOAD_FOLDER``, the default backup
folder) and the SQLite files are also narrowed at start-up when an earlier version
left them readable; a folder named by the operator (``backup -o /srv/x``) is left as
the operator made it.
"""
from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

#: The files SQLite keeps next to a database (journal, write-ahead log, shared memory).
SQLITE_COMPANIONS = ("", "-journal", "-wal", "-shm")


def narrow(path: Path, mode: int) -> None:
    """Set ``mode`` on a file or folder of ours that allows more; leave others alone."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return
    if status.st_uid != os.geteuid() or status.st_mode & 0o777 & ~mode == 0:
        return
    try:
        path.chmod(mode)
    except PermissionError:  # a file we cannot change: the operator's decision
        pass


def private_dir(path: Path | str) -> Path:
    """A folder the product owns, created or narrowed to the owner only."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    narrow(path, PRIVATE_DIR)
    return path


def new_dir(path: Path | str) -> Path:
    """A folder named by the operator: created owner-only if missing, else left as is."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    return path


def open_private(path: Path | str, *, exclusive: bool = False):
    """Open ``path`` for binary writing with mode 0600 (created so, never widened)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)  # an existing file keeps its mode otherwise
    return os.fdopen(descriptor, "wb")


def write_private(path: Path | str, data: bytes | str) -> None:
    with open_private(path) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


def sqlite_file(url: str | sa.engine.URL) -> Path | None:
    """The database file of a SQLite URL; None for other databases and memory."""
    url = sa.engine.make_url(url)
    if url.get_backend_name() != "sqlite" or not url.database \
            or url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return Path(url.database)


def secure_sqlite(url: str | sa.engine.URL) -> None:
    """Create the SQLite file owner-only before SQLite does (it would use 0644), and
    narrow one left readable. SQLite gives its journal, -wal and -shm files the mode
    of the database file, so they follow."""
    path = sqlite_file(url)
    if path is None or not path.parent.is_dir():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass
    for suffix in SQLITE_COMPANIONS:
        narrow(path.with_name(path.name + suffix), PRIVATE_FILE)


def secure_app_files(app) -> None:
    """At start-up: the instance folder, the upload folder and the SQLite file."""
    private_dir(app.instance_path)
    private_dir(app.config["UPLOAD_FOLDER"])
    secure_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])
