"""Service requests (咨询、报修、报警), repair work orders (维修工单) and follow-up calls (回访):
office-hour clocks, late flags, one-click work orders, calls that fall due after a
closed complaint or a finished repair, refusals that name the field."""
from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa

from models import Complaint, Customer, FollowUpCall, ServiceRequest, WorkOrder, db
from models.service_clock import add_office_hours, highest_level
from models.service_request import ServiceSettings

from ..clocks_support import todo
from ..test_complaints_support import as_user_fixture, load, register, shanghai, step  # noqa: F401
from ..test_workflow_support import clean_fixture  # noqa: F401  (fixture)

OFFICE = (time(8, 30), time(17, 30))


def weekdays(day: date) -> tuple[bool, bool]:
    return day.weekday() < 5, False


def test_office_hours_skip_the_night_and_the_weekend():
    # Friday 20 November 2026, 16:30: one hour on Friday, five on Monday morning.
    friday = shanghai("2026-11-20 16:30")
    assert add_office_hours(friday, 6, OFFICE, weekdays) == shanghai("2026-11-23 13:30")
    # Received at night: the clock starts at the next opening.
    assert add_office_hours(shanghai("2026-11-16 22:00"), 2, OFFICE, weekdays) == \
        shanghai("2026-11-17 10:30")
    # 24 office hours are 2 days and 6 hours of a 9-hour day.
    assert add_office_hours(shanghai("2026-11-16 08:30"), 24, OFFICE, weekdays) == \
        shanghai("2026-11-18 14:30")


def test_an_alarm_runs_around_the_clock():
    friday = shanghai("2026-11-20 16:30")
    assert ServiceSettings.due_after(friday, 24, "alarm") == shanghai("2026-11-21 16:30")
    assert ServiceSettings.due_after(friday, 6, "repair") == shanghai("2026-11-23 13:30")


def test_highest_level():
    assert highest_level("internal", "secret", None) == "secret"
    assert highest_level() == "internal"


def request_id(app, number_like: str | None = None) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(ServiceRequest.id)))


def customer_row(world, level="internal"):
    return next(r for r in world.rows_of("customer") if r.level == level)


def new_request(client, world, kind="repair", received="2026-11-20 16:30", **extra):
    return client.post("/admin/service_request/new/", follow_redirects=True, data={
        "received_at": f"{received}:00", "caller": "王先生", "caller_phone": "13800000000",
        "customer": str(customer_row(world).id), "kind": kind, "content": "燃气表漏气",
        "department": str(world.departments["service"]), **extra})


def test_a_request_is_numbered_due_in_office_hours_and_late_when_unhandled(
        app, world, as_user, clean):
    clerk = as_user("clerk.service")
    page = new_request(clerk, world).get_data(as_text=True)
    record = load(app, ServiceRequest, request_id(app))
    assert record.number.startswith("FW2611"), page[page.find("alert"):][:600]
    assert record.handle_due_at == shanghai("2026-11-23 13:30")
    assert record.level == customer_row(world).level
    # Long past its due moment and not handled: flagged, counted on the home page.
    details = clerk.get(f"/admin/service_request/details/?id={record.id}").get_data(
        as_text=True)
    assert 'data-late="1"' in details
    home = clerk.get("/admin/").get_data(as_text=True)
    count, url = todo(home, "service_request-late")
    assert count >= 1
    assert f"/admin/service_request/details/?id={record.id}&" in clerk.get(url).get_data(
        as_text=True)
    clerk.post("/admin/service_request/transition/", data={
        "id": record.id, "transition": "handle", "handling_result": "已派维修工"})
    record = load(app, ServiceRequest, record.id)
    assert (record.status, record.handled_by_id) == ("handled", world.users["clerk.service"])
    assert 'data-late="1"' not in clerk.get(
        f"/admin/service_request/details/?id={record.id}").get_data(as_text=True)


def test_a_request_in_the_future_is_refused_naming_the_field(app, world, as_user, clean):
    before = request_id(app)
    page = new_request(as_user("clerk.service"), world,
                       received="2099-01-01 10:00").get_data(as_text=True)
    assert "Received at: cannot be in the future." in page
    assert request_id(app) == before


def test_the_customer_is_found_by_phone_or_contact_name(app, world, as_user, clean):
    with app.app_context():
        customer = Customer(name="城东燃气用户", contact_person="赵丽华", phone="021-66668888",
                            department_id=world.departments["service"], level="internal")
        db.session.add(customer)
        db.session.commit()
        pk = customer.id
    try:
        clerk = as_user("clerk.service")
        for query in ("66668888", "赵丽华"):
            found = clerk.get(f"/admin/service_request/ajax/lookup/?name=customer&query={query}")
            assert pk in [item[0] for item in found.get_json()], query
    finally:
        with app.app_context():
            db.session.execute(sa.delete(Customer).where(Customer.id == pk))
            db.session.commit()


def test_repair_work_order_from_the_request_finished_before_started_is_refused(
        app, world, as_user, clean):
    clerk = as_user("clerk.service")
    new_request(clerk, world)
    request = load(app, ServiceRequest, request_id(app))
    page = clerk.get(f"/admin/service_request/details/?id={request.id}").get_data(as_text=True)
    assert f"/admin/work_order/new/?service_request={request.id}" in page
    form = clerk.get(f"/admin/work_order/new/?service_request={request.id}").get_data(
        as_text=True)
    assert "城东" not in form and 'name="technician"' in form
    response = clerk.post("/admin/work_order/new/", data={
        "service_request": str(request.id), "customer": str(request.customer_id),
        "issued_at": "2026-11-20 17:00:00", "technician": "李师傅", "fault": "表阀漏气",
        "department": str(world.departments["service"])})
    assert response.status_code == 302
    with app.app_context():
        order = db.session.scalars(sa.select(WorkOrder).where(
            WorkOrder.service_request_id == request.id)).one()
        db.session.expunge(order)
    assert order.number.startswith("WX2611")
    assert order.repair_due_at == shanghai("2026-11-25 13:30")  # 1 + 9 + 9 + 5 office hours
    assert order.issued_by_id == world.users["clerk.service"]

    def fire(name, **values):
        return clerk.post("/admin/work_order/transition/", follow_redirects=True,
                          data={"id": order.id, "transition": name, **values}
                          ).get_data(as_text=True)
    fire("arrive", arrived_at="2026-11-23T09:10")
    assert load(app, WorkOrder, order.id).arrived_at == shanghai("2026-11-23 09:10")
    page = fire("finish", finished_at="2026-11-23T08:00", work_done="更换表阀")
    assert "Finished at: the repair cannot finish before it started" in page
    assert load(app, WorkOrder, order.id).status == "arrived"
    page = fire("finish", finished_at="yesterday", work_done="更换表阀")
    assert "Finished at: enter a date and time" in page
    fire("finish", finished_at="2026-11-23 11:30", work_done="更换表阀", parts="表阀 1 只")
    order = load(app, WorkOrder, order.id)
    assert (order.status, order.finished_at) == ("finished", shanghai("2026-11-23 11:30"))
    # The finished repair's follow-up call fell due, 3 working days later.
    with app.app_context():
        call = db.session.scalars(sa.select(FollowUpCall).where(
            FollowUpCall.work_order_id == order.id)).one()
        assert (call.status, call.customer_id, call.due_date, call.department_id) == (
            "due", order.customer_id, date(2026, 11, 26), order.department_id)
        assert call.number.startswith("HF")
    fire("settle", cost="180.00")
    assert load(app, WorkOrder, order.id).status == "settled"


def test_a_follow_up_before_the_complaint_is_closed_is_refused(app, world, as_user, clean):
    clerk = as_user("clerk.service")
    open_case = register(app, world, "2026-11-16 10:00", status="approved")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpCall))
    page = clerk.post("/admin/follow_up_call/new/", follow_redirects=True, data={
        "complaint": str(open_case), "contact": "王先生",
        "department": str(world.departments["service"])}).get_data(as_text=True)
    assert "Complaint: choose one that is Closed" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpCall)) \
            == before


def test_closing_a_complaint_makes_a_call_due_and_not_satisfied_offers_reopening(
        app, world, as_user, clean):
    clerk = as_user("clerk.service")
    pk = register(app, world, "2026-11-16 10:00", status="notified",
                  notified_at=shanghai("2026-11-17 09:00"))
    step(clerk, pk, "close")
    assert load(app, Complaint, pk).status == "closed"
    with app.app_context():
        call = db.session.scalars(sa.select(FollowUpCall).where(
            FollowUpCall.complaint_id == pk)).one()
        call_id, due = call.id, call.due_date
    assert due is not None
    home = clerk.get("/admin/").get_data(as_text=True)
    count, url = todo(home, "follow-up-calls-due")
    assert count >= 1
    assert f"/admin/follow_up_call/details/?id={call_id}&" in clerk.get(url).get_data(
        as_text=True)
    # Not satisfied: the remarks say why, or the result is refused.
    page = clerk.post("/admin/follow_up_call/transition/", follow_redirects=True, data={
        "id": call_id, "transition": "record_result", "result": "not_satisfied"}
                      ).get_data(as_text=True)
    assert "Remarks: say what the customer is not satisfied with." in page
    assert load(app, FollowUpCall, call_id).status == "due"
    clerk.post(f"/admin/follow_up_call/edit/?id={call_id}", data={
        "complaint": str(pk), "contact": "王先生", "remarks": "赔偿金额不满意",
        "department": str(world.departments["service"]),
        "loaded_version": str(load(app, FollowUpCall, call_id).version_id)})
    clerk.post("/admin/follow_up_call/transition/", data={
        "id": call_id, "transition": "record_result", "result": "not_satisfied"})
    call = load(app, FollowUpCall, call_id)
    assert (call.status, call.result, call.called_by_id) == (
        "done", "not_satisfied", world.users["clerk.service"])
    page = clerk.get(f"/admin/follow_up_call/details/?id={call_id}").get_data(as_text=True)
    assert 'data-offered="reopen"' in page
    clerk.post("/admin/complaint/transition/", data={
        "id": pk, "transition": "reopen", "version": load(app, Complaint, pk).version_id})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
            Complaint.reopened_from_id == pk)) == 1
        # The refused case does not call for a second follow-up.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpCall).where(
            FollowUpCall.complaint_id == pk)) == 1
    # Once reopened, the offer is gone (the complaint's own check refuses a second one).
    page = clerk.get(f"/admin/follow_up_call/details/?id={call_id}").get_data(as_text=True)
    assert 'data-offered="reopen"' not in page


def test_a_request_about_a_hidden_customer_is_hidden_with_it(app, world, as_user, clean):
    """The level follows the customer: a clerk who may not see a confidential customer
    sees none of its requests, even of their own department."""
    secret = customer_row(world, "confidential")
    with app.app_context():
        record = ServiceRequest(received_at=datetime(2026, 11, 20, 2, 0),
                                customer_id=secret.id, content="咨询", level="internal",
                                department_id=world.departments["service"])
        db.session.add(record)
        db.session.commit()
        pk, level = record.id, record.level
    assert level == "confidential"
    assert as_user("clerk.service").get(
        f"/admin/service_request/details/?id={pk}").status_code == 404
    assert as_user("supervisor").get(
        f"/admin/service_request/details/?id={pk}").status_code == 200
