"""Visit plans (巡回访问计划), urgent visit reports (巡访紧急报告), monthly visit
summaries (每月巡访情况报告书) and grading reviews (客户分级评审): their steps, the
people who may sign them, and what reaches the home page (issue 14 items 1 and 6)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from models import (
    Customer,
    GradingReview,
    UrgentVisitReport,
    VisitPlan,
    VisitPlanLine,
    VisitSummary,
    db,
)
from models.monthly_review import previous_month
from models.numbering import local_date_of

from ..clocks_support import todo
from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import add, dept, fetch, step, text
from .test_visits import clean_visits_fixture, customer, report  # noqa: F401


def OWNER(world) -> dict:  # noqa: N802  (the form's department and level)
    return {"department": str(dept(world)), "level": "internal"}


def this_month() -> date:
    return local_date_of(None).replace(day=1)


def make_plan(app, world, visitor="clerk.service", lines=(), status="draft", **values):
    record = VisitPlan(period="month", starts_on=this_month(),
                       visitor_id=world.users[visitor], department_id=dept(world),
                       level="internal", status=status, **values)
    record.lines = [VisitPlanLine(customer_id=c, planned_on=d) for c, d in lines]
    return add(app, record)


# -- visit plans ------------------------------------------------------------------------

def test_a_plan_is_drawn_up_with_its_visits_and_approved_twice(app, world, client_as,
                                                               colleagues):
    pk = customer(app, world)
    clerk = client_as("clerk.service")
    day = this_month() + timedelta(days=9)
    response = clerk.post("/admin/visit_plan/new/", data={
        "period": "month", "starts_on": this_month().isoformat(),
        "visitor": str(world.users["clerk.service"]), "key_products": "节能型电源适配器",
        "lines-0-customer": str(pk), "lines-0-planned_on": day.isoformat(),
        "lines-0-purpose": "了解库存", "department": str(dept(world)), "level": "internal"})
    assert response.status_code == 302, text(response)[:3000]
    with app.app_context():
        plan = db.session.scalar(sa.select(VisitPlan).order_by(VisitPlan.id.desc()))
        plan_id = plan.id
        assert [(line.customer_id, line.planned_on) for line in plan.lines] == [(pk, day)]
        assert plan.drawn_up_by_id == world.users["clerk.service"]
        db.session.remove()
    assert "Done" in text(step(clerk, "visit_plan", plan_id, "submit"))
    supervisor = client_as("supervisor")
    assert "Done" in text(step(supervisor, "visit_plan", plan_id, "approve_department"))
    # The GM office's approval is its own: a supervisor holds no grant for it.
    step(supervisor, "visit_plan", plan_id, "approve")
    assert fetch(app, VisitPlan, plan_id, "status") == "department_approved"
    assert "Done" in text(step(client_as("gm"), "visit_plan", plan_id, "approve"))
    assert fetch(app, VisitPlan, plan_id, "status", "approved_by_id") == (
        "approved", world.users["gm"])


def test_whoever_submitted_the_plan_does_not_approve_it(app, world, client_as,
                                                        colleagues):
    pk = make_plan(app, world, visitor="supervisor")
    supervisor = client_as("supervisor")
    step(supervisor, "visit_plan", pk, "submit")
    page = text(step(supervisor, "visit_plan", pk, "approve_department"))
    assert "Submitted by and Approved by the department head cannot be the same person." \
        in page
    assert fetch(app, VisitPlan, pk, "status") == "submitted"
    assert "Done" in text(step(client_as("manager.service"), "visit_plan", pk,
                               "approve_department"))


def test_a_planned_visit_outside_the_period_is_refused(app, world, client_as):
    pk = customer(app, world)
    outside = this_month() - timedelta(days=3)
    page = text(client_as("clerk.service").post("/admin/visit_plan/new/", data={
        "period": "month", "starts_on": this_month().isoformat(),
        "visitor": str(world.users["clerk.service"]), "lines-0-customer": str(pk),
        "lines-0-planned_on": outside.isoformat(), "department": str(dept(world)),
        "level": "internal"}, follow_redirects=True))
    assert f"Planned date (line 1): {outside.isoformat()} is outside the plan's period." \
        in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VisitPlanLine).where(
            VisitPlanLine.customer_id == pk)) == 0
        db.session.remove()


# -- urgent visit reports ---------------------------------------------------------------

def test_an_urgent_report_reaches_the_gm_office_at_once(app, world, client_as):
    gm = client_as("gm")
    before = (todo(text(gm.get("/admin/")), "urgent-visit-report-mark-read") or (0, ""))[0]
    response = client_as("supervisor").post("/admin/urgent_visit_report/new/", data={
        "kind": "competitor_product", "subject": "同行新品上市", "content": "价格低于我司",
        "department": str(dept(world)), "level": "internal"})
    assert response.status_code == 302, text(response)[:2000]
    count, url = todo(text(gm.get("/admin/")), "urgent-visit-report-mark-read")
    assert count == before + 1
    assert "同行新品上市" in text(gm.get(url))
    with app.app_context():
        pk = db.session.scalar(sa.select(UrgentVisitReport.id).where(
            UrgentVisitReport.subject == "同行新品上市"))
        db.session.remove()
    assert fetch(app, UrgentVisitReport, pk, "reported_by_id") == world.users["supervisor"]
    assert "Done" in text(step(gm, "urgent_visit_report", pk, "mark_read"))
    assert fetch(app, UrgentVisitReport, pk, "read_at") is not None
    refused = text(step(gm, "urgent_visit_report", pk, "decide"))
    assert "Decision taken" in refused
    assert fetch(app, UrgentVisitReport, pk, "status") == "read"
    assert "Done" in text(step(gm, "urgent_visit_report", pk, "decide",
                               decision="销售部一周内提出应对方案"))
    assert fetch(app, UrgentVisitReport, pk, "status", "decided_by_id") == (
        "decided", world.users["gm"])
    # A clerk reads the department's urgent reports but writes none.
    clerk = client_as("clerk.service")
    assert clerk.get(f"/admin/urgent_visit_report/details/?id={pk}").status_code == 200
    assert clerk.get("/admin/urgent_visit_report/new/").status_code == 403


def test_an_urgent_report_is_never_below_its_customers_level(app, world):
    secret = customer(app, world, level="secret")
    pk = add(app, UrgentVisitReport(subject="机密客户事项", customer_id=secret,
                                    department_id=dept(world), level="internal"))
    assert fetch(app, UrgentVisitReport, pk, "level") == "secret"


# -- monthly visit summaries -------------------------------------------------------------

def test_the_summary_is_made_from_the_months_reports(app, world, client_as, colleagues):
    month = previous_month()
    with app.app_context():  # one summary per department and month: none left by others
        db.session.execute(sa.delete(VisitSummary).where(
            VisitSummary.month == month, VisitSummary.department_id == dept(world)))
        db.session.commit()
    grade_a = customer(app, world, "A", name="汇总客户甲")
    grade_b = customer(app, world, "B", name="汇总客户乙")
    days = (local_date_of(None) - month).days
    report(app, world, grade_a, days_ago=days - 2, quality_score=90, service_score=80)
    report(app, world, grade_a, days_ago=days - 3, quality_score=80, service_score=100)
    report(app, world, grade_b, days_ago=days - 4, quality_score=70)
    clerk = client_as("clerk.service")
    response = clerk.post("/admin/visit_summary/new/", data={
        "month": month.isoformat(), "comments": "按计划完成", **OWNER(world)})
    assert response.status_code == 302, text(response)[:2000]
    with app.app_context():
        pk = db.session.scalar(sa.select(VisitSummary.id).where(
            VisitSummary.month == month, VisitSummary.department_id == dept(world)))
        db.session.remove()
    page = text(clerk.get(f"/admin/visit_summary/details/?id={pk}"))
    assert "汇总客户甲: 85/90/—" in page and "汇总客户乙: 70/—/—" in page
    done = re.search(r"clerk\.service: (\d+)/0", page)  # the world's reports count too
    assert done and int(done.group(1)) >= 3
    assert "Done" in text(step(client_as("supervisor"), "visit_summary", pk, "review"))
    again = text(clerk.post("/admin/visit_summary/new/", follow_redirects=True, data={
        "month": month.isoformat(), **OWNER(world)}))
    assert fetch(app, VisitSummary, pk, "status") == "reviewed"
    assert "Month (first day): the department has its summary of that month already." \
        in again


def test_a_summary_of_a_month_not_begun_is_refused(app, world, client_as):
    following = (this_month() + timedelta(days=40)).replace(day=1)
    page = text(client_as("clerk.service").post("/admin/visit_summary/new/",
                                                follow_redirects=True,
                                                data={"month": following.isoformat(),
                                                      **OWNER(world)}))
    assert "Month (first day): a month that has not begun has no visits to summarise." in page


# -- grading reviews ----------------------------------------------------------------------

def test_the_grade_changes_only_through_a_decided_review(app, world, client_as):
    pk = customer(app, world, "C")
    supervisor = client_as("supervisor")
    response = supervisor.post("/admin/grading_review/new/", data={
        "customer": str(pk), "nature": "经销商", "size": "中型", "sales": "3200000",
        "trend": "growing", "grade": "B", "reasons": "销售额连续增长",
        "department": str(dept(world))})
    assert response.status_code == 302, text(response)[:2000]
    with app.app_context():
        review = db.session.scalar(sa.select(GradingReview).where(
            GradingReview.customer_id == pk))
        review_id = review.id
        assert (review.previous_grade, review.grade, review.proposed_by_id) == (
            "C", "B", world.users["supervisor"])
        db.session.remove()
    assert fetch(app, Customer, pk, "grade") == "C"  # proposed only
    gm = client_as("gm")
    assert "Decided grade" in text(step(gm, "grading_review", review_id, "decide"))
    assert "Done" in text(step(gm, "grading_review", review_id, "decide", decided_grade="B"))
    assert fetch(app, Customer, pk, "grade") == "B"
    assert fetch(app, GradingReview, review_id, "status", "decided_by_id") == (
        "decided", world.users["gm"])


def test_the_proposer_does_not_decide(app, world, client_as, colleagues):
    pk = customer(app, world, "B")
    boss = client_as("gm.supervisor")  # supervisor and GM office at once
    boss.post("/admin/grading_review/new/", data={
        "customer": str(pk), "trend": "declining", "grade": "C",
        "department": str(dept(world))})
    with app.app_context():
        review_id = db.session.scalar(sa.select(GradingReview.id).where(
            GradingReview.customer_id == pk))
        db.session.remove()
    page = text(step(boss, "grading_review", review_id, "decide", decided_grade="C"))
    assert "Proposed by and Decided by cannot be the same person." in page
    assert fetch(app, Customer, pk, "grade") == "B"
    assert "Done" in text(step(client_as("gm"), "grading_review", review_id, "reject",
                               decision_remarks="维持原等级"))
    assert fetch(app, Customer, pk, "grade") == "B"


# -- customer qualifications ------------------------------------------------------------

def test_a_qualification_near_its_expiry_is_on_the_home_page(app, world, client_as):
    from models import CustomerQualification
    pk = customer(app, world, name="资质客户")
    clerk = client_as("clerk.service")
    before = todo(text(clerk.get("/admin/")), "customer-qualification-expiring")[0]
    soon = local_date_of(None) + timedelta(days=CustomerQualification.remind_days - 1)
    later = local_date_of(None) + timedelta(days=CustomerQualification.remind_days + 30)
    for number, until in (("ZZ-SOON-1", soon), ("ZZ-LATER-1", later)):
        response = clerk.post("/admin/customer_qualification/new/", data={
            "customer": str(pk), "kind": "business_licence", "certificate_no": number,
            "valid_until": until.isoformat(), **OWNER(world)})
        assert response.status_code == 302, text(response)[:2000]
    count, url = todo(text(clerk.get("/admin/")), "customer-qualification-expiring")
    assert count == before + 1
    listed = text(clerk.get(url))
    assert "ZZ-SOON-1" in listed and "ZZ-LATER-1" not in listed


def test_a_qualification_is_as_confidential_as_its_customer(app, world, client_as):
    from models import CustomerQualification
    secret = customer(app, world, level="secret")
    pk = add(app, CustomerQualification(
        customer_id=secret, certificate_no="ZZ-SECRET-1", valid_until=date(2030, 1, 1),
        department_id=dept(world), level="internal"))
    assert fetch(app, CustomerQualification, pk, "level") == "secret"
    assert client_as("clerk.service").get(
        f"/admin/customer_qualification/details/?id={pk}").status_code == 404


def test_a_review_is_proposed_from_the_customers_page_and_due_yearly(app, world, client_as):
    from .test_visits import due_ids
    pk = customer(app, world, "B")
    supervisor = client_as("supervisor")
    page = text(supervisor.get(f"/admin/customer/details/?id={pk}"))
    url = f"/admin/grading_review/new/?customer={pk}"
    assert "Propose a grading review" in page and url in page
    form = text(supervisor.get(url))
    assert f'id="customer" name="customer" type="hidden" value="{pk}"' in form
    assert 'selected value="B"' in form  # the customer's grade, as the proposal
    assert "Propose a grading review" not in text(client_as("clerk.service").get(
        f"/admin/customer/details/?id={pk}"))
    assert pk in due_ids(app, world, "grading_review_due", "supervisor")
    assert todo(text(supervisor.get("/admin/")), "customer-grading-review-due") is not None
    review = add(app, GradingReview(customer_id=pk, grade="A", status="decided",
                                    decided_grade="A", department_id=dept(world),
                                    decided_at=local_date_now(), level="internal"))
    assert review and pk not in due_ids(app, world, "grading_review_due", "supervisor")


def local_date_now():
    from models.mixins import utcnow
    return utcnow()


# -- the customer's sales year by year and credit incidents -----------------------------

def test_one_sales_figure_per_customer_and_year(app, world, client_as):
    from models import CustomerYearSales
    pk = customer(app, world, name="销售实绩客户")
    clerk = client_as("clerk.service")
    form = {"customer": str(pk), "year": "2025", "sales": "3200000", **OWNER(world)}
    assert clerk.post("/admin/customer_year_sales/new/", data=form).status_code == 302
    page = text(clerk.post("/admin/customer_year_sales/new/", data={**form, "sales": "1"},
                           follow_redirects=True))
    assert "Year: the customer has a sales figure for that year already." in page
    with app.app_context():
        rows = db.session.scalars(sa.select(CustomerYearSales.sales).where(
            CustomerYearSales.customer_id == pk)).all()
        db.session.remove()
    assert rows == [3200000]


def test_credit_incidents_are_as_confidential_as_their_customer(app, world, client_as):
    from models import CreditIncident
    secret = customer(app, world, level="secret")
    pk = add(app, CreditIncident(customer_id=secret, occurred_on=date(2026, 5, 1),
                                 kind="bad_debt", department_id=dept(world),
                                 level="internal"))
    assert fetch(app, CreditIncident, pk, "level") == "secret"
    assert client_as("clerk.service").get(
        f"/admin/credit_incident/details/?id={pk}").status_code == 404
    assert client_as("gm").get(f"/admin/credit_incident/details/?id={pk}").status_code == 200
