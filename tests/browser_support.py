"""A real browser for the tests that need one (printing forms, the users' core tasks).

``chromium`` is Debian's Chromium driven by Playwright (``playwright`` pinned in
requirements-dev.txt; it cannot download its own browsers here). The package is
installed by ``scripts/system_packages.sh`` when missing and the tests run as root,
as in CI; elsewhere the tests that need it are skipped with the reason, unless
``REQUIRE_BROWSER=1`` (what ``.ci/run`` sets), where a missing browser fails them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
PACKAGES = ("chromium", "fonts-noto-cjk")
"""The browser and a Chinese font, so that printed Chinese text has glyphs."""

ROOT = Path(__file__).resolve().parent.parent


def ensure_system_packages(*packages: str) -> str | None:
    """Install ``packages`` if missing; the reason they are unavailable, or None."""
    result = subprocess.run([str(ROOT / "scripts" / "system_packages.sh"), *packages],
                            capture_output=True, text=True)
    return None if result.returncode == 0 else (result.stderr.strip() or "not installed")


def unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but the browser is unavailable: {reason}")
    pytest.skip(f"no browser for this test: {reason}")


#: The session's browser, once started: Playwright's sync API cannot start twice in
#: one thread, and each module that imports the fixture gets its own copy of it.
_RUNNING: list = []


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium (Playwright ``Browser``) for the whole session."""
    problem = ensure_system_packages(*PACKAGES)
    if problem is None and not shutil.which(CHROMIUM):
        problem = f"{CHROMIUM} not found"
    if problem:
        unavailable(problem)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # requirements-dev.txt not installed
        unavailable(str(error))
    if _RUNNING:  # imported by several modules: one fixture each, one browser for all
        yield _RUNNING[0]
        return
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox"])
        _RUNNING.append(browser)
        yield browser
        _RUNNING.clear()
        browser.close()
