"""Step deadlines of a complaint (001 篇8 (九)3, (九)6): the investigation report within
3 working days of receipt, the GM office's combined opinion on a major complaint within
1 working day of the handling proposal; shown on the details page, flagged late in the
list, counted on the home page of the role that delivers the step."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from models import Complaint
from models.numbering import local_date_of
from models.workdays import add_working_days

from ..clocks_support import clean_clocks_fixture, todo  # noqa: F401  (fixture)
from ..test_complaints_support import D, as_user_fixture, load, register, shanghai, step  # noqa: F401

#: The eve of National Day 2026: 1-7 October are holidays, Saturday 10 October is a
#: make-up working day; the third working day after 30 September is 10 October.
EVE = "2026-09-30 10:00"


def test_investigation_report_is_due_on_the_third_working_day_across_the_holiday(app, world):
    pk = register(app, world, EVE, severity="major", status="investigating",
                  extended_due_date=D("2026-10-15"))
    complaint = load(app, Complaint, pk)
    assert complaint.step_due_date == D("2026-10-10")
    assert "Investigation report: due 2026-10-10 (open)" in complaint.step_deadlines_shown
    # Handling is extended to the 15th: only the step is late on the 12th.
    assert complaint.late_reason(D("2026-10-10")) is None
    assert str(complaint.late_reason(D("2026-10-12"))) == \
        "Investigation report overdue by 2 day(s) (due 2026-10-10)"


def test_combined_opinion_is_due_one_working_day_after_the_proposal(app, world):
    pk = register(app, world, EVE, severity="major", status="handling_proposed",
                  handling="refund", handling_proposed_at=shanghai("2026-09-30 16:00"),
                  extended_due_date=D("2026-10-15"))
    complaint = load(app, Complaint, pk)
    assert complaint.step_due_date == D("2026-10-08")  # past the whole holiday
    assert "GM office's combined opinion: due 2026-10-08 (open)" in \
        complaint.step_deadlines_shown
    assert str(complaint.late_reason(D("2026-10-09"))).startswith(
        "GM office's combined opinion overdue by 1 day(s)")
    # A general complaint is approved by a supervisor: no GM-office opinion clock.
    general = load(app, Complaint, register(
        app, world, EVE, status="handling_proposed", handling="refund",
        handling_proposed_at=shanghai("2026-09-30 16:00")))
    assert general.step_due_date is None


def test_the_steps_stamp_and_stop_their_clocks(app, world, as_user):
    supervisor, gm = as_user("supervisor"), as_user("gm")
    pk = register(app, world, EVE, severity="major", status="investigating")
    page = step(supervisor, pk, "determine_responsibility", cause_analysis="包装不良",
                responsible_department=str(world.departments["service"]))
    assert "Done" in page
    complaint = load(app, Complaint, pk)
    assert complaint.investigated_at is not None and complaint.step_due_date is None
    reported_on = local_date_of(complaint.investigated_at)
    assert f"Investigation report: due 2026-10-10 (done late, on {reported_on})" in \
        complaint.step_deadlines_shown
    step(supervisor, pk, "propose_handling", handling="refund")
    complaint = load(app, Complaint, pk)
    proposed_on = local_date_of(complaint.handling_proposed_at)
    assert complaint.step_due_date == add_working_days(proposed_on, 1).day
    details = gm.get(f"/admin/complaint/details/?id={pk}").get_data(as_text=True)
    assert "Step deadlines" in details
    assert f"combined opinion: due {complaint.step_due_date} (open)" in details
    step(gm, pk, "approve_major")
    complaint = load(app, Complaint, pk)
    assert complaint.step_due_date is None
    approved_on = local_date_of(complaint.approved_at)
    assert f"GM office's combined opinion: due {add_working_days(proposed_on, 1).day} " \
        f"(done on {approved_on})" in complaint.step_deadlines_shown


def only_the_step_late() -> tuple[datetime, date]:
    """A receipt time (naive UTC) whose investigation is late today while the handling,
    extended to the 7-working-day limit, is not; and that extension."""
    today = local_date_of(None)
    received = today - timedelta(days=4)
    while add_working_days(received, 3).day >= today:
        received -= timedelta(days=1)
    moment = datetime.combine(received, time(10)) - timedelta(hours=8)
    return moment, add_working_days(received, 7).day


def test_late_step_is_flagged_in_the_list_and_counted_for_its_role(app, world, as_user):
    supervisor, gm = as_user("supervisor"), as_user("gm")
    before = todo(supervisor.get("/admin/").get_data(as_text=True),
                  "complaint-step-investigation")
    assert before is not None
    received, extended = only_the_step_late()
    pk = register(app, world, received, severity="major", status="investigating",
                  extended_due_date=extended)
    count, url = todo(supervisor.get("/admin/").get_data(as_text=True),
                      "complaint-step-investigation")
    assert count == before[0] + 1
    listed = supervisor.get(url + "&page_size=100").get_data(as_text=True)
    assert f"/admin/complaint/details/?id={pk}&" in listed
    assert "Investigation report overdue by" in listed
    # The supervisor gives no GM-office opinion; the GM office gives no investigation.
    assert todo(supervisor.get("/admin/").get_data(as_text=True),
                "complaint-step-combined_opinion") is None
    assert todo(gm.get("/admin/").get_data(as_text=True),
                "complaint-step-investigation") is None
    step(supervisor, pk, "not_upheld", cause_analysis="客户误用")
    count, _url = todo(supervisor.get("/admin/").get_data(as_text=True),
                       "complaint-step-investigation")
    assert count == before[0]


def test_late_opinion_is_counted_on_the_gm_office_home_page(app, world, as_user):
    gm = as_user("gm")
    before = todo(gm.get("/admin/").get_data(as_text=True), "complaint-step-combined_opinion")
    assert before is not None
    pk = register(app, world, EVE, severity="major", status="handling_proposed",
                  handling="refund", handling_proposed_at=shanghai("2026-09-30 16:00"))
    count, url = todo(gm.get("/admin/").get_data(as_text=True),
                      "complaint-step-combined_opinion")
    assert count == before[0] + 1
    assert f"/admin/complaint/details/?id={pk}&" in gm.get(url + "&page_size=100").get_data(
        as_text=True)


def test_step_due_date_is_never_locked(app, world):
    """A derived field: the decisions lock leaves it to ``derive``."""
    for field in ("step_due_date", "investigated_at", "handling_proposed_at"):
        assert Complaint.lock_status(field) is None
