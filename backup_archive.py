"""The backup file: one tar archive with a manifest, the database dump and every
attachment, read back only after each member is checked.

Why one archive rather than a dump plus a folder of files: a backup is copied,
moved off the machine and kept for years, and one file does that whole or not at
all; one checksum (``FILE.sha256`` beside it) covers the database and every file
together; and its first member, ``manifest.json``, says exactly what must be in it,
so a copy cut short or missing a file is told apart from a complete one before
anything is restored. The archive is plain (uncompressed) tar: scans, photos and
recordings are compressed already, and tar is read by any machine's tools.

Layout::

    manifest.json          format, version, the dump's and every file's SHA-256 and size,
                           and ``metadata`` (see ``backup.backup_metadata``)
    database.sqlite3       SQLite's online backup copy  (or database.pgdump: pg_dump -Fc)
    files/<stored_name>    each attachment, under the name its row gives it
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import click

from file_modes import open_private

FORMAT = "records-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES_PREFIX = "files/"
#: Stored names are random tokens; anything else in a manifest is refused, so a crafted
#: archive cannot write outside the upload folder or the bucket's prefix.
SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
BLOCK = 1 << 20


class BackupError(click.ClickException):
    """A backup or restore that cannot go ahead; the message says what to do."""


@dataclass(frozen=True)
class Member:
    """One member the manifest promises: its name in the archive, SHA-256 and size."""

    name: str
    sha256: str
    size: int

    def as_json(self) -> dict:
        return {"member": self.name, "sha256": self.sha256, "size": self.size}


def file_member(stored_name: str, sha256: str, size: int) -> Member:
    return Member(FILES_PREFIX + stored_name, sha256, size)


def stored_name_of(member: Member) -> str:
    return member.name.removeprefix(FILES_PREFIX)


def manifest_of(dialect: str, database: Member, files: list[Member], metadata: dict) -> dict:
    return {"format": FORMAT, "version": VERSION, "dialect": dialect,
            "database": database.as_json(), "files": [f.as_json() for f in files],
            "metadata": metadata}


# -- writing ------------------------------------------------------------------------------

class HashingReader:
    """Hands a file's bytes to tarfile and hashes them on the way (one read)."""

    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info


def add_checked(tar: tarfile.TarFile, member: Member, open_source) -> str | None:
    """Add the bytes ``open_source()`` opens (an object with ``size``, ``read`` and
    ``close``: a local file or a store's object) as ``member``; a reason when they are
    missing or not the promised ones."""
    try:
        opened = open_source()
    except FileNotFoundError as exc:
        return f"{member.name}: the file is missing ({exc})"
    except OSError as exc:  # the store cannot be read
        return f"{member.name}: {exc}"
    with opened:
        size = opened.size
        reader = HashingReader(opened)
        try:
            tar.addfile(tar_info(member.name, size), reader)
        except OSError as exc:  # the file shrank while it was read, the store went away
            return f"{member.name}: {exc}"
    if (reader.digest.hexdigest(), size) != (member.sha256, member.size):
        return (f"{member.name}: the stored file is not the one its row records "
                f"({size} bytes, {member.size} recorded; or its SHA-256 differs)")
    return None


def write_archive(target: Path, manifest: dict, sources: dict) -> list[str]:
    """Write the archive (mode 0600): the manifest, then each member from ``sources``
    (member name → a function opening its bytes), each checked against the manifest.
    Returns the problems; the caller discards the archive when there are any."""
    problems = []
    promised = [Member(m["member"], m["sha256"], m["size"])
                for m in (manifest["database"], *manifest["files"])]
    text = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    with open_private(target) as raw, \
            tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(tar_info(MANIFEST, len(text)), io.BytesIO(text))
        for member in promised:
            if problem := add_checked(tar, member, sources[member.name]):
                problems.append(problem)
    return problems


# -- reading -----------------------------------------------------------------------------

DAMAGED = ("{name} is damaged or truncated ({error}): a complete copy is needed. "
           "Nothing was restored.")


class BackupArchive:
    """An archive opened for restore; every accessor refuses with ``BackupError``."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.tar = tarfile.open(path, mode="r:")
            self.members = {m.name: m for m in self.tar.getmembers()}
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(DAMAGED.format(name=path.name, error=exc)) from exc
        self.manifest = self.read_manifest()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.tar.close()

    def refuse(self, reason: str) -> BackupError:
        return BackupError(f"{self.path.name}: {reason}. Nothing was restored.")

    def read_manifest(self) -> dict:
        info = self.members.get(MANIFEST)
        if info is None or not info.isfile():
            raise self.refuse("it has no manifest.json, so it is not a backup archive of "
                              "this product (or it was made before attachments were "
                              "included in backups)")
        try:
            manifest = json.loads(self.read(info))
            database = Member(manifest["database"]["member"],
                              manifest["database"]["sha256"], manifest["database"]["size"])
            files = [Member(m["member"], m["sha256"], m["size"]) for m in manifest["files"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise self.refuse(f"its manifest cannot be read ({exc!r})") from exc
        if manifest.get("format") != FORMAT or manifest.get("dialect") not in DATABASE_MEMBERS:
            raise self.refuse("its manifest is not one of this product's backups")
        if manifest.get("version") != VERSION:
            raise self.refuse(f"its format version {manifest.get('version')!r} is not "
                              f"{VERSION}; restore it with the version that wrote it")
        if database.name != DATABASE_MEMBERS[manifest["dialect"]]:
            raise self.refuse(f"its manifest names an unexpected dump {database.name!r}")
        for member in files:
            if not member.name.startswith(FILES_PREFIX) \
                    or not SAFE_NAME.fullmatch(stored_name_of(member)):
                raise self.refuse(f"its manifest lists a file with an unsafe name "
                                  f"{member.name!r}")
        if len({m.name for m in files}) != len(files):
            raise self.refuse("its manifest lists a file twice")
        self.database, self.files = database, files
        return manifest

    def read(self, info: tarfile.TarInfo) -> bytes:
        try:
            return self.tar.extractfile(info).read()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(DAMAGED.format(name=self.path.name, error=exc)) from exc

    def check_complete(self) -> None:
        """Every member the manifest lists is in the archive, as a file of its size."""
        for member in (self.database, *self.files):
            info = self.members.get(member.name)
            what = "the database dump" if member is self.database else "the attachment"
            if info is None:
                raise self.refuse(f"it lacks {what} {member.name}, which its manifest "
                                  "lists")
            if not info.isfile() or info.size != member.size:
                raise self.refuse(f"{what} {member.name} is {info.size} bytes, its "
                                  f"manifest says {member.size}")

    def extract(self, member: Member, target: Path) -> None:
        """Copy a member to ``target`` (mode 0600), checking its SHA-256 on the way."""
        digest = hashlib.sha256()
        try:
            source = self.tar.extractfile(self.members[member.name])
            with open_private(target, exclusive=True) as out:
                for block in iter(lambda: source.read(BLOCK), b""):
                    digest.update(block)
                    out.write(block)
        except (tarfile.TarError, EOFError) as exc:
            raise BackupError(DAMAGED.format(name=self.path.name, error=exc)) from exc
        except OSError as exc:  # e.g. the disk is full
            raise BackupError(f"Cannot unpack {member.name} to {target.parent}: {exc}. "
                              "Nothing was restored.") from exc
        if digest.hexdigest() != member.sha256:
            raise self.refuse(f"{member.name} does not match the SHA-256 in its manifest")
