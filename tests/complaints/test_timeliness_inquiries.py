"""洽办单 (001 篇8 (十一)3): the GM office asks the responsible department why a closed
case was handled late; the department answers with the reason; the GM office reviews.
Only a closed case the handling clock found late gets one."""
from __future__ import annotations

import sqlalchemy as sa

from models import Complaint, TimelinessInquiry, db

from ..clocks_support import clean_clocks_fixture, todo  # noqa: F401  (fixture)
from ..test_complaints_support import as_user_fixture, load, register, shanghai  # noqa: F401

RECEIVED = "2026-11-16 10:00"  # a general complaint, due Tuesday 17 November


def closed(app, world, on_time: bool, level="internal") -> int:
    notified = "2026-11-17 16:00" if on_time else "2026-11-19 09:00"
    return register(app, world, RECEIVED, status="closed", level=level,
                    notified_at=shanghai(notified), closed_at=shanghai("2026-11-20 09:00"),
                    responsible_department_id=world.departments["service"])


def inquiries_of(app, complaint_id: int) -> list[TimelinessInquiry]:
    with app.app_context():
        rows = db.session.scalars(sa.select(TimelinessInquiry).where(
            TimelinessInquiry.complaint_id == complaint_id)).all()
        db.session.expunge_all()
        return rows


def test_a_late_closed_case_links_to_a_new_inquiry_and_an_on_time_one_does_not(
        app, world, as_user):
    gm = as_user("gm")
    late, on_time = closed(app, world, False), closed(app, world, True)
    assert load(app, Complaint, late).handled_on_time is False
    page = gm.get(f"/admin/complaint/details/?id={late}").get_data(as_text=True)
    assert f"/admin/timeliness_inquiry/new/?complaint={late}" in page
    assert "Raise a timeliness inquiry" in page
    page = gm.get(f"/admin/complaint/details/?id={on_time}").get_data(as_text=True)
    assert "/admin/timeliness_inquiry/new/" not in page
    # An open case (no verdict yet) offers none either.
    open_case = register(app, world, RECEIVED, status="approved")
    page = gm.get(f"/admin/complaint/details/?id={open_case}").get_data(as_text=True)
    assert "/admin/timeliness_inquiry/new/" not in page


def test_inquiry_on_an_on_time_or_open_case_is_refused_naming_the_field(app, world, as_user):
    gm = as_user("gm")
    for pk in (closed(app, world, True), register(app, world, RECEIVED, status="approved")):
        page = gm.post("/admin/timeliness_inquiry/new/", follow_redirects=True, data={
            "complaint": str(pk), "responsible_department": str(world.departments["service"]),
            "question": "为何逾期？"}).get_data(as_text=True)
        assert "Complaint:" in page, page[page.find("alert"):page.find("alert")+600]
        assert inquiries_of(app, pk) == []


def test_gm_office_asks_the_department_answers_the_gm_office_reviews(app, world, as_user):
    gm, clerk, sales = as_user("gm"), as_user("clerk.service"), as_user("clerk.sales")
    late = closed(app, world, False, level="internal")
    response = gm.post("/admin/timeliness_inquiry/new/", data={
        "complaint": str(late), "responsible_department": str(world.departments["service"]),
        "question": "为何逾期？"})
    assert response.status_code == 302
    [inquiry] = inquiries_of(app, late)
    assert (inquiry.status, inquiry.asked_by_id, inquiry.department_id, inquiry.level) == (
        "asked", world.users["gm"], world.departments["service"], "internal")
    # Addressed to the responsible department: its clerk sees it, another department not.
    assert clerk.get(f"/admin/timeliness_inquiry/details/?id={inquiry.id}").status_code == 200
    assert sales.get(f"/admin/timeliness_inquiry/details/?id={inquiry.id}").status_code == 404
    # Waiting for the department's answer, on its home page.
    assert 'data-todo="timeliness-inquiry-answer" data-todo-count="' in \
        clerk.get("/admin/").get_data(as_text=True)
    count, url = todo(clerk.get("/admin/").get_data(as_text=True), "timeliness-inquiry-answer")
    assert count >= 1
    assert f"/admin/timeliness_inquiry/details/?id={inquiry.id}&" in clerk.get(url).get_data(
        as_text=True)
    # The GM office does not answer for the department.
    gm.post("/admin/timeliness_inquiry/transition/",
            data={"id": inquiry.id, "transition": "answer", "delay_reason": "代答"})
    assert inquiries_of(app, late)[0].status == "asked"
    clerk.post("/admin/timeliness_inquiry/transition/",
               data={"id": inquiry.id, "transition": "answer", "delay_reason": "等待质检报告"})
    [inquiry] = inquiries_of(app, late)
    assert (inquiry.status, inquiry.delay_reason, inquiry.answered_by_id) == (
        "answered", "等待质检报告", world.users["clerk.service"])
    clerk.post("/admin/timeliness_inquiry/transition/",
               data={"id": inquiry.id, "transition": "review"})
    assert inquiries_of(app, late)[0].status == "answered"
    gm.post("/admin/timeliness_inquiry/transition/",
            data={"id": inquiry.id, "transition": "review"})
    [inquiry] = inquiries_of(app, late)
    assert (inquiry.status, inquiry.reviewed_by_id) == ("reviewed", world.users["gm"])


def test_inquiry_follows_the_complaints_level(app, world, as_user):
    late = closed(app, world, False, level="internal")
    as_user("gm").post("/admin/timeliness_inquiry/new/", data={
        "complaint": str(late), "responsible_department": str(world.departments["service"])})
    with app.app_context():
        db.session.get(Complaint, late).level = "secret"
        db.session.commit()
    [inquiry] = inquiries_of(app, late)
    assert inquiry.level == "secret"
    assert as_user("clerk.service").get(
        f"/admin/timeliness_inquiry/details/?id={inquiry.id}").status_code == 404
