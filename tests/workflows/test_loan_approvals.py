"""What a loan's approval rests on, and what it says after each approval.

- The legal office's approval is fixed when the loan is requested: switching the
  file's category away and back while the loan waits does not skip it.
- A loan is valid for the level it was approved at: once the GM office raises the
  file above it (and above the borrower's clearance), the borrower no longer sees the
  file — 404 on its page, absent from lists, searches and counts.
- After the legal office's approval the loan reads "approved by the legal office,
  awaiting the GM office"; no history entry shows a status changing to itself.
"""
from __future__ import annotations

import json
import re

import sqlalchemy as sa

from audit import record_event
from models import ArchiveFile, AuditEvent, Loan, db

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    AUDIT_MARK,
    acting,
    bulk,
    clean_fixture,
    fetch,
    make_file,
    make_loan,
    outside_borrower,
    step,
    text,
    user_client_fixture,
)
from .test_conflicts import FormFields

LEGAL_FIRST = "The legal office approves this loan first"


def edit_file(client, pk: int, **changes) -> int:
    parser = FormFields()
    parser.feed(text(client.get(f"/admin/archive_file/edit/?id={pk}")))
    return client.post(f"/admin/archive_file/edit/?id={pk}",
                       data={**parser.data, **changes}).status_code


# -- issue 11 item 9: the legal office cannot be skipped ---------------------------------

def test_switching_the_category_away_and_back_does_not_skip_the_legal_office(
        app, world, clean, user_client):
    file = make_file(app, world, status="with_department", category="litigation")
    loan = make_loan(app, world, file)
    assert fetch(app, Loan, loan, "needs_legal") is True  # fixed at the request
    supervisor, gm = user_client("supervisor"), user_client("gm")
    assert edit_file(supervisor, file, category="sales") == 302  # away …
    assert fetch(app, ArchiveFile, file, "category") == "sales"
    assert LEGAL_FIRST in text(step(gm, "loan", loan, "approve"))
    assert LEGAL_FIRST in text(bulk(gm, "loan", "approve", [loan]))
    assert 'value="approve"' not in text(gm.get(f"/admin/loan/details/?id={loan}"))
    assert fetch(app, Loan, loan, "status", "approved_by_id") == ("requested", None)
    assert edit_file(supervisor, file, category="litigation") == 302  # … and back
    assert "Done" in text(step(user_client("legal"), "loan", loan, "legal_approve"))
    assert "Done" in text(step(gm, "loan", loan, "approve"))
    assert fetch(app, Loan, loan, "status") == "approved"


def test_a_file_that_becomes_litigation_while_the_loan_waits_needs_the_legal_office(
        app, world, clean, user_client):
    file = make_file(app, world, status="with_department")
    loan = make_loan(app, world, file)
    assert fetch(app, Loan, loan, "needs_legal") is False
    assert edit_file(user_client("supervisor"), file, category="litigation") == 302
    assert LEGAL_FIRST in text(step(user_client("gm"), "loan", loan, "approve"))
    assert fetch(app, Loan, loan, "status") == "requested"


# -- issue 11 item 11: an approval holds for the level it was given at -------------------

def home_count(client, table: str) -> int:
    found = re.search(rf'data-table="{table}" data-count="(\d+)"', text(client.get("/admin/")))
    return int(found.group(1))


def test_a_raised_level_closes_the_loan(app, world, clean, user_client):
    # A confidential file of customer service, lent to an internal clerk of sales.
    file = make_file(app, world, level="confidential")
    marker = fetch(app, ArchiveFile, file, "number")
    loan = make_loan(app, world, file, borrower="clerk.sales", department="sales")
    borrower, gm = user_client("clerk.sales"), user_client("gm")
    details = f"/admin/archive_file/details/?id={file}"
    assert borrower.get(details).status_code == 404
    before = home_count(borrower, "archive_file")
    assert "Done: Approve." in text(step(gm, "loan", loan, "approve"))
    assert fetch(app, Loan, loan, "approved_level") == "confidential"
    assert borrower.get(details).status_code == 200
    assert f"{details}&" in text(borrower.get("/admin/archive_file/?page_size=100"))
    assert home_count(borrower, "archive_file") == before + 1
    # The GM office raises the file to secret, at the supervisor's request.
    assert "Done" in text(step(user_client("supervisor"), "archive_file", file,
                               "request_level_change", requested_level="secret",
                               level_change_reason="涉及诉讼"))
    assert "Done" in text(step(gm, "archive_file", file, "change_level",
                               requested_level="secret", level_decision_reason="同意"))
    assert fetch(app, ArchiveFile, file, "level") == "secret"
    assert borrower.get(details).status_code == 404
    assert f"{details}&" not in text(borrower.get("/admin/archive_file/?page_size=100"))
    assert f"{details}&" not in text(borrower.get(f"/admin/archive_file/?search={marker}"))
    assert home_count(borrower, "archive_file") == before
    # Nor is it handed out under the old approval.
    assert "The file's level was raised after this loan was approved" in text(
        step(gm, "loan", loan, "lend"))
    assert fetch(app, Loan, loan, "status") == "approved"


def test_a_level_raised_within_the_borrowers_clearance_keeps_the_loan(app, world, clean,
                                                                      user_client):
    file = make_file(app, world, level="public")
    loan = make_loan(app, world, file, borrower="clerk.sales", department="sales")
    gm = user_client("gm")
    step(gm, "loan", loan, "approve")
    assert edit_file(gm, file, level="internal") == 302  # the clerk's own clearance
    assert user_client("clerk.sales").get(
        f"/admin/archive_file/details/?id={file}").status_code == 200


# -- issue 12 item 5: the status after each approval; no "A → A" ------------------------

#: "old → new" with old == new (a masked value, "•••", says nothing and is left out).
SAME_TO_SAME = re.compile(r'<span class="text-muted">(?!•••)([^<]+)</span> → \1\s*</div>')


def status_events(app, table: str, pk: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEvent.changes).where(
            AuditEvent.id > AUDIT_MARK["id"], AuditEvent.action == "transition",
            AuditEvent.model == table, AuditEvent.record_id == str(pk))
            .order_by(AuditEvent.id)).all()
        db.session.remove()
    return [json.loads(row) for row in rows]


def test_the_loan_says_where_it_stands_after_each_approval(app, world, clean, user_client):
    loan = make_loan(app, world, make_file(app, world), borrower=None, **outside_borrower())
    legal, gm = user_client("legal"), user_client("gm")
    assert "Done" in text(step(legal, "loan", loan, "legal_approve"))
    page = text(gm.get(f"/admin/loan/details/?id={loan}"))
    assert "Approved by the legal office, awaiting the GM office" in page
    assert not SAME_TO_SAME.search(page)
    assert 'value="approve"' in page
    assert "Done" in text(step(gm, "loan", loan, "approve"))
    assert [event.get("status") for event in status_events(app, "loan", loan)] == [
        ["requested", "legal_approved"], ["legal_approved", "approved"]]


def test_a_step_that_keeps_the_status_logs_no_status_change(app, world, clean, user_client):
    file = make_file(app, world)
    supervisor = user_client("supervisor")
    assert "Done" in text(step(supervisor, "archive_file", file, "request_level_change",
                               requested_level="confidential", level_change_reason="含报价"))
    [event] = status_events(app, "archive_file", file)
    assert event["transition"] == "request_level_change" and "status" not in event
    assert not SAME_TO_SAME.search(text(supervisor.get(
        f"/admin/archive_file/details/?id={file}")))


def test_an_older_a_to_a_entry_is_not_shown(app, world, clean, user_client):
    """Events written before the fix said "已申请 → 已申请": the history leaves it out."""
    loan = make_loan(app, world, make_file(app, world))
    with acting(app, world, "legal"):
        record_event("transition", model="loan", record_id=loan, changes={
            "transition": "legal_approve", "status": ["requested", "requested"],
            "values": {}})
        db.session.commit()
    page = text(user_client("gm").get(f"/admin/loan/details/?id={loan}"))
    assert "Approve (legal office)" in page  # the entry is there …
    assert not SAME_TO_SAME.search(page)  # … without "Requested → Requested"
