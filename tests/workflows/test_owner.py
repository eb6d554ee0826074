"""Issue 16 items 1 and 3: the 经办人 (owner) of a record, "my items" on the home page and
the lists' "mine" filter (``models.mixins.Assignable``).

The department's supervisor assigns the owner with the ``assign`` step (every door:
the record's page, the API), only to an active member of the record's department
cleared for its level; a clerk does not assign, not even to themselves. The owner finds
the open records they handle on their home page and with "mine" on the list, through
``visible()`` like everything else.
"""
from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from models import AppUser, AuditEvent, Complaint, ReturnSlip, ServiceRequest, WorkOrder, db
from models.mixins import Assignable, utcnow
from permissions.policy import POLICY

from ..api_support import bearer, make_token
from ..policy_oracle import ASSIGNED, ASSIGNERS
from ..test_workflow_support import (  # noqa: F401  (fixtures)
    AUDIT_MARK,
    add,
    clean_fixture,
    dept,
    fetch,
    row_of,
    step,
    text,
    transitions_logged,
    user_client_fixture,
)

OTHER_CLERK = "clerk2.service"


@pytest.fixture(name="other_clerk")
def other_clerk_fixture(app, world) -> int:
    """A second clerk of the customer-service department (kept: it owns nothing)."""
    with app.app_context():
        user = db.session.scalar(sa.select(AppUser).where(AppUser.username == OTHER_CLERK))
        if user is None:
            user = AppUser(username=OTHER_CLERK, full_name=OTHER_CLERK, roles="clerk",
                           department_id=world.departments["service"], clearance="internal")
            user.set_password("test-password-1")
            db.session.add(user)
            db.session.commit()
        world.users[OTHER_CLERK] = user.id
        db.session.remove()
    return world.users[OTHER_CLERK]


def complaint(app, world, status="registered", level="internal", **values) -> int:
    return add(app, Complaint(
        customer_id=row_of(world, "customer").id, received_at=utcnow(), channel="phone",
        content="到货破损", department_id=dept(world), level=level, status=status,
        **values))


def number(app, pk: int) -> str:
    return fetch(app, Complaint, pk, "number")


def mine_links(page: str, kind: str) -> list[str]:
    found = re.search(rf'data-mine-kind="{kind}"[^>]*>(.*?)</section>', page, re.S)
    return re.findall(r'href="([^"]*details[^"]*)"', found.group(1)) if found else []


def home(client) -> str:
    return client.get("/admin/").get_data(as_text=True)


def test_only_the_supervisor_assigns_as_the_oracle_says():
    for role, grants in POLICY.items():
        for table in ASSIGNED:
            grant = grants.get(table)
            assigns = grant is not None and "assign" in grant.actions
            assert assigns == (role in ASSIGNERS), (role, table)
            if assigns:
                assert grant.scope == ASSIGNERS[role]


def test_every_owned_record_type_starts_without_an_owner(app, world):
    """Nothing chosen that nobody chose: the create forms do not ask for one."""
    from models import REGISTRY
    owned = {t for t, m in REGISTRY.items() if issubclass(m, Assignable)}
    assert owned == set(ASSIGNED)
    for model in (Complaint, ReturnSlip, ServiceRequest, WorkOrder):
        assert "owner" not in model.Admin.form_columns
        assert "owner" not in getattr(model.Admin, "create_columns", ())
        assert model.transition("assign").source == model.open_statuses()


def test_the_supervisor_assigns_and_the_owner_finds_it_at_home(app, world, clean,
                                                                 user_client, other_clerk):
    pk = complaint(app, world)
    supervisor = user_client("supervisor")
    # The choice list: active members of the department, nobody preselected.
    form = supervisor.get(f"/admin/complaint/details/?id={pk}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="owner"[^>]*>(.*?)</select>', form, re.S).group(1)
    offered = {int(v) for v in re.findall(r'<option value="(\d+)"', select)}
    assert {world.users["clerk.service"], other_clerk} <= offered
    assert world.users["clerk.sales"] not in offered
    assert '<option value="" selected>' in select

    owner = world.users["clerk.service"]
    page = text(step(supervisor, "complaint", pk, "assign", owner=str(owner)))
    assert "Done" in page
    assert fetch(app, Complaint, pk, "owner_id") == owner
    [logged] = [json.loads(c) for c in transitions_logged(app, "complaint", pk)]
    assert logged["transition"] == "assign" and "clerk.service" in logged["values"]["owner"]

    links = mine_links(home(user_client("clerk.service")), "complaint")
    assert any(f"id={pk}" in link for link in links)
    assert not any(f"id={pk}" in link for link in
                   mine_links(home(user_client(OTHER_CLERK)), "complaint"))
    # One click: the record's page.
    link = next(link for link in links if f"id={pk}" in link).replace("&amp;", "&")
    assert user_client("clerk.service").get(link).status_code == 200


def test_a_clerk_cannot_assign_not_even_themselves(app, world, clean, user_client):
    pk = complaint(app, world)
    clerk = user_client("clerk.service")
    page = text(step(clerk, "complaint", pk, "assign",
                     owner=str(world.users["clerk.service"])))
    assert "You may not do this" in page
    assert fetch(app, Complaint, pk, "owner_id") is None
    with app.app_context():
        refused = db.session.scalars(sa.select(AuditEvent.changes).where(
            AuditEvent.id > AUDIT_MARK["id"], AuditEvent.action == "refused",
            AuditEvent.model == "complaint", AuditEvent.record_id == str(pk))).all()
        db.session.remove()
    assert any(json.loads(c).get("attempt") == "assign" for c in refused)
    assert 'value="assign"' not in clerk.get(
        f"/admin/complaint/details/?id={pk}").get_data(as_text=True)


@pytest.mark.parametrize("who, level", [("clerk.sales", "internal"),  # another department
                                        ("clerk.service", "confidential")])  # not cleared
def test_an_owner_outside_the_candidates_is_refused_naming_the_field(
        app, world, clean, user_client, who, level):
    pk = complaint(app, world, level=level)
    page = text(step(user_client("supervisor"), "complaint", pk, "assign",
                     owner=str(world.users[who])))
    assert "Handled by (owner): choose an active member of the record's department" in page
    assert fetch(app, Complaint, pk, "owner_id") is None
    assert transitions_logged(app, "complaint", pk) == []


def test_a_forged_id_is_refused_naming_the_field(app, world, clean, user_client):
    pk = complaint(app, world)
    page = text(step(user_client("supervisor"), "complaint", pk, "assign", owner="999999"))
    assert "Handled by (owner): choose an entry from the list." in page
    assert fetch(app, Complaint, pk, "owner_id") is None


def test_assignment_ends_when_the_record_is_closed(app, world, clean, user_client):
    pk = complaint(app, world, status="closed")
    page = text(step(user_client("supervisor"), "complaint", pk, "assign",
                     owner=str(world.users["clerk.service"])))
    assert "is not possible in status" in page
    assert fetch(app, Complaint, pk, "owner_id") is None


def test_a_direct_save_of_an_outsider_is_refused_too(app, world, clean):
    """A script (no step) is held to the same rule by the flush hook."""
    from models.decisions import LockedField
    pk = complaint(app, world)
    with app.app_context():
        record = db.session.get(Complaint, pk)
        record.owner_id = world.users["clerk.sales"]
        with pytest.raises(LockedField) as refused:
            db.session.commit()
        assert refused.value.field == "owner" and "经办人" in str(refused.value)
        db.session.rollback()
        db.session.remove()


def test_mine_lists_exactly_the_owned_visible_records(app, world, clean, user_client,
                                                      other_clerk):
    me = world.users["clerk.service"]
    open_one = complaint(app, world, owner_id=me)
    closed_one = complaint(app, world, status="closed", owner_id=me)
    someone_elses = complaint(app, world, owner_id=other_clerk)
    raised = complaint(app, world, owner_id=me)
    with app.app_context():  # the GM office raises its level: hidden from its owner
        db.session.get(Complaint, raised).level = "confidential"
        db.session.commit()
        db.session.remove()
    unassigned = complaint(app, world)
    clerk = user_client("clerk.service")
    shown = {pk for pk in (open_one, closed_one, someone_elses, raised, unassigned)
             if number(app, pk) in clerk.get("/admin/complaint/?mine=1").get_data(
                 as_text=True)}
    assert shown == {open_one, closed_one}
    page = clerk.get("/admin/complaint/?mine=open").get_data(as_text=True)
    assert number(app, open_one) in page and number(app, closed_one) not in page
    # The home page counts the open ones it may show, and links to that list.
    page = home(clerk)
    count = int(re.search(r'data-mine-kind="complaint" data-mine-count="(\d+)"',
                          page).group(1))
    assert count == 1
    assert [link for link in mine_links(page, "complaint")] == \
        [f"/admin/complaint/details/?id={open_one}"]
    # The quick-filter bar offers it on the owned lists only.
    assert 'id="qf-mine"' in clerk.get("/admin/complaint/").get_data(as_text=True)
    assert 'id="qf-mine"' not in clerk.get("/admin/contract/").get_data(as_text=True)


def test_the_api_fires_the_assign_step(app, client, world, clean):
    pk = complaint(app, world)
    path = f"/api/v1/complaint/{pk}/steps/assign"
    supervisor = bearer(make_token(app, world.users["supervisor"]))
    outsider = client.post(path, json={"owner": world.users["clerk.sales"]},
                           headers=supervisor)
    assert outsider.status_code == 422
    assert "Handled by (owner)" in outsider.get_json()["detail"] or \
        "经办人" in outsider.get_json()["detail"]
    clerk = bearer(make_token(app, world.users["clerk.service"]))
    assert client.post(path, json={"owner": world.users["clerk.service"]},
                       headers=clerk).status_code == 403
    done = client.post(path, json={"owner": world.users["clerk.service"]},
                       headers=supervisor)
    assert done.status_code == 200
    assert done.get_json()["owner_id"] == world.users["clerk.service"]
    assert fetch(app, Complaint, pk, "owner_id") == world.users["clerk.service"]
