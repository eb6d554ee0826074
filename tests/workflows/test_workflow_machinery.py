"""The generic step machinery: status never edited directly, steps checked by ``can()``
and by the record's status, refused steps change nothing, two users cannot both win.

Penalty notices serve as the example record; every stateful model shares this code.
"""
from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import StaleDataError

from admin_views.checks import DeclarationError
from admin_views.workflow import check_steps, fire, refusal_of
from models import REGISTRY, Contract, Loan, Penalty, db
from models.workflow import Stateful, Transition

from ..test_workflow_support import (  # noqa: F401  (fixtures)
    acting,
    bulk,
    clean_fixture,
    fetch,
    make_contract,
    make_penalty,
    step,
    text,
    transitions_logged,
    user_client_fixture,
)

STATEFUL = [model for model in REGISTRY.values() if issubclass(model, Stateful)]


def _view(app, table):
    admin = app.extensions["admin"][0]
    return next(v for v in admin._views if getattr(v, "endpoint", None) == table)


@pytest.mark.parametrize("model", STATEFUL, ids=lambda m: m.__tablename__)
def test_status_is_in_no_form(app, model):
    view = _view(app, model.__tablename__)
    with app.test_request_context():
        for form_class in (view._create_form_class, view._edit_form_class):
            assert "status" not in {field.name for field in form_class()}, model
    for child, options in view.inline_models or ():
        assert "status" not in options["form_columns"], child  # e.g. order changes


def test_posting_a_status_in_the_edit_form_changes_nothing(app, world, clean, user_client):
    pk = make_contract(app, world)
    client = user_client("supervisor")
    number, customer, title = fetch(app, Contract, pk, "number", "customer_id", "title")
    response = client.post(f"/admin/contract/edit/?id={pk}", data={
        "number": number, "customer": str(customer), "title": title, "kind": "sales",
        "currency": "CNY", "department": str(world.departments["service"]),
        "status": "completed"}, follow_redirects=True)
    assert response.status_code == 200
    assert fetch(app, Contract, pk, "status") == "draft"


def test_buttons_follow_can_and_status(app, world, clean, user_client):
    pk = make_penalty(app, world)
    gm_page = text(user_client("gm").get(f"/admin/penalty/details/?id={pk}"))
    assert 'name="transition" value="approve"' in gm_page
    assert 'name="transition" value="reject"' in gm_page
    assert 'name="transition" value="apply"' not in gm_page  # not from "proposed"
    supervisor_page = text(user_client("supervisor").get(f"/admin/penalty/details/?id={pk}"))
    assert 'name="transition"' not in supervisor_page  # may see it, may not decide it


def test_step_from_a_wrong_status_is_refused_and_changes_nothing(app, world, clean,
                                                               user_client):
    pk = make_penalty(app, world)
    before = fetch(app, Penalty, pk, "status", "version_id", "applied_at")
    page = text(step(user_client("gm"), "penalty", pk, "apply"))
    assert "“Mark applied” is not possible in status “Proposed”" in page
    assert fetch(app, Penalty, pk, "status", "version_id", "applied_at") == before
    assert transitions_logged(app, "penalty", pk) == []


def test_rejection_without_reason_is_refused(app, world, clean, user_client):
    pk = make_penalty(app, world)
    page = text(step(user_client("gm"), "penalty", pk, "reject", decision_reason="   "))
    assert "Decision reason is required for “Reject”." in page
    assert fetch(app, Penalty, pk, "status", "decided_by_id") == ("proposed", None)


def test_a_step_stamps_who_and_when_and_is_audited(app, world, clean, user_client):
    pk = make_penalty(app, world)
    page = text(step(user_client("gm"), "penalty", pk, "reject",
                     decision_reason="证据不足，不予处罚"))
    assert "Done: Reject." in page
    status, by, at, reason = fetch(app, Penalty, pk, "status", "decided_by_id", "decided_at",
                                   "decision_reason")
    assert (status, by, reason) == ("rejected", world.users["gm"], "证据不足，不予处罚")
    assert at is not None
    [event] = transitions_logged(app, "penalty", pk)
    assert '"reject"' in event and "证据不足" in event


def test_a_step_the_user_is_not_granted_is_refused(app, world, clean, user_client):
    pk = make_penalty(app, world)
    page = text(step(user_client("supervisor"), "penalty", pk, "approve"))
    assert "You may not do this on" in page
    assert fetch(app, Penalty, pk, "status") == "proposed"


def test_a_hidden_record_answers_404(app, world, clean, user_client):
    pk = make_penalty(app, world, department="sales")
    response = user_client("supervisor").post("/admin/penalty/transition/",
                                               data={"id": pk, "transition": "approve"})
    assert response.status_code == 404
    for bad in ("abc", "-1", "99999999999999"):
        response = user_client("gm").post("/admin/penalty/transition/",
                                           data={"id": bad, "transition": "approve"})
        assert response.status_code == 404


def test_unknown_step_name(app, world, clean, user_client):
    pk = make_penalty(app, world)
    page = text(step(user_client("gm"), "penalty", pk, "explode"))
    assert "Unknown action." in page
    assert fetch(app, Penalty, pk, "status") == "proposed"


def test_bulk_action_checks_each_record(app, world, clean, user_client):
    first, second = make_penalty(app, world), make_penalty(app, world)
    done = make_penalty(app, world, status="approved")
    page = text(bulk(user_client("gm"), "penalty", "approve", [first, second, done]))
    assert "2 record(s) updated." in page
    assert "is not possible in status “Approved”" in page
    assert {fetch(app, Penalty, pk, "status") for pk in (first, second)} == {"approved"}
    assert fetch(app, Penalty, done, "decided_by_id") is None


def test_bulk_action_needs_the_grant(app, world, clean, user_client):
    pk = make_penalty(app, world)
    response = user_client("supervisor").post("/admin/penalty/action/",
                                               data={"action": "approve", "rowid": [pk]})
    assert response.status_code == 403
    assert fetch(app, Penalty, pk, "status") == "proposed"


def test_bulk_action_with_a_required_field_is_refused_per_record(app, world, clean,
                                                                user_client):
    pk = make_penalty(app, world)
    page = text(bulk(user_client("gm"), "penalty", "reject", [pk]))
    assert "Decision reason is required for “Reject”." in page
    assert fetch(app, Penalty, pk, "status") == "proposed"


def test_bulk_action_ignores_hidden_records(app, world, clean, user_client):
    mine = make_contract(app, world)
    theirs = make_contract(app, world, department="sales")
    page = text(bulk(user_client("supervisor"), "contract", "submit_review", [mine, theirs]))
    assert "1 record(s) updated." in page
    assert fetch(app, Contract, mine, "status") == "under_review"
    assert fetch(app, Contract, theirs, "status") == "draft"


def test_a_page_opened_before_someone_else_acted_is_refused(app, world, clean, user_client):
    """The form carries the version it was rendered from: a stale page changes nothing."""
    pk = make_penalty(app, world)
    page = text(user_client("gm").get(f"/admin/penalty/details/?id={pk}"))
    assert 'name="version" value="1"' in page
    assert "Done" in text(step(user_client("gm"), "penalty", pk, "approve", version="1"))
    late = text(step(user_client("gm"), "penalty", pk, "reject", version="1",
                     decision_reason="重复"))
    assert "was changed by someone else after you opened it" in late
    assert fetch(app, Penalty, pk, "status") == "approved"
    assert len(transitions_logged(app, "penalty", pk)) == 1


def test_two_sessions_firing_at_once_cannot_both_succeed(app, world, clean):
    """Both load version 1; the second commit fails on the version check."""
    pk = make_penalty(app, world)
    with acting(app, world, "gm"):
        mine = db.session.get(Penalty, pk)
        with acting(app, world, "gm"):
            theirs = db.session.get(Penalty, pk)
            fire(theirs, "approve", {})
            db.session.commit()
        fire(mine, "reject", {"decision_reason": "同时操作"})
        with pytest.raises(StaleDataError) as conflict:
            db.session.commit()
        db.session.rollback()
        message = refusal_of(mine, conflict.value)
    assert "someone else changed this record at the same moment; nothing was changed" \
        in message
    assert fetch(app, Penalty, pk, "status", "decision_reason") == ("approved", None)
    assert len(transitions_logged(app, "penalty", pk)) == 1


def test_actions_are_checked_at_start_up(monkeypatch):
    monkeypatch.setattr(Loan, "actions", (Transition("x", "x", ("requested",), None,
                                                     requires=("nope",)),))
    with pytest.raises(DeclarationError, match="records.E004 Loan action 'x'"):
        check_steps(Loan)
    monkeypatch.setattr(Loan, "actions", (Transition("x", "x", ("requested",), "lent"),))
    with pytest.raises(DeclarationError, match="records.E101"):
        check_steps(Loan)
    monkeypatch.setattr(Loan, "actions", (Transition("approve", "x", ("requested",), None),))
    with pytest.raises(DeclarationError, match="records.E003"):
        check_steps(Loan)
    monkeypatch.setattr(Loan, "actions", (Transition("x", "x", ("requested",), None,
                                                     guard="no_such_flag"),))
    with pytest.raises(DeclarationError, match="records.E102"):
        check_steps(Loan)
    monkeypatch.setattr(Loan, "actions", (Transition("x", "x", ("requested",), None,
                                                     per_line=("quantity",)),))
    with pytest.raises(DeclarationError, match="records.E103"):
        check_steps(Loan)


def test_every_declared_step_is_granted_to_someone():
    """A step nobody may fire is a declaration mistake (a typo in the policy table)."""
    from permissions.policy import POLICY
    for model in STATEFUL:
        granted = set().union(*(grants[model.__tablename__].actions
                                for grants in POLICY.values()
                                if model.__tablename__ in grants))
        missing = [s.name for s in model.steps() if s.name not in granted]
        assert not missing, (model.__tablename__, missing)


def test_messages_are_translated(app, world, clean, user_client):
    pk = make_penalty(app, world)
    client = user_client("gm")
    with client.session_transaction() as session:
        session["locale"] = "zh_CN"
    page = text(step(client, "penalty", pk, "reject"))
    assert "执行“驳回”前必须填写“决定理由”。" in page
    page = text(step(client, "penalty", pk, "apply"))
    assert "处于“已提出”状态时不能执行“标记为已执行”。" in page
