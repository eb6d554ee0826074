"""Loans: approved by the GM office (and the legal office for outside borrowers, secret
and litigation files), lent, returned; one open loan per file, enforced by the
database; late loans flagged; above the borrower's clearance only the GM office
approves."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from models import ArchiveFile, Loan, db
from permissions.policy import POLICY, grant

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    dept,
    fetch,
    make_file,
    make_loan,
    outside_borrower,
    step,
    text,
    today,
    user_client_fixture,
)


def test_internal_loan_life_moves_the_file(app, world, clean, user_client):
    file = make_file(app, world)
    loan = make_loan(app, world, file)
    gm = user_client("gm")
    assert "Done: Approve." in text(step(gm, "loan", loan, "approve"))
    assert fetch(app, Loan, loan, "status", "approved_by_id") == ("approved",
                                                                  world.users["gm"])
    assert "Done: Hand out." in text(step(gm, "loan", loan, "lend"))
    assert fetch(app, ArchiveFile, file, "status") == "on_loan"
    assert "Done: Returned." in text(step(gm, "loan", loan, "return_file"))
    assert fetch(app, Loan, loan, "status") == "returned"
    assert fetch(app, ArchiveFile, file, "status") == "in_archive"


def test_nothing_leaves_a_file_not_in_the_archive_room(app, world, clean, user_client):
    file = make_file(app, world, status="with_department")
    loan = make_loan(app, world, file, status="approved")
    page = text(step(user_client("gm"), "loan", loan, "lend"))
    assert "The file is not in the archive room (status: With department)" in page
    assert fetch(app, Loan, loan, "status") == "approved"


def test_rejection_needs_a_reason(app, world, clean, user_client):
    loan = make_loan(app, world, make_file(app, world))
    assert "Decision reason is required for “Reject”." in text(
        step(user_client("gm"), "loan", loan, "reject"))
    assert "Done" in text(step(user_client("legal"), "loan", loan, "reject",
                               decision_reason="与案件无关"))
    assert fetch(app, Loan, loan, "status", "approved_by_id") == ("rejected",
                                                                  world.users["legal"])


def loan_form(world, file: int, **values) -> dict:
    form = {"archive_file": str(file), "purpose": "协助调查", "mode": "read",
            "due_date": (today() + timedelta(days=5)).isoformat(),
            "department": str(dept(world))}
    form.update(values)
    return form


def loans_of(app, file: int) -> list:
    with app.app_context():
        found = db.session.scalars(sa.select(Loan.id).where(Loan.archive_file_id == file)).all()
        db.session.remove()
    return found


@pytest.mark.parametrize("missing", ["credential_type", "credential_number",
                                     "inquiry_notice_no", "outside_organ"])
def test_outside_borrower_gives_credential_and_notice(app, world, clean, user_client,
                                                      missing):
    file = make_file(app, world)
    fields = {**outside_borrower(), missing: ""}
    page = text(user_client("supervisor").post("/admin/loan/new/", data=loan_form(
        world, file, **fields), follow_redirects=True))
    label = {"credential_type": "Credential type", "credential_number": "Credential number",
             "inquiry_notice_no": "Assistance-inquiry notice no.",
             "outside_organ": "Outside organ"}[missing]
    assert f"An outside borrower (police, procuratorate or court) must give: {label}" in page
    assert loans_of(app, file) == []


def test_borrower_is_a_user_or_an_outsider(app, world, clean, user_client):
    file = make_file(app, world)
    client = user_client("supervisor")
    page = text(client.post("/admin/loan/new/", data=loan_form(world, file),
                            follow_redirects=True))
    assert "Borrower: choose a user, or fill in the outside borrower's name" in page
    page = text(client.post("/admin/loan/new/", data=loan_form(
        world, file, borrower=str(world.users["clerk.service"]), **outside_borrower()),
        follow_redirects=True))
    assert "Borrower: give either a user as borrower or an outside borrower, not both" in page
    assert loans_of(app, file) == []
    response = client.post("/admin/loan/new/", data=loan_form(world, file,
                                                              **outside_borrower()))
    assert response.status_code == 302
    assert len(loans_of(app, file)) == 1


def test_due_date_is_not_in_the_past(app, world, clean, user_client):
    file = make_file(app, world)
    page = text(user_client("clerk.service").post("/admin/loan/new/", data=loan_form(
        world, file, borrower=str(world.users["clerk.service"]),
        due_date=(today() - timedelta(days=1)).isoformat()), follow_redirects=True))
    assert "Return by: cannot be in the past." in page
    assert loans_of(app, file) == []


@pytest.mark.parametrize("kind", ["outside", "secret", "litigation"])
def test_legal_office_approves_first_where_required(app, world, clean, user_client, kind):
    file = make_file(app, world, level="secret" if kind == "secret" else "internal",
                     category="litigation" if kind == "litigation" else "sales")
    if kind == "outside":
        loan = make_loan(app, world, file, borrower=None, **outside_borrower())
    else:
        loan = make_loan(app, world, file, borrower="supervisor")
    gm, legal = user_client("gm"), user_client("legal")
    page = text(step(gm, "loan", loan, "approve"))
    assert "The legal office approves this loan first" in page
    assert fetch(app, Loan, loan, "status") == "requested"
    assert 'value="legal_approve"' in text(legal.get(f"/admin/loan/details/?id={loan}"))
    assert "Done: Approve (legal office)." in text(step(legal, "loan", loan, "legal_approve"))
    status, by, at = fetch(app, Loan, loan, "status", "legal_approved_by_id",
                           "legal_approved_at")
    # The loan says where it stands: approved by the legal office, awaiting the GM office.
    assert (status, by) == ("legal_approved", world.users["legal"]) and at is not None
    assert "is not possible in status “Approved by the legal office, awaiting the GM " \
        "office”" in text(step(legal, "loan", loan, "legal_approve"))
    # (a secret file is above the supervisor's clearance: the GM office may approve it)
    assert "Done: Approve." in text(step(gm, "loan", loan, "approve"))
    assert fetch(app, Loan, loan, "status") == "approved"


def test_an_ordinary_internal_loan_needs_no_legal_approval(app, world, clean, user_client):
    loan = make_loan(app, world, make_file(app, world))
    page = text(user_client("legal").get(f"/admin/loan/details/?id={loan}"))
    assert 'value="legal_approve"' not in page
    assert "does not await the legal office's approval" in text(
        step(user_client("legal"), "loan", loan, "legal_approve"))


def test_only_the_gm_office_approves_above_the_borrowers_clearance(app, world, clean,
                                                                    user_client,
                                                                    monkeypatch):
    """Were another role granted ``approve``, it still could not approve such a loan."""
    monkeypatch.setitem(POLICY["legal"], "loan",
                        grant("all", "list", "view", "approve", "legal_approve", "reject"))
    above = make_loan(app, world, make_file(app, world, level="confidential"),
                      borrower="clerk.service")
    within = make_loan(app, world, make_file(app, world, level="internal"),
                       borrower="clerk.service")
    legal = user_client("legal")
    assert "only the GM office may approve this loan" in text(step(legal, "loan", above,
                                                                   "approve"))
    assert fetch(app, Loan, above, "status") == "requested"
    assert "Done" in text(step(legal, "loan", within, "approve"))
    assert "Done" in text(step(user_client("gm"), "loan", above, "approve"))


def test_one_open_loan_per_file(app, world, clean, user_client):
    file = make_file(app, world)
    first = make_loan(app, world, file)
    second = make_loan(app, world, file, borrower="clerk.sales", department="sales")
    gm = user_client("gm")
    assert "Done" in text(step(gm, "loan", first, "approve"))
    page = text(step(gm, "loan", second, "approve"))
    assert "This archive file is already promised or lent to another borrower" in page
    assert fetch(app, Loan, second, "status") == "requested"
    step(gm, "loan", first, "lend")
    step(gm, "loan", first, "return_file")
    assert "Done" in text(step(gm, "loan", second, "approve"))


def test_the_database_itself_refuses_a_second_open_loan(app, world, clean):
    file = make_file(app, world)
    make_loan(app, world, file, status="lent")
    with app.app_context():
        db.session.add(Loan(archive_file_id=file, status="approved", purpose="x",
                            due_date=today(), borrower_id=world.users["clerk.sales"],
                            department_id=dept(world, "sales")))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert len(loans_of(app, file)) == 1
    # Closed loans do not count.
    make_loan(app, world, file, status="returned")
    make_loan(app, world, file, status="rejected", decision_reason="x")
    assert len(loans_of(app, file)) == 3


def test_a_race_past_the_check_gets_the_same_clear_message(app, world, clean, user_client,
                                                           monkeypatch):
    """If two approvals pass the check together, the index decides: a message, no 500."""
    file = make_file(app, world)
    make_loan(app, world, file, status="approved")
    second = make_loan(app, world, file, borrower="clerk.sales", department="sales")
    monkeypatch.setattr(Loan, "file_has_other_open_loan", lambda self: False)
    response = step(user_client("gm"), "loan", second, "approve")
    assert response.status_code == 200
    assert "This archive file is already promised or lent to another borrower" in \
        text(response)
    assert fetch(app, Loan, second, "status") == "requested"


def test_late_loans_are_flagged(app, world, clean, user_client):
    file, other, third = (make_file(app, world) for _ in range(3))
    late = make_loan(app, world, file, status="lent", due_date=today() - timedelta(days=2))
    on_time = make_loan(app, world, other, status="lent", due_date=today())
    returned = make_loan(app, world, third, status="returned",
                         due_date=today() - timedelta(days=9))
    gm = user_client("gm")
    page = text(gm.get("/admin/loan/?late=1"))
    link = "/admin/loan/details/?id={}&"
    assert link.format(late) in page
    assert link.format(on_time) not in page and link.format(returned) not in page
    assert "Overdue (due" in page
    assert "Overdue (due" in text(gm.get(f"/admin/loan/details/?id={late}"))
    # The borrower sees their own late loan flagged too.
    assert link.format(late) in text(user_client("clerk.service").get("/admin/loan/?late=1"))
