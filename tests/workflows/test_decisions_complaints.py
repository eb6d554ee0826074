"""Complaints: what the approver decides on is fixed from the approval request on.

Issue 11, items 3 and 4: a major complaint awaiting the GM office was edited to general
and approved by the supervisor; a closed, GM-approved complaint had its content and
severity rewritten. Every door is tried: the edit form, a forged form post, a direct
ORM save (a script, a future API), a deletion; and the declared way back (退回).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, Complaint, db
from models.decisions import LockedField
from models.mixins import utcnow

from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    AUDIT_MARK,
    acting,
    add,
    clean_fixture,
    dept,
    fetch,
    row_of,
    step,
    text,
    user_client_fixture,
)


def complaint(app, world, status: str, severity: str = "major", **values) -> int:
    values.setdefault("cause_analysis", "包装强度不足")
    values.setdefault("handling", "refund")
    values.setdefault("content", "到货破损")
    return add(app, Complaint(
        customer_id=row_of(world, "customer").id, received_at=utcnow(), channel="phone",
        department_id=dept(world), level="internal", severity=severity, status=status,
        responsible_department_id=dept(world, "sales"), **values))


def edit_page(client, pk: int) -> str:
    return text(client.get(f"/admin/complaint/edit/?id={pk}"))


def refusals(app, pk: int) -> list[str]:
    with app.app_context():
        found = db.session.scalars(sa.select(AuditEvent.changes).where(
            AuditEvent.id > AUDIT_MARK["id"], AuditEvent.action == "refused",
            AuditEvent.model == "complaint", AuditEvent.record_id == str(pk))).all()
        db.session.remove()
    return found


def save_directly(app, world, pk: int, **values) -> None:
    """A script's save: the ORM, no form."""
    with acting(app, world, "supervisor"):
        record = db.session.get(Complaint, pk)
        for field, value in values.items():
            setattr(record, field, value)
        db.session.commit()


# -- item 3: the severity trick -----------------------------------------------------------

def test_a_major_complaint_awaiting_the_gm_office_cannot_become_general(
        app, world, clean, user_client):
    pk = complaint(app, world, "handling_proposed", "major")
    supervisor = user_client("supervisor")
    form = edit_page(supervisor, pk)
    assert 'name="severity"' not in form and 'name="cause_analysis"' not in form
    assert "Fixed in status “Handling proposed”, shown on the details page:" in form
    assert "Severity" in form and "send the record back first with “Send back (major)”" in form
    response = supervisor.post(f"/admin/complaint/edit/?id={pk}",
                               data={"severity": "general"})
    assert response.status_code == 200
    page = text(response)
    assert "“Severity” can no longer be changed" in page
    assert "send the record back first with “Send back (major)”" in page
    assert fetch(app, Complaint, pk, "severity") == "major"
    assert refusals(app, pk)  # the refusal is in the audit log
    assert "is not possible" in text(step(supervisor, "complaint", pk, "approve_general"))
    assert fetch(app, Complaint, pk, "status", "approved_by_id") == ("handling_proposed",
                                                                     None)
    assert "Done" in text(step(user_client("gm"), "complaint", pk, "approve_major"))
    assert fetch(app, Complaint, pk, "approved_by_id") == world.users["gm"]


def test_a_script_cannot_change_the_severity_either(app, world, clean):
    pk = complaint(app, world, "handling_proposed", "major")
    with pytest.raises(LockedField, match="“Severity” can no longer be changed"):
        save_directly(app, world, pk, severity="general")
    assert fetch(app, Complaint, pk, "severity") == "major"


@pytest.mark.parametrize("status", ["registered", "investigating",
                                    "responsibility_determined"])
def test_before_the_approval_request_the_severity_is_editable(app, world, clean,
                                                              user_client, status):
    pk = complaint(app, world, status, "major")
    assert 'name="severity"' in edit_page(user_client("clerk.service"), pk)
    save_directly(app, world, pk, severity="general", loss_amount=1200)
    assert fetch(app, Complaint, pk, "severity") == "general"


def test_sent_back_the_severity_changes_and_its_approver_is_asked_again(
        app, world, clean, user_client):
    pk = complaint(app, world, "handling_proposed", "general")
    supervisor, gm = user_client("supervisor"), user_client("gm")
    assert "You may not do this" in text(
        step(user_client("clerk.service"), "complaint", pk, "send_back"))
    assert "Done: Send back." in text(step(supervisor, "complaint", pk, "send_back"))
    assert fetch(app, Complaint, pk, "status") == "responsibility_determined"
    assert 'name="severity"' in edit_page(supervisor, pk)
    save_directly(app, world, pk, severity="major")
    assert "is not possible" in text(step(gm, "complaint", pk, "approve_major"))
    assert "Done" in text(step(supervisor, "complaint", pk, "propose_handling"))
    assert "is not possible" in text(step(supervisor, "complaint", pk, "approve_general"))
    assert fetch(app, Complaint, pk, "status") == "handling_proposed"
    assert "Done" in text(step(gm, "complaint", pk, "approve_major"))
    assert fetch(app, Complaint, pk, "status", "severity", "approved_by_id") == (
        "approved", "major", world.users["gm"])


def test_only_the_gm_office_sends_a_major_complaint_back(app, world, clean, user_client,
                                                        colleagues):
    """The supervisor cannot undo the GM office's turn by sending it back to themselves;
    the GM office can, and the complaint, made general, needs its approver again."""
    pk = complaint(app, world, "handling_proposed", "major")
    supervisor, gm = user_client("supervisor"), user_client("gm")
    assert "is not possible" in text(step(supervisor, "complaint", pk, "send_back"))
    assert "You may not do this" in text(step(supervisor, "complaint", pk,
                                              "send_back_major"))
    assert fetch(app, Complaint, pk, "status") == "handling_proposed"
    assert "Done: Send back (major)." in text(step(gm, "complaint", pk, "send_back_major"))
    save_directly(app, world, pk, severity="general")
    assert "is not possible" in text(step(supervisor, "complaint", pk, "approve_general"))
    # Proposed by one supervisor, approved by another (separation of duties).
    step(user_client("manager.service"), "complaint", pk, "propose_handling")
    assert "Done" in text(step(supervisor, "complaint", pk, "approve_general"))
    assert fetch(app, Complaint, pk, "status", "severity", "approved_by_id") == (
        "approved", "general", world.users["supervisor"])


# -- item 4: a closed, GM-approved complaint is not rewritten -------------------------------

@pytest.mark.parametrize("field, value", [
    ("content", "客户无异议"), ("severity", "general"), ("loss_amount", 1),
    ("handling", "apology"), ("responsible_person", "无关人员")])
def test_a_closed_complaint_is_not_rewritten(app, world, clean, user_client, field, value):
    pk = complaint(app, world, "closed", "major", approved_by_id=world.users["gm"],
                   loss_amount=46800, responsible_person="马立新")
    before = fetch(app, Complaint, pk, field)
    client = user_client("clerk.service")
    assert f'name="{field}"' not in edit_page(client, pk)
    response = client.post(f"/admin/complaint/edit/?id={pk}", data={field: str(value)})
    assert "can no longer be changed" in text(response)
    assert "reopen the complaint as a new one" in text(response)
    with pytest.raises(LockedField):
        save_directly(app, world, pk, **{field: value})
    assert fetch(app, Complaint, pk, field) == before


def test_a_closed_complaint_is_not_deleted(app, world, clean):
    pk = complaint(app, world, "closed")
    with acting(app, world, "gm"), pytest.raises(LockedField, match="cannot be deleted"):
        db.session.delete(db.session.get(Complaint, pk))
        db.session.commit()
    assert fetch(app, Complaint, pk, "status") == "closed"


def test_the_corrective_action_is_followed_up_on_its_own_record(app, world, clean,
                                                                 user_client):
    """Decided and closed, the complaint still gets corrective actions: raised from its
    page (models/corrective_action.py), not written into the complaint."""
    pk = complaint(app, world, "closed")
    page = text(user_client("supervisor").get(f"/admin/complaint/details/?id={pk}"))
    assert f"/admin/corrective_action/new/?complaint={pk}" in page


def test_the_declared_correction_still_works(app, world, clean, user_client):
    """A customer who refuses the result: a new complaint, linked, from registration."""
    pk = complaint(app, world, "closed", "major", closed_at=utcnow())
    assert "Done" in text(step(user_client("clerk.service"), "complaint", pk, "reopen"))
    with app.app_context():
        new = db.session.scalars(sa.select(Complaint).where(
            Complaint.reopened_from_id == pk)).one()
        assert (new.status, new.severity) == ("registered", "major")
        db.session.remove()
