"""Point 1: every change, transition, export, login and refusal is an audit event,
written in the same transaction as the change (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from audit import record_event
from models import AuditEvent, Complaint, Customer, ReturnLine, ReturnSlip, db
from models.archive import ArchiveFile

from ..test_audit_support import KINDS, events, last_event_id, log_in, own_app


@pytest.fixture(scope="module", params=KINDS)
def app(request, tmp_path_factory):
    with own_app(request, tmp_path_factory, "trail") as app:
        yield app


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app.extensions["test_world"]
        db.session.rollback()
        db.session.remove()


def changes_of(event: AuditEvent) -> dict:
    return json.loads(event.changes or "{}")


def new_events(since: int, *where):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > since, *where)
                              .order_by(AuditEvent.id)).all()


def make_customer(world, code: str, level: str = "internal") -> Customer:
    customer = Customer(code=code, name=f"客户 {code}", kind="dealer", grade="B",
                        department_id=world.departments["sales"], level=level)
    db.session.add(customer)
    db.session.commit()
    return customer


def last_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


def test_insert_update_delete_carry_old_and_new_values(ctx):
    start = last_id()
    customer = make_customer(ctx, "AUD-1")
    pk = customer.id
    customer.name, customer.grade = "新名称", "A"
    db.session.commit()
    db.session.delete(customer)
    db.session.commit()
    inserted, updated, deleted = new_events(start, AuditEvent.record_id == str(pk))
    assert (inserted.action, inserted.model, inserted.level) == ("insert", "customer",
                                                                 "internal")
    assert changes_of(inserted)["code"] == [None, "AUD-1"]
    assert updated.action == "update"
    assert changes_of(updated) == {"name": ["客户 AUD-1", "新名称"], "grade": ["B", "A"]}
    assert deleted.action == "delete" and changes_of(deleted)["code"] == ["AUD-1", None]
    assert inserted.at <= updated.at <= deleted.at


def test_a_rolled_back_change_leaves_no_event(ctx):
    customer = make_customer(ctx, "AUD-RB")
    start = last_id()
    customer.name = "不会保存"
    record_event("transition", model="customer", record_id=customer.id,
                 changes={"transition": "x"})
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert new_events(start) == []
    assert db.session.get(Customer, customer.id).name == "客户 AUD-RB"


def test_changes_flushed_early_are_still_recorded_at_commit(ctx):
    customer = make_customer(ctx, "AUD-FL")
    start = last_id()
    customer.name = "先刷新"
    db.session.flush()
    customer.phone = "020-12345678"
    db.session.scalar(sa.select(sa.func.count()).select_from(Customer))  # autoflush
    db.session.commit()
    (event,) = new_events(start)
    assert changes_of(event) == {"name": ["客户 AUD-FL", "先刷新"],
                                 "phone": [None, "020-12345678"]}


def test_old_value_is_known_after_the_object_expired(ctx):
    customer = make_customer(ctx, "AUD-EXP")
    start = last_id()
    db.session.expire(customer)
    customer.name = "过期后修改"
    db.session.commit()
    (event,) = new_events(start)
    assert changes_of(event)["name"] == ["客户 AUD-EXP", "过期后修改"]


def test_a_relationship_change_is_recorded_as_its_foreign_key(ctx):
    first, second = make_customer(ctx, "AUD-R1"), make_customer(ctx, "AUD-R2")
    complaint = Complaint(customer=first, received_at=datetime(2026, 11, 2, 2), content="测试",
                          department_id=ctx.departments["sales"])
    db.session.add(complaint)
    db.session.commit()
    start = last_id()
    complaint.customer = second
    db.session.commit()
    (event,) = new_events(start)
    assert event.model == "complaint" and event.record_id == str(complaint.id)
    assert changes_of(event)["customer_id"] == [first.id, second.id]


def test_many_to_many_links_added_and_removed(ctx):
    customer = make_customer(ctx, "AUD-MM")
    files = [ArchiveFile(customer=customer, title=f"档案 {i}", department_id=customer
                         .department_id) for i in range(2)]
    db.session.add_all(files)
    db.session.commit()
    start = last_id()
    files[0].references.append(files[1])
    db.session.commit()
    files[0].references.remove(files[1])
    db.session.commit()
    added, removed = new_events(start)
    assert changes_of(added) == {"references": {"added": [files[1].id], "removed": []}}
    assert changes_of(removed) == {"references": {"added": [], "removed": [files[1].id]}}


def test_child_rows_are_changes_of_their_record(ctx):
    customer = make_customer(ctx, "AUD-CH", level="confidential")
    slip = ReturnSlip(customer=customer, department_id=customer.department_id,
                      level="confidential")
    slip.lines.append(ReturnLine(product="电源", quantity_claimed=5))
    db.session.add(slip)
    db.session.commit()
    line = slip.lines[0]
    start = last_id()
    line.quantity_counted = 4
    db.session.commit()
    slip.lines.remove(line)
    db.session.commit()
    changed, removed = new_events(start)
    assert (changed.model, changed.record_id, changed.action) == \
        ("return_slip", str(slip.id), "update")
    assert changed.level == "confidential"
    assert changes_of(changed) == {f"lines#{line.id}.quantity_counted": [None, "4"]}
    assert changes_of(removed)[f"lines#{line.id}.product"] == ["电源", None]
    inserted = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.model == "return_slip", AuditEvent.record_id == str(slip.id),
        AuditEvent.action == "insert"))
    assert changes_of(inserted)[f"lines#{line.id}.product"] == [None, "电源"]


def test_bulk_update_and_delete_are_recorded_row_by_row(ctx):
    customers = [make_customer(ctx, f"AUD-BULK-{i}") for i in range(2)]
    ids = [c.id for c in customers]
    start = last_id()
    db.session.execute(sa.update(Customer).where(Customer.id.in_(ids))
                       .values(region="华南"))
    db.session.execute(sa.delete(Customer).where(Customer.id == ids[1]))
    db.session.commit()
    found = new_events(start)
    updates = [e for e in found if e.action == "update"]
    assert sorted(int(e.record_id) for e in updates) == ids
    assert all(changes_of(e) == {"region": [None, "华南"]} for e in updates)
    (deleted,) = [e for e in found if e.action == "delete"]
    assert deleted.record_id == str(ids[1])
    assert changes_of(deleted)["code"] == ["AUD-BULK-1", None]


def test_password_values_never_reach_the_log(ctx):
    from models import AppUser
    start = last_id()
    user = db.session.get(AppUser, ctx.users["clerk.sales"])
    user.set_password("another-password-9")
    db.session.commit()
    (event,) = new_events(start)
    assert changes_of(event) == {"password_hash": ["***", "***"]}


# -- over HTTP: who, from where, which screen ------------------------------------------

def customer_form(world, code, **extra):
    return {"code": code, "name": f"客户 {code}", "kind": "dealer", "grade": "B",
            "department": str(world.departments["service"]), "level": "internal", **extra}


def test_an_edit_records_user_address_and_screen(app):
    world = app.extensions["test_world"]
    client = log_in(app.test_client(), app, "supervisor")
    start = last_event_id(app)
    assert client.post("/admin/customer/new/", data=customer_form(world, "AUD-HTTP"),
                       environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 302
    (event,) = events(app, AuditEvent.id > start)
    assert (event.action, event.model, event.username, event.address, event.endpoint) == \
        ("insert", "customer", "supervisor", "10.1.2.3", "customer.create_view")
    assert event.user_id == world.users["supervisor"]


def test_a_transition_is_one_event_with_its_field_changes(app):
    world = app.extensions["test_world"]
    row = next(r for r in world.rows_of("complaint")
               if r.department == "service" and r.level == "internal")
    client = log_in(app.test_client(), app, "clerk.service")
    start = last_event_id(app)
    response = client.post("/admin/complaint/transition/",
                           data={"id": row.id, "transition": "investigate"})
    assert response.status_code == 302
    (event,) = events(app, AuditEvent.id > start, AuditEvent.model == "complaint")
    changes = changes_of(event)
    assert event.action == "transition" and event.record_id == str(row.id)
    assert changes["transition"] == "investigate"
    assert changes["status"] == ["registered", "investigating"]


def test_login_logout_and_failed_login(app):
    client = app.test_client()
    start = last_event_id(app)
    address = {"REMOTE_ADDR": "10.9.9.1"}
    client.post("/login", data={"username": "gm", "password": "wrong-password"},
                environ_base=address)
    client.post("/login", data={"username": "gm", "password": "test-password-1"},
                environ_base=address)
    client.post("/logout", environ_base=address)
    found = events(app, AuditEvent.id > start)
    assert [(e.action, e.username, e.address) for e in found] == [
        ("login_failed", "gm", "10.9.9.1"), ("login", "gm", "10.9.9.1"),
        ("logout", "gm", "10.9.9.1")]
    assert found[0].user_id is None and found[1].user_id is not None


def test_exports_are_recorded(app):
    client = log_in(app.test_client(), app, "supervisor")
    start = last_event_id(app)
    assert client.get("/admin/customer/export/csv/?search=AUD").status_code == 200
    (event,) = events(app, AuditEvent.id > start)
    assert (event.action, event.model, event.username) == ("export", "customer",
                                                           "supervisor")


def test_a_refusal_of_a_hidden_record_carries_its_level(app):
    world = app.extensions["test_world"]
    row = next(r for r in world.rows_of("complaint") if r.level == "secret")
    client = log_in(app.test_client(), app, "clerk.sales")
    start = last_event_id(app)
    assert client.get(f"/admin/complaint/details/?id={row.id}").status_code == 404
    (event,) = events(app, AuditEvent.id > start)
    assert (event.action, event.record_id, event.level) == ("refused", str(row.id),
                                                            "secret")


def test_many_child_rows_cost_one_level_look_up(ctx):
    """Ten changed lines are one event about their slip: its level is read once."""
    customer = make_customer(ctx, "AUD-N1", level="confidential")
    slip = ReturnSlip(customer=customer, department_id=customer.department_id,
                      level="confidential")
    slip.lines.extend(ReturnLine(product=f"配件{n}", quantity_claimed=n + 1)
                      for n in range(10))
    db.session.add(slip)
    db.session.commit()
    start = last_id()
    seen = []
    listen = sa.event.listens_for(db.engine, "before_cursor_execute")(
        lambda conn, cursor, statement, *args: seen.append(" ".join(statement.split())))
    try:
        for line in slip.lines:
            line.quantity_counted = 1
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    [event] = new_events(start)
    assert event.level == "confidential" and len(changes_of(event)) == 10
    level_reads = [s for s in seen if s.startswith("SELECT return_slip.level")]
    assert len(level_reads) <= 1, level_reads
