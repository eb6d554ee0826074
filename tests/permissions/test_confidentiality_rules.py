"""Writing within one's clearance and department; the loan door; refusals audited;
error messages and exports that leak nothing."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import REGISTRY, AuditEvent, Customer, Loan, db


def customer_form(world, code, **extra):
    """A customer's form; ``code`` marks its name (the code itself is the system's)."""
    return {"name": f"测试客户 {code}", "kind": "dealer", "grade": "B",
            "department": str(world.departments["sales"]), "level": "internal", **extra}


def count(app, model, *where):
    with app.app_context():
        value = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
        db.session.remove()
        return value


def test_clerk_cannot_create_above_clearance(app, client, login_as, world):
    login_as("clerk.sales")
    page = client.get("/admin/customer/new/").get_data(as_text=True)
    assert 'value="secret"' not in page and 'value="confidential"' not in page
    response = client.post("/admin/customer/new/",
                           data=customer_form(world, "LVL-UP-1", level="secret"))
    assert response.status_code == 200
    assert count(app, Customer, Customer.name == "测试客户 LVL-UP-1") == 0


def test_clerk_cannot_register_for_another_department(app, client, login_as, world):
    login_as("clerk.sales")
    response = client.post("/admin/customer/new/", data=customer_form(
        world, "DEPT-X-1", department=str(world.departments["service"])))
    assert response.status_code == 200
    assert count(app, Customer, Customer.name == "测试客户 DEPT-X-1") == 0
    ok = client.post("/admin/customer/new/", data=customer_form(world, "DEPT-OK-1"))
    assert ok.status_code == 302
    assert count(app, Customer, Customer.name == "测试客户 DEPT-OK-1") == 1


def test_only_gm_changes_an_existing_level(app, client, login_as, world):
    login_as("clerk.sales")
    client.post("/admin/customer/new/", data=customer_form(world, "LVL-KEEP"))
    with app.app_context():
        pk = db.session.scalar(sa.select(Customer.id).where(
            Customer.name == "测试客户 LVL-KEEP"))
    edit = client.get(f"/admin/customer/edit/?id={pk}").get_data(as_text=True)
    assert 'name="level"' not in edit
    client.post(f"/admin/customer/edit/?id={pk}",
                data=customer_form(world, "LVL-KEEP", level="public"))
    assert count(app, Customer, Customer.id == pk, Customer.level == "internal") == 1
    login_as("gm")
    assert 'name="level"' in client.get(f"/admin/customer/edit/?id={pk}").get_data(
        as_text=True)
    response = client.post(f"/admin/customer/edit/?id={pk}",
                           data=customer_form(world, "LVL-KEEP", level="confidential"))
    assert response.status_code == 302
    assert count(app, Customer, Customer.id == pk, Customer.level == "confidential") == 1


def test_a_posted_code_of_a_hidden_record_is_ignored(app, client, login_as, world):
    """The code is the system's: a hidden customer's code posted with the form neither
    fails ("already in use") nor names the record; the new customer gets its own code."""
    hidden = next(r for r in world.rows_of("customer") if r.level == "secret")
    login_as("clerk.sales")
    response = client.post("/admin/customer/new/", data={
        **customer_form(world, "HIDDEN-CODE"), "code": hidden.marker})
    assert response.status_code == 302
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"details/?id={hidden.id}" not in body and "already in use" not in body
    assert count(app, Customer, Customer.code == hidden.marker) == 1
    assert count(app, Customer, Customer.name == "测试客户 HIDDEN-CODE",
                 Customer.code.like("KH%")) == 1


def test_refused_access_is_audited(app, client, login_as, world):
    hidden = next(r for r in world.rows_of("complaint")
                  if r.department == "service" and r.level == "internal")
    login_as("clerk.sales")
    assert client.get(f"/admin/complaint/details/?id={hidden.id}").status_code == 404
    assert client.get("/admin/app_user/").status_code == 403
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "refused",
            AuditEvent.user_id == world.users["clerk.sales"])).all()
        assert any(e.model == "complaint" and e.record_id == str(hidden.id)
                   and e.endpoint == "complaint.details_view" and '"status": 404' in e.changes
                   for e in events)
        assert any(e.model == "app_user" and '"status": 403' in e.changes for e in events)
        db.session.remove()


@pytest.fixture
def secret_file(app, world):
    row = next(r for r in world.rows_of("archive_file")
               if r.department == "service" and r.level == "secret")
    return row


def _lend(app, world, row, status, due):
    with app.app_context():
        loan = Loan(archive_file_id=row.id, borrower_id=world.users["clerk.sales"],
                    requested_by_id=world.users["clerk.sales"], purpose="核对合同",
                    mode="read", due_date=due, status=status,
                    department_id=world.departments["sales"])
        db.session.add(loan)
        db.session.commit()
        pk = loan.id
        db.session.remove()
        return pk


def _set_loan(app, pk, **values):
    with app.app_context():
        db.session.execute(sa.update(Loan).where(Loan.id == pk).values(**values))
        db.session.commit()
        db.session.remove()


def test_loan_opens_one_file_for_reading_only(app, client, login_as, world, secret_file):
    login_as("clerk.sales")
    url = f"/admin/archive_file/details/?id={secret_file.id}"
    assert client.get(url).status_code == 404
    pk = _lend(app, world, secret_file, "approved", date.today() + timedelta(days=3))
    try:
        page = client.get(url)
        assert page.status_code == 200 and secret_file.marker in page.get_data(as_text=True)
        assert client.get(f"/admin/archive_file/edit/?id={secret_file.id}").status_code == 403
        other = next(r for r in world.rows_of("archive_file")
                     if r.department == "service" and r.level == "confidential")
        assert client.get(f"/admin/archive_file/details/?id={other.id}").status_code == 404
        _set_loan(app, pk, status="lent")
        assert client.get(url).status_code == 200
        _set_loan(app, pk, due_date=date.today() - timedelta(days=1))
        assert client.get(url).status_code == 404  # fell due: the door closes
        _set_loan(app, pk, status="returned", due_date=date.today() + timedelta(days=3))
        assert client.get(url).status_code == 404  # returned: the door closes
    finally:
        _set_loan(app, pk, status="returned")


def test_export_neutralises_formulas(app, client, login_as, world):
    login_as("supervisor")
    client.post("/admin/customer/new/", data=customer_form(
        world, "FORMULA-1", name='=HYPERLINK("http://x","y")', contact_person="FORMULA-1",
        department=str(world.departments["service"])))
    assert count(app, Customer, Customer.contact_person == "FORMULA-1") == 1
    body = client.get("/admin/customer/export/csv/?search=FORMULA-1").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body)))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


@pytest.mark.parametrize("table", list(REGISTRY))
def test_malformed_list_parameters_do_not_fail(client, login_as, table):
    login_as("auditor")  # may list every table
    view_filters = [f"flt0_{i}=zzz" for i in range(30)] + [
        f"flt0_{i}=2026-13-45+to+x" for i in range(30)]
    for query in ("page=abc", "page=-5", "page=999999999999999999999", "sort=999",
                  "sort=abc&desc=x", "page_size=100000", "flt99_999=1",
                  "search=%25%25%25", "search=" + "长" * 500, "search=_", *view_filters):
        assert client.get(f"/admin/{table}/?{query}").status_code == 200, query


def test_archive_file_lookup_for_loans_never_offers_hidden_files(client, login_as, world):
    login_as("clerk.sales")
    result = client.get("/admin/loan/ajax/lookup/?name=archive_file&query=&limit=100")
    ids = {item[0] for item in result.get_json()}
    hidden = {r.id for r in world.rows_of("archive_file")
              if r.level in ("confidential", "secret") or r.department != "sales"}
    assert ids and not ids & hidden
