"""A local S3-compatible server for the S3 store's tests, and store-neutral helpers.

``s3_server`` starts moto's server mode (``ThreadedMotoServer``, from ``moto[server]``
in requirements-dev.txt) on 127.0.0.1 at a free port, once per test session, with
throwaway credentials in the environment: the S3 path is tested against a real HTTP
S3 API without a cloud account. ``bucket_config`` makes a new, private bucket per use
and returns the app configuration that points at it.
"""
from __future__ import annotations

import logging
import uuid

import boto3
import pytest

from attachment_store import current_store

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of a moto server running for the whole session."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # its per-request lines
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)
        yield f"http://{host}:{port}"
    server.stop()


def new_bucket(endpoint: str) -> str:
    name = f"records-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=name)
    return name


def s3_config(endpoint: str, bucket: str, prefix: str = "attachments") -> dict:
    return {"ATTACHMENT_STORE": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": bucket,
            "S3_PREFIX": prefix}


@pytest.fixture
def bucket_config(s3_server):
    """The configuration of an app whose attachments go to a new bucket."""
    return s3_config(s3_server, new_bucket(s3_server))


def stored_bytes(app, name: str) -> bytes:
    """The bytes the app's store holds under ``name``, whichever store it is."""
    with app.app_context(), current_store().open(name) as opened:
        return opened.read()


def put_bytes(app, name: str, data: bytes) -> None:
    import hashlib

    with app.app_context():
        current_store().put(name, data, hashlib.sha256(data).hexdigest())


def store_contents(app) -> dict[str, bytes]:
    """Every object of the app's store: name → bytes."""
    with app.app_context():
        return {name: stored_bytes(app, name) for name in current_store().names()}
