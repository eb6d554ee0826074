"""Issue 16 item 1: the home page is the work queue of its user — records waiting for a
step they may fire, grouped by kind, with a countdown in working days, one click from
the record's page with the step open (admin_views/work_queue.py)."""
from __future__ import annotations

import re
from datetime import date

from admin_views.work_queue import working_days_left

from ..test_complaints_support import (  # noqa: F401  (fixtures)
    as_user_fixture,
    clean_complaints_fixture,
    register,
)


def queue_links(page: str, kind: str) -> list[str]:
    found = re.search(rf'data-queue-kind="{kind}"[^>]*>(.*?)</section>', page, re.S)
    return re.findall(r'href="([^"]*details[^"]*)"', found.group(1)) if found else []


def test_countdown_counts_working_days():
    friday, monday = date(2026, 11, 20), date(2026, 11, 23)
    assert working_days_left(friday, monday) == 1
    assert working_days_left(monday, friday) == -1
    assert working_days_left(monday, monday) == 0
    assert working_days_left(monday, None) is None


def waiting(client, kind: str) -> int:
    page = client.get("/admin/").get_data(as_text=True)
    found = re.search(rf'data-queue-kind="{kind}" data-queue-count="(\d+)"', page)
    return int(found.group(1)) if found else 0


def test_an_approval_waits_on_its_approvers_home_page_only(app, world, as_user):
    supervisor, gm = as_user("supervisor"), as_user("gm")
    before = waiting(supervisor, "complaint"), waiting(gm, "complaint")
    register(app, world, status="handling_proposed", severity="general")
    assert (waiting(supervisor, "complaint"), waiting(gm, "complaint")) == \
        (before[0] + 1, before[1])
    register(app, world, status="handling_proposed", severity="major")
    assert (waiting(supervisor, "complaint"), waiting(gm, "complaint")) == \
        (before[0] + 1, before[1] + 1)
    # One click: the record's page with that step's form ready.
    page = supervisor.get("/admin/").get_data(as_text=True)
    link = queue_links(page, "complaint")[0].replace("&amp;", "&")
    name = re.search(r"step=(\w+)", link).group(1)
    shown = supervisor.get(link.split("#")[0]).get_data(as_text=True)
    assert re.search(rf'<details[^>]*id="step-{name}"[^>]* open>', shown) or \
        re.search(rf'<div[^>]*id="step-{name}"', shown)


def test_the_queue_counts_what_it_lists(app, world, as_user):
    for _ in range(3):
        register(app, world, status="registered")
    page = as_user("supervisor").get("/admin/").get_data(as_text=True)
    for kind, count in re.findall(r'data-queue-kind="(\w+)" data-queue-count="(\d+)"', page):
        assert int(count) >= len(queue_links(page, kind)) > 0


def test_a_step_that_only_refuses_or_ends_a_record_queues_nothing(app, world, as_user):
    """A closed complaint can be reopened (a destructive step, red on its page) at any
    time: that is nobody's waiting work, so it does not put the case in the queue."""
    gm = as_user("gm")
    before = waiting(gm, "complaint")
    register(app, world, status="closed", severity="major")
    assert waiting(gm, "complaint") == before
    page = gm.get("/admin/").get_data(as_text=True)
    assert "step=reopen" not in page and "step=supersede" not in page
