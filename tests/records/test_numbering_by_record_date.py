"""Numbers take the month of the record, not of data entry: a return slip of September
typed in December is TH2609…, a penalty notice dated October is JF2610…; the date cannot
lie in the future, and a numbered record cannot be moved into another month."""
from __future__ import annotations

import sqlalchemy as sa

from models import Penalty, ReturnSlip, db
from models.numbering import local_date_of

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    text,
    user_client_fixture,
)
from ..workflows.test_workflow_penalties import proposal
from ..workflows.test_workflow_return_slips import slip_form


def newest(app, model, **where):
    with app.app_context():
        record = db.session.scalars(sa.select(model).filter_by(**where)
                                    .order_by(model.id.desc()).limit(1)).first()
        return None if record is None else (record.id, record.number, record.number_date)


def test_a_slip_of_september_is_numbered_for_september(app, clean, user_client):
    world = app.extensions["test_world"]
    response = user_client("clerk.service").post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-SEPT", sold_on="2026-08-01", applied_on="2026-09-15"))
    assert response.status_code == 302
    _pk, number, day = newest(app, ReturnSlip, order_no="SO-SEPT")
    assert number.startswith("TH2609") and day.isoformat() == "2026-09-15"


def test_a_slip_without_a_date_is_of_today(app, clean, user_client):
    world = app.extensions["test_world"]
    user_client("clerk.service").post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-TODAY", sold_on="2026-08-01"))
    _pk, number, day = newest(app, ReturnSlip, order_no="SO-TODAY")
    today = local_date_of(None)
    assert day == today and number.startswith("TH" + today.strftime("%y%m"))


def test_a_notice_dated_october_is_numbered_for_october(app, clean, user_client):
    world = app.extensions["test_world"]
    response = user_client("supervisor").post("/admin/penalty/new/", data=proposal(
        world, reason="十月的通知", issued_on="2026-10-20"))
    assert response.status_code == 302
    _pk, number, _day = newest(app, Penalty, reason="十月的通知")
    assert number.startswith("JF2610")


def test_dates_in_the_future_are_refused_on_their_field(app, clean, user_client):
    world = app.extensions["test_world"]
    page = text(user_client("clerk.service").post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-FUTURE", sold_on="2026-08-01", applied_on="2099-01-05")))
    assert "Application date: cannot be in the future." in page
    assert newest(app, ReturnSlip, order_no="SO-FUTURE") is None


def test_a_numbered_slip_keeps_its_month(app, clean, user_client):
    world = app.extensions["test_world"]
    client = user_client("clerk.service")
    client.post("/admin/return_slip/new/", data=slip_form(
        world, order_no="SO-MOVE", sold_on="2026-08-01", applied_on="2026-09-15"))
    pk, number, _day = newest(app, ReturnSlip, order_no="SO-MOVE")
    page = text(client.post(f"/admin/return_slip/edit/?id={pk}", data=slip_form(
        world, order_no="SO-MOVE", sold_on="2026-08-01", applied_on="2026-10-02"),
        follow_redirects=True))
    assert f"{number} was numbered for another month" in page
    assert newest(app, ReturnSlip, order_no="SO-MOVE")[2].isoformat() == "2026-09-15"
    # Within its month the date may still be corrected.
    client.post(f"/admin/return_slip/edit/?id={pk}", data=slip_form(
        world, order_no="SO-MOVE", sold_on="2026-08-01", applied_on="2026-09-16"))
    assert newest(app, ReturnSlip, order_no="SO-MOVE")[2].isoformat() == "2026-09-16"
