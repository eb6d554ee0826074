"""The legal office's approval and the GM office's approval of a loan are two people.

Before: ``approve`` named only the requester and the borrower in ``not_by``, so one
person holding both the legal office's and the GM office's roles gave both signatures
of a loan of a litigation file, and the second approval meant nobody new.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import Loan, db

from ..accounts_support import accounts
from ..sessions import sign_in
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    fetch,
    make_file,
    make_loan,
    step,
    text,
    user_client_fixture,
)


def test_whoever_approved_for_the_legal_office_does_not_also_approve(
        app, world, clean, user_client):
    file = make_file(app, world, category="litigation")
    loan = make_loan(app, world, file)
    with accounts(app, world, both=("legal gm_office", "gm", "secret")) as made:
        both = app.test_client()
        sign_in(app, both, made["both"], locale="en")
        assert "Done" in text(step(both, "loan", loan, "legal_approve"))
        page = text(step(both, "loan", loan, "approve"))
        assert "cannot be the same person" in page
        assert fetch(app, Loan, loan, "status", "approved_by_id") == ("legal_approved", None)
        # Another member of the GM office gives the second signature.
        assert "Done" in text(step(user_client("gm"), "loan", loan, "approve"))
        assert fetch(app, Loan, loan, "status") == "approved"
        with app.app_context():  # the loan names the account, which the test removes
            db.session.execute(sa.delete(Loan).where(Loan.id == loan))
            db.session.commit()
            db.session.remove()
