"""Return slips: confirmed then approved before goods are received; counted quantities
prevail; inspection and decision deadlines; decisions per line; no non-quality return
across calendar years."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import ReturnLine, ReturnSlip, db

from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    bulk,
    clean_fixture,
    dept,
    fetch,
    make_slip,
    row_of,
    step,
    text,
    today,
    transitions_logged,
    user_client_fixture,
)


def lines_of(app, pk: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(sa.select(
            ReturnLine.id, ReturnLine.quantity_counted, ReturnLine.decision,
            ReturnLine.decision_reason).where(ReturnLine.slip_id == pk)
            .order_by(ReturnLine.id)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_confirm_approve_receive_with_counted_quantities(app, world, clean, user_client,
                                                        colleagues):
    pk = make_slip(app, world, lines=(("电热水壶", "12"), ("底座", "12")))
    supervisor, clerk = user_client("supervisor"), user_client("clerk.service")
    assert "Done" in text(step(supervisor, "return_slip", pk, "confirm"))
    # Another person of the customer-service department approves (separation of duties).
    assert "Done" in text(step(user_client("manager.service"), "return_slip", pk, "approve"))
    (first, *_), (second, *_) = lines_of(app, pk)
    arrived = today() - timedelta(days=1)
    page = text(step(clerk, "return_slip", pk, "receive", arrived_on=arrived.isoformat(),
                     **{f"line-{first}-quantity_counted": "11",
                        f"line-{second}-quantity_counted": "12.5"}))
    assert "Done: Goods received." in page
    status, arrived_on, inspect_due, decide_due = fetch(
        app, ReturnSlip, pk, "status", "arrived_on", "inspection_due_on", "decision_due_on")
    assert (status, arrived_on) == ("received", arrived)
    assert inspect_due == arrived + timedelta(days=3)
    assert decide_due == arrived + timedelta(days=5)
    assert [line[1] for line in lines_of(app, pk)] == [Decimal("11"), Decimal("12.5")]
    with app.app_context():
        slip = db.session.get(ReturnSlip, pk)
        assert slip.total_claimed == Decimal("24")
        assert slip.total_quantity == Decimal("23.5")  # the counted quantity prevails
        db.session.remove()
    details = text(clerk.get(f"/admin/return_slip/details/?id={pk}"))
    assert "Total quantity (counted prevails)" in details and "23.5" in details


@pytest.mark.parametrize("status", ["applied", "confirmed"])
def test_goods_are_refused_on_a_slip_not_confirmed_and_approved(app, world, clean,
                                                                user_client, status):
    pk = make_slip(app, world, status=status)
    [(line, *_)] = lines_of(app, pk)
    page = text(step(user_client("supervisor"), "return_slip", pk, "receive",
                     arrived_on=today().isoformat(),
                     **{f"line-{line}-quantity_counted": "12"}))
    assert "Goods cannot be received on this slip: it must first be confirmed by the " \
        "regional manager and approved by customer service." in page
    assert fetch(app, ReturnSlip, pk, "status", "arrived_on") == (status, None)
    assert lines_of(app, pk)[0][1] is None


def test_an_approved_status_without_both_signatures_is_refused_too(app, world, clean,
                                                                   user_client):
    pk = make_slip(app, world, status="approved")  # e.g. imported without the stamps
    [(line, *_)] = lines_of(app, pk)
    page = text(step(user_client("clerk.service"), "return_slip", pk, "receive",
                     arrived_on=today().isoformat(),
                     **{f"line-{line}-quantity_counted": "12"}))
    assert "Goods cannot be received on this slip" in page
    assert fetch(app, ReturnSlip, pk, "status") == "approved"


def approved_slip(app, world, **values) -> int:
    return make_slip(app, world, status="approved", confirmed_by_id=world.users["supervisor"],
                     approved_by_id=world.users["supervisor"], **values)


def test_receiving_needs_every_counted_quantity(app, world, clean, user_client):
    pk = approved_slip(app, world, lines=(("电热水壶", "12"), ("底座", "12")))
    (first, *_), _second = lines_of(app, pk)
    page = text(step(user_client("clerk.service"), "return_slip", pk, "receive",
                     arrived_on=today().isoformat(),
                     **{f"line-{first}-quantity_counted": "12"}))
    assert "Quantity counted: required for every line (missing on line 2)." in page
    assert fetch(app, ReturnSlip, pk, "status") == "approved"
    assert lines_of(app, pk)[0][1] is None  # nothing of the refused step was kept


@pytest.mark.parametrize(("field", "value", "message"), [
    ("arrived_on", "tomorrow", "Arrived on: enter a date as YYYY-MM-DD."),
    ("arrived_on", "2026-02-30", "Arrived on: enter a date as YYYY-MM-DD."),
    ("count", "abc", "Quantity counted (line 1): enter a number."),
    ("count", "-3", "Quantity counted (line 1): must not be negative."),
    ("count", "1e30", "Quantity counted (line 1): the number is too large."),
    ("count", "NaN", "Quantity counted (line 1): enter a number."),
])
def test_bad_values_are_named_and_change_nothing(app, world, clean, user_client, field,
                                                 value, message):
    pk = approved_slip(app, world)
    [(line, *_)] = lines_of(app, pk)
    data = {"arrived_on": today().isoformat(), f"line-{line}-quantity_counted": "12"}
    data["arrived_on" if field == "arrived_on" else f"line-{line}-quantity_counted"] = value
    response = step(user_client("clerk.service"), "return_slip", pk, "receive", **data)
    assert response.status_code == 200
    assert message in text(response)
    assert fetch(app, ReturnSlip, pk, "status") == "approved"


def test_arrival_cannot_be_in_the_future(app, world, clean, user_client):
    pk = approved_slip(app, world)
    [(line, *_)] = lines_of(app, pk)
    page = text(step(user_client("clerk.service"), "return_slip", pk, "receive",
                     arrived_on=(today() + timedelta(days=2)).isoformat(),
                     **{f"line-{line}-quantity_counted": "12"}))
    assert "Arrived on: cannot be in the future." in page


def received_slip(app, world, days_ago: int, status="received", **values) -> int:
    return make_slip(app, world, status=status, confirmed_by_id=world.users["supervisor"],
                     approved_by_id=world.users["supervisor"],
                     arrived_on=today() - timedelta(days=days_ago), **values)


def test_late_inspection_and_decision_are_flagged(app, world, clean, user_client):
    on_time = received_slip(app, world, 1)
    inspection_late = received_slip(app, world, 4)
    decision_late = received_slip(app, world, 6, status="inspected",
                                  inspected_on=today() - timedelta(days=5))
    closed = received_slip(app, world, 30, status="closed")
    client = user_client("supervisor")
    late_list = text(client.get("/admin/return_slip/?late=1"))
    link = "/admin/return_slip/details/?id={}&"
    assert link.format(inspection_late) in late_list
    assert link.format(decision_late) in late_list
    assert link.format(on_time) not in late_list and link.format(closed) not in late_list
    full_list = text(client.get("/admin/return_slip/?page_size=100"))
    assert full_list.count('data-late="1"') >= 2
    assert link.format(on_time) in full_list
    details = text(client.get(f"/admin/return_slip/details/?id={inspection_late}"))
    assert "Inspection overdue" in details
    assert "Decision overdue" in text(client.get(
        f"/admin/return_slip/details/?id={decision_late}"))


def test_inspection_date_follows_arrival(app, world, clean, user_client):
    pk = received_slip(app, world, 1)
    page = text(step(user_client("clerk.service"), "return_slip", pk, "inspect",
                     inspected_on=(today() - timedelta(days=3)).isoformat()))
    assert "Inspected on: cannot be before" in page
    page = text(step(user_client("clerk.service"), "return_slip", pk, "inspect",
                     inspected_on=today().isoformat()))
    assert "Done: Inspected." in page


def inspected_slip(app, world) -> int:
    return received_slip(app, world, 2, status="inspected", inspected_on=today(),
                         lines=(("衬衫", "80"), ("衬衫", "70")))


def test_every_line_gets_a_decision(app, world, clean, user_client):
    pk = inspected_slip(app, world)
    (first, *_), _ = lines_of(app, pk)
    page = text(step(user_client("clerk.service"), "return_slip", pk, "decide",
                     decided_on=today().isoformat(), **{f"line-{first}-decision": "credit"}))
    assert "Decision: required for every line (missing on line 2)." in page
    assert fetch(app, ReturnSlip, pk, "status") == "inspected"


def test_a_rejected_line_needs_a_reason(app, world, clean, user_client):
    pk = inspected_slip(app, world)
    (first, *_), (second, *_) = lines_of(app, pk)
    client = user_client("clerk.service")
    decision = {"decided_on": today().isoformat(), f"line-{first}-decision": "exchange",
                f"line-{second}-decision": "rejected"}
    page = text(step(client, "return_slip", pk, "decide", **decision))
    assert "Decision reason (line 2): a rejected line needs a reason." in page
    assert fetch(app, ReturnSlip, pk, "status") == "inspected"
    page = text(step(client, "return_slip", pk, "decide", **decision, **{
        f"line-{second}-decision_reason": "外包装已拆封，原样退回"}))
    assert "Done: Decision made." in page
    assert [line[2:] for line in lines_of(app, pk)] == [
        ("exchange", None), ("rejected", "外包装已拆封，原样退回")]


def test_an_unknown_decision_is_named(app, world, clean, user_client):
    pk = inspected_slip(app, world)
    (first, *_), (second, *_) = lines_of(app, pk)
    page = text(step(user_client("clerk.service"), "return_slip", pk, "decide",
                     decided_on=today().isoformat(), **{f"line-{first}-decision": "refund",
                                                        f"line-{second}-decision": "credit"}))
    assert "Decision (line 1): choose one of the listed values." in page


def slip_form(world, **values) -> dict:
    form = {"customer": str(row_of(world, "customer").id), "order_no": "SO-T-1",
            "department": str(dept(world)), "level": "internal",
            "lines-0-product": "浓缩洗衣液", "lines-0-quantity_claimed": "24"}
    form.update(values)
    return form


def slips_with_order(app, order_no: str) -> list:
    with app.app_context():
        found = db.session.scalars(sa.select(ReturnSlip.id).where(
            ReturnSlip.order_no == order_no)).all()
        db.session.remove()
    return found


def test_non_quality_return_across_calendar_years_is_refused(app, world, clean,
                                                             user_client):
    last_year = date(today().year - 1, 12, 28)
    client = user_client("clerk.service")
    page = text(client.post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-CROSS", sold_on=last_year.isoformat()), follow_redirects=True))
    assert f"Sold on: goods sold in {last_year.year} cannot be returned for a non-quality " \
        f"reason in {today().year}." in page
    assert 'value="SO-CROSS"' in page  # the user's input is still in the form
    assert slips_with_order(app, "SO-CROSS") == []
    response = client.post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-CROSS-Q", sold_on=last_year.isoformat(), quality_problem="y",
        within_warranty="y"))
    assert response.status_code == 302
    assert len(slips_with_order(app, "SO-CROSS-Q")) == 1


def test_quality_return_out_of_warranty_across_calendar_years_is_refused(
        app, world, clean, user_client):
    """Only a quality problem within the warranty is the company's cost; any other
    return of last year's goods is refused, and the form keeps what was typed."""
    last_year = date(today().year - 1, 12, 28)
    page = text(user_client("clerk.service").post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-CROSS-W", sold_on=last_year.isoformat(), quality_problem="y"),
        follow_redirects=True))
    assert f"Sold on: goods sold in {last_year.year} are out of warranty and cannot be " \
        f"returned in {today().year}." in page
    assert 'value="SO-CROSS-W"' in page
    assert slips_with_order(app, "SO-CROSS-W") == []


def test_non_quality_return_needs_the_sale_date(app, world, clean, user_client):
    page = text(user_client("clerk.service").post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-NODATE"), follow_redirects=True))
    assert "Sold on: required for a non-quality return" in page
    assert slips_with_order(app, "SO-NODATE") == []


def test_same_year_non_quality_return_is_accepted(app, world, clean, user_client):
    response = user_client("clerk.service").post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-SAME", sold_on=date(today().year, 1, 2).isoformat()))
    assert response.status_code == 302
    [pk] = slips_with_order(app, "SO-SAME")
    assert fetch(app, ReturnSlip, pk, "status", "number")[0] == "applied"


def test_line_rules_are_checked_on_save(app, world, clean, user_client):
    page = text(user_client("clerk.service").post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-LINE", quality_problem="y", **{
            "lines-0-decision": "rejected", "lines-0-quantity_claimed": "0"}),
        follow_redirects=True))
    assert "Quantity claimed (line 1): must be greater than 0." in page
    assert "Decision reason (line 1): a rejected line needs a reason." in page
    assert slips_with_order(app, "SO-LINE") == []


def test_dates_of_the_steps_are_not_form_fields(app, world, clean, user_client):
    pk = make_slip(app, world)
    form = text(user_client("clerk.service").get(f"/admin/return_slip/edit/?id={pk}"))
    for field in ("arrived_on", "inspected_on", "decided_on", "inspection_due_on"):
        assert f'name="{field}"' not in form


def test_bulk_receive_needs_the_slip_approved(app, world, clean, user_client):
    waiting = make_slip(app, world, status="confirmed")
    page = text(bulk(user_client("clerk.service"), "return_slip", "receive", [waiting]))
    assert "Goods cannot be received on this slip" in page
    assert transitions_logged(app, "return_slip", waiting) == []
