"""Archive files: transferred to the archive room and received there with a storage
place; files past their transfer date listed; level changes asked for by a supervisor
and decided by the GM office with reasons; superseded, never deleted."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import ArchiveFile, Loan, db

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    fetch,
    make_file,
    make_loan,
    step,
    text,
    today,
    transitions_logged,
    user_client_fixture,
)


def test_transfer_then_receive_with_a_storage_place(app, world, clean, user_client):
    pk = make_file(app, world, status="with_department")
    assert "Done" in text(step(user_client("clerk.service"), "archive_file", pk, "transfer"))
    assert fetch(app, ArchiveFile, pk, "status", "transferred_on") == ("transferred",
                                                                      today())
    gm = user_client("gm")
    page = text(step(gm, "archive_file", pk, "receive", room="一号档案室", cabinet="",
                     shelf="2"))
    assert "Cabinet is required for “Receive into archive room”." in page
    assert fetch(app, ArchiveFile, pk, "status") == "transferred"
    page = text(step(gm, "archive_file", pk, "receive", room="一号档案室", cabinet="A-03",
                     shelf="2"))
    assert "Done" in page
    assert fetch(app, ArchiveFile, pk, "status", "room", "cabinet", "shelf") == (
        "in_archive", "一号档案室", "A-03", "2")


def test_only_the_gm_office_receives(app, world, clean, user_client):
    pk = make_file(app, world, status="transferred")
    page = text(step(user_client("supervisor"), "archive_file", pk, "receive",
                     room="x", cabinet="y", shelf="z"))
    assert "You may not do this" in page
    assert fetch(app, ArchiveFile, pk, "status") == "transferred"


def test_files_past_their_transfer_date_are_listed(app, world, clean, user_client):
    late = make_file(app, world, status="with_department",
                     transfer_due_on=today() - timedelta(days=3))
    not_due = make_file(app, world, status="with_department",
                        transfer_due_on=today() + timedelta(days=3))
    sent = make_file(app, world, status="transferred",
                     transfer_due_on=today() - timedelta(days=3))
    client = user_client("supervisor")
    page = text(client.get("/admin/archive_file/?late=1"))
    link = "/admin/archive_file/details/?id={}&"
    assert link.format(late) in page
    assert link.format(not_due) not in page and link.format(sent) not in page
    assert "Transfer overdue" in page
    # The view's own links (sort, page size) keep the late filter.
    assert "/admin/archive_file/?sort=0&late=1" in text(
        client.get("/admin/archive_file/?late=1&page=0"))
    gm_page = text(user_client("gm").get("/admin/archive_file/?late=1"))
    assert link.format(late) in gm_page


def test_late_list_shows_only_what_the_user_may_see(app, world, clean, user_client):
    hidden = make_file(app, world, status="with_department", department="sales",
                       transfer_due_on=today() - timedelta(days=3))
    page = text(user_client("supervisor").get("/admin/archive_file/?late=1"))
    assert f"/admin/archive_file/details/?id={hidden}&" not in page


def test_level_change_asked_by_supervisor_decided_by_gm(app, world, clean, user_client):
    pk = make_file(app, world, level="internal")
    loan = make_loan(app, world, pk, status="returned")
    supervisor, gm = user_client("supervisor"), user_client("gm")
    page = text(step(supervisor, "archive_file", pk, "request_level_change",
                     requested_level="confidential"))
    assert "Why the level should change is required" in page
    page = text(step(supervisor, "archive_file", pk, "request_level_change",
                     requested_level="internal", level_change_reason="无变化"))
    assert "choose a level other than the file's current one" in page
    page = text(step(supervisor, "archive_file", pk, "request_level_change",
                     requested_level="confidential", level_change_reason="含合同价格"))
    assert "Done" in page
    assert fetch(app, ArchiveFile, pk, "level", "requested_level", "level_requested_by_id") \
        == ("internal", "confidential", world.users["supervisor"])
    details = text(supervisor.get(f"/admin/archive_file/details/?id={pk}"))
    assert 'value="request_level_change"' not in details  # one request at a time
    page = text(step(gm, "archive_file", pk, "change_level", requested_level="confidential"))
    assert "Level decision reason is required" in page
    page = text(step(gm, "archive_file", pk, "change_level", requested_level="confidential",
                     level_decision_reason="同意，按合同档案管理"))
    assert "Done" in page
    assert fetch(app, ArchiveFile, pk, "level", "level_decided_by_id",
                 "level_decision_reason") == ("confidential", world.users["gm"],
                                              "同意，按合同档案管理")
    assert fetch(app, Loan, loan, "level") == "confidential"  # its loans follow the file
    [asked, decided] = transitions_logged(app, "archive_file", pk)
    assert "含合同价格" in asked and "同意，按合同档案管理" in decided
    gm_details = text(gm.get(f"/admin/archive_file/details/?id={pk}"))
    assert 'value="change_level"' not in gm_details  # decided: nothing pending


def test_gm_office_may_refuse_a_level_change(app, world, clean, user_client):
    pk = make_file(app, world, level="internal")
    supervisor, gm = user_client("supervisor"), user_client("gm")
    step(supervisor, "archive_file", pk, "request_level_change",
         requested_level="confidential", level_change_reason="含报价")
    assert "Done" in text(step(gm, "archive_file", pk, "refuse_level_change",
                               level_decision_reason="报价已公开，按公司C级管理"))
    assert fetch(app, ArchiveFile, pk, "level", "level_decision_reason") == (
        "internal", "报价已公开，按公司C级管理")
    # A new request can be made after the decision.
    assert "Done" in text(step(supervisor, "archive_file", pk, "request_level_change",
                               requested_level="confidential", level_change_reason="补充底价"))


def test_level_decisions_need_a_request_and_the_right_role(app, world, clean, user_client):
    pk = make_file(app, world)
    page = text(step(user_client("gm"), "archive_file", pk, "change_level",
                     requested_level="public", level_decision_reason="x"))
    assert "No level change has been asked for on this file." in page
    assert "You may not do this" in text(step(
        user_client("clerk.service"), "archive_file", pk, "request_level_change",
        requested_level="public", level_change_reason="x"))
    assert "choose one of the listed values" in text(step(
        user_client("supervisor"), "archive_file", pk, "request_level_change",
        requested_level="top", level_change_reason="x"))
    assert fetch(app, ArchiveFile, pk, "level", "requested_level") == ("internal", None)


def test_files_are_superseded_never_deleted(app, world, clean, user_client):
    pk = make_file(app, world)
    gm = user_client("gm")
    assert gm.post("/admin/archive_file/delete/", data={"id": pk}).status_code == 403
    assert "Reason superseded is required" in text(step(gm, "archive_file", pk, "supersede"))
    assert "Done" in text(step(gm, "archive_file", pk, "supersede",
                               superseded_reason="重新扫描建档"))
    assert fetch(app, ArchiveFile, pk, "status") == "superseded"


@pytest.mark.parametrize("value", ["secret2", "TOP"])
def test_the_database_refuses_an_unknown_requested_level(app, world, clean, value):
    pk = make_file(app, world)
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError):
            db.session.execute(sa.text("UPDATE archive_file SET requested_level = :value "
                                       "WHERE id = :pk"), {"value": value, "pk": pk})
        db.session.rollback()
        db.session.remove()
