"""Contracts: the amount is what the reviewers and the GM office weigh; the review
opinions are what the quote approval rests on; a signed contract changes only by an
order change notice (issue 11, item 4: a completed contract's amount went from 468000
to 1 and a review opinion was deleted)."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import Contract, ContractReview, OrderChange, db
from models.decisions import LockedField

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    acting,
    clean_fixture,
    fetch,
    make_contract,
    step,
    text,
    today,
    user_client_fixture,
)
from .test_workflow_contracts import ALL_REVIEWS, contract_form


def reviews_of(app, pk: int) -> list[str]:
    with app.app_context():
        found = db.session.scalars(sa.select(ContractReview.aspect).where(
            ContractReview.contract_id == pk).order_by(ContractReview.aspect)).all()
        db.session.remove()
    return found


def a_contract(app, world, status: str) -> int:
    return make_contract(app, world, status=status, reviews=ALL_REVIEWS,
                         amount=Decimal("468000"), signed_on=today())


def test_a_completed_contract_keeps_its_amount_and_reviews(app, world, clean, user_client):
    pk = a_contract(app, world, "completed")
    client = user_client("supervisor")
    form = text(client.get(f"/admin/contract/edit/?id={pk}"))
    assert 'name="amount"' not in form and 'name="reviews-0-opinion"' not in form
    response = client.post(f"/admin/contract/edit/?id={pk}",
                           data=contract_form(app, pk, amount="1"))
    assert response.status_code == 200
    assert "“Amount” can no longer be changed" in text(response)
    assert "changes only by an order change notice" in text(response)
    [first] = [r for r in reviews_of(app, pk) if r == "materials"]
    with app.app_context():
        review_id = db.session.scalar(sa.select(ContractReview.id).where(
            ContractReview.contract_id == pk, ContractReview.aspect == first))
        db.session.remove()
    response = client.post(f"/admin/contract/edit/?id={pk}", data={
        "reviews-0-id": str(review_id), "reviews-0-aspect": "materials",
        "reviews-0-opinion": "同意", "reviews-0-reviewer": "张工",
        "reviews-0-reviewed_on": today().isoformat(), "del-reviews-0": "y"})
    assert "“Review opinions” can no longer be changed" in text(response)
    assert fetch(app, Contract, pk, "amount") == Decimal("468000")
    assert reviews_of(app, pk) == sorted(ALL_REVIEWS)


@pytest.mark.parametrize("status", ["under_review", "signed", "completed"])
def test_a_script_cannot_change_the_amount_once_under_review(app, world, clean, status):
    pk = a_contract(app, world, status)
    with acting(app, world, "gm"), pytest.raises(LockedField, match="“Amount”"):
        db.session.get(Contract, pk).amount = Decimal("1")
        db.session.commit()
    assert fetch(app, Contract, pk, "amount") == Decimal("468000")


@pytest.mark.parametrize("how", ["delete", "remove", "change"])
def test_a_script_cannot_touch_the_opinions_of_an_approved_quote(app, world, clean, how):
    pk = a_contract(app, world, "quote_approved")
    with acting(app, world, "gm"), pytest.raises(LockedField, match="“Review opinions”"):
        contract = db.session.get(Contract, pk)
        review = contract.reviews[0]
        if how == "delete":
            db.session.delete(review)
        elif how == "remove":
            contract.reviews.remove(review)
        else:
            review.opinion = "不同意"
        db.session.commit()
    assert reviews_of(app, pk) == sorted(ALL_REVIEWS)


def test_a_draft_is_edited_freely(app, world, clean, user_client):
    pk = make_contract(app, world, amount=Decimal("468000"))
    response = user_client("supervisor").post(
        f"/admin/contract/edit/?id={pk}", data=contract_form(app, pk, amount="470000"))
    assert response.status_code == 302
    assert fetch(app, Contract, pk, "amount") == Decimal("470000")


def test_sent_back_to_draft_the_quote_is_revised_and_approved_again(app, world, clean,
                                                                    user_client):
    pk = a_contract(app, world, "under_review")
    gm, supervisor = user_client("gm"), user_client("supervisor")
    assert "Done: Send back." in text(step(gm, "contract", pk, "send_back"))
    response = supervisor.post(f"/admin/contract/edit/?id={pk}",
                               data=contract_form(app, pk, amount="450000"))
    assert response.status_code == 302
    assert "is not possible" in text(step(gm, "contract", pk, "approve_quote"))
    step(supervisor, "contract", pk, "submit_review")
    assert "Done" in text(step(gm, "contract", pk, "approve_quote"))
    assert fetch(app, Contract, pk, "status", "amount") == ("quote_approved",
                                                           Decimal("450000"))


def test_an_order_change_notice_is_still_the_way_to_change_a_signed_contract(
        app, world, clean, user_client):
    pk = a_contract(app, world, "in_force")
    supervisor = user_client("supervisor")
    # The notice is written by the clerk: its writer does not confirm it.
    response = user_client("clerk.service").post(f"/admin/contract/edit/?id={pk}", data={
        "order_changes-0-reason": "客户要求", "order_changes-0-content": "单价调整为 460 元"})
    assert response.status_code == 302
    assert "Done" in text(step(supervisor, "contract", pk, "confirm_changes"))
    with app.app_context():
        [status] = db.session.scalars(sa.select(OrderChange.status).where(
            OrderChange.contract_id == pk)).all()
        db.session.remove()
    assert status == "business_confirmed"  # then the production manager's turn
