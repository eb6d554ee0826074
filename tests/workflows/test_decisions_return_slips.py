"""Return slips: what the manager confirmed is fixed, lines included; counts and
decisions come only through their steps (issue 11, item 4: a closed slip's decision and
counted quantity were changed and its lines deleted)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from models import ReturnLine, ReturnSlip, db
from models.decisions import LockedField

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    acting,
    clean_fixture,
    fetch,
    make_slip,
    step,
    text,
    today,
    user_client_fixture,
)
from .test_workflow_return_slips import lines_of, slip_form


def closed_slip(app, world) -> int:
    pk = make_slip(app, world, status="closed", lines=(("电热水壶", "12"), ("底座", "12")),
                   confirmed_by_id=world.users["supervisor"],
                   approved_by_id=world.users["supervisor"], arrived_on=today(),
                   inspected_on=today(), decided_on=today())
    with app.app_context():
        for line in db.session.get(ReturnSlip, pk).lines:
            line.quantity_counted, line.decision = Decimal("11"), "credit"
        db.session.commit()  # as the steps leave it (the test unlocks the slip for this)
        db.session.remove()
    return pk


def test_a_closed_slip_keeps_its_decision_counts_and_lines(app, world, clean, user_client,
                                                           monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(ReturnSlip, "locked_from", {"*": None})
        pk = closed_slip(app, world)
    (first, *_), (second, *_) = lines_of(app, pk)
    client = user_client("supervisor")
    form = text(client.get(f"/admin/return_slip/edit/?id={pk}"))
    assert 'name="lines-0-decision"' not in form and 'name="order_no"' not in form
    response = client.post(f"/admin/return_slip/edit/?id={pk}", data={
        "lines-0-id": str(first), "lines-0-product": "电热水壶",
        "lines-0-quantity_claimed": "12", "lines-0-quantity_counted": "1",
        "lines-0-decision": "rejected", "lines-0-decision_reason": "改判",
        "lines-1-id": str(second), "lines-1-product": "底座",
        "lines-1-quantity_claimed": "12", "del-lines-1": "y"})
    assert response.status_code == 200
    assert "“Lines” can no longer be changed" in text(response)
    assert [line[1:3] for line in lines_of(app, pk)] == [(Decimal("11"), "credit")] * 2
    for change in ("count", "decide", "delete", "remove", "add", "quality"):
        with acting(app, world, "supervisor"), pytest.raises(LockedField):
            slip = db.session.get(ReturnSlip, pk)
            line = slip.lines[0]
            if change == "count":
                line.quantity_counted = Decimal("1")
            elif change == "decide":
                line.decision = "rejected"
            elif change == "delete":
                db.session.delete(line)
            elif change == "remove":
                slip.lines.remove(line)
            elif change == "add":
                db.session.add(ReturnLine(slip_id=pk, product="新增", quantity_claimed=1))
            else:
                slip.quality_problem = False
            db.session.commit()
    assert len(lines_of(app, pk)) == 2
    assert fetch(app, ReturnSlip, pk, "quality_problem") is True


def test_an_applied_slip_is_edited_freely(app, world, clean, user_client):
    pk = make_slip(app, world)
    [(line, *_)] = lines_of(app, pk)
    response = user_client("clerk.service").post(
        f"/admin/return_slip/edit/?id={pk}", data=slip_form(world, **{
            "lines-0-id": str(line), "lines-0-quantity_claimed": "20", "quality_problem": "y",
            "lines-1-product": "底座", "lines-1-quantity_claimed": "2"}))
    assert response.status_code == 302
    assert len(lines_of(app, pk)) == 2


def test_the_receiving_step_still_records_the_counts(app, world, clean, user_client):
    pk = make_slip(app, world, status="approved", confirmed_by_id=world.users["supervisor"],
                   approved_by_id=world.users["supervisor"])
    [(line, *_)] = lines_of(app, pk)
    page = text(step(user_client("clerk.service"), "return_slip", pk, "receive",
                     arrived_on=today().isoformat(), **{f"line-{line}-quantity_counted": "9"}))
    assert "Done: Goods received." in page
    assert lines_of(app, pk)[0][1] == Decimal("9")


def test_sent_back_the_slip_is_corrected_and_signed_again(app, world, clean, user_client):
    pk = make_slip(app, world, status="approved", confirmed_by_id=world.users["supervisor"],
                   approved_by_id=world.users["supervisor"])
    [(line, *_)] = lines_of(app, pk)
    clerk, supervisor = user_client("clerk.service"), user_client("supervisor")
    assert "You may not do this" in text(step(clerk, "return_slip", pk, "send_back"))
    assert "Done: Send back." in text(step(supervisor, "return_slip", pk, "send_back"))
    assert fetch(app, ReturnSlip, pk, "status", "confirmed_by_id", "approved_by_id") == (
        "applied", None, None)
    response = clerk.post(f"/admin/return_slip/edit/?id={pk}", data=slip_form(world, **{
        "lines-0-id": str(line), "lines-0-quantity_claimed": "10", "quality_problem": "y"}))
    assert response.status_code == 302
    assert "Goods cannot be received" in text(step(
        clerk, "return_slip", pk, "receive", arrived_on=today().isoformat(),
        **{f"line-{line}-quantity_counted": "10"}))
