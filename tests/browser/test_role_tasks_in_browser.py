"""Issue 16 item 9, the other roles' core tasks in Chromium at 1400×900 and 390×844:
the clerk registers a phoned-in complaint, the supervisor takes a new complaint to a
proposal and confirms a return slip, the GM office and the legal office approve loans
from their queues. Each within its measured number of page loads (never more than
six), with no console error, no CSP violation and no response ≥ 400
(``test_core_tasks_in_browser.run_task``), and the database shows the step done.
"""
# ruff: noqa: F811  (the fixtures are imported, then requested by name)
from __future__ import annotations

import pytest

from models import Complaint, Customer, Loan, ReturnSlip, db

from ..browser_support import chromium  # noqa: F401  (the fixture)
from ..test_complaints_support import register
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    add,
    clean_fixture,
    dept,
    fetch,
    make_file,
    make_loan,
    make_slip,
    outside_borrower,
)
from .test_core_tasks_in_browser import SIZES, fire_from_queue, fire_on_page, run_task
from .test_list_in_browser import live_url  # noqa: F401  (the fixture)

#: The phone number the caller gives; the clerk finds the customer by it.
CALLER_PHONE = "0752-2613377"


def open_menu_link(page, href: str) -> None:
    """Click the navigation bar's link to ``href``, as a user does: through the
    collapsed menu's button on a phone, and the link's drop-down if it is in one."""
    toggler = page.locator("button.navbar-toggler")
    if toggler.count() and toggler.is_visible():
        toggler.click()
    link = page.locator(f'nav a[href="{href}"]').first
    if not link.is_visible():
        link.locator("xpath=ancestor::li[contains(@class, 'dropdown')][1]") \
            .locator("[data-toggle=dropdown]").first.click()
    link.click()
    page.wait_for_load_state()


def pick_in_lookup(page, field: str, typed: str) -> str:
    """Type into the select2 (ajax) look-up of ``field``, take the first match and
    return its text."""
    page.locator(f"#s2id_{field}").click()
    page.locator(".select2-drop-active input.select2-input").fill(typed)
    match = page.locator(".select2-drop-active .select2-result-selectable").first
    text = match.inner_text()
    match.click()
    return text


@pytest.mark.parametrize("size", SIZES, ids=["wide", "phone"])
def test_clerk_registers_a_phoned_in_complaint(chromium, app, live_url, world, clean,
                                               size):
    """Home → the complaint list (menu) → its create form → the customer found by the
    caller's phone number → what the customer says → saved: the message names the
    complaint's number and due date, as stored."""
    customer = add(app, Customer(code=f"KH-T{size[0]}", name="惠阳东升五金有限公司",
                                 phone=CALLER_PHONE, department_id=dept(world),
                                 level="internal"))

    def task(page):
        page.goto(f"{live_url}/admin/")
        open_menu_link(page, "/admin/complaint/")
        page.locator('a[href^="/admin/complaint/new/"]').first.click()
        page.wait_for_load_state()
        assert "惠阳东升五金" in pick_in_lookup(page, "customer", CALLER_PHONE)
        assert page.locator("#channel").input_value() == "phone"
        page.locator("#complainant").fill("陈先生")
        page.locator("#content").fill("电话反映：电热水壶到货外壳开裂")
        page.locator('form.admin-form [type="submit"]').first.click()
        page.wait_for_load_state()
        messages.append(page.locator(".alert-success").first.inner_text())

    messages = []
    # Menu, create, look-up, its match, save; on a phone the menu's button first.
    loads = run_task(chromium, app, live_url, world, "clerk.service", size, task,
                     most_clicks=5 if size == SIZES[0] else 6)
    with app.app_context():
        complaint = db.session.scalars(
            db.select(Complaint).filter_by(customer_id=customer)).one()
        number, due, channel = complaint.number, complaint.current_due_date, complaint.channel
        db.session.remove()
    assert channel == "phone"
    assert f"投诉单 {number} 已登记，处理期限 {due.isoformat()}。" in messages[0]
    assert loads <= 4


@pytest.mark.parametrize("size", SIZES, ids=["wide", "phone"])
def test_supervisor_takes_a_new_complaint_to_a_proposal(chromium, app, live_url, world,
                                                        clean, size):
    """Home → the new complaint in the queue → 开始调查 → 确定责任 (cause, responsible
    department) → 提出处理意见 (handling): each step's form on the record's page."""
    pk = register(app, world)

    def task(page):
        fire_from_queue(page, live_url, "complaint", pk, "investigate")
        fire_on_page(page, "determine_responsibility", {
            "cause_analysis": "包装箱抗压不足，运输中受压开裂",
            "responsible_department": dept(world)})
        fire_on_page(page, "propose_handling", {"handling": "replacement"})
        assert page.locator('[data-status="handling_proposed"]').count() == 1

    loads = run_task(chromium, app, live_url, world, "supervisor", size, task,
                     most_clicks=6)  # the item, then 1 + 2 + 2 for the steps
    status, proposer, department = fetch(app, Complaint, pk, "status",
                                         "handling_proposed_by_id",
                                         "responsible_department_id")
    assert (status, proposer, department) == (
        "handling_proposed", world.users["supervisor"], dept(world))
    assert loads <= 5


@pytest.mark.parametrize("size", SIZES, ids=["wide", "phone"])
def test_supervisor_confirms_a_return_slip_from_the_queue(chromium, app, live_url, world,
                                                          clean, size):
    pk = make_slip(app, world)
    loads = run_task(chromium, app, live_url, world, "supervisor", size,
                     lambda page: fire_from_queue(page, live_url, "return_slip", pk,
                                                  "confirm"), most_clicks=2)
    assert fetch(app, ReturnSlip, pk, "status", "confirmed_by_id") == (
        "confirmed", world.users["supervisor"])
    assert loads <= 3


@pytest.mark.parametrize("size", SIZES, ids=["wide", "phone"])
def test_gm_office_approves_a_loan_from_the_queue(chromium, app, live_url, world, clean,
                                                  size):
    pk = make_loan(app, world, make_file(app, world))
    loads = run_task(chromium, app, live_url, world, "gm", size,
                     lambda page: fire_from_queue(page, live_url, "loan", pk, "approve"),
                     most_clicks=2)
    assert fetch(app, Loan, pk, "status", "approved_by_id") == (
        "approved", world.users["gm"])
    assert loads <= 3


@pytest.mark.parametrize("size", SIZES, ids=["wide", "phone"])
def test_legal_office_approves_an_outside_borrowers_loan(chromium, app, live_url, world,
                                                         clean, size):
    """A police officer's request (协助调查通知书) waits for the legal office first."""
    pk = make_loan(app, world, make_file(app, world), borrower=None, **outside_borrower())
    loads = run_task(chromium, app, live_url, world, "legal", size,
                     lambda page: fire_from_queue(page, live_url, "loan", pk,
                                                  "legal_approve"), most_clicks=2)
    assert fetch(app, Loan, pk, "status", "legal_approved_by_id") == (
        "legal_approved", world.users["legal"])
    assert loads <= 3
