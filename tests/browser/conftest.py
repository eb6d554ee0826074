"""Fixtures of the browser tests: the session's Chromium.

Defined in the shared support modules (importable from any folder); offered here
to every test of this folder without an import."""
from ..browser_support import chromium  # noqa: F401
