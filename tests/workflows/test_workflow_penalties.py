"""Penalty notices: proposed by a supervisor (from a complaint or alone) or issued by the
GM office, decided by the GM office, frozen once decided, corrected only by a new notice
that refers to the old."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Complaint, Penalty, db

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    dept,
    fetch,
    make_penalty,
    row_of,
    step,
    text,
    user_client_fixture,
)


def proposal(world, **values) -> dict:
    form = {"kind": "fine", "amount": "800", "reason": "跟单失误导致交货延迟",
            "responsible_person": "吴浩", "department": str(dept(world)),
            "level": "internal"}
    form.update(values)
    return form


def penalties_with_reason(app, reason: str) -> list[Penalty]:
    with app.app_context():
        found = db.session.scalars(sa.select(Penalty).where(Penalty.reason == reason)).all()
        values = [(p.id, p.status, p.complaint_id, p.corrects_id, p.number, p.amount)
                  for p in found]
        db.session.remove()
    return values


def test_supervisor_proposes_a_notice_alone(app, world, clean, user_client):
    response = user_client("supervisor").post("/admin/penalty/new/", data=proposal(
        world, reason="单独提出的处罚"))
    assert response.status_code == 302
    [(_, status, complaint, corrects, number, amount)] = penalties_with_reason(
        app, "单独提出的处罚")
    assert (status, complaint, corrects, amount) == ("proposed", None, None, Decimal("800"))
    assert number.startswith("JF")


@pytest.fixture
def closed_complaint(app, world):
    """A complaint of the shared world, closed for the test and reopened after."""
    complaint = row_of(world, "complaint")

    def set_status(status):
        with app.app_context():
            db.session.execute(sa.update(Complaint).where(Complaint.id == complaint.id)
                               .values(status=status))
            db.session.commit()
            db.session.remove()

    before = fetch(app, Complaint, complaint.id, "status")
    set_status("closed")
    yield complaint
    set_status(before)


def test_supervisor_proposes_from_a_complaint(app, world, clean, user_client,
                                              closed_complaint):
    complaint = closed_complaint
    client = user_client("supervisor")
    details = text(client.get(f"/admin/complaint/details/?id={complaint.id}"))
    assert f"/admin/penalty/new/?complaint={complaint.id}" in details
    assert "Propose a penalty notice" in details
    form = text(client.get(f"/admin/penalty/new/?complaint={complaint.id}"))
    assert f'value="{complaint.id}"' in form  # the complaint is already chosen
    assert complaint.marker in form  # and whom it concerns copied from it
    response = client.post("/admin/penalty/new/", data=proposal(
        world, reason="投诉引起的处罚", complaint=str(complaint.id)))
    assert response.status_code == 302
    [(_, status, complaint_id, *_rest)] = penalties_with_reason(app, "投诉引起的处罚")
    assert (status, complaint_id) == ("proposed", complaint.id)


def test_an_open_complaint_leads_to_no_penalty_notice_yet(app, world, clean,
                                                          user_client):
    """Penalties follow a closed complaint: an open one offers no link, and a notice
    naming it is refused with the field named and the input kept."""
    complaint = row_of(world, "complaint")
    assert fetch(app, Complaint, complaint.id, "status") != "closed"
    client = user_client("supervisor")
    details = text(client.get(f"/admin/complaint/details/?id={complaint.id}"))
    assert "Propose a penalty notice" not in details
    page = text(client.post("/admin/penalty/new/", data=proposal(
        world, reason="未结投诉的处罚", complaint=str(complaint.id)), follow_redirects=True))
    assert "Complaint: choose one that is Closed" in page
    assert "未结投诉的处罚" in page  # the user's input is still in the form
    assert penalties_with_reason(app, "未结投诉的处罚") == []


def test_prefill_ignores_a_complaint_the_user_cannot_see(app, world, clean, user_client):
    hidden = row_of(world, "complaint", "sales", "secret")
    form = text(user_client("supervisor").get(f"/admin/penalty/new/?complaint={hidden.id}"))
    assert hidden.marker not in form


def test_a_notice_names_whom_it_concerns(app, world, clean, user_client):
    page = text(user_client("supervisor").post("/admin/penalty/new/", data=proposal(
        world, reason="无对象", responsible_person=""), follow_redirects=True))
    assert "Responsible department or Responsible person: name at least one." in page
    assert penalties_with_reason(app, "无对象") == []


def test_clerk_is_offered_no_proposal_and_cannot_propose(app, world, clean, user_client):
    complaint = row_of(world, "complaint")
    details = text(user_client("clerk.service").get(
        f"/admin/complaint/details/?id={complaint.id}"))
    assert "/admin/penalty/new/" not in details
    response = user_client("clerk.service").post("/admin/penalty/new/", data=proposal(
        world, reason="文员提出"))
    assert response.status_code == 403
    assert penalties_with_reason(app, "文员提出") == []


def test_gm_office_approves_then_applies(app, world, clean, user_client):
    pk = make_penalty(app, world)
    client = user_client("gm")
    assert "Done: Approve." in text(step(client, "penalty", pk, "approve"))
    assert fetch(app, Penalty, pk, "status", "decided_by_id") == ("approved",
                                                                  world.users["gm"])
    assert "Done: Distribute copies" in text(step(
        client, "penalty", pk, "distribute", accounting_department=str(dept(world, "audit")),
        deducting_department=str(dept(world))))
    assert "Done: Mark applied." in text(step(client, "penalty", pk, "apply"))
    assert fetch(app, Penalty, pk, "status") == "applied"
    assert fetch(app, Penalty, pk, "applied_at") is not None


@pytest.mark.parametrize("status", ["approved", "applied", "rejected"])
@pytest.mark.parametrize("username", ["gm", "supervisor", "clerk.service"])
def test_a_decided_notice_never_changes(app, world, clean, user_client, status, username):
    pk = make_penalty(app, world, status=status, decision_reason="已决定")
    client = user_client(username)
    before = fetch(app, Penalty, pk, "amount", "reason", "version_id")
    page = client.get(f"/admin/penalty/edit/?id={pk}")
    assert page.status_code == 403
    assert "A decided penalty notice never changes" in text(page)
    posted = client.post(f"/admin/penalty/edit/?id={pk}", data=proposal(world, amount="1"))
    assert posted.status_code == 403
    assert fetch(app, Penalty, pk, "amount", "reason", "version_id") == before


def test_a_frozen_notice_of_another_department_stays_hidden(app, world, clean, user_client):
    pk = make_penalty(app, world, status="approved", department="sales")
    response = user_client("supervisor").get(f"/admin/penalty/edit/?id={pk}")
    assert response.status_code == 403  # as for any id: the supervisor edits no notice
    assert "never changes" not in text(response)  # nothing told about that notice


def test_a_correction_is_a_new_notice_that_refers_to_the_old(app, world, clean,
                                                             user_client):
    old = make_penalty(app, world, status="approved", reason="原通知单", amount=Decimal("800"))
    client = user_client("supervisor")
    details = text(client.get(f"/admin/penalty/details/?id={old}"))
    assert f"/admin/penalty/new/?corrects={old}" in details
    form = text(client.get(f"/admin/penalty/new/?corrects={old}"))
    assert "原通知单" in form and "800" in form and "马立新" in form
    response = client.post("/admin/penalty/new/", data=proposal(
        world, reason="更正：调整罚款金额", amount="600", corrects=str(old)))
    assert response.status_code == 302
    [(new, status, _, corrects, _, amount)] = penalties_with_reason(app, "更正：调整罚款金额")
    assert (status, corrects, amount) == ("proposed", old, Decimal("600"))
    assert fetch(app, Penalty, old, "status", "amount") == ("approved", Decimal("800"))


def test_the_gm_office_is_offered_the_correction_it_issues(app, world, clean, user_client):
    """The GM office issues notices (001 篇8 (十)2), so it issues corrections too; the
    legal office, which reads notices only, is offered none."""
    old = make_penalty(app, world, status="approved")
    details = text(user_client("gm").get(f"/admin/penalty/details/?id={old}"))
    assert "A decided penalty notice never changes" in details
    assert f"/admin/penalty/new/?corrects={old}" in details
    legal = text(user_client("legal").get(f"/admin/penalty/details/?id={old}"))
    assert "/admin/penalty/new/?corrects=" not in legal


def test_only_a_decided_notice_is_corrected(app, world, clean, user_client):
    proposed = make_penalty(app, world)
    page = text(user_client("supervisor").post("/admin/penalty/new/", data=proposal(
        world, reason="更正未决通知", corrects=str(proposed)), follow_redirects=True))
    assert "Corrects notice: only an approved or applied notice is corrected" in page
    assert penalties_with_reason(app, "更正未决通知") == []
