"""Inline rows (contract review opinions, return lines) are reached only through their
own parent: an id of another record's row, submitted in a form, touches nothing."""
from __future__ import annotations

import sqlalchemy as sa

from models import Contract, ContractReview, db


def test_foreign_inline_ids_touch_nothing(app, client, login_as, world):
    mine = next(r for r in world.rows_of("contract")
                if r.department == "service" and r.level == "internal")
    theirs = next(r for r in world.rows_of("contract")
                  if r.department == "sales" and r.level == "secret")
    with app.app_context():
        foreign = ContractReview(contract_id=theirs.id, aspect="quality",
                                 opinion="机密评审意见", reviewer="质量部")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
        contract = db.session.get(Contract, mine.id)
        form = {"number": contract.number, "title": contract.title, "kind": contract.kind,
                "currency": contract.currency, "customer": str(contract.customer_id),
                "department": str(contract.department_id)}
        db.session.remove()
    login_as("supervisor")
    edit = client.get(f"/admin/contract/edit/?id={mine.id}").get_data(as_text=True)
    assert "机密评审意见" not in edit
    response = client.post(f"/admin/contract/edit/?id={mine.id}", data={
        **form,
        "reviews-0-id": str(foreign_id), "reviews-0-aspect": "production",
        "reviews-0-opinion": "篡改", "reviews-0-reviewer": "x",
        "reviews-0-reviewed_on": "2026-11-20",
        "del-reviews-0": "y"})
    assert response.status_code in (200, 302)
    with app.app_context():
        kept = db.session.get(ContractReview, foreign_id)
        assert (kept.contract_id, kept.opinion, kept.aspect) == (theirs.id, "机密评审意见",
                                                                 "quality")
        # At most a new opinion on the user's own contract, never on the other one.
        owners = set(db.session.scalars(sa.select(ContractReview.contract_id)
                                        .where(ContractReview.opinion == "篡改")))
        assert owners <= {mine.id}
        db.session.remove()
