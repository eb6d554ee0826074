"""催办单 for late service requests and repair work orders (issue 14 item 3): one per late
record and working day, to the department that must act, as confidential as the record,
saying how many hours of its clock it is late; listed, answered and printed with the
complaints' reminders."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from daily_jobs import DAILY_JOBS, run_due
from models import Customer, Reminder, ServiceRequest, WorkOrder, db
from models.daily_job import DailyJobRun
from models.numbering import local_date_of
from models.reminder import issue_service_reminders
from models.service_request import ServiceSettings

from ..clocks_support import todo
from ..test_complaints_support import as_user_fixture, shanghai  # noqa: F401  (fixture)
from ..test_workflow_support import clean_fixture  # noqa: F401  (fixture)
from .test_conflicts import FormFields

MONDAY, TUESDAY, WEDNESDAY, THURSDAY = (date(2026, 11, d) for d in (16, 17, 18, 19))
SUNDAY, NEXT_MONDAY = date(2026, 11, 22), date(2026, 11, 23)


@pytest.fixture(name="late")
def late_fixture(app, world, clean):
    """A repair request received on Monday 16 November 2026 at 10:10 (due 16:10 that
    day) by the service department, and its work order, repaired by the sales
    department's team (due 24 office hours after the request: Wednesday 16:10); both
    left open. The customer is the test's own, internal."""
    with app.app_context():
        customer = Customer(name="催办测试用户", department_id=world.departments["service"],
                            level="internal")
        request = ServiceRequest(received_at=shanghai("2026-11-16 10:10"), customer=customer,
                                 kind="repair", content="冷柜不制冷",
                                 department_id=world.departments["service"])
        order = WorkOrder(service_request=request, customer=customer,
                          issued_at=shanghai("2026-11-16 11:00"), technician="李师傅",
                          fault="压缩机不启动", department_id=world.departments["sales"])
        db.session.add_all([customer, request, order])
        db.session.commit()
        made = {"customer": customer.id, "request": request.id, "order": order.id,
                "request_number": request.number, "order_number": order.number}
        db.session.remove()
    return made


def test_hours_overdue_count_office_time_except_for_an_alarm():
    due, now = shanghai("2026-11-20 16:30"), shanghai("2026-11-23 10:30")  # Fri → Mon
    assert ServiceSettings.hours_between(due, now, "repair") == 3.0  # 1 h Friday, 2 Monday
    assert ServiceSettings.hours_between(due, now, "alarm") == 66.0  # around the clock


def issue(app, day: date) -> int:
    with app.app_context():
        try:
            return issue_service_reminders(db.session, day)
        finally:
            db.session.remove()


def reminders_of(app, column, pk: int) -> list[Reminder]:
    with app.app_context():
        found = db.session.scalars(sa.select(Reminder).where(column == pk)
                                   .order_by(Reminder.day)).all()
        db.session.expunge_all()
        return found


def listed(client, pk: int) -> bool:
    page = client.get("/admin/reminder/").get_data(as_text=True)
    return bool(re.search(rf"/admin/reminder/details/\?id={pk}&", page))


def test_a_late_request_gets_one_reminder_a_working_day_until_handled(app, world, late,
                                                                     as_user):
    issue(app, TUESDAY)
    assert issue(app, TUESDAY) == 0  # run again (or by a second runner): nothing more
    (reminder,) = reminders_of(app, Reminder.service_request_id, late["request"])
    assert (reminder.subject, reminder.subject_number, reminder.day) == (
        "service_request", late["request_number"], TUESDAY)
    assert reminder.department_id == world.departments["service"]
    assert reminder.level == "internal"
    # Due Monday 16:10; at the start of Tuesday 1 h 20 min of office time had passed.
    assert reminder.due_at == shanghai("2026-11-16 16:10")
    assert (reminder.due_date, reminder.overdue_hours) == (MONDAY, Decimal("1.3"))

    issue(app, WEDNESDAY)
    assert [r.overdue_hours for r in reminders_of(
        app, Reminder.service_request_id, late["request"])] == [Decimal("1.3"),
                                                                 Decimal("10.3")]
    assert issue(app, SUNDAY) == 0  # a day off: nobody would read it
    assert len(reminders_of(app, Reminder.service_request_id, late["request"])) == 2

    clerk = as_user("clerk.service")
    clerk.post("/admin/service_request/transition/", data={
        "id": late["request"], "transition": "handle", "handling_result": "已派维修工"})
    issue(app, NEXT_MONDAY)
    assert [r.day for r in reminders_of(app, Reminder.service_request_id,
                                        late["request"])] == [TUESDAY, WEDNESDAY]


def test_a_late_work_order_is_chased_at_the_department_doing_the_repair(app, world, late,
                                                                       as_user):
    issue(app, WEDNESDAY)  # not yet late: due Wednesday 16:10
    assert reminders_of(app, Reminder.work_order_id, late["order"]) == []
    issue(app, THURSDAY)
    (reminder,) = reminders_of(app, Reminder.work_order_id, late["order"])
    assert (reminder.subject, reminder.subject_number) == ("work_order", late["order_number"])
    assert reminder.department_id == world.departments["sales"]
    assert (reminder.due_at, reminder.overdue_hours) == (shanghai("2026-11-18 16:10"),
                                                         Decimal("1.3"))
    # The addressee sees it with the other 催办单 and replies; the other department does not.
    sales, service = as_user("clerk.sales"), as_user("clerk.service")
    assert listed(sales, reminder.id)
    page = sales.get(f"/admin/reminder/details/?id={reminder.id}").get_data(as_text=True)
    assert late["order_number"] in page
    form = FormFields()
    form.feed(sales.get(f"/admin/reminder/edit/?id={reminder.id}").get_data(as_text=True))
    assert sales.post(f"/admin/reminder/edit/?id={reminder.id}",
                      data={**form.data, "reply": "备件已到，今日修复。"}).status_code == 302
    assert reminders_of(app, Reminder.work_order_id, late["order"])[0].reply == \
        "备件已到，今日修复。"
    assert not listed(service, reminder.id)
    assert service.get(f"/admin/reminder/details/?id={reminder.id}").status_code == 404


def test_a_secret_customers_reminders_stay_secret(app, world, late, as_user):
    issue(app, THURSDAY)
    request_reminder, = reminders_of(app, Reminder.service_request_id, late["request"])
    assert listed(as_user("clerk.service"), request_reminder.id)
    # The customer becomes secret: its request, its work order and their 催办单 follow.
    with app.app_context():
        db.session.get(Customer, late["customer"]).level = "secret"
        db.session.commit()
        db.session.remove()
    for column, pk in ((Reminder.service_request_id, late["request"]),
                       (Reminder.work_order_id, late["order"])):
        assert [r.level for r in reminders_of(app, column, pk)] == ["secret"]
    clerk = as_user("clerk.service")  # cleared to internal
    assert not listed(clerk, request_reminder.id)
    assert clerk.get(f"/admin/reminder/details/?id={request_reminder.id}").status_code == 404
    assert as_user("gm").get(
        f"/admin/reminder/details/?id={request_reminder.id}").status_code == 200
    # Issued from now on at the record's level too.
    issue(app, NEXT_MONDAY)
    assert [r.level for r in reminders_of(app, Reminder.service_request_id,
                                          late["request"])] == ["secret", "secret"]


def test_the_daily_job_registry_issues_them_once(app, late):
    (job,) = [job for job in DAILY_JOBS if job.name == "service-reminders"]
    day = date(2026, 11, 26)  # a Thursday no other test runs the registry for
    try:
        with app.app_context():
            first = run_due(db.session, day, (job,), "machine-a:1")
            again = run_due(db.session, day, (job,), "machine-b:2")
            issued = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(
                Reminder.day == day, Reminder.subject != "complaint"))
        assert first == [("service-reminders", "done", str(issued))]
        assert again[0][:2] == ("service-reminders", "taken")
        assert [r.day for r in reminders_of(app, Reminder.service_request_id,
                                            late["request"])] == [day]
        assert [r.day for r in reminders_of(app, Reminder.work_order_id,
                                            late["order"])] == [day]
    finally:
        with app.app_context():
            db.session.execute(sa.delete(DailyJobRun).where(DailyJobRun.job == job.name,
                                                            DailyJobRun.day == day))
            db.session.commit()
            db.session.remove()


def test_printing_selected_reminders_gives_one_page_each(app, world, late, as_user):
    issue(app, THURSDAY)
    ids = [reminders_of(app, column, late[key])[0].id for column, key in (
        (Reminder.service_request_id, "request"), (Reminder.work_order_id, "order"))]
    ids.append(next(r.id for r in world.rows_of("reminder") if r.level == "internal"))
    gm = as_user("gm")
    response = gm.post("/admin/reminder/action/", data={"action": "print_selected",
                                                         "rowid": ids})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/print/reminder?")
    html = gm.get(response.headers["Location"]).get_data(as_text=True)
    assert len(re.findall(r'class="form-page" data-form="reminder"', html)) == 3
    for number in (late["request_number"], late["order_number"]):
        assert number in html
    assert "冷柜不制冷" in html and "压缩机不启动" in html  # what the customer reported


def test_todays_reminders_on_the_home_page_count_them(app, late, as_user):
    clerk = as_user("clerk.service")
    before = todo(clerk.get("/admin/").get_data(as_text=True), "reminders-today")
    with app.app_context():
        reminder = Reminder.for_service_request(
            db.session.get(ServiceRequest, late["request"]), local_date_of(None))
        db.session.add(reminder)
        db.session.commit()
        pk = reminder.id
        db.session.remove()
    count, url = todo(clerk.get("/admin/").get_data(as_text=True), "reminders-today")
    assert count == (before[0] if before else 0) + 1
    assert re.search(rf"/admin/reminder/details/\?id={pk}&", clerk.get(url).get_data(
        as_text=True))
