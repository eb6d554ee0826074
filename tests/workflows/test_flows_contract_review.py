"""合同评审 as 002 4.1.3.1–4.1.3.2 has it: the written review of production, quality and
materials (生产、品管、物控) is needed only for a new process or a customer's special
requirement. A contract carries that flag, on by default; an ordinary repeat order
without it goes to the GM office's quote approval with no opinions. The flag is fixed
once the contract is under review."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import Contract, db
from models.decisions import LockedField

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    acting,
    clean_fixture,
    dept,
    fetch,
    make_contract,
    row_of,
    step,
    text,
    user_client_fixture,
)
from .test_workflow_contracts import contract_form


def test_a_new_contract_is_flagged_for_review_by_default(app, world, clean, user_client):
    client = user_client("supervisor")
    form = text(client.get("/admin/contract/new/"))
    assert "New process or special requirement (contract review needed)" in form
    [box] = re.findall(r'<input[^>]*name="needs_review"[^>]*>', form)
    assert "checked" in box
    pk = make_contract(app, world)
    assert fetch(app, Contract, pk, "needs_review") is True


def test_an_ordinary_order_is_approved_without_the_three_opinions(app, world, clean,
                                                                  user_client):
    pk = make_contract(app, world, status="under_review", needs_review=False)
    assert "Done: Approve quote." in text(step(user_client("gm"), "contract", pk,
                                               "approve_quote"))
    assert fetch(app, Contract, pk, "status") == "quote_approved"


def test_a_flagged_contract_still_needs_them(app, world, clean, user_client):
    pk = make_contract(app, world, status="under_review", reviews=("production",))
    page = text(step(user_client("gm"), "contract", pk, "approve_quote"))
    assert "Missing: Quality, Materials." in page
    assert fetch(app, Contract, pk, "status") == "under_review"


def test_the_flag_is_set_on_the_form_while_a_draft(app, world, clean, user_client):
    pk = make_contract(app, world)
    client = user_client("supervisor")
    response = client.post(f"/admin/contract/edit/?id={pk}",
                           data=contract_form(app, pk))  # the box unticked
    assert response.status_code == 302
    assert fetch(app, Contract, pk, "needs_review") is False
    client.post(f"/admin/contract/edit/?id={pk}",
                data=contract_form(app, pk, needs_review="y"))
    assert fetch(app, Contract, pk, "needs_review") is True


def test_the_flag_is_fixed_under_review(app, world, clean, user_client):
    pk = make_contract(app, world, status="under_review")
    with acting(app, world, "gm"), pytest.raises(LockedField, match="New process"):
        db.session.get(Contract, pk).needs_review = False
        db.session.commit()
    # The edit form no longer offers it: an unticked box posted changes nothing.
    form = text(user_client("supervisor").get(f"/admin/contract/edit/?id={pk}"))
    assert 'name="needs_review"' not in form
    user_client("supervisor").post(f"/admin/contract/edit/?id={pk}",
                                   data=contract_form(app, pk))
    assert fetch(app, Contract, pk, "needs_review") is True
    with app.app_context():
        assert db.session.scalar(sa.select(Contract.needs_review).where(
            Contract.id == pk)) is True
        db.session.remove()
