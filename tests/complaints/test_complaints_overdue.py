"""Overdue complaints: flagged in the list, counted on the home page (only what the user
may see, each figure a link to the filtered list), and chased by one reminder (催办单) to
the responsible department per overdue working day."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from models import Complaint, Reminder, db
from models.numbering import local_date_of
from models.reminder import issue_reminders
from models.workdays import is_working_day

from ..policy_oracle import EXPECTED, LEVELS, ROLE_OF, USER_INFO
from ..test_complaints_support import (  # noqa: F401  (fixtures)
    D,
    as_user_fixture,
    clean_complaints_fixture,
    load,
    register,
)
from ..threads import run_at_once

TODAY = local_date_of(None)


def ago(days: int) -> str:
    """Shanghai time ``days`` days ago, 10:00."""
    return f"{TODAY - timedelta(days=days)} 10:00"


def row_of(page: str, complaint_id: int) -> str:
    """The list row of one complaint (from its details link to the end of the row)."""
    start = page.index(f"/admin/complaint/details/?id={complaint_id}&")
    return page[start:page.index("</tr>", start)]


# -- the list flag ---------------------------------------------------------------------

def test_overdue_complaints_are_flagged_in_the_list(app, world, as_user):
    late = register(app, world, ago(20))
    fresh = register(app, world, ago(0), "major")
    closed = register(app, world, ago(20), status="closed")
    extended = register(app, world, ago(2), "major", status="investigating",
                        extended_due_date=TODAY + timedelta(days=1))
    client = as_user("clerk.service")
    page = client.get("/admin/complaint/?page_size=100&sort=0&desc=1") \
        .get_data(as_text=True)
    flags = {pk: 'data-late="1"' in row_of(page, pk)
             for pk in (late, fresh, closed, extended)
             if f"/admin/complaint/details/?id={pk}&" in page}
    assert flags[late] is True
    assert flags.get(fresh, False) is False and flags.get(closed, False) is False
    assert flags.get(extended, False) is False
    details = client.get(f"/admin/complaint/details/?id={late}").get_data(as_text=True)
    assert "Overdue by" in details


# -- the home page -----------------------------------------------------------------------

def expected_ids(world, username: str, *criteria) -> set[int] | None:
    """Complaint ids ``username`` may list that meet ``criteria`` — worked out from the
    policy oracle, not from ``permissions``; None if they may not list complaints."""
    grant = EXPECTED[ROLE_OF[username]].get("complaint")
    if grant is None or "list" not in grant[1]:
        return None
    department, clearance = USER_INFO[username]
    query = sa.select(Complaint.id).where(
        Complaint.level.in_(LEVELS[:LEVELS.index(clearance) + 1]), *criteria)
    if grant[0] == "department":
        query = query.where(Complaint.department_id == world.departments[department])
    return set(db.session.scalars(query))


def todo(page: str, key: str) -> tuple[int, str] | None:
    """(count, link) of a to-do item on the home page."""
    found = re.search(rf'href="([^"]+)" data-todo="{key}" data-todo-count="(\d+)"', page)
    return None if found is None else (int(found.group(2)), found.group(1).replace("&amp;", "&"))


def listed_count(client, url: str) -> int:
    page = client.get(url).get_data(as_text=True)
    found = re.search(r"List \((\d+)\)", page)
    return int(found.group(1)) if found else 0


@pytest.fixture
def overdue_world(app, world):
    """Overdue complaints of both departments at several levels, one closed, one not yet
    due, and complaints waiting for approval."""
    made = {
        "service-internal": register(app, world, ago(15)),
        "service-confidential": register(app, world, ago(15), level="confidential"),
        "sales-internal": register(app, world, ago(15), department="sales"),
        "sales-secret": register(app, world, ago(15), "major", department="sales",
                                 level="secret"),
        "closed": register(app, world, ago(15), status="closed"),
        "not-due": register(app, world, ago(0), "major"),
        "general-waiting": register(app, world, ago(0), status="handling_proposed",
                                    handling="refund"),
        "major-waiting": register(app, world, ago(0), "major", status="handling_proposed",
                                  handling="repair"),
        "major-waiting-secret": register(app, world, ago(0), "major", level="secret",
                                         status="handling_proposed", handling="repair"),
    }
    return made


LATE = (Complaint.status != "closed",
        sa.func.coalesce(Complaint.extended_due_date, Complaint.due_date) < TODAY)


@pytest.mark.parametrize("username", list(ROLE_OF))
def test_home_counts_overdue_complaints_the_user_may_see(app, world, as_user, overdue_world,
                                                         username):
    client = as_user(username)
    page = client.get("/admin/").get_data(as_text=True)
    with app.app_context():
        expected = expected_ids(world, username, *LATE)
    item = todo(page, "complaint-overdue")
    if expected is None:
        assert item is None
        return
    count, url = item
    assert count == len(expected)
    assert listed_count(client, url) == count  # the link lists exactly what was counted
    if count <= 100:
        listed = client.get(url + "&page_size=100").get_data(as_text=True)
        ids = {int(i) for i in re.findall(r"/admin/complaint/details/\?id=(\d+)&", listed)}
        assert ids == expected


def test_gm_office_sees_all_overdue_complaints(app, world, as_user, overdue_world):
    page = as_user("gm").get("/admin/").get_data(as_text=True)
    count, _url = todo(page, "complaint-overdue")
    with app.app_context():
        everything = db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)
                                       .where(*LATE))
    assert count == everything


@pytest.mark.parametrize("username, severity", [("supervisor", "general"),
                                                ("gm", "major")])
def test_home_lists_my_pending_approvals(app, world, as_user, overdue_world, username,
                                         severity):
    client = as_user(username)
    count, url = todo(client.get("/admin/").get_data(as_text=True), "complaint-approvals")
    with app.app_context():
        expected = expected_ids(world, username, Complaint.status == "handling_proposed",
                                Complaint.severity == severity)
    assert count == len(expected) > 0
    assert listed_count(client, url) == count
    if username == "supervisor":  # confidential clearance: the secret one is not counted
        assert overdue_world["major-waiting-secret"] not in expected


@pytest.mark.parametrize("username", ["clerk.service", "auditor", "legal", "admin"])
def test_no_approvals_item_for_who_does_not_approve(as_user, overdue_world, username):
    page = as_user(username).get("/admin/").get_data(as_text=True)
    assert todo(page, "complaint-approvals") is None


@pytest.mark.parametrize("username", ["clerk.service", "supervisor", "gm", "auditor"])
def test_late_items_of_other_records_link_to_lists_of_as_many(as_user, username):
    """Other record types with deadlines (``late_clause``) get an item each; its link is
    the list's ``?late=1``, which shows as many records as the item counts."""
    client = as_user(username)
    page = client.get("/admin/").get_data(as_text=True)
    items = re.findall(r'href="([^"]+)" data-todo="(\w+)-late" data-todo-count="(\d+)"', page)
    for url, table, count in items:
        assert table != "complaint"  # complaints have their own, filtered item
        assert listed_count(client, url.replace("&amp;", "&")) == int(count), table


# -- reminders -----------------------------------------------------------------------------

def issue(app, day: str | None = None) -> str:
    args = ["issue-reminders"] + (["--day", day] if day else [])
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def reminders_of(app, complaint_id: int) -> list[Reminder]:
    with app.app_context():
        found = db.session.scalars(sa.select(Reminder).where(
            Reminder.complaint_id == complaint_id).order_by(Reminder.day)).all()
        db.session.expunge_all()
        return found


@pytest.fixture
def eve_of_national_day(app, world):
    """Complaints received on 30 September 2026 (general: due 8 October)."""
    return {
        "to-sales": register(app, world, "2026-09-30 10:00", status="investigating",
                             responsible_department_id=world.departments["sales"],
                             level="confidential"),
        "undetermined": register(app, world, "2026-09-30 11:00"),
        "closed": register(app, world, "2026-09-30 12:00", status="closed"),
        "extended": register(app, world, "2026-09-30 13:00", "major",
                             extended_due_date=D("2026-10-15")),
    }


def test_reminder_goes_to_the_responsible_department_once_a_day(app, world,
                                                                  eve_of_national_day):
    made = eve_of_national_day
    issue(app, "2026-10-12")  # Monday
    again = issue(app, "2026-10-12")
    assert again.startswith("0 reminder(s)")
    (reminder,) = reminders_of(app, made["to-sales"])
    complaint = load(app, Complaint, made["to-sales"])
    assert (reminder.day, reminder.due_date, reminder.overdue_days) == (
        D("2026-10-12"), D("2026-10-08"), 4)
    assert reminder.department_id == world.departments["sales"]
    assert (reminder.level, reminder.subject_number) == ("confidential", complaint.number)
    # Not yet determined: the department handling the complaint is chased.
    (other,) = reminders_of(app, made["undetermined"])
    assert other.department_id == world.departments["service"]
    assert reminders_of(app, made["closed"]) == []
    assert reminders_of(app, made["extended"]) == []  # extended to the 15th

    issue(app, "2026-10-13")
    assert [r.overdue_days for r in reminders_of(app, made["to-sales"])] == [4, 5]
    assert len(reminders_of(app, made["extended"])) == 0
    issue(app, "2026-10-16")  # the extension has run out too
    assert [r.day for r in reminders_of(app, made["extended"])] == [D("2026-10-16")]


def test_no_reminder_on_a_day_off(app, world, eve_of_national_day):
    assert issue(app, "2026-10-11").startswith("0 reminder(s)")  # an ordinary Sunday
    assert reminders_of(app, eve_of_national_day["to-sales"]) == []


def test_the_database_refuses_a_second_reminder_for_the_same_day(app, world,
                                                                 eve_of_national_day):
    issue(app, "2026-10-12")
    (reminder,) = reminders_of(app, eve_of_national_day["to-sales"])
    with app.app_context():
        complaint = db.session.get(Complaint, reminder.complaint_id)
        db.session.add(Reminder.for_complaint(complaint, reminder.day))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_issue_reminders_defaults_to_today(app, world):
    complaint_id = register(app, world, ago(30))
    assert TODAY.isoformat() in issue(app)
    working = is_working_day(TODAY)[0]
    assert [r.day for r in reminders_of(app, complaint_id)] == ([TODAY] if working else [])


@pytest.mark.parametrize("username, sees", [
    ("clerk.sales", False),   # internal clearance: the confidential reminder is hidden
    ("clerk.service", False),  # another department's reminder
    ("supervisor", False),     # service department
    ("gm", True),
    ("auditor", True),
])
def test_reminders_are_seen_by_the_addressee_within_clearance(app, world, as_user,
                                                              eve_of_national_day,
                                                              username, sees):
    issue(app, "2026-10-12")
    (reminder,) = reminders_of(app, eve_of_national_day["to-sales"])
    response = as_user(username).get(f"/admin/reminder/details/?id={reminder.id}")
    assert response.status_code == (200 if sees else 404)


def test_the_addressee_replies_to_a_reminder(app, world, as_user, eve_of_national_day):
    issue(app, "2026-10-12")
    (reminder,) = reminders_of(app, eve_of_national_day["undetermined"])
    client = as_user("clerk.service")
    response = client.post(f"/admin/reminder/edit/?id={reminder.id}",
                           data={"reply": "已安排质量部复检，明日答复客户。"})
    assert response.status_code == 302
    assert reminders_of(app, eve_of_national_day["undetermined"])[0].reply.startswith("已安排")
    assert as_user("clerk.sales").get(f"/admin/reminder/edit/?id={reminder.id}") \
        .status_code == 404
    assert as_user("gm").get(f"/admin/reminder/edit/?id={reminder.id}").status_code == 403


def test_home_counts_todays_reminders_of_the_department(app, world, as_user):
    register(app, world, ago(30), department="sales")
    issue(app)
    client = as_user("clerk.sales")
    count, url = todo(client.get("/admin/").get_data(as_text=True), "reminders-today")
    with app.app_context():
        expected = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(
            Reminder.day == TODAY, Reminder.department_id == world.departments["sales"],
            Reminder.level.in_(("public", "internal"))))
    assert count == expected
    assert listed_count(client, url) == count


def test_overlapping_runs_issue_each_reminder_once(app, world, database_url,
                                                   eve_of_national_day):
    """Two runs of the same day at the same moment (PostgreSQL): the unique key refuses
    the second run's rows, it retries, and finds nothing left to issue."""
    if not database_url.startswith("postgresql"):
        pytest.skip("overlapping runs are proved on PostgreSQL")
    barrier = threading.Barrier(3)

    def run():
        with app.app_context():
            barrier.wait(timeout=30)
            issued = issue_reminders(db.session, D("2026-10-12"))
            db.session.remove()
            return issued

    issued = run_at_once(run, run, run)
    assert len(reminders_of(app, eve_of_national_day["to-sales"])) == 1
    assert len(reminders_of(app, eve_of_national_day["undetermined"])) == 1
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(
            Reminder.day == D("2026-10-12")))
    assert sum(issued) == total
