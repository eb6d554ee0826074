"""A refused approval of an account change (the requester approving their own request)
leaves one audit refusal naming the change: a refusal of the person, not of the values,
is recorded like a refusal by the policy. And an id in a refusal event follows the
views' rule: ``٣`` is not record 3."""
from __future__ import annotations

import sqlalchemy as sa

from audit.refusals import _as_pk
from models import AuditEvent, db

from ..accounts.test_account_changes import as_user
from ..accounts_support import accounts, decide, pending_changes


def last_event(app) -> int:
    with app.app_context():
        last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
        db.session.remove()
    return last


def refusals_of(app, change_id: int, after: int = 0) -> int:
    """Refusals of this change written after event ``after`` (SQLite gives a removed
    change's id to the next one: an earlier test's refusals name the same id)."""
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "refused", AuditEvent.model == "account_change",
            AuditEvent.record_id == str(change_id), AuditEvent.id > after))
        db.session.remove()
    return count


def test_the_requester_approving_their_own_request_is_audited(app, world):
    start = last_event(app)
    with accounts(app, world, boss=("admin gm_office", "gm", "secret"),
                  target=("clerk", "sales", "internal")) as made:
        boss = as_user(app, made["boss"])
        boss.post(f"/admin/app_user/edit/?id={made['target']}", data={
            "username": "target", "full_name": "target", "roles": ["clerk", "auditor"],
            "department": str(world.departments["sales"]), "clearance": "internal",
            "active": "y"})
        (change,) = pending_changes(app, made["target"])
        assert refusals_of(app, change.id, start) == 0
        decide(app, boss, change.id, "approve")
        assert refusals_of(app, change.id, start) == 1
        assert pending_changes(app, made["target"])  # still waiting


def test_ids_in_refusal_events_are_ascii_digits():
    assert _as_pk("3") == 3
    assert _as_pk("٣") is None and _as_pk("²") is None and _as_pk("１２") is None
