"""奖罚通知单 as 001 篇8 (十)2 has it: the GM office issues (开立) the notice, another
person approves it, and the approved notice's copies go to accounting (会计单位查核)
and to the department that deducts (罚扣部门罚扣) — recorded on the notice, by whom
and when — before it is marked applied."""
from __future__ import annotations

import itertools

import sqlalchemy as sa

from models import Penalty, db

from ..duty_support import colleagues_fixture  # noqa: F401  (fixture)
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    clean_fixture,
    dept,
    fetch,
    make_penalty,
    step,
    text,
    user_client_fixture,
)

SERIAL = itertools.count(1)


def issue_by_form(client, world) -> int:
    reason = f"总经理室开立 {next(SERIAL)}"
    response = client.post("/admin/penalty/new/", data={
        "kind": "bonus_deduction", "amount": "300", "reason": reason,
        "responsible_department": str(dept(world, "sales")),
        "department": str(dept(world, "gm")), "level": "internal"})
    assert response.status_code == 302, text(response)[:2000]
    with client.application.app_context():
        pk = db.session.scalar(sa.select(Penalty.id).where(Penalty.reason == reason))
        db.session.remove()
    return pk


def test_the_gm_office_issues_a_notice(app, world, clean, user_client):
    client = user_client("gm")
    assert client.get("/admin/penalty/new/").status_code == 200
    pk = issue_by_form(client, world)
    assert fetch(app, Penalty, pk, "status", "proposed_by_id") == ("proposed",
                                                                   world.users["gm"])


def test_the_issuer_does_not_approve_another_member_does(app, world, clean, user_client,
                                                         colleagues):
    pk = issue_by_form(user_client("gm"), world)
    page = text(step(user_client("gm"), "penalty", pk, "approve"))
    assert "Proposed by and Decided by cannot be the same person." in page
    assert fetch(app, Penalty, pk, "status") == "proposed"
    assert "Done: Approve." in text(step(user_client("gm.deputy"), "penalty", pk, "approve"))
    assert fetch(app, Penalty, pk, "status", "decided_by_id") == (
        "approved", colleagues["gm.deputy"])


def test_distribution_is_recorded_then_the_notice_is_applied(app, world, clean,
                                                             user_client):
    pk = make_penalty(app, world, status="approved")
    client = user_client("gm")
    page = text(client.get(f"/admin/penalty/details/?id={pk}"))
    assert "Distribute copies (accounting, deducting department)" in page
    refused = text(step(client, "penalty", pk, "apply"))
    assert "Distribute the copies to accounting and to the deducting department first" \
        in refused
    assert fetch(app, Penalty, pk, "status") == "approved"
    missing = text(step(client, "penalty", pk, "distribute",
                        accounting_department=str(dept(world, "audit"))))
    assert "Copy to the deducting department is required" in missing
    assert fetch(app, Penalty, pk, "distributed_at") is None
    done = text(step(client, "penalty", pk, "distribute",
                     accounting_department=str(dept(world, "audit")),
                     deducting_department=str(dept(world, "sales"))))
    assert "Done: Distribute copies" in done
    accounting, deducting, by, at = fetch(
        app, Penalty, pk, "accounting_department_id", "deducting_department_id",
        "distributed_by_id", "distributed_at")
    assert (accounting, deducting, by) == (dept(world, "audit"), dept(world, "sales"),
                                           world.users["gm"])
    assert at is not None
    again = text(client.get(f"/admin/penalty/details/?id={pk}"))
    assert "Distribute copies (accounting, deducting department)</button>" not in again
    assert "Done: Mark applied." in text(step(client, "penalty", pk, "apply"))
    assert fetch(app, Penalty, pk, "status") == "applied"


def test_a_proposed_notice_is_not_distributed(app, world, clean, user_client):
    pk = make_penalty(app, world)
    page = text(step(user_client("gm"), "penalty", pk, "distribute",
                     accounting_department=str(dept(world, "audit")),
                     deducting_department=str(dept(world, "sales"))))
    assert "is not possible in status" in page
    assert fetch(app, Penalty, pk, "distributed_at") is None


def test_only_the_gm_office_distributes(app, world, clean, user_client):
    pk = make_penalty(app, world, status="approved")
    response = user_client("supervisor").post("/admin/penalty/transition/", data={
        "id": pk, "transition": "distribute",
        "accounting_department": str(dept(world, "audit")),
        "deducting_department": str(dept(world, "sales"))})
    assert response.status_code in (302, 403)
    assert fetch(app, Penalty, pk, "distributed_at") is None
