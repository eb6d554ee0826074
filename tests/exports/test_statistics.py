"""The statistics screen: every figure against a hand-counted set of records, one
clearance test per chart (a secret record moves no figure for a confidential reader),
the department filter, bad input, and the XLSX download's typed cells."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from models import AuditEvent, Complaint, db
from reports.statistics import SECTIONS

from ..stats_support import PERIOD, delete_records, make_records, tables_of
from ..test_complaints_support import shanghai

KEYS = ("complaints-by-kind", "complaints-by-severity", "complaints-by-channel",
        "complaints-by-responsible-department", "complaints-on-time",
        "complaints-handling-time", "complaints-top-customers", "complaints-top-products",
        "returns-quantities", "returns-decisions", "returns-late-steps",
        "customers-by-grade", "customers-by-kind", "customers-by-region",
        "loans-per-month", "loans-overdue", "files-by-level-status", "penalties-amounts")


def complaint(app, world, received: str, **fields) -> int:
    values = {"channel": "phone", "kind": "quality", "severity": "general",
              "content": "统计", "department_id": world.departments["service"],
              "level": "internal", "customer_id": world.rows_of("customer")[0].id}
    values.update(fields)
    with app.app_context():
        record = Complaint(received_at=shanghai(received), **values)
        db.session.add(record)
        db.session.commit()
        return record.id


@pytest.fixture(scope="module")
def counted(app, world):
    """The hand-counted records: one of each kind (internal, "A"), plus three
    complaints: on time (1 working day), late (5 working days), not notified yet."""
    made = make_records(app, world, "internal", "A")
    made[Complaint] += [
        complaint(app, world, "2025-03-03 10:00", product="冰箱", status="notified",
                  notified_at=shanghai("2025-03-04 11:00"),
                  responsible_department_id=world.departments["sales"]),
        complaint(app, world, "2025-03-05 10:00", product="冰箱", severity="major",
                  channel="letter", level="confidential", status="notified",
                  notified_at=shanghai("2025-03-12 11:00")),
        complaint(app, world, "2025-04-01 10:00", product="空调", kind="non_quality",
                  department_id=world.departments["sales"]),
    ]
    yield made
    delete_records(app, made)


def figures(client, **args) -> dict:
    response = client.get("/admin/statistics/", query_string={**PERIOD, "section": "all",
                                                              **args})
    assert response.status_code == 200
    return tables_of(response.get_data(as_text=True))


def test_every_figure_as_counted_by_hand(app, world, counted, client_as):
    found = figures(client_as("auditor"))
    assert set(found) == set(KEYS)
    sales, service = (str(world.departments[d]) for d in ("sales", "service"))
    assert found["complaints-by-kind"]["2025-03"] == {"quality": "2", "non_quality": "0",
                                                       "total": "2"}
    assert found["complaints-by-kind"]["2025-04"] == {"quality": "1", "non_quality": "1",
                                                       "total": "2"}
    assert found["complaints-by-severity"]["2025-03"] == {"general": "1", "major": "1",
                                                           "total": "2"}
    assert found["complaints-by-severity"]["2025-04"] == {"general": "1", "major": "1",
                                                           "total": "2"}
    channels = found["complaints-by-channel"]
    assert (channels["2025-03"]["phone"], channels["2025-03"]["letter"]) == ("1", "1")
    assert (channels["2025-04"]["phone"], channels["2025-04"]["email"]) == ("1", "1")
    assert found["complaints-by-responsible-department"]["2025-03"] == {
        sales: "1", "0": "1", "total": "2"}
    assert found["complaints-by-responsible-department"]["2025-04"] == {
        sales: "0", "0": "2", "total": "2"}
    on_time = found["complaints-on-time"]
    assert on_time["2025-03 客户服务部"] == {"on_time": "1", "late": "1", "total": "2",
                                         "rate": "0.5"}
    assert on_time["2025-04 客户服务部"] == {"on_time": "1", "late": "0", "total": "1",
                                         "rate": "1.0"}
    # 3 March → 4 March: 1 working day; 5 → 12 March: 6, 7, 10, 11, 12 = 5; 2 → 3 April: 1.
    handling = found["complaints-handling-time"]
    assert (float(handling["2025-03"]["average"]), handling["2025-03"]["count"]) == (3.0, "2")
    assert (float(handling["2025-04"]["average"]), handling["2025-04"]["count"]) == (1.0, "1")
    assert found["complaints-top-products"] == {"冰箱": {"count": "2"}, "空调": {"count": "1"},
                                                "产品A": {"count": "1"}}
    assert found["complaints-top-customers"]["统计客户A"] == {"count": "1"}
    assert sorted(v["count"] for v in found["complaints-top-customers"].values()) == ["1", "3"]
    returns = found["returns-quantities"]["2025-04"]
    assert [float(returns[k]) for k in ("claimed", "counted", "difference")] == [7, 6, -1]
    assert found["returns-quantities"]["2025-03"]["claimed"] == "0"
    credit = found["returns-decisions"]["Credit"]
    assert (credit["lines"], float(credit["quantity"])) == ("1", 6)
    assert found["returns-decisions"]["Exchange"]["lines"] == "0"
    assert found["returns-late-steps"]["2025-04"] == {
        "arrived": "1", "inspection_late": "1", "decision_late": "1"}
    assert found["customers-by-grade"]["Grade A"] == {"count": "1"}
    assert found["customers-by-region"]["区域A"] == {"count": "1"}
    assert found["loans-per-month"]["2025-04"] == {"read": "0", "take_out": "1",
                                                   "total": "1"}
    assert found["loans-overdue"] == {"客户服务部": {"count": "1"}}
    assert found["files-by-level-status"]["Internal (company C)"]["in_archive"] == "1"
    penalties = found["penalties-amounts"]["2025-04"]
    assert (float(penalties[service]), float(penalties["total"])) == (300, 300)
    assert float(found["penalties-amounts"]["2025-03"]["total"]) == 0


def test_a_clerk_counts_their_department_at_their_clearance(app, world, counted, client_as):
    found = figures(client_as("clerk.sales"))
    # Complaints: department scope, so only the sales complaint of April.
    assert found["complaints-by-kind"]["2025-03"]["total"] == "0"
    assert found["complaints-by-kind"]["2025-04"] == {"quality": "0", "non_quality": "1",
                                                       "total": "1"}
    assert "penalties-amounts" in found  # clerks read their department's notices
    assert "files-by-level-status" in found


def test_the_department_filter(app, world, counted, client_as):
    found = figures(client_as("auditor"), department=world.departments["sales"])
    assert found["complaints-by-kind"]["2025-03"]["total"] == "0"
    assert found["complaints-by-kind"]["2025-04"]["total"] == "1"
    assert found["returns-quantities"]["2025-04"]["claimed"] == "0"


@pytest.fixture(scope="module")
def before_and_after(app, world, counted):
    """Every table read by a confidential reader (auditor) and by the GM office (secret),
    before and after one secret record of every kind is added in the period."""
    def read(username: str):
        from ..sessions import sign_in
        client = app.test_client()
        sign_in(app, client, world.users[username], locale="en")
        return figures(client)
    before = {user: read(user) for user in ("auditor", "gm")}
    made = make_records(app, world, "secret", "S")
    after = {user: read(user) for user in ("auditor", "gm")}
    yield before, after
    delete_records(app, made)


@pytest.mark.parametrize("key", KEYS)
def test_a_secret_record_moves_no_figure_for_a_confidential_reader(key, before_and_after):
    before, after = before_and_after
    assert after["auditor"][key] == before["auditor"][key]
    assert after["gm"][key] != before["gm"][key]  # the secret record counts for them


def test_every_section_is_covered_by_the_clearance_test():
    assert len(SECTIONS) == 8 and len(KEYS) == 18


def test_one_section_per_page_unless_all_are_asked_for(counted, client_as):
    client = client_as("auditor")
    first = tables_of(client.get("/admin/statistics/", query_string=PERIOD).get_data(
        as_text=True))
    assert set(first) == set(KEYS[:4])  # the complaints section
    found = tables_of(client.get("/admin/statistics/", query_string={
        **PERIOD, "section": "penalties"}).get_data(as_text=True))
    assert set(found) == {"penalties-amounts"}
    clerk = client_as("clerk.sales").get("/admin/statistics/?section=nothing")
    assert set(tables_of(clerk.get_data(as_text=True))) == set(KEYS[:4])


def test_a_user_who_lists_nothing_is_refused(client_as):
    assert client_as("admin").get("/admin/statistics/").status_code == 403


def test_bad_dates_fall_back_with_a_message(counted, client_as):
    page = client_as("auditor").get("/admin/statistics/?from=2025-13-01&to=x").get_data(
        as_text=True)
    assert "From: enter a date as YYYY-MM-DD." in page
    assert "To: enter a date as YYYY-MM-DD." in page
    page = client_as("auditor").get("/admin/statistics/?from=2025-05-01&to=2025-04-01"
                                    ).get_data(as_text=True)
    assert "To: must not be before the start of the period." in page


def test_the_xlsx_download_has_typed_cells_and_is_audited(app, counted, client_as):
    client = client_as("auditor")
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    response = client.get("/admin/statistics/xlsx", query_string={
        **PERIOD, "table": "complaints-on-time"})
    assert response.status_code == 200
    assert f"On-time rate by month and department-{date.today():%Y}" in \
        response.headers["Content-Disposition"] or "filename*" in \
        response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "2025-03-01" in rows[0][0] and "2025-04-30" in rows[0][0]
    assert rows[1] == ("Month and department", "Handled on time", "Handled late", "Total",
                       "On-time rate")
    march = next(r for r in rows if r[0] == "2025-03 客户服务部")
    assert march[1:] == (1, 1, 2, 0.5)
    assert isinstance(march[1], int) and isinstance(march[4], float)
    assert sheet.cell(row=3, column=5).number_format == "0.0%"
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.id > (last or 0),
                                                              AuditEvent.action == "export"))
        assert event is not None and event.model == "complaint"
    assert client.get("/admin/statistics/xlsx?table=nothing").status_code == 404


def test_the_working_day_counter_agrees_with_counting_day_by_day():
    from datetime import timedelta

    from models.workdays import WorkingDayCounter, working_days_between
    days = [date(2025, 1, 20) + timedelta(days=i) for i in range(30)]  # 春节 2025
    counter = WorkingDayCounter(days)
    for first in days:
        for last in days:
            assert counter.between(first, last) == working_days_between(first, last)
    # After 26 January (a make-up workday): 27 January, then the holiday (28 January to
    # 4 February), then 5 February.
    assert counter.between(date(2025, 1, 26), date(2025, 2, 5)) == 2


def test_a_chart_row_without_a_figure_says_so_as_its_table_does():
    from reports.charts import build_chart
    from reports.tables import Column, Table

    table = Table("t", "Average", "Month", [Column("average", "Average", kind="days"),
                                            Column("count", "Notified", charted=False)],
                  [("2026-10", [None, 0]), ("2026-11", [2.5, 2])])
    chart = build_chart(table)
    assert [(label, total) for _y, label, total in chart.rows] == [("2026-10", "—"),
                                                                   ("2026-11", "2.5")]
    assert len(chart.bars) == 1
