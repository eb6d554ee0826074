"""Fixtures of the record-type tests: settings put back, a clean slate of workflow rows, a
signed-in client per user.

Defined in the shared support modules (importable from any folder); offered here
to every test of this folder without an import."""
from ..settings_support import restore_defaults_fixture  # noqa: F401
from ..test_workflow_support import clean_fixture, user_client_fixture  # noqa: F401
