"""The GM office and the legal office register a loan request on a borrower's behalf
(issue 16 item 8): a 机密 file is read only by them, so until now nobody could ask for
one through the screens. Whoever registers the request never approves it: another
member of the office does (requester ≠ approver, ``Loan`` steps' ``not_by``)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from models import Loan, db

from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    dept,
    fetch,
    make_file,
    outside_borrower,
    step,
    text,
    today,
    user_client_fixture,
)


def request_loan(client, file_id: int, department: int, **values) -> tuple[str, int | None]:
    """Post the new-loan form; (the page shown after it, the new loan's id or None)."""
    purpose = f"代为登记的借阅申请 {file_id} {sorted(values)}"
    form = {"archive_file": str(file_id), "purpose": purpose, "mode": "read",
            "due_date": (today() + timedelta(days=10)).isoformat(),
            "department": str(department), **values}
    page = text(client.post("/admin/loan/new/", data=form, follow_redirects=True))
    with client.application.app_context():
        pk = db.session.scalar(sa.select(Loan.id).where(Loan.purpose == purpose))
        db.session.remove()
    return page, pk


def test_the_gm_office_registers_a_courts_request_of_a_secret_file(
        app, world, clean, colleagues, user_client):
    file = make_file(app, world, category="litigation", level="secret")
    gm = user_client("gm")
    assert user_client("gm").get("/admin/loan/new/").status_code == 200
    _page, loan = request_loan(gm, file, dept(world, "gm"), **outside_borrower())
    assert loan is not None
    assert fetch(app, Loan, loan, "status", "requested_by_id", "needs_legal", "level") == (
        "requested", world.users["gm"], True, "secret")
    # The legal office first; then the GM office, but not the member who registered it.
    assert "Done" in text(step(user_client("legal"), "loan", loan, "legal_approve"))
    page = text(step(gm, "loan", loan, "approve"))
    assert "cannot be the same person" in page
    assert fetch(app, Loan, loan, "status") == "legal_approved"
    assert "Done" in text(step(user_client("gm.deputy"), "loan", loan, "approve"))
    assert fetch(app, Loan, loan, "status", "approved_by_id") == (
        "approved", world.users["gm.deputy"])


def test_the_legal_office_registers_a_request_for_a_user(app, world, clean, colleagues,
                                                         user_client):
    """A service clerk (内部) needs a secret litigation file: the legal office registers
    the request for them; another lawyer approves for the legal office, and only the GM
    office approves a file above the borrower's clearance."""
    file = make_file(app, world, category="litigation", level="secret")
    legal = user_client("legal")
    _page, loan = request_loan(legal, file, dept(world, "legal"),
                               borrower=str(world.users["clerk.service"]))
    assert fetch(app, Loan, loan, "borrower_id", "requested_by_id", "department_id") == (
        world.users["clerk.service"], world.users["legal"], dept(world, "legal"))
    assert "cannot be the same person" in text(step(legal, "loan", loan, "legal_approve"))
    assert "Done" in text(step(user_client("legal.deputy"), "loan", loan, "legal_approve"))
    assert "Done" in text(step(user_client("gm"), "loan", loan, "approve"))
    assert fetch(app, Loan, loan, "status") == "approved"
    # The borrower sees their loan, and through it the file, though it is above them.
    clerk = user_client("clerk.service")
    assert clerk.get(f"/admin/loan/details/?id={loan}").status_code == 200
    assert clerk.get(f"/admin/archive_file/details/?id={file}").status_code == 200


def test_the_legal_office_registers_only_in_its_own_department(app, world, clean,
                                                               user_client):
    file = make_file(app, world, category="litigation", level="secret")
    page, loan = request_loan(user_client("legal"), file, dept(world, "service"),
                              **outside_borrower())
    assert loan is None


def test_requests_stay_refused_to_those_without_the_grant(app, world, clean, user_client):
    for username in ("auditor", "admin"):
        assert user_client(username).get("/admin/loan/new/").status_code == 403
