"""订单修正通知单 as 002 4.1.10.1 has it: the business manager (业务经理) confirms the
change notice, then the production manager (生产经理) — another person — before it
reaches production planning. Both are steps on the contract; the second is refused, on
the button and in bulk, to whoever confirmed a notice of the contract as business
manager."""
from __future__ import annotations

import sqlalchemy as sa

from models import AuditEvent, Contract, OrderChange, db

from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    AUDIT_MARK,
    bulk,
    clean_fixture,
    fetch,
    make_contract,
    step,
    text,
    today,
    user_client_fixture,
)
from .test_workflow_contracts import add_change

RULE = ("Confirmed by the business manager and Order changes last confirmed by the "
        "production manager cannot be the same person.")


def changes(app, pk: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(sa.select(
            OrderChange.status, OrderChange.business_confirmed_by_id,
            OrderChange.confirmed_by_id).where(OrderChange.contract_id == pk)
            .order_by(OrderChange.id)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def signed_with_a_change(app, world, user_client) -> int:
    pk = make_contract(app, world, status="in_force", signed_on=today())
    assert add_change(user_client("clerk.service"), app, pk, "数量由 5000 改为 6000") \
        .status_code == 200
    return pk


def test_business_then_production_manager(app, world, clean, user_client, colleagues):
    pk = signed_with_a_change(app, world, user_client)
    business, production = user_client("supervisor"), user_client("manager.service")
    details = text(production.get(f"/admin/contract/details/?id={pk}"))
    assert 'value="confirm_changes_production"' not in details  # business manager first
    page = text(step(production, "contract", pk, "confirm_changes_production"))
    assert "is not possible at this point" in page or "business manager confirms first" \
        in page
    assert changes(app, pk) == [("pending", None, None)]
    assert "Done: Confirm order changes (business manager)." in text(
        step(business, "contract", pk, "confirm_changes"))
    assert changes(app, pk) == [("business_confirmed", world.users["supervisor"], None)]
    assert "Done: Confirm order changes (production manager)." in text(
        step(production, "contract", pk, "confirm_changes_production"))
    assert changes(app, pk) == [("confirmed", world.users["supervisor"],
                                 colleagues["manager.service"])]
    assert fetch(app, Contract, pk, "changes_confirmed_by_id") == \
        colleagues["manager.service"]


def test_one_person_does_not_confirm_twice(app, world, clean, user_client, colleagues):
    pk = signed_with_a_change(app, world, user_client)
    supervisor = user_client("supervisor")
    step(supervisor, "contract", pk, "confirm_changes")
    details = text(supervisor.get(f"/admin/contract/details/?id={pk}"))
    assert 'value="confirm_changes_production"' not in details  # not offered
    assert RULE in text(step(supervisor, "contract", pk, "confirm_changes_production"))
    assert RULE in text(bulk(supervisor, "contract", "confirm_changes_production", [pk]))
    assert changes(app, pk) == [("business_confirmed", world.users["supervisor"], None)]
    with app.app_context():
        refusals = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.id > AUDIT_MARK["id"], AuditEvent.action == "refused",
            AuditEvent.model == "contract", AuditEvent.record_id == str(pk)))
        db.session.remove()
    assert refusals == 2


def test_a_notice_the_business_manager_confirmed_is_kept(app, world, clean, user_client):
    pk = signed_with_a_change(app, world, user_client)
    supervisor = user_client("supervisor")
    step(supervisor, "contract", pk, "confirm_changes")
    [change] = [row[0] for row in _ids(app, pk)]
    page = text(add_change(supervisor, app, pk, "改为 8000", **{
        "order_changes-0-id": str(change)}))
    assert "a confirmed notice cannot be changed" in page
    page = text(add_change(supervisor, app, pk, "数量由 5000 改为 6000", **{
        "order_changes-0-id": str(change), "del-order_changes-0": "y"}))
    assert "a confirmed notice is kept; it cannot be removed" in page
    assert changes(app, pk) == [("business_confirmed", world.users["supervisor"], None)]


def test_the_clerk_confirms_neither(app, world, clean, user_client):
    pk = signed_with_a_change(app, world, user_client)
    clerk = user_client("clerk.service")
    for name in ("confirm_changes", "confirm_changes_production"):
        assert "You may not do this" in text(step(clerk, "contract", pk, name))
    assert changes(app, pk) == [("pending", None, None)]


def _ids(app, pk: int):
    with app.app_context():
        rows = db.session.execute(sa.select(OrderChange.id).where(
            OrderChange.contract_id == pk)).all()
        db.session.remove()
    return rows
