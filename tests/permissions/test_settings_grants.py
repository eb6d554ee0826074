"""Grants on the settings screen: an administrator proposes, the GM office approves (two
people), and only then the grant is in force; refusals name their reason and change
nothing; every approval is audited old → new."""
from __future__ import annotations

import html
import json
import re

import pytest
import sqlalchemy as sa

from models import AuditEvent, GrantChange, Penalty, RoleGrant, db
from permissions import can
from permissions.grant_rules import effective_policy

from ..settings_support import (  # noqa: F401  (fixture)
    restore_defaults_fixture,
    user_with_roles,
)

pytestmark = pytest.mark.usefixtures("restore_defaults")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def propose(client, role: str, record: str, scope: str, actions, reason="规则调整"):
    return client.post("/admin/grant_change/new/", data={
        "role": role, "record": record, "scope": scope, "allowed_actions": list(actions),
        "reason": reason})


def latest_change(app) -> GrantChange | None:
    with app.app_context():
        change = db.session.scalar(sa.select(GrantChange).order_by(GrantChange.id.desc())
                                   .limit(1))
        if change is not None:
            db.session.expunge(change)
        db.session.remove()
    return change


def decide(app, client, change_id: int, step: str, **values):
    with app.app_context():
        version = db.session.get(GrantChange, change_id).version_id
        db.session.remove()
    return client.post("/admin/grant_change/transition/", data={
        "id": str(change_id), "transition": step, "version": str(version), **values},
        follow_redirects=True)


def clerk_may_export_penalties(app, world) -> bool:
    from models import AppUser
    with app.test_request_context():
        app.preprocess_request()
        clerk = db.session.get(AppUser, world.users["clerk.sales"])
        allowed = can(clerk, "export", Penalty)
        db.session.remove()
    return allowed


def test_a_grant_changes_only_after_the_gm_office_approves(app, world, client_as):
    admin, gm = client_as("admin"), client_as("gm")
    assert not clerk_may_export_penalties(app, world)
    response = propose(admin, "clerk", "penalty", "department", ("list", "view", "export"))
    assert response.status_code == 302, text(response)[:3000]
    change = latest_change(app)
    assert change.status == "pending" and change.requested_by_id == world.users["admin"]
    assert not clerk_may_export_penalties(app, world)  # proposed is not in force
    assert "Grant changes waiting for approval" in text(gm.get("/admin/"))
    page = text(decide(app, gm, change.id, "approve"))
    assert latest_change(app).status == "approved", page[:3000]
    assert clerk_may_export_penalties(app, world)
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "grant_changed").order_by(AuditEvent.id.desc()).limit(1))
        changes = json.loads(event.changes)
        assert changes["requested_by"] == "admin" and changes["approved_by"] == "gm"
        old, new = changes["grant"]
        assert "Export" not in old and "Export" in new
        db.session.remove()
    # The settings screen shows the grant in force, marked as changed from the code's.
    listing = text(admin.get("/admin/app_setting/"))
    assert "table-warning" in listing


def test_the_proposer_does_not_approve(app, world, client_as):
    user_with_roles(app, world, "admin.gm", "admin gm_office")
    both = client_as("admin.gm")
    assert propose(both, "clerk", "penalty", "department",
                   ("list", "view", "export")).status_code == 302
    change = latest_change(app)
    page = text(decide(app, both, change.id, "approve"))
    assert "cannot be the same person" in page
    assert latest_change(app).status == "pending"
    assert not clerk_may_export_penalties(app, world)
    decide(app, client_as("gm"), change.id, "approve")
    assert latest_change(app).status == "approved"


@pytest.mark.parametrize(("role", "record", "scope", "actions", "reason"), [
    # Only supervisors confirm return slips: taking it away leaves nobody.
    ("supervisor", "return_slip", "department",
     ("list", "view", "create", "edit", "export", "send_back", "approve", "receive",
      "inspect", "decide", "close"), "nobody could then do"),
    ("clerk", "monthly_review", "department", ("list", "view"), "do not belong to a "
                                                                "department"),
    ("clerk", "penalty", "department", ("export",), "add List or View"),
    ("clerk", "penalty", "department", ("list", "view"), "has this grant already"),
])
def test_a_proposal_that_breaks_a_rule_is_refused_with_the_reason(
        app, client_as, role, record, scope, actions, reason):
    before = latest_change(app)
    response = propose(client_as("admin"), role, record, scope, actions)
    assert response.status_code == 200
    assert reason in text(response)
    after = latest_change(app)
    assert (after.id if after else None) == (before.id if before else None)


@pytest.mark.parametrize(("actions", "reason"), [
    (("list", "view", "delete"), "is ever deleted"),
    (("list", "view", "fly"), "have no action fly"),
])
def test_actions_a_record_type_does_not_have_are_refused(app, actions, reason):
    """The form offers only declared actions; a proposal made by any other door is
    checked the same way."""
    from flask_babel import force_locale

    from permissions.grant_rules import grant_problems
    with app.test_request_context(), force_locale("en"):
        found = [str(p) for p in grant_problems("clerk", "penalty", "department",
                                                frozenset(actions))]
    assert any(reason in p for p in found), found


def test_approval_checks_again_against_the_grants_then_in_force(app, world, client_as):
    """Two proposals that each leave someone to fire a step, but not both together."""
    admin, gm = client_as("admin"), client_as("gm")
    # gm_office and supervisors may both send a contract back; each proposal takes one.
    from permissions.policy import POLICY
    supervisor = POLICY["supervisor"]["contract"]
    gm_grant = POLICY["gm_office"]["contract"]
    assert propose(admin, "supervisor", "contract", supervisor.scope,
                   supervisor.actions - {"send_back"}).status_code == 302
    first = latest_change(app)
    with app.app_context():
        # Proposed directly (the form would already refuse it): the second takes the
        # GM office's send_back while the first is still pending.
        second = GrantChange(role="gm_office", record="contract", scope=gm_grant.scope,
                             allowed_actions=" ".join(gm_grant.actions - {"send_back"}),
                             requested_by_id=world.users["admin"])
        db.session.add(second)
        db.session.commit()
        second_id = second.id
        db.session.remove()
    assert latest_change(app).status == "pending"
    decide(app, gm, first.id, "approve")
    page = text(decide(app, gm, second_id, "approve"))
    assert "nobody could then do" in page
    with app.app_context():
        assert db.session.get(GrantChange, second_id).status == "pending"
        assert "send_back" in effective_policy()["gm_office"]["contract"].actions
        db.session.remove()


def test_a_rejection_needs_a_reason_and_changes_nothing(app, world, client_as):
    assert propose(client_as("admin"), "clerk", "penalty", "department",
                   ("list", "view", "export")).status_code == 302
    change = latest_change(app)
    refused = text(decide(app, client_as("gm"), change.id, "reject"))
    assert latest_change(app).status == "pending", refused[:2000]
    decide(app, client_as("gm"), change.id, "reject", decision_reason="不必要")
    assert latest_change(app).status == "rejected"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RoleGrant)) == 0
        db.session.remove()
    assert not clerk_may_export_penalties(app, world)


@pytest.mark.parametrize("username", ["supervisor", "gm", "clerk.sales", "auditor"])
def test_only_admin_proposes(app, client_as, username):
    response = propose(client_as(username), "clerk", "penalty", "department",
                       ("list", "view", "export"))
    assert response.status_code == 403


def test_the_code_grant_again_removes_the_stored_line(app, world, client_as):
    admin, gm = client_as("admin"), client_as("gm")
    propose(admin, "clerk", "penalty", "department", ("list", "view", "export"))
    decide(app, gm, latest_change(app).id, "approve")
    propose(admin, "clerk", "penalty", "department", ("list", "view"))
    decide(app, gm, latest_change(app).id, "approve")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RoleGrant)) == 0
        db.session.remove()
    assert not clerk_may_export_penalties(app, world)


def test_two_approvals_at_once_are_checked_one_after_the_other(app, world, client_as,
                                                               monkeypatch):
    """Each proposal alone leaves someone to send a contract back; approved at the same
    moment by two members of the GM office, the second waits for the first and is then
    refused (PostgreSQL: SQLite serialises writers anyway)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrency is proved on PostgreSQL")
    import threading

    from permissions.policy import POLICY

    from ..duty_support import COLLEAGUES  # noqa: F401  (gm.deputy)
    from ..threads import run_at_once

    user_with_roles(app, world, "gm.deputy", "gm_office")
    ids = []
    with app.app_context():
        for role in ("supervisor", "gm_office"):
            grant = POLICY[role]["contract"]
            change = GrantChange(role=role, record="contract", scope=grant.scope,
                                 allowed_actions=" ".join(grant.actions - {"send_back"}),
                                 requested_by_id=world.users["admin"])
            db.session.add(change)
            db.session.commit()
            ids.append(change.id)
        db.session.remove()
    barrier = threading.Barrier(2, timeout=20)
    original = GrantChange.check_transition

    def both_then_check(self, name, user):
        barrier.wait()  # both approvals have read the same grants
        return original(self, name, user)

    monkeypatch.setattr(GrantChange, "check_transition", both_then_check)
    clients = [client_as("gm"), client_as("gm.deputy")]
    pages = run_at_once(*(lambda c=c, pk=pk: decide(app, c, pk, "approve")
                          for c, pk in zip(clients, ids, strict=True)))
    bodies = [text(page) for page in pages]
    assert sum("nobody could then do" in body for body in bodies) == 1, bodies
    with app.app_context():
        statuses = sorted(db.session.get(GrantChange, pk).status for pk in ids)
        assert statuses == ["approved", "pending"]
        policy = effective_policy()
        assert "send_back" in policy["supervisor"]["contract"].actions \
            or "send_back" in policy["gm_office"]["contract"].actions
        db.session.remove()


def test_a_proposal_starts_from_the_grant_in_force(app, client_as):
    admin = client_as("admin")
    listing = text(admin.get("/admin/app_setting/"))
    assert "/admin/grant_change/new/?role=clerk&record=penalty" in listing
    form = text(admin.get("/admin/grant_change/new/?role=clerk&record=penalty"))
    assert '<option selected value="clerk">' in form or 'value="clerk" selected' in form
    for action in ("list", "view"):
        assert f'selected value="{action}"' in form or f'value="{action}" selected' in form
    assert 'selected value="export"' not in form and 'value="export" selected' not in form


def _bulk_actions(response) -> list[str]:
    return re.findall(r"modelActions\.execute\('([^']*)'", text(response))


def test_a_list_offers_a_granted_step_from_the_next_page(app, world, client_as):
    """The bulk actions a list offers are remembered with the user's rules (issue 17):
    a grant in force changes them from the next page on."""
    clerk = client_as("clerk.sales")
    assert "approve" not in _bulk_actions(clerk.get("/admin/penalty/"))
    admin, gm = client_as("admin"), client_as("gm")
    assert propose(admin, "clerk", "penalty", "department",
                   ("list", "view", "approve")).status_code == 302
    decide(app, gm, latest_change(app).id, "approve")
    assert latest_change(app).status == "approved"
    assert "approve" in _bulk_actions(clerk.get("/admin/penalty/"))
