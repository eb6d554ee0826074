"""Contracts: three review opinions before the GM office approves the quote; signed, in
force, completed or terminated; order change notices confirmed by a supervisor."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Contract, OrderChange, db

from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    dept,
    fetch,
    make_contract,
    step,
    text,
    today,
    user_client_fixture,
)

ALL_REVIEWS = ("production", "quality", "materials")


@pytest.mark.parametrize("given", [(), ("production",), ("production", "quality")])
def test_quote_needs_all_three_review_opinions(app, world, clean, user_client, given):
    pk = make_contract(app, world, status="under_review", reviews=given)
    page = text(step(user_client("gm"), "contract", pk, "approve_quote"))
    assert "The quote can be approved only after production, quality and materials" in page
    missing = [a.capitalize() for a in ALL_REVIEWS if a not in given]
    assert f"Missing: {', '.join(missing)}." in page
    assert fetch(app, Contract, pk, "status", "quote_approved_by_id") == ("under_review",
                                                                         None)


def test_gm_office_approves_a_reviewed_quote(app, world, clean, user_client):
    pk = make_contract(app, world, status="under_review", reviews=ALL_REVIEWS)
    assert "Done: Approve quote." in text(step(user_client("gm"), "contract", pk,
                                               "approve_quote"))
    status, by, at = fetch(app, Contract, pk, "status", "quote_approved_by_id",
                           "quote_approved_at")
    assert (status, by) == ("quote_approved", world.users["gm"]) and at is not None


def test_only_the_gm_office_approves_a_quote(app, world, clean, user_client):
    pk = make_contract(app, world, status="under_review", reviews=ALL_REVIEWS)
    page = text(step(user_client("supervisor"), "contract", pk, "approve_quote"))
    assert "You may not do this" in page
    assert fetch(app, Contract, pk, "status") == "under_review"


def test_life_after_the_quote(app, world, clean, user_client):
    pk = make_contract(app, world, status="quote_approved", reviews=ALL_REVIEWS)
    client = user_client("supervisor")
    assert "Signed on is required for “Mark signed”." in text(
        step(client, "contract", pk, "sign"))
    assert "Done" in text(step(client, "contract", pk, "sign",
                               signed_on=today().isoformat()))
    assert "Done" in text(step(client, "contract", pk, "put_in_force"))
    assert "Termination reason is required" in text(step(client, "contract", pk,
                                                         "terminate"))
    assert "Done" in text(step(client, "contract", pk, "complete"))
    assert fetch(app, Contract, pk, "status", "signed_on") == ("completed", today())
    assert "is not possible in status “Completed”" in text(
        step(client, "contract", pk, "terminate", termination_reason="x"))


def test_termination_records_the_reason(app, world, clean, user_client):
    pk = make_contract(app, world, status="signed", signed_on=today())
    page = text(step(user_client("supervisor"), "contract", pk, "terminate",
                     termination_reason="客户违约"))
    assert "Done: Terminate." in page
    assert fetch(app, Contract, pk, "status", "termination_reason") == ("terminated",
                                                                       "客户违约")


def contract_form(app, pk: int, **values) -> dict:
    number, customer, title = fetch(app, Contract, pk, "number", "customer_id", "title")
    form = {"number": number, "customer": str(customer), "title": title, "kind": "sales",
            "currency": "CNY", "department": str(dept_of(app, pk))}
    form.update(values)
    return form


def dept_of(app, pk: int) -> int:
    return fetch(app, Contract, pk, "department_id")


def changes_of(app, pk: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(sa.select(
            OrderChange.id, OrderChange.status, OrderChange.confirmed_by_id,
            OrderChange.confirmed_at, OrderChange.content).where(
            OrderChange.contract_id == pk).order_by(OrderChange.id)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def add_change(client, app, pk: int, content: str, index: int = 0, **extra):
    return client.post(f"/admin/contract/edit/?id={pk}", data=contract_form(app, pk, **{
        f"order_changes-{index}-reason": "客户要求", f"order_changes-{index}-content": content,
        **extra}), follow_redirects=True)


def test_order_change_on_a_signed_contract_needs_the_supervisors_confirmation(
        app, world, clean, user_client, colleagues):
    """The business manager confirms first; the production manager's confirmation is
    ``tests/workflows/test_flows_order_changes.py``'s subject."""
    pk = make_contract(app, world, status="signed", signed_on=today())
    clerk, supervisor = user_client("clerk.service"), user_client("supervisor")
    assert add_change(clerk, app, pk, "交货期延后一周").status_code == 200
    [(change, status, by, at, _)] = changes_of(app, pk)
    assert (status, by, at) == ("pending", None, None)
    details = text(supervisor.get(f"/admin/contract/details/?id={pk}"))
    assert 'name="transition" value="confirm_changes"' in details
    assert "You may not do this" in text(step(clerk, "contract", pk, "confirm_changes"))
    assert changes_of(app, pk)[0][1] == "pending"
    assert "Done: Confirm order changes (business manager)." in text(
        step(supervisor, "contract", pk, "confirm_changes"))
    assert changes_of(app, pk)[0][1] == "business_confirmed"
    details = text(supervisor.get(f"/admin/contract/details/?id={pk}"))
    assert 'name="transition" value="confirm_changes"' not in details  # nothing pending
    page = text(step(supervisor, "contract", pk, "confirm_changes"))
    assert "No order change notice is awaiting confirmation." in page
    assert "Done: Confirm order changes (production manager)." in text(
        step(user_client("manager.service"), "contract", pk, "confirm_changes_production"))
    [(_, status, by, at, _)] = changes_of(app, pk)
    assert (status, by) == ("confirmed", colleagues["manager.service"]) and at is not None
    assert fetch(app, Contract, pk, "status") == "signed"  # the contract's status stays


def test_a_draft_takes_no_order_change(app, world, clean, user_client):
    pk = make_contract(app, world)
    page = text(add_change(user_client("supervisor"), app, pk, "修改单价"))
    assert "Order change notices: only a signed contract takes change notices" in page
    assert changes_of(app, pk) == []


def test_a_confirmed_change_is_kept_as_it_is(app, world, clean, user_client):
    pk = make_contract(app, world, status="in_force", signed_on=today())
    supervisor = user_client("supervisor")
    add_change(user_client("clerk.service"), app, pk, "增加数量")  # a writer of its own
    step(supervisor, "contract", pk, "confirm_changes")  # confirmed by the business manager
    [(change, *_)] = changes_of(app, pk)
    page = text(add_change(supervisor, app, pk, "篡改内容", **{
        "order_changes-0-id": str(change)}))
    assert "Order change notices: a confirmed notice cannot be changed" in page
    page = text(add_change(supervisor, app, pk, "增加数量", **{
        "order_changes-0-id": str(change), "del-order_changes-0": "y"}))
    assert "a confirmed notice is kept; it cannot be removed" in page
    assert [row[4] for row in changes_of(app, pk)] == ["增加数量"]


def test_one_opinion_per_aspect(app, world, clean, user_client):
    pk = make_contract(app, world, status="under_review")
    page = text(user_client("supervisor").post(
        f"/admin/contract/edit/?id={pk}", data=contract_form(app, pk, **{
            "reviews-0-aspect": "quality", "reviews-0-opinion": "同意",
            "reviews-0-reviewer": "甲", "reviews-0-reviewed_on": today().isoformat(),
            "reviews-1-aspect": "quality", "reviews-1-opinion": "同意",
            "reviews-1-reviewer": "乙", "reviews-1-reviewed_on": today().isoformat()}),
        follow_redirects=True))
    assert "Review opinions: one opinion per aspect (given twice: Quality)." in page
