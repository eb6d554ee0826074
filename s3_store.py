"""The S3-compatible attachment store (``ATTACHMENT_STORE=s3``), through boto3.

Why boto3: it is the S3 API's reference client (AWS's own SDK), spoken by every
S3-compatible server (MinIO, Ceph RGW, SeaweedFS, the Chinese clouds' OSS/COS S3
endpoints); it exposes what this store needs directly — ``ChecksumAlgorithm`` and
``ChecksumSHA256`` on PutObject, a streaming body we can read in bounded chunks and
close, a connection pool per client, configurable timeouts and retries — and it reads
credentials the standard way (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` /
``AWS_DEFAULT_REGION`` in the environment, ``~/.aws``, an instance role). fsspec/s3fs
adds a file-system layer on top of aiobotocore (an event loop in a thread) that we do
not need; the MinIO client covers less of the checksum API.

Configuration (``README.md``): ``S3_BUCKET`` (required), ``S3_ENDPOINT_URL`` (empty:
AWS itself), ``S3_PREFIX`` (a folder inside the bucket), ``S3_CHECKSUMS`` (``1``: each
object written with its SHA-256 as a server-side checksum; ``0`` for a server that
does not accept flexible checksums). The bucket stays private: this code never makes a
presigned URL or a public ACL; every download goes through the app's checked route.
"""
from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from attachment_store import AttachmentStore, MissingObject, Opened, StoreUnavailable
from file_modes import private_dir

#: Short waits: an upload form or a download should answer with a message within
#: seconds when the store is away, not hang a worker.
CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=20,
                       retries={"mode": "standard", "max_attempts": 2},
                       max_pool_connections=10)
NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


def failure(action: str, exc: Exception) -> StoreUnavailable:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        detail = f"{error.get('Code', '?')}: {error.get('Message', '')}".strip()
    else:
        detail = str(exc)
    return StoreUnavailable(f"{action} failed: {detail}")


class StreamingReader:
    """A response body whose read errors are ``StoreUnavailable`` (an ``OSError``),
    so a connection lost in the middle of a file is reported like any other I/O
    failure by the backup, verify and download code."""

    def __init__(self, body, where: str):
        self.body, self.where = body, where

    def read(self, size: int = -1) -> bytes:
        try:
            return self.body.read(None if size is None or size < 0 else size)
        except (BotoCoreError, ClientError, OSError) as exc:
            raise failure(f"reading {self.where}", exc) from exc

    def close(self) -> None:
        self.body.close()


class S3Store(AttachmentStore):
    """Objects ``<S3_PREFIX>/<stored_name>`` in one private bucket."""

    kind = "s3"

    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None,
                 checksums: bool = True, staging: Path):
        self.bucket, self.endpoint_url, self.checksums = bucket, endpoint_url, checksums
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.staging = staging
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, config=CLIENT_CONFIG)

    @classmethod
    def from_config(cls, config, *, staging: Path) -> S3Store:
        bucket = (config.get("S3_BUCKET") or "").strip()
        if not bucket:
            raise RuntimeError("ATTACHMENT_STORE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL "
                               "for a server other than AWS).")
        return cls(bucket, prefix=config.get("S3_PREFIX") or "",
                   endpoint_url=(config.get("S3_ENDPOINT_URL") or "").strip() or None,
                   checksums=str(config.get("S3_CHECKSUMS", "1")) not in ("0", "false"),
                   staging=staging)

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    def key(self, name: str) -> str:
        return self.prefix + name

    def put(self, name: str, source: bytes | BinaryIO, sha256: str) -> None:
        checksum = {}
        if self.checksums:  # the server checks the bytes it received against our hash
            checksum = {"ChecksumAlgorithm": "SHA256",
                        "ChecksumSHA256": base64.b64encode(bytes.fromhex(sha256)).decode()}
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.key(name), Body=source,
                                   **checksum)
        except (BotoCoreError, ClientError) as exc:
            raise failure(f"storing {name} in {self.describe()}", exc) from exc

    def open(self, name: str) -> Opened:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in NOT_FOUND:
                raise MissingObject(f"no object {self.key(name)} in {self.describe()}") \
                    from exc
            raise failure(f"reading {name} from {self.describe()}", exc) from exc
        except BotoCoreError as exc:
            raise failure(f"reading {name} from {self.describe()}", exc) from exc
        return Opened(StreamingReader(answer["Body"], name), answer["ContentLength"])

    def exists(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in NOT_FOUND:
                return False
            raise failure(f"looking up {name} in {self.describe()}", exc) from exc
        except BotoCoreError as exc:
            raise failure(f"looking up {name} in {self.describe()}", exc) from exc
        return True

    def delete(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(name))
        except (BotoCoreError, ClientError) as exc:
            raise failure(f"deleting {name} from {self.describe()}", exc) from exc

    def names(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix)
        try:
            for page in pages:
                for entry in page.get("Contents", ()):
                    yield entry["Key"].removeprefix(self.prefix)
        except (BotoCoreError, ClientError) as exc:
            raise failure(f"listing {self.describe()}", exc) from exc

    def check_ready(self) -> None:
        """The bucket answers to our credentials (HeadBucket: no object written, so a
        load balancer's probe every few seconds costs no storage requests)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise failure(f"reaching {self.describe()}", exc) from exc

    def staging_dir(self) -> Path:
        return private_dir(self.staging)
