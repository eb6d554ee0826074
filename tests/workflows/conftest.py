"""Fixtures of the workflow tests: a clean slate of workflow rows, a signed-in client per
user, second signers for separation of duties.

Defined in the shared support modules (importable from any folder); offered here
to every test of this folder without an import."""
from ..duty_support import colleagues_fixture  # noqa: F401
from ..test_workflow_support import clean_fixture, user_client_fixture  # noqa: F401
