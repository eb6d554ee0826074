"""Archive files, penalty notices and loans: their decided fields stay as decided on every
door; the declared ways (level-change steps, a correcting notice, the loan's own steps)
still work."""
from __future__ import annotations

from decimal import Decimal

import pytest

from models import ArchiveFile, Loan, Penalty, db
from models.decisions import LockedField

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    acting,
    clean_fixture,
    fetch,
    make_file,
    make_loan,
    make_penalty,
    step,
    text,
    user_client_fixture,
)


def file_form(app, pk: int, **values) -> dict:
    customer, title, department = fetch(app, ArchiveFile, pk, "customer_id", "title",
                                        "department_id")
    return {"customer": str(customer), "title": title, "category": "sales",
            "retention": "permanent", "department": str(department), **values}


def save(app, world, model, pk: int, username="gm", **values) -> None:
    with acting(app, world, username):
        record = db.session.get(model, pk)
        for field, value in values.items():
            setattr(record, field, value)
        db.session.commit()


# -- archive files -------------------------------------------------------------------------

def test_a_file_in_the_archive_room_keeps_its_category(app, world, clean, user_client):
    pk = make_file(app, world, status="in_archive", category="litigation")
    client = user_client("clerk.service")
    form = text(client.get(f"/admin/archive_file/edit/?id={pk}"))
    assert 'name="category"' not in form and 'name="shelf"' in form
    response = client.post(f"/admin/archive_file/edit/?id={pk}",
                           data={"category": "sales"})
    assert "“Category” can no longer be changed" in text(response)
    with pytest.raises(LockedField, match="“Category”"):
        save(app, world, ArchiveFile, pk, category="sales")
    assert fetch(app, ArchiveFile, pk, "category") == "litigation"
    save(app, world, ArchiveFile, pk, shelf="7")  # moved within the room
    assert fetch(app, ArchiveFile, pk, "shelf") == "7"


def test_a_file_with_its_department_is_edited_freely(app, world, clean, user_client):
    pk = make_file(app, world, status="with_department")
    response = user_client("clerk.service").post(
        f"/admin/archive_file/edit/?id={pk}", data=file_form(app, pk, category="lease"))
    assert response.status_code == 302
    assert fetch(app, ArchiveFile, pk, "category") == "lease"


def test_the_level_change_steps_still_change_the_level(app, world, clean, user_client):
    pk = make_file(app, world, status="in_archive")
    step(user_client("supervisor"), "archive_file", pk, "request_level_change",
         requested_level="confidential", level_change_reason="含价格条款")
    assert "Done" in text(step(user_client("gm"), "archive_file", pk, "change_level",
                               requested_level="confidential",
                               level_decision_reason="同意"))
    assert fetch(app, ArchiveFile, pk, "level") == "confidential"


def test_a_superseded_file_is_kept_as_it_is(app, world, clean):
    pk = make_file(app, world, status="superseded", superseded_reason="重新立卷")
    with pytest.raises(LockedField, match="“Shelf”"):
        save(app, world, ArchiveFile, pk, shelf="9")
    with acting(app, world, "gm"), pytest.raises(LockedField, match="cannot be deleted"):
        db.session.delete(db.session.get(ArchiveFile, pk))
        db.session.commit()
    assert fetch(app, ArchiveFile, pk, "shelf") is None


# -- penalty notices -----------------------------------------------------------------------

def test_a_proposed_notice_is_amended_and_an_approved_one_is_not(app, world, clean):
    proposed = make_penalty(app, world)
    save(app, world, Penalty, proposed, username="supervisor", amount=Decimal("300"))
    assert fetch(app, Penalty, proposed, "amount") == Decimal("300")
    approved = make_penalty(app, world, status="approved", amount=Decimal("800"))
    with pytest.raises(LockedField, match="Correct with a new notice"):
        save(app, world, Penalty, approved, amount=Decimal("1"))
    assert fetch(app, Penalty, approved, "amount") == Decimal("800")


# -- loans ---------------------------------------------------------------------------------

def test_a_loan_request_is_decided_as_made(app, world, clean, user_client):
    litigation = make_file(app, world, category="litigation")
    other = make_file(app, world)
    pk = make_loan(app, world, other)
    with pytest.raises(LockedField, match="“Archive file”"):
        save(app, world, Loan, pk, archive_file_id=litigation)
    assert fetch(app, Loan, pk, "archive_file_id") == other
    assert "Done" in text(step(user_client("gm"), "loan", pk, "approve"))
    assert fetch(app, Loan, pk, "status") == "approved"
