"""Periodic reports (issue 15 item 2): each page against hand-counted records, read
through ``visible()``, with its XLSX download; the quality-feedback summary is on the
reviewer's home page until its "mark reviewed" step (stamped, audited) is done."""
from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from models import AuditEvent, Complaint, Penalty, ReportReview, db
from models.monthly_review import previous_month

from ..clocks_support import todo
from ..stats_support import delete_records, make_records, tables_of
from ..test_complaints_support import shanghai


@pytest.fixture(scope="module")
def month_records(app, world):
    """Made in March and April 2025: two closed complaints of March (on time, late; the
    late one with an administrative sanction), a secret closed one, and one record of
    each kind in April (``make_records``)."""
    made = make_records(app, world, "internal", "R")
    with app.app_context():
        base = {"customer_id": world.rows_of("customer")[0].id, "content": "月度",
                "department_id": world.departments["service"], "status": "closed",
                "kind": "quality", "channel": "phone"}
        complaints = [
            Complaint(received_at=shanghai("2025-03-03 10:00"), severity="general",
                      notified_at=shanghai("2025-03-04 10:00"),
                      closed_at=shanghai("2025-03-06 10:00"), level="internal",
                      handling="refund", loss_amount=Decimal("120.50"), **base),
            Complaint(received_at=shanghai("2025-03-05 10:00"), severity="general",
                      notified_at=shanghai("2025-03-12 10:00"),
                      closed_at=shanghai("2025-03-20 10:00"), level="confidential", **base),
            Complaint(received_at=shanghai("2025-03-05 11:00"), severity="major",
                      notified_at=shanghai("2025-03-06 10:00"),
                      closed_at=shanghai("2025-03-21 10:00"), level="secret", **base),
        ]
        db.session.add_all(complaints)
        db.session.flush()
        sanction = Penalty(complaint_id=complaints[1].id, kind="sanction", reason="迟延",
                           responsible_department_id=world.departments["service"],
                           department_id=world.departments["service"],
                           level="confidential", status="approved")
        db.session.add(sanction)
        db.session.commit()
        made[Complaint] += [c.id for c in complaints]
        made[Penalty].append(sanction.id)
        numbers = [c.number for c in complaints]
        db.session.remove()
    yield made, numbers
    delete_records(app, made)


def page(client, key: str, **args) -> str:
    response = client.get(f"/admin/reports/{key}/", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_reports_list_per_role(client_as):
    keys = ("closed-complaints", "quality-feedback", "customer-composition",
            "loan-register", "overdue-register")
    listing = client_as("gm").get("/admin/reports/").get_data(as_text=True)
    assert all(f'data-report="{k}"' in listing for k in keys)
    assert client_as("admin").get("/admin/reports/").status_code == 403
    assert client_as("auditor").get("/admin/reports/nothing/").status_code == 404


def test_monthly_review_of_closed_complaints(app, world, month_records, client_as):
    _made, numbers = month_records
    html = page(client_as("auditor"), "closed-complaints", month="2025-03")
    found = tables_of(html)
    summary = found["review-summary"]
    assert [summary[k]["count"] for k in ("Complaints closed", "Handled on time",
                                          "Handled late",
                                          "With an administrative sanction")] == \
        ["2", "1", "1", "1"]
    listing = found["review-closed"]
    assert set(listing) == set(numbers[:2])  # the secret one is not there
    assert numbers[2] not in html
    first = listing[numbers[0]]
    assert (first["on_time"], first["handling"], first["loss"]) == ("Yes", "Refund", "120.50")
    assert listing[numbers[1]]["sanction"] == "Yes"
    # The GM office (secret) counts all three.
    found = tables_of(page(client_as("gm"), "closed-complaints", month="2025-03"))
    assert found["review-summary"]["Complaints closed"]["count"] == "3"
    # A clerk of another department: none of them.
    found = tables_of(page(client_as("clerk.sales"), "closed-complaints", month="2025-03"))
    assert found["review-summary"]["Complaints closed"]["count"] == "0"


def test_quality_feedback_summary(app, world, month_records, client_as):
    found = tables_of(page(client_as("auditor"), "quality-feedback", month="2025-04"))
    assert found["quality-complaints"]["产品R"] == {"count": "1", "quantity": "0"}
    returned = found["quality-returns"]["产品R"]
    assert (returned["lines"], float(returned["claimed"]), float(returned["counted"]),
            returned["decided"], returned["credit"]) == ("1", 7, 6, "1", "1")


def test_customer_composition(app, world, month_records, client_as):
    found = tables_of(page(client_as("auditor"), "customer-composition"))
    assert found["composition-grade-kind"]["Grade A"]["retailer"] == "1"
    assert found["customers-by-region"]["区域R"] == {"count": "1"}


def test_loan_register_and_overdue_register(app, world, month_records, client_as):
    html = page(client_as("gm"), "loan-register", **{"from": "2025-04-01",
                                                      "to": "2025-04-30"})
    [row] = tables_of(html)["loan-register"].values()
    assert (row["purpose"], row["borrower"], row["due"]) == ("统计", "clerk.service",
                                                             "2025-04-20")
    found = tables_of(page(client_as("gm"), "overdue-register"))
    assert any("档案R" in heading for heading in found["overdue-loans"])
    assert any(v["reason"].startswith("Inspection overdue")
               for v in found["overdue-returns"].values())


def test_each_report_downloads_as_typed_xlsx_and_is_audited(app, month_records, client_as):
    client = client_as("gm")
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    response = client.get("/admin/reports/closed-complaints/xlsx?month=2025-03")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    summary, listing = book.worksheets
    assert summary.cell(row=3, column=2).value == 3
    rows = list(listing.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 3
    assert any(r[8] == 120.5 for r in rows)  # the loss amount, a number
    assert listing.cell(row=3, column=2).is_date
    for key in ("quality-feedback", "customer-composition", "loan-register",
                "overdue-register"):
        assert client.get(f"/admin/reports/{key}/xlsx").status_code == 200
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.id > (last or 0), AuditEvent.action == "export")).all()
        assert len(events) == 5


@pytest.fixture
def no_reviews(app):
    yield
    with app.app_context():
        db.session.execute(sa.delete(ReportReview))
        db.session.commit()


def test_quality_feedback_is_due_on_the_home_page_until_marked_reviewed(
        app, world, client_as, no_reviews):
    supervisor = client_as("supervisor")
    month = previous_month()
    key = "report-review-quality_feedback"
    count, url = todo(supervisor.get("/admin/").get_data(as_text=True), key)
    assert url.endswith(f"/admin/reports/quality-feedback/?month={month:%Y-%m}")
    html = supervisor.get(url).get_data(as_text=True)
    assert 'data-review="none"' in html and "/admin/report_review/new/" in html
    assert todo(client_as("clerk.service").get("/admin/").get_data(as_text=True), key) is None
    response = supervisor.post("/admin/report_review/new/", data={
        "report": "quality_feedback", "month": month.isoformat(), "remarks": "已上交"})
    assert response.status_code == 302
    with app.app_context():
        review = db.session.scalar(sa.select(ReportReview))
        review_id = review.id
    assert todo(supervisor.get("/admin/").get_data(as_text=True), key) is not None
    supervisor.post("/admin/report_review/transition/",
                    data={"id": review_id, "transition": "mark_reviewed"})
    with app.app_context():
        review = db.session.get(ReportReview, review_id)
        assert (review.status, review.reviewed_by_id) == ("reviewed",
                                                          world.users["supervisor"])
        assert review.reviewed_at is not None
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.model == "report_review", AuditEvent.record_id == str(review_id),
            AuditEvent.action == "transition"))
        assert event is not None and event.username == "supervisor"
    assert todo(supervisor.get("/admin/").get_data(as_text=True), key) is None
    assert 'data-review="reviewed"' in supervisor.get(url).get_data(as_text=True)
    # One review per report and month.
    response = supervisor.post("/admin/report_review/new/", data={
        "report": "quality_feedback", "month": month.isoformat()}, follow_redirects=True)
    assert "has its review already" in response.get_data(as_text=True)
