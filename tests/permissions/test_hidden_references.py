"""A record whose required reference is hidden from its editor (an internal complaint of
a secret customer, edited by an internal clerk): the form shows the reference as not
visible, a save keeps it as it is, and it is never re-pointed by someone who cannot see
what they would replace."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import REGISTRY, AuditEvent, db

from ..test_workflow_support import clean_fixture  # noqa: F401  (fixture)
from ..workflows.test_conflicts import form_of
from ..world import _make

#: table -> a text field of its edit form the test changes
EDITED = {"complaint": "content", "contract": "title", "return_slip": "remarks",
          "archive_file": "description"}


def row(world, table: str, level: str):
    return next(r for r in world.rows_of(table)
                if r.department == "service" and r.level == level)


def make_pointing_at_secret_customer(app, world, table: str) -> int:
    """An internal record of the service department whose customer is secret."""
    with app.app_context():
        record = _make(world, REGISTRY[table], "service", "internal", f"H{table[:9]}",
                       {"customer": row(world, "customer", "secret").id})
        db.session.commit()
        pk = record.id
        db.session.remove()
        return pk


def stored(app, table: str, pk: int, *fields):
    with app.app_context():
        record = db.session.get(REGISTRY[table], pk)
        values = tuple(getattr(record, field) for field in fields)
        db.session.remove()
        return values


def refusals(app, table: str, pk: int) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "refused", AuditEvent.model == table,
            AuditEvent.record_id == str(pk)))
        db.session.remove()
        return count


@pytest.mark.parametrize("table", EDITED)
def test_saving_keeps_a_hidden_reference(app, world, clean, client_as, table):
    pk = make_pointing_at_secret_customer(app, world, table)
    secret = row(world, "customer", "secret")
    clerk = client_as("clerk.service")
    page = clerk.get(f"/admin/{table}/edit/?id={pk}").get_data(as_text=True)
    assert "(not visible to you)" in page
    assert secret.marker not in page and 'name="customer"' not in page
    data = {**form_of(page), EDITED[table]: "其他字段照常保存"}
    response = clerk.post(f"/admin/{table}/edit/?id={pk}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert stored(app, table, pk, EDITED[table], "customer_id") == ("其他字段照常保存",
                                                                     secret.id)


@pytest.mark.parametrize("table", EDITED)
def test_a_hidden_reference_cannot_be_re_pointed(app, world, clean, client_as, table):
    pk = make_pointing_at_secret_customer(app, world, table)
    secret, visible = row(world, "customer", "secret"), row(world, "customer", "internal")
    clerk = client_as("clerk.service")
    page = clerk.get(f"/admin/{table}/edit/?id={pk}").get_data(as_text=True)
    before = refusals(app, table, pk)
    data = {**form_of(page), EDITED[table]: "想换成别的客户", "customer": str(visible.id)}
    response = clerk.post(f"/admin/{table}/edit/?id={pk}", data=data)
    assert response.status_code == 200
    assert "Customer: it refers to a record you may not see, so you cannot replace it" \
        in response.get_data(as_text=True)
    assert stored(app, table, pk, EDITED[table], "customer_id")[1] == secret.id
    assert stored(app, table, pk, EDITED[table])[0] != "想换成别的客户"
    assert refusals(app, table, pk) == before + 1


def test_who_sees_both_may_re_point(app, world, clean, client_as):
    """The GM office sees the secret customer: the field is the usual look-up."""
    pk = make_pointing_at_secret_customer(app, world, "complaint")
    visible = row(world, "customer", "internal")
    gm = client_as("gm")
    page = gm.get(f"/admin/complaint/edit/?id={pk}").get_data(as_text=True)
    assert "(not visible to you)" not in page and 'name="customer"' in page
    response = gm.post(f"/admin/complaint/edit/?id={pk}",
                       data={**form_of(page), "customer": str(visible.id)})
    assert response.status_code == 302
    assert stored(app, "complaint", pk, "customer_id") == (visible.id,)


def test_a_hidden_cross_reference_survives_a_save(app, world, clean, client_as):
    """Archive cross-references: the look-up lists the visible ones; saving the file keeps
    the ones the editor cannot see (they were never loaded, so never removed)."""
    secret, shown = row(world, "archive_file", "secret"), row(world, "archive_file",
                                                              "internal")
    with app.app_context():
        model = REGISTRY["archive_file"]
        record = _make(world, model, "service", "internal", "Hxref",
                       {"customer": row(world, "customer", "internal").id})
        record.references = [db.session.get(model, secret.id), db.session.get(model, shown.id)]
        db.session.commit()
        pk = record.id
        db.session.remove()
    clerk = client_as("clerk.service")
    page = clerk.get(f"/admin/archive_file/edit/?id={pk}").get_data(as_text=True)
    assert secret.marker not in page
    data = {**form_of(page), "description": "交叉参照保留"}
    assert data.get("references") == str(shown.id)
    assert clerk.post(f"/admin/archive_file/edit/?id={pk}", data=data).status_code == 302
    with app.app_context():
        record = db.session.get(REGISTRY["archive_file"], pk)
        assert record.description == "交叉参照保留"
        assert sorted(r.id for r in record.references) == sorted([secret.id, shown.id])
        db.session.remove()
