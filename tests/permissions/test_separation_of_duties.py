"""Separation of duties: one person, one signature, on every door.

For every pair a model declares (``Transition.not_by``), one user who signed the
earlier step is refused the later one — on the detail page's button (which is not even
offered) and as a bulk action — with a message naming the rule; another user with the
same grant succeeds. The customer-service department's approval of a return slip is
given by that department only (``Transition.by_department``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import (
    REGISTRY,
    AuditEvent,
    Complaint,
    ContractReview,
    Loan,
    Penalty,
    ReturnSlip,
    db,
)
from models.mixins import utcnow

from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    AUDIT_MARK,
    add,
    bulk,
    clean_fixture,
    dept,
    fetch,
    make_contract,
    make_file,
    make_loan,
    make_slip,
    outside_borrower,
    row_of,
    step,
    text,
    today,
    user_client_fixture,
)
from ..workflows.test_conflicts import FormFields


def complaint(app, world, status: str, severity="general", **values) -> int:
    return add(app, Complaint(
        customer_id=row_of(world, "customer").id, received_at=utcnow(),
        department_id=dept(world), content="到货破损", level="internal", status=status,
        severity=severity, **values))


def created_by_form(client, table: str, form: dict, model, marker_field: str) -> int:
    response = client.post(f"/admin/{table}/new/", data=form)
    assert response.status_code == 302, text(response)[:2000]
    with client.application.app_context():
        pk = db.session.scalar(sa.select(model.id).where(
            getattr(model, marker_field) == form[marker_field]))
        db.session.remove()
    return pk


# -- the declared pairs: how the first signature is given, who tries the second ----------

def slip_confirmed_by_button(app, world, client_of, signer):
    pk = make_slip(app, world)
    assert "Done" in text(step(client_of(signer), "return_slip", pk, "confirm"))
    return pk


def penalty_proposed_by_form(app, world, client_of, signer):
    reason = f"漏检导致批量投诉 {signer} {next(SERIAL)}"
    return created_by_form(client_of(signer), "penalty", {
        "kind": "fine", "amount": "800", "reason": reason, "responsible_person": "吴浩",
        "department": str(dept(world)), "level": "internal"}, Penalty, "reason")


def handling_proposed_by_button(app, world, client_of, signer, severity="general"):
    pk = complaint(app, world, "responsibility_determined", severity,
                   cause_analysis="包装强度不足",
                   responsible_department_id=dept(world, "sales"))
    assert "Done" in text(step(client_of(signer), "complaint", pk, "propose_handling",
                               handling="replacement"))
    return pk


def major_handling_proposed_by_button(app, world, client_of, signer):
    return handling_proposed_by_button(app, world, client_of, signer, "major")


def loan_requested_by_form(app, world, client_of, signer, **values):
    file = make_file(app, world, **values)
    purpose = f"核对历史交易记录 {next(SERIAL)}"
    return created_by_form(client_of(signer), "loan", {
        "archive_file": str(file), "purpose": purpose, "mode": "read",
        "borrower": str(world.users["clerk.service"]),
        "due_date": (today() + timedelta(days=5)).isoformat(),
        "department": str(dept(world))}, Loan, "purpose")


def litigation_loan_requested_by_form(app, world, client_of, signer):
    return loan_requested_by_form(app, world, client_of, signer, category="litigation")


def loan_borrowed_by(app, world, client_of, signer):
    return make_loan(app, world, make_file(app, world), borrower=signer,
                     requested_by_id=world.users["supervisor"])


def contract_submitted_by_button(app, world, client_of, signer):
    pk = make_contract(app, world, reviews=("production", "quality", "materials"))
    assert "Done" in text(step(client_of(signer), "contract", pk, "submit_review"))
    return pk


def contract_reviewed_by_form(app, world, client_of, signer):
    """Two opinions given; the signer writes the third in the contract's form."""
    pk = make_contract(app, world, status="under_review", reviews=("production", "quality"))
    client = client_of(signer)
    fields = FormFields()
    fields.feed(text(client.get(f"/admin/contract/edit/?id={pk}")))
    response = client.post(f"/admin/contract/edit/?id={pk}", data={
        **fields.data, "reviews-2-aspect": "materials", "reviews-2-opinion": "物料可保证",
        "reviews-2-reviewer": "物控部", "reviews-2-reviewed_on": today().isoformat()})
    assert response.status_code == 302, text(response)[:3000]
    with app.app_context():
        writers = dict(db.session.execute(sa.select(
            ContractReview.aspect, ContractReview.recorded_by_id).where(
            ContractReview.contract_id == pk)).all())
        db.session.remove()
    assert writers == {"production": None, "quality": None,
                       "materials": world.users[signer]}
    return pk


SERIAL = iter(range(1, 10**6))


@dataclass(frozen=True)
class Pair:
    table: str
    step: str
    make: object
    """(app, world, client_of, signer) → id of a record the signer signed first."""
    signer: str
    """Holds the grants of both steps."""
    other: str
    """Holds the grant of the second step only, or signed nothing yet."""
    rule: str
    """The refusal (in English: the test clients' locale), after "<record>: "."""


PAIRS = [
    Pair("return_slip", "approve", slip_confirmed_by_button, "supervisor", "manager.service",
         "Confirmed by and Approved by cannot be the same person."),
    Pair("penalty", "approve", penalty_proposed_by_form, "gm.supervisor", "gm",
         "Proposed by and Decided by cannot be the same person."),
    Pair("complaint", "approve_general", handling_proposed_by_button, "supervisor",
         "manager.service", "Handling proposed by and Approved by cannot be the same person."),
    Pair("complaint", "approve_major", major_handling_proposed_by_button, "gm.supervisor",
         "gm", "Handling proposed by and Approved by cannot be the same person."),
    Pair("loan", "approve", loan_requested_by_form, "gm.supervisor", "gm",
         "Requested by and Decided by cannot be the same person."),
    Pair("loan", "legal_approve", litigation_loan_requested_by_form, "legal.supervisor",
         "legal", "Requested by and Legal approval by cannot be the same person."),
    Pair("loan", "approve", loan_borrowed_by, "gm", "gm.deputy",
         "Borrower and Decided by cannot be the same person."),
    Pair("contract", "approve_quote", contract_submitted_by_button, "gm.supervisor", "gm",
         "Submitted for review by and Quote approved by cannot be the same person."),
    Pair("contract", "approve_quote", contract_reviewed_by_form, "gm", "gm.deputy",
         "Review opinion recorded by and Quote approved by cannot be the same person."),
]


def status_of(app, table: str, pk: int) -> str:
    return fetch(app, REGISTRY[table], pk, "status")


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p.table}.{p.step}-{p.signer}")
def test_one_person_cannot_sign_both_steps(app, world, colleagues, clean, user_client, pair):
    pk = pair.make(app, world, user_client, pair.signer)
    before = status_of(app, pair.table, pk)
    signer, other = user_client(pair.signer), user_client(pair.other)
    details = f"/admin/{pair.table}/details/?id={pk}"
    assert f'value="{pair.step}"' not in text(signer.get(details))  # not offered
    assert f'value="{pair.step}"' in text(other.get(details))
    refused = text(step(signer, pair.table, pk, pair.step))
    assert pair.rule in refused
    assert status_of(app, pair.table, pk) == before
    refused_in_bulk = text(bulk(signer, pair.table, pair.step, [pk]))
    assert pair.rule in refused_in_bulk
    assert status_of(app, pair.table, pk) == before
    with app.app_context():
        refusals = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.id > AUDIT_MARK["id"], AuditEvent.action == "refused",
            AuditEvent.model == pair.table, AuditEvent.record_id == str(pk)))
        db.session.remove()
    assert refusals == 2  # the button and the bulk action each left an audit event
    assert "Done" in text(step(other, pair.table, pk, pair.step))
    assert status_of(app, pair.table, pk) != before


def test_the_rule_reads_in_chinese(app, world, colleagues, clean, client_as, login_as):
    pk = slip_confirmed_by_button(app, world, client_as, "supervisor")
    client = login_as("supervisor")  # the default locale, zh_CN
    page = text(client.post("/admin/return_slip/transition/",
                            data={"id": pk, "transition": "approve"}, follow_redirects=True))
    number = fetch(app, ReturnSlip, pk, "number")
    assert f"{number}：确认人与批准人不能为同一人。" in page
    assert fetch(app, ReturnSlip, pk, "approved_by_id") is None


def test_two_people_sign_a_return_slip_in_bulk(app, world, colleagues, clean, user_client):
    """The bulk path lets through the slips someone else confirmed, and only those."""
    mine = slip_confirmed_by_button(app, world, user_client, "supervisor")
    theirs = slip_confirmed_by_button(app, world, user_client, "manager.service")
    page = text(bulk(user_client("supervisor"), "return_slip", "approve", [mine, theirs]))
    assert "1 record(s) updated." in page
    assert "Confirmed by and Approved by cannot be the same person." in page
    assert fetch(app, ReturnSlip, theirs, "status", "confirmed_by_id", "approved_by_id") == (
        "approved", world.users["manager.service"], world.users["supervisor"])
    assert fetch(app, ReturnSlip, mine, "status") == "confirmed"


def test_return_slip_approval_is_the_customer_service_departments(app, world, colleagues,
                                                                  clean, user_client):
    """A supervisor of another department holds the grant for their department's slips,
    but the approval is the customer-service department's."""
    pk = make_slip(app, world, status="confirmed", department="sales",
                   confirmed_by_id=world.users["clerk.sales"],
                   customer_id=row_of(world, "customer", "sales").id)
    sales = user_client("supervisor.sales")
    details = text(sales.get(f"/admin/return_slip/details/?id={pk}"))
    assert 'value="approve"' not in details
    message = "“Approve (customer service)” is given by a member of the department 客户服务部."
    assert message in text(step(sales, "return_slip", pk, "approve"))
    assert message in text(bulk(sales, "return_slip", "approve", [pk]))
    assert fetch(app, ReturnSlip, pk, "status", "approved_by_id") == ("confirmed", None)


def test_the_proposer_is_stamped_when_the_notice_is_created(app, world, colleagues, clean,
                                                            user_client):
    pk = penalty_proposed_by_form(app, world, user_client, "supervisor")
    assert fetch(app, Penalty, pk, "proposed_by_id", "amount") == (
        world.users["supervisor"], Decimal("800"))


# -- declarations are checked at start-up -------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"not_by": ("reason",)}, "records.E105 Penalty step 'approve' declares not_by 'reason', "
                              "which is not a column of penalty naming a user."),
    ({"not_by": ("nobody_by_id",)}, "records.E105 Penalty step 'approve' declares not_by "
                                    "'nobody_by_id', which is not a column of penalty "
                                    "naming a user."),
    ({"not_by": ("corrects.nobody_by_id",)}, "records.E105 Penalty step 'approve' declares "
                                             "not_by 'corrects.nobody_by_id', which is not "
                                             "a column of penalty naming a user."),
    ({"stamps": ("decided_at",)}, "records.E106 Penalty step 'approve' declares separation "
                                  "of duties but stamps no *_by_id column: who fired it "
                                  "would not be recorded."),
    ({"by_department": " "}, "records.E107 Penalty step 'approve' declares an empty "
                             "by_department code."),
])
def test_a_wrong_duty_declaration_fails_at_start_up(monkeypatch, change, message):
    from dataclasses import replace

    from admin_views.checks import DeclarationError
    from admin_views.workflow import check_steps
    approve = replace(Penalty.transition("approve"), **change)
    others = tuple(t for t in Penalty.transitions if t.name != "approve")
    monkeypatch.setattr(Penalty, "transitions", (approve, *others))
    with pytest.raises(DeclarationError) as raised:
        check_steps(Penalty)
    assert str(raised.value) == message


def test_a_wrong_creator_stamp_fails_at_start_up(monkeypatch):
    from admin_views.checks import DeclarationError
    from admin_views.workflow import check_steps
    monkeypatch.setattr(Penalty, "creator_stamp", "reason")
    with pytest.raises(DeclarationError) as raised:
        check_steps(Penalty)
    assert str(raised.value) == ("records.E108 Penalty.creator_stamp names 'reason', which "
                                 "is not a *_by_id column of penalty.")


def test_the_declared_rules():
    """The list the issue's closing note quotes: every step with a duty, as declared."""
    declared = {(model.__tablename__, step.name): (step.not_by, step.by_department)
                for model in REGISTRY.values() for step in getattr(model, "steps", tuple)()
                if step.not_by or step.by_department}
    assert declared == {
        ("return_slip", "approve"): (("confirmed_by_id",), "service"),
        ("penalty", "approve"): (("proposed_by_id",), None),
        ("complaint", "approve_general"): (("handling_proposed_by_id",), None),
        ("complaint", "approve_major"): (("handling_proposed_by_id",), None),
        ("loan", "legal_approve"): (("requested_by_id", "borrower_id"), None),
        ("loan", "approve"): (("requested_by_id", "borrower_id", "legal_approved_by_id"),
                              None),
        ("contract", "approve_quote"): (("review_submitted_by_id", "reviews.recorded_by_id"),
                                        None),
        ("contract", "confirm_changes"): (("pending_order_changes.recorded_by_id",), None),
        ("contract", "confirm_changes_production"): (
            ("order_changes.business_confirmed_by_id",), None),
        # 洽办单: whoever answered for the department does not review the answer.
        ("timeliness_inquiry", "review"): (("answered_by_id",), None),
        # A grant change: whoever proposed it does not approve it (two people).
        ("grant_change", "approve"): (("requested_by_id",), None),
        # Visits and grading (tests/test_visits_duties.py): the visitor does not read
        # their own report, the preparer does not review the summary, the plan's
        # submitter signs neither approval, the department head not the GM office's;
        # the proposer of a grade does not decide it.
        ("visit_report", "review"): (("visited_by_id",), None),
        ("visit_plan", "approve_department"): (("submitted_by_id",), None),
        ("visit_plan", "approve"): (("submitted_by_id", "department_approved_by_id"), None),
        ("visit_summary", "review"): (("prepared_by_id",), None),
        ("grading_review", "decide"): (("proposed_by_id",), None),
        ("grading_review", "reject"): (("proposed_by_id",), None),
    }
