"""Issue 16 item 9: the core tasks of the approving roles in Chromium, at 1400×900 and
390×844 — from the home page's work queue to the step done, counting page loads, with
no console error, no CSP violation and no response ≥ 400; and an axe-core check
(axe-playwright-python, which ships axe-core's script) of the main screens with no
serious or critical violation.
"""
# ruff: noqa: F811  (the fixtures are imported, then requested by name)
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from models import Complaint, Penalty

from ..browser_support import chromium  # noqa: F401  (the fixture)
from ..test_complaints_support import register
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    fetch,
    make_penalty,
)
from .test_list_in_browser import browser_page, live_url  # noqa: F401  (fixtures)

SIZES = [(1400, 900), (390, 844)]
#: Most page loads a core task may take (issue 16: "each task within 6 page loads").
MOST_LOADS = 6


class Watch:
    """Page loads and failed responses of one browser page."""

    def __init__(self, page):
        self.loads, self.failed = 0, []
        page.on("framenavigated", self._navigated)
        page.on("response", self._response)
        self.page = page

    def _navigated(self, frame):
        if frame == self.page.main_frame:
            self.loads += 1

    def _response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")


#: Kept in the tab's sessionStorage across the task's page loads: the user's clicks
#: (mouse-downs: select2 picks on mouse-up, without a click event) and every page that
#: scrolls sideways once loaded (a control off-screen on a phone).
WATCH_TASK = """
addEventListener('mousedown', e => {
  if (e.isTrusted) sessionStorage.__clicks = +(sessionStorage.__clicks || 0) + 1;
}, true);
addEventListener('load', () => {
  const width = document.documentElement.scrollWidth;
  if (width > innerWidth) sessionStorage.__sideways =
      (sessionStorage.__sideways || '') + location.pathname + ' ' + width + ' ';
});
"""


def run_task(chromium, app, live_url, world, username, size, task,  # noqa: F811
             most_clicks: int | None = None):
    """Run ``task(page)`` as ``username``; the page loads it took (at most six, and
    ``most_clicks`` clicks if given), failing on any console error, CSP violation,
    response ≥ 400 or page that scrolls sideways."""
    context, page, errors = browser_page(chromium, app, live_url, username, world, *size)
    page.add_init_script(WATCH_TASK)
    watch = Watch(page)
    try:
        task(page)
        assert watch.loads <= MOST_LOADS, watch.loads
        if most_clicks is not None:
            clicks = page.evaluate("+(sessionStorage.__clicks || 0)")
            assert clicks <= most_clicks, clicks
        assert page.evaluate("sessionStorage.__sideways || ''") == ""
        assert page.evaluate("window.__csp") == []
        assert errors == []
        assert watch.failed == []
        return watch.loads
    finally:
        context.close()


def fire_from_queue(page, live_url, kind: str, pk: int | None, step: str) -> int:
    """Home → the queue's item (``pk``, or the first: the oldest) → the step's button
    (its form opens, then submit). Returns the record's id."""
    page.goto(f"{live_url}/admin/")
    item = page.locator(f'[data-queue-kind="{kind}"] a[href*="id={pk}&"]' if pk else
                        f'[data-queue-kind="{kind}"] a[href*="step={step}"]').first
    pk = int(re.search(r"id=(\d+)", item.get_attribute("href")).group(1))
    item.click()
    page.wait_for_load_state()
    fire_on_page(page, step)
    return pk


def fire_on_page(page, step: str, fields: dict | None = None) -> None:
    """On a record's page: unfold the step's form if folded, fill its ``fields``
    ({name: value}, a select's option by value), submit."""
    form = page.locator(f'#step-{step}')
    if form.evaluate("e => e.tagName") == "DETAILS" and \
            not form.evaluate("e => e.open"):
        form.locator("summary").click()
    for name, value in (fields or {}).items():
        field = form.locator(f"#t-{step}-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()


@pytest.mark.parametrize("size", SIZES, ids=["wide", "phone"])
def test_supervisor_approves_a_proposal_from_the_queue(chromium, app, live_url, world,
                                                       clean, size):  # noqa: F811
    pk = register(app, world, status="handling_proposed", severity="general",
                  received="2020-01-02 09:00")  # the oldest: first in the queue
    loads = run_task(chromium, app, live_url, world, "supervisor", size,
                     lambda page: fire_from_queue(page, live_url, "complaint", pk,
                                                  "approve_general"))
    assert fetch(app, Complaint, pk, "status") == "approved"
    assert loads <= 3


@pytest.mark.parametrize("size", SIZES, ids=["wide", "phone"])
def test_gm_office_approves_a_penalty_from_the_queue(chromium, app, live_url, world,
                                                     clean, size):  # noqa: F811
    make_penalty(app, world)
    fired = []
    loads = run_task(chromium, app, live_url, world, "gm", size, lambda page: fired.append(
        fire_from_queue(page, live_url, "penalty", None, "approve")))
    assert fetch(app, Penalty, fired[0], "status") == "approved"
    assert loads <= 3


def test_main_screens_have_no_serious_accessibility_violations(chromium, app, live_url,
                                                               world):  # noqa: F811
    context, page, _errors = browser_page(chromium, app, live_url, "gm", world, 1400, 900)
    found = {}
    try:
        complaint = world.rows_of("complaint")[0].id
        for path in ("/admin/", "/admin/complaint/", f"/admin/complaint/details/?id={complaint}"):
            page.goto(f"{live_url}{path}")
            results = Axe().run(page)
            bad = [f"{v['id']} ({v['impact']}): " + "; ".join(
                       f'{n["target"][0]} {(n.get("any") or [{}])[0].get("data")}'
                       for n in v["nodes"][:8])
                   for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]
            if bad:
                found[path] = bad
    finally:
        context.close()
    for path, bad in found.items():
        print(path, *bad, sep="\n")
    assert not found, found


def test_the_date_picker_and_lookups_speak_chinese(chromium, app, live_url, world):  # noqa: F811
    """moment's locale (the date picker's day and month names) is Chinese with Monday
    first, and select2 says 没有找到匹配项, with no console error or CSP violation."""
    context, page, errors = browser_page(chromium, app, live_url, "clerk.service", world,
                                         1400, 900)
    try:
        page.goto(f"{live_url}/admin/complaint/new/")
        assert page.evaluate("moment.localeData()._week.dow") == 1
        assert page.evaluate("moment.weekdaysMin()")[1] == "一"
        assert page.evaluate("jQuery.fn.select2.defaults.formatNoMatches()") == "没有找到匹配项"
        assert page.evaluate("window.__csp") == []
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES, ids=["wide", "phone"])
def test_auditor_reads_a_cases_history_and_exports(chromium, app, live_url, world,
                                                   size):  # noqa: F811
    """List → a complaint (its history on the page) → its case timeline → the list's
    export (a download, not a page load)."""
    def task(page):
        page.goto(f"{live_url}/admin/complaint/")
        page.locator('a[href*="/admin/complaint/details/?id="]').first.click()
        page.wait_for_load_state()
        assert page.locator('[data-history="1"], #history').count() >= 1
        page.locator('[data-case-link="1"]').first.click()
        page.wait_for_load_state()
        page.go_back()
        page.locator('[data-breadcrumbs] a[href*="/admin/complaint/"]').first.click()
        page.wait_for_load_state()
        toggle = page.locator("button.dropdown-toggle", has_text="导出")
        toggle.first.click()
        with page.expect_download() as download:
            page.locator('[data-export="csv"]').first.click()
        assert download.value.suggested_filename.endswith(".csv")
    assert run_task(chromium, app, live_url, world, "auditor", size, task) <= MOST_LOADS

