"""Visit reports (走访报告单 / 巡访日报), visits due by grade, the patrol visitor rule and the
complaint opened from a visit (issue 14 item 1; 001 篇1/2, 篇4 附件1; 004 第3、8条)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from models import Complaint, Customer, VisitReport, db
from models.customer_lists import CUSTOMER_LISTS
from models.mixins import utcnow
from models.visit_frequency import VisitFrequency, months_back

from ..clocks_support import todo
from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import acting, add, dept, fetch, step, text

VISIT_TABLES = ("credit_incident", "customer_year_sales", "customer_qualification",
                "urgent_visit_report", "grading_review", "visit_summary", "visit_plan_line",
                "visit_plan")


@pytest.fixture(name="clean_visits", autouse=True)
def clean_visits_fixture(app):
    """Delete what a test added: complaints, visit records and customers."""
    tables = ("complaint", *VISIT_TABLES, "visit_report", "customer")
    with app.app_context():
        marks = {t: db.session.scalar(sa.text(f"SELECT max(id) FROM {t}")) or 0
                 for t in tables}
        db.session.remove()
    yield
    with app.app_context():
        for table in tables:
            db.session.execute(sa.text(f"DELETE FROM {table} WHERE id > :mark"),
                               {"mark": marks[table]})
        db.session.commit()
        db.session.remove()


def customer(app, world, grade="A", level="internal", kind="dealer", region="华东",
             patrol_visitor=None, account_manager=None, name=None) -> int:
    return add(app, Customer(
        name=name or f"巡访客户{grade}{level}", kind=kind, grade=grade, region=region,
        level=level, department_id=dept(world, "sales"),
        patrol_visitor_id=world.users[patrol_visitor] if patrol_visitor else None,
        account_manager_id=world.users[account_manager] if account_manager else None))


def report(app, world, customer_id, by="clerk.service", days_ago=1, **values) -> int:
    with app.app_context():
        level = db.session.get(Customer, customer_id).level
        db.session.remove()
    return add(app, VisitReport(customer_id=customer_id, visited_by_id=world.users[by],
                                visited_at=utcnow() - timedelta(days=days_ago),
                                department_id=dept(world), level=level, **values))


def local(moment: datetime) -> str:
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


def report_form(customer_id, **values) -> dict:
    return {"customer": str(customer_id), "visited_at": local(utcnow() - timedelta(hours=2)),
            "opinions": "希望缩短交货期", "market_news": "同行降价5%",
            "effect": "客户认可新包装", "matters_handled": "补发样品",
            "quality_score": "90", "service_score": "85", "reputation_score": "80",
            "confirmed_by_name": "王经理", **values}


def reports_of(app, customer_id) -> list[VisitReport]:
    with app.app_context():
        rows = db.session.scalars(sa.select(VisitReport).where(
            VisitReport.customer_id == customer_id)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


# -- the report ------------------------------------------------------------------------

def test_the_visitor_files_a_report_with_the_three_scores(app, world, client_as):
    pk = customer(app, world, level="confidential")
    response = client_as("supervisor").post("/admin/visit_report/new/",
                                            data=report_form(pk))
    assert response.status_code == 302, text(response)[:2000]
    [visit] = reports_of(app, pk)
    assert (visit.visited_by_id, visit.status, visit.level) == (
        world.users["supervisor"], "submitted", "confidential")  # the customer's level
    assert (visit.quality_score, visit.service_score, visit.reputation_score) == (90, 85, 80)
    page = text(client_as("supervisor").get(f"/admin/visit_report/details/?id={visit.id}"))
    assert "90 Very good" in page and "王经理" in page


@pytest.mark.parametrize("field, value, message", [
    ("quality_score", "95", "Not a valid choice"),
    ("service_score", "40", "Not a valid choice"),
    ("visited_at", None, "Visited at: a visit cannot be reported before it happens."),
    ("visited_at", "明天上午", "Not a valid datetime value"),
])
def test_bad_input_names_the_field_and_saves_nothing(app, world, client_as, field, value,
                                                     message):
    pk = customer(app, world)
    if value is None:
        value = local(utcnow() + timedelta(days=1))
    page = text(client_as("clerk.service").post("/admin/visit_report/new/",
                                                data=report_form(pk, **{field: value}),
                                                follow_redirects=True))
    assert message in page
    assert reports_of(app, pk) == []


def test_a_score_off_the_scale_is_refused_by_the_model_and_the_database(app, world):
    pk = customer(app, world)
    with app.app_context():
        visit = VisitReport(customer_id=pk, visited_by_id=world.users["clerk.service"],
                            visited_at=utcnow(), department_id=dept(world), level="internal",
                            service_score=30, reputation_score=30)
        assert [str(p) for p in visit.problems()] == [  # the default locale: zh_CN
            "产品的知名度得分：请选择 100, 90, 85, 80, 70, 60, 50 之一。"]
        db.session.add(visit)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert reports_of(app, pk) == []


def test_who_cannot_see_the_customer_cannot_see_or_create_its_visits(app, world, client_as):
    secret = customer(app, world, level="secret")
    pk = report(app, world, secret, by="clerk.service")
    assert fetch(app, VisitReport, pk, "level") == "secret"
    clerk = client_as("clerk.service")  # clearance internal
    assert clerk.get(f"/admin/visit_report/details/?id={pk}").status_code == 404
    assert f"details/?id={pk}&" not in text(clerk.get("/admin/visit_report/"))
    page = text(clerk.post("/admin/visit_report/new/", data=report_form(secret),
                           follow_redirects=True))
    assert "choose an entry from the list" in page or "Not a valid choice" in page
    assert len(reports_of(app, secret)) == 1
    assert "巡访客户Asecret" not in text(clerk.get(
        "/admin/visit_report/ajax/lookup/?name=customer&query=巡访"))


def test_the_supervisor_reads_the_report_but_not_their_own(app, world, client_as,
                                                          colleagues):
    pk = customer(app, world)
    own = report(app, world, pk, by="supervisor")
    supervisor = client_as("supervisor")
    assert "cannot be the same person" in text(step(supervisor, "visit_report", own,
                                                    "review"))
    assert fetch(app, VisitReport, own, "status") == "submitted"
    assert "Done" in text(step(client_as("manager.service"), "visit_report", own, "review"))
    assert fetch(app, VisitReport, own, "status", "reviewed_by_id") == (
        "reviewed", world.users["manager.service"])


def test_a_complaint_is_opened_from_the_report_prefilled_and_linked(app, world, client_as):
    pk = customer(app, world)
    visit = report(app, world, pk, by="clerk.service")
    clerk = client_as("clerk.service")
    details = text(clerk.get(f"/admin/visit_report/details/?id={visit}"))
    assert "Open a complaint from this report" in details
    url = f"/admin/complaint/new/?visit_report={visit}"
    assert url in details
    form = text(clerk.get(url))
    assert 'value="visit" selected' in form or 'selected value="visit"' in form
    assert f'id="customer" name="customer" type="hidden" value="{pk}"' in form
    assert f'id="visit_report" name="visit_report" type="hidden" value="{visit}"' in form
    response = clerk.post(url, data={
        "customer": str(pk), "visit_report": str(visit), "channel": "visit",
        "received_at": local(utcnow() - timedelta(hours=1)), "content": "巡访时发现包装破损",
        "kind": "quality", "severity": "general", "department": str(dept(world)),
        "level": "internal"})
    assert response.status_code == 302, text(response)[:2000]
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(
            Complaint.visit_report_id == visit))
        assert (complaint.customer_id, complaint.channel) == (pk, "visit")
        db.session.remove()


# -- visits due --------------------------------------------------------------------------

def test_months_back_and_the_frequency_settings():
    assert months_back(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_back(date(2026, 1, 15), 3) == date(2025, 10, 15)
    assert months_back(date(2026, 12, 1), 12) == date(2025, 12, 1)
    assert [VisitFrequency.months(g) for g in "ABCD"] == [1, 3, 6, 12]
    assert VisitFrequency.months("D", "consumer") == 24  # 居民用户每2年
    assert VisitFrequency.months("C", "consumer") == 6


def due_ids(app, world, name: str, username: str) -> set[int]:
    with acting(app, world, username) as user:
        from permissions.core import today
        from permissions.scoping import actor
        ids = set(db.session.scalars(sa.select(Customer.id).where(
            CUSTOMER_LISTS[name][1](actor(), today()))))
        del user
    return ids


def test_a_customer_is_due_when_its_last_visit_is_older_than_its_grade_allows(app, world):
    grade_a = customer(app, world, "A", patrol_visitor="clerk.service")
    grade_b = customer(app, world, "B", patrol_visitor="clerk.service")
    consumer_d = customer(app, world, "D", kind="consumer", patrol_visitor="clerk.service")
    dealer_d = customer(app, world, "D", patrol_visitor="clerk.service")
    report(app, world, grade_a, days_ago=40)   # A: monthly → due
    report(app, world, grade_b, days_ago=40)   # B: quarterly → not due
    report(app, world, consumer_d, days_ago=400)  # residential D: two years → not due
    report(app, world, dealer_d, days_ago=400)    # D: yearly → due
    mine = due_ids(app, world, "my_visits_due", "clerk.service")
    assert {grade_a, dealer_d} <= mine
    assert not {grade_b, consumer_d} & mine
    assert grade_a not in due_ids(app, world, "my_visits_due", "clerk.sales")
    assert grade_a in due_ids(app, world, "department_visits_due", "supervisor")
    report(app, world, grade_a, days_ago=2)
    assert grade_a not in due_ids(app, world, "my_visits_due", "clerk.service")


def test_visits_due_are_on_the_home_page_and_the_link_lists_them(app, world, client_as):
    pk = customer(app, world, "A", patrol_visitor="clerk.service", name="到期未访客户")
    clerk = client_as("clerk.service")
    count, url = todo(text(clerk.get("/admin/")), "customer-my-visits-due")
    assert count >= 1 and url.endswith("/admin/customer/?list=my_visits_due")
    listed = text(clerk.get(url))
    assert "到期未访客户" in listed and 'data-named-list' in listed
    report(app, world, pk, days_ago=1)
    assert "到期未访客户" not in text(clerk.get(url))
    assert todo(text(client_as("supervisor").get("/admin/")),
                "customer-department-visits-due") is not None


# -- the patrol visitor is not the region's salesperson ---------------------------------

def test_a_patrol_visitor_selling_in_the_region_is_warned_and_listed(app, world, client_as):
    customer(app, world, region="西南", account_manager="clerk.sales", name="西南老客户")
    pk = customer(app, world, region="西南", name="西南新客户")
    gm = client_as("gm")
    fields = {"name": "西南新客户", "kind": "dealer", "region": "西南",
              "patrol_visitor": str(world.users["clerk.sales"]),
              "department": str(dept(world, "sales")), "level": "internal"}
    page = text(gm.post(f"/admin/customer/edit/?id={pk}", data=fields,
                        follow_redirects=True))
    assert "is a salesperson (account manager) of region 西南" in page
    assert fetch(app, Customer, pk, "patrol_visitor_id") == world.users["clerk.sales"]
    listed = text(gm.get("/admin/customer/?list=visitor_sells_in_region"))
    assert "西南新客户" in listed and "西南老客户" not in listed


def test_the_grade_is_not_offered_in_the_customer_form(app, world, client_as):
    pk = customer(app, world, "B")
    form = text(client_as("gm").get(f"/admin/customer/edit/?id={pk}"))
    assert 'name="grade"' not in form
    client_as("gm").post(f"/admin/customer/edit/?id={pk}", data={
        "name": "改名", "kind": "dealer", "grade": "A",
        "department": str(dept(world, "sales")), "level": "internal"})
    assert fetch(app, Customer, pk, "grade") == "B"
