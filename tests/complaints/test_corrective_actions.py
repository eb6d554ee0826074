"""Corrective actions (改善措施表, 002 4.3.2; 001 篇8 (九)7): raised from a complaint in one
click and listed on it with their state, from an 异常处理单 or on their own; carried out,
verified, closed by the GM office; a followed-up (列入追踪) action past its due date is
late."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from models import CorrectiveAction, db

from ..test_complaints_support import as_user_fixture, load, register  # noqa: F401
from ..test_workflow_support import clean_fixture  # noqa: F401  (fixture)


def actions_of(app, complaint_id=None) -> list[CorrectiveAction]:
    with app.app_context():
        query = sa.select(CorrectiveAction).order_by(CorrectiveAction.id)
        if complaint_id is not None:
            query = query.where(CorrectiveAction.complaint_id == complaint_id)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def test_raised_from_a_complaint_prefilled_linked_and_listed_on_it(app, world, as_user, clean):
    supervisor = as_user("supervisor")
    service = world.departments["service"]
    pk = register(app, world, "2026-11-16 10:00", status="approved", cause_analysis="封口不严",
                  responsible_department_id=service, responsible_person="张三")
    page = supervisor.get(f"/admin/complaint/details/?id={pk}").get_data(as_text=True)
    assert f"/admin/corrective_action/new/?complaint={pk}" in page
    form = supervisor.get(f"/admin/corrective_action/new/?complaint={pk}").get_data(
        as_text=True)
    assert "封口不严" in form and 'value="张三"' in form
    due = (date.today() + timedelta(days=10)).isoformat()
    response = supervisor.post("/admin/corrective_action/new/", data={
        "complaint": str(pk), "cause_analysis": "封口不严", "action": "封口机每班点检",
        "responsible_department": str(service), "responsible_person": "张三",
        "due_date": due, "tracked": "y", "department": str(service), "level": "internal"})
    assert response.status_code == 302
    [action] = actions_of(app, pk)
    assert (action.source, action.status, action.number[:2]) == ("complaint", "open", "GS")
    page = supervisor.get(f"/admin/complaint/details/?id={pk}").get_data(as_text=True)
    assert f"/admin/corrective_action/details/?id={action.id}" in page
    assert 'data-raised="1"' in page and 'data-status="open"' in page


def test_a_registered_complaint_offers_no_action_yet(app, world, as_user, clean):
    pk = register(app, world, "2026-11-16 10:00")
    page = as_user("supervisor").get(f"/admin/complaint/details/?id={pk}").get_data(
        as_text=True)
    assert "/admin/corrective_action/new/" not in page


def test_carried_out_verified_and_closed_by_the_gm_office(app, world, as_user, clean):
    clerk, supervisor, gm = as_user("clerk.service"), as_user("supervisor"), as_user("gm")
    service = world.departments["service"]
    clerk.post("/admin/corrective_action/new/", data={
        "exception_no": "YC2611-003", "problem": "送货延误（未造成损失）",
        "action": "承运商排班变更提前通知", "responsible_department": str(service),
        "due_date": (date.today() + timedelta(days=5)).isoformat(), "tracked": "y",
        "department": str(service), "level": "internal"})
    [action] = actions_of(app)[-1:]
    assert action.source == "exception"

    def fire(client, name, **values):
        return client.post("/admin/corrective_action/transition/", follow_redirects=True,
                           data={"id": action.id, "transition": name, **values}
                           ).get_data(as_text=True)
    page = fire(clerk, "implement")
    assert "What was done is required" in page
    fire(clerk, "implement", implementation="已书面通知承运商")
    fire(clerk, "verify", verification_effect="未再延误")  # a clerk does not verify
    assert load(app, CorrectiveAction, action.id).status == "implemented"
    fire(supervisor, "verify", verification_effect="连续一月未再延误")
    fire(supervisor, "close")  # only the GM office closes
    record = load(app, CorrectiveAction, action.id)
    assert (record.status, record.verified_by_id) == ("verified", world.users["supervisor"])
    fire(gm, "close")
    record = load(app, CorrectiveAction, action.id)
    assert (record.status, record.closed_by_id) == ("closed", world.users["gm"])


def test_late_only_when_followed_up(app, world, clean):
    service = world.departments["service"]
    past = date.today() - timedelta(days=3)
    with app.app_context():
        rows = [CorrectiveAction(problem="p", action="a", responsible_department_id=service,
                                 due_date=past, tracked=tracked, department_id=service,
                                 level="internal") for tracked in (True, False)]
        db.session.add_all(rows)
        db.session.commit()
        ids = [row.id for row in rows]
        late = set(db.session.scalars(sa.select(CorrectiveAction.id).where(
            CorrectiveAction.late_clause(date.today()))))
    assert ids[0] in late and ids[1] not in late
    assert load(app, CorrectiveAction, ids[0]).late_reason(date.today()) is not None


def test_an_action_saying_nothing_of_the_problem_is_refused_naming_the_field(
        app, world, as_user, clean):
    before = len(actions_of(app))
    page = as_user("clerk.service").post("/admin/corrective_action/new/",
                                         follow_redirects=True, data={
        "action": "加强培训", "department": str(world.departments["service"]),
        "level": "internal"}).get_data(as_text=True)
    assert "Problem: say what went wrong" in page
    assert "Owner department: choose the department" in page
    assert len(actions_of(app)) == before


def test_the_owner_department_sees_and_carries_out_an_action_another_registered(
        app, world, as_user, clean):
    """002 4.3.2: the 改善措施表 goes to the department concerned. The service department
    registers an action for sales to carry out: sales finds it in its list and records the
    implementation; a department neither registering nor owning it does not learn of it."""
    sales, service = world.departments["sales"], world.departments["service"]
    with app.app_context():
        action = CorrectiveAction(problem="发货单据错漏", action="出库复核双签",
                                  responsible_department_id=sales, department_id=service,
                                  due_date=date.today() + timedelta(days=5), tracked=True,
                                  level="internal")
        db.session.add(action)
        db.session.commit()
        pk, number = action.id, action.number
    owner = as_user("clerk.sales")
    assert number in owner.get("/admin/corrective_action/").get_data(as_text=True)
    assert owner.get(f"/admin/corrective_action/details/?id={pk}").status_code == 200
    owner.post("/admin/corrective_action/transition/",
               data={"id": pk, "transition": "implement", "implementation": "已执行双签"})
    record = load(app, CorrectiveAction, pk)
    assert (record.status, record.implementation) == ("implemented", "已执行双签")

    with app.app_context():  # an action of service's own: sales does not see it
        own = CorrectiveAction(problem="来电漏记", action="来电登记每班核对",
                               responsible_department_id=service, department_id=service,
                               due_date=date.today() + timedelta(days=5), level="internal")
        db.session.add(own)
        db.session.commit()
        own_pk, own_number = own.id, own.number
    assert own_number not in owner.get("/admin/corrective_action/").get_data(as_text=True)
    assert owner.get(f"/admin/corrective_action/details/?id={own_pk}").status_code == 404
