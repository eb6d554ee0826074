"""Fixtures of the complaint and service tests: a client as a given user, second signers.

Defined in the shared support modules (importable from any folder); offered here
to every test of this folder without an import."""
from ..duty_support import colleagues_fixture  # noqa: F401
from ..test_complaints_support import as_user_fixture  # noqa: F401
