"""A complaint's life: registered → investigating → responsibility determined → handling
proposed → approved (supervisor: general, GM office: major) → customer notified → closed;
"not upheld" as an outcome; a refusal reopens it as a new complaint linked to the old."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from models import Complaint, db
from models.mixins import utcnow

from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_complaints_support import (  # noqa: F401  (fixtures)
    as_user_fixture,
    clean_complaints_fixture,
    step,
)
from ..test_complaints_support import load as load_row
from ..test_complaints_support import register as register_row


def register(app, world, severity="general", status="registered", **fields) -> int:
    """A complaint received just now (its number is of the current month)."""
    return register_row(app, world, utcnow(), severity, status, **fields)


def load(app, complaint_id: int) -> Complaint:
    return load_row(app, Complaint, complaint_id)


def test_general_complaint_from_registration_to_closing(app, world, as_user, colleagues):
    complaint_id = register(app, world)
    clerk, supervisor = as_user("clerk.service"), as_user("supervisor")
    step(clerk, complaint_id, "investigate")
    step(supervisor, complaint_id, "determine_responsibility",
         cause_analysis="包装强度不足", responsible_department=world.departments["sales"])
    step(supervisor, complaint_id, "propose_handling", handling="replacement")
    assert load(app, complaint_id).status == "handling_proposed"
    # Whoever proposed the handling does not approve it: another supervisor does.
    step(as_user("manager.service"), complaint_id, "approve_general")
    complaint = load(app, complaint_id)
    assert complaint.status == "approved"
    assert complaint.handling_proposed_by_id == world.users["supervisor"]
    assert complaint.approved_by_id == world.users["manager.service"]
    step(clerk, complaint_id, "notify_customer")
    step(clerk, complaint_id, "close")
    complaint = load(app, complaint_id)
    assert complaint.status == "closed"
    assert complaint.notified_at and complaint.closed_at
    assert complaint.responsible_department_id == world.departments["sales"]


def test_major_complaint_is_approved_by_the_gm_office_only(app, world, as_user):
    complaint_id = register(app, world, "major", "handling_proposed",
                            cause_analysis="x", handling="refund")
    supervisor = as_user("supervisor")
    assert 'value="approve_major"' not in supervisor.get(
        f"/admin/complaint/details/?id={complaint_id}").get_data(as_text=True)
    page = step(supervisor, complaint_id, "approve_major")
    assert "You may not do this" in page
    step(supervisor, complaint_id, "approve_general")  # not for a major complaint
    assert load(app, complaint_id).status == "handling_proposed"
    step(as_user("gm"), complaint_id, "approve_major")
    complaint = load(app, complaint_id)
    assert complaint.status == "approved"
    assert complaint.approved_by_id == world.users["gm"]


def test_general_complaint_is_not_approved_by_the_gm_office(app, world, as_user):
    complaint_id = register(app, world, "general", "handling_proposed", handling="apology")
    step(as_user("gm"), complaint_id, "approve_general")
    step(as_user("gm"), complaint_id, "approve_major")
    assert load(app, complaint_id).status == "handling_proposed"


def test_clerk_does_not_determine_responsibility_or_approve(app, world, as_user):
    complaint_id = register(app, world, status="investigating")
    clerk = as_user("clerk.service")
    step(clerk, complaint_id, "determine_responsibility", cause_analysis="x",
         responsible_department=world.departments["sales"])
    assert load(app, complaint_id).status == "investigating"


def test_responsibility_needs_a_cause_and_a_department(app, world, as_user):
    complaint_id = register(app, world, status="investigating")
    page = step(as_user("supervisor"), complaint_id, "determine_responsibility",
                cause_analysis="原因已查明", responsible_department="")
    assert "Responsible department is required" in page
    assert load(app, complaint_id).status == "investigating"


def test_not_upheld_needs_no_responsible_department(app, world, as_user, colleagues):
    complaint_id = register(app, world, status="investigating")
    supervisor = as_user("supervisor")
    page = step(supervisor, complaint_id, "not_upheld", cause_analysis="")
    assert "Cause analysis is required" in page
    step(supervisor, complaint_id, "not_upheld", cause_analysis="产品符合标准，系使用不当。")
    complaint = load(app, complaint_id)
    assert complaint.status == "handling_proposed"
    assert complaint.handling == "not_upheld"
    assert complaint.responsible_department_id is None
    step(as_user("manager.service"), complaint_id, "approve_general")
    assert load(app, complaint_id).status == "approved"


def test_not_upheld_may_also_be_proposed_as_the_handling(app, world, as_user):
    complaint_id = register(app, world, status="responsibility_determined",
                            cause_analysis="x",
                            responsible_department_id=world.departments["sales"])
    step(as_user("supervisor"), complaint_id, "propose_handling", handling="not_upheld")
    assert load(app, complaint_id).handling == "not_upheld"


def test_a_step_out_of_order_changes_nothing(app, world, as_user):
    complaint_id = register(app, world)
    page = step(as_user("clerk.service"), complaint_id, "close")
    assert "not possible" in page
    assert load(app, complaint_id).status == "registered"


def test_the_status_cannot_be_edited_directly(app, world, as_user):
    complaint_id = register(app, world)
    form = as_user("clerk.service").get(f"/admin/complaint/edit/?id={complaint_id}")
    assert 'name="status"' not in form.get_data(as_text=True)


def test_the_approved_handling_can_no_longer_be_changed(app, world, as_user):
    """The form of an approved complaint does not offer the handling (locked from the
    approval request on; ``tests/test_decisions_*`` check every door); posted anyway, it
    is refused with a message and nothing changes."""
    complaint_id = register(app, world, status="approved", handling="refund",
                            cause_analysis="x")
    client = as_user("supervisor")
    page = client.get(f"/admin/complaint/edit/?id={complaint_id}").get_data(as_text=True)
    assert 'name="handling"' not in page and 'name="cause_analysis"' not in page
    response = client.post(f"/admin/complaint/edit/?id={complaint_id}",
                           data={"handling": "apology"})
    assert response.status_code == 200
    assert "“Handling” can no longer be changed" in response.get_data(as_text=True)
    assert load(app, complaint_id).handling == "refund"


# -- the customer refuses: a new complaint linked to the old one ------------------------------

def test_refusal_reopens_as_a_new_linked_complaint(app, world, as_user):
    old_id = register(app, world, "major", "closed", handling="repair", cause_analysis="x",
                      product="KT-1.7L", batch_no="B2609", closed_at=utcnow())
    clerk = as_user("clerk.service")
    details = clerk.get(f"/admin/complaint/details/?id={old_id}").get_data(as_text=True)
    assert 'value="reopen"' in details
    landed = clerk.post("/admin/complaint/transition/",
                        data={"id": old_id, "transition": "reopen"})
    with app.app_context():
        new = db.session.scalars(sa.select(Complaint).where(
            Complaint.reopened_from_id == old_id)).one()
        # The clerk lands on the new complaint, ready to record the new findings.
        assert landed.headers["Location"].endswith(f"/admin/complaint/details/?id={new.id}")
        old = db.session.get(Complaint, old_id)
        assert old.status == "closed"
        assert new.status == "registered" and new.number and new.number != old.number
        assert (new.customer_id, new.severity, new.product, new.batch_no, new.department_id,
                new.level) == (old.customer_id, "major", "KT-1.7L", "B2609",
                               old.department_id, old.level)
        assert new.due_date is not None
        assert old.reopened_as.id == new.id
        new_id, new_number, old_number = new.id, new.number, old.number
    # Each record names the other on its details page.
    assert new_number in clerk.get(f"/admin/complaint/details/?id={old_id}").get_data(
        as_text=True)
    assert old_number in clerk.get(f"/admin/complaint/details/?id={new_id}").get_data(
        as_text=True)


def test_reopening_from_notified_closes_the_old_complaint(app, world, as_user):
    old_id = register(app, world, status="notified", handling="apology")
    step(as_user("supervisor"), old_id, "reopen")
    old = load(app, old_id)
    assert old.status == "closed" and old.closed_at is not None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(
            Complaint.reopened_from_id == old_id)) == 1


def test_a_complaint_is_reopened_once(app, world, as_user):
    old_id = register(app, world, status="closed", handling="apology")
    clerk = as_user("clerk.service")
    step(clerk, old_id, "reopen")
    page = step(clerk, old_id, "reopen")
    assert "has already been reopened" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(
            Complaint.reopened_from_id == old_id)) == 1


def test_an_open_complaint_is_not_reopened(app, world, as_user):
    complaint_id = register(app, world, status="investigating")
    step(as_user("clerk.service"), complaint_id, "reopen")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(
            Complaint.reopened_from_id == complaint_id)) == 0


def test_another_department_cannot_reopen(app, world, as_user):
    old_id = register(app, world, status="closed", handling="apology")
    response = as_user("clerk.sales").post("/admin/complaint/transition/",
                                           data={"id": old_id, "transition": "reopen"})
    assert response.status_code == 404  # not even visible to them
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(
            Complaint.reopened_from_id == old_id)) == 0


# -- registration: bad input is refused with the field named, never a 500 ---------------------

def form(world, **overrides) -> dict:
    data = {"customer": world.rows_of("customer")[0].id, "received_at": "2026-10-09 09:30:00",
            "channel": "phone", "content": "来电投诉", "kind": "quality",
            "severity": "general", "department": world.departments["service"],
            "level": "internal"}
    return {**data, **overrides}


@pytest.mark.parametrize("received_at, message", [
    ("1999-12-31 09:00:00", "Received at: enter a date between 2000 and 2099."),
    ("9999-12-31 23:59:00", "Received at: enter a date between 2000 and 2099."),
    ("in three days", "Received at: cannot be in the future."),
    ("31.12.2026", "Received at"),
])
def test_bad_receipt_time_is_refused_naming_the_field(app, world, as_user, received_at,
                                                      message):
    if received_at == "in three days":  # computed here: test ids must be stable
        received_at = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
    content = f"坏时间 {received_at}"
    response = as_user("clerk.service").post(
        "/admin/complaint/new/", data=form(world, received_at=received_at, content=content))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(
            Complaint.content == content)) == 0


def test_registration_through_the_form_numbers_and_dates_it(app, world, as_user):
    response = as_user("clerk.service").post(
        "/admin/complaint/new/", data=form(world, content="表单登记"), follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        complaint = db.session.scalars(sa.select(Complaint).where(
            Complaint.content == "表单登记")).one()
        assert complaint.number.startswith("2610")
        assert complaint.received_at == datetime(2026, 10, 9, 1, 30)  # 09:30 Shanghai
        assert str(complaint.due_date) == "2026-10-10"  # the make-up Saturday
        assert complaint.status == "registered"


def test_moving_the_receipt_to_another_month_is_refused(app, world, as_user):
    complaint_id = register(app, world)
    before = load(app, complaint_id)
    moved = before.received_at + timedelta(hours=8) - timedelta(days=62)
    response = as_user("clerk.service").post(
        f"/admin/complaint/edit/?id={complaint_id}", data=form(
            world, content="温控器失灵", received_at=moved.strftime("%Y-%m-%d %H:%M:%S")))
    text = response.get_data(as_text=True)
    assert f"Received at: complaint {before.number} was received in" in text
    assert load(app, complaint_id).received_at == before.received_at


def test_a_step_offers_and_takes_only_departments_in_use(app, world, as_user):
    """A department closed down is neither offered nor accepted as responsible."""
    complaint_id = register(app, world, status="investigating")
    closed_down = world.departments["legal"]
    with app.app_context():
        db.session.execute(sa.text("UPDATE department SET active = :no WHERE id = :id"),
                           {"no": False, "id": closed_down})
        db.session.commit()
        db.session.remove()
    try:
        supervisor = as_user("supervisor")
        page = supervisor.get(f"/admin/complaint/details/?id={complaint_id}").get_data(
            as_text=True)
        assert f'<option value="{world.departments["sales"]}"' in page
        assert f'<option value="{closed_down}"' not in page
        shown = step(supervisor, complaint_id, "determine_responsibility",
                     cause_analysis="原因已查明", responsible_department=closed_down)
        assert "Responsible department: choose an entry from the list." in shown
        assert load(app, complaint_id).status == "investigating"
    finally:
        with app.app_context():
            db.session.execute(sa.text("UPDATE department SET active = :yes WHERE id = :id"),
                               {"yes": True, "id": closed_down})
            db.session.commit()
            db.session.remove()
