"""Fixtures of the operations tests: a local S3 server and bucket, settings put back.

Defined in the shared support modules (importable from any folder); offered here
to every test of this folder without an import."""
from ..s3_support import bucket_config, s3_server  # noqa: F401
from ..settings_support import restore_defaults_fixture  # noqa: F401
