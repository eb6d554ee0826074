"""Customer codes and contract numbers are the system's, like complaint numbers: given on
registration, never typed, never given twice (also at the same moment), so that "already
in use" can no longer tell a clerk which codes hidden records hold."""
from __future__ import annotations

import re
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from admin_views.secure import constraint_message
from models import Contract, Customer, NumberCounter, db
from permissions.scoping import bind_request_user

from ..test_workflow_support import clean_fixture  # noqa: F401  (fixture)
from ..threads import run_at_once

YY = f"{date.today():%y}"
#: table -> (pattern of a system number, its counter scope, the number's column)
NUMBERED = {"customer": (r"KH\d{5}", "customer:KH", "code"),
            "contract": (rf"HT{YY}\d{{4}}", f"contract:HT{YY}", "number")}
MODELS = {"customer": Customer, "contract": Contract}


def form_of(world, table: str, marker: str) -> dict:
    """A complete create form of a service clerk; ``marker`` names the record."""
    common = {"department": str(world.departments["service"]), "level": "internal"}
    if table == "customer":
        return {"name": marker, "kind": "dealer", "grade": "B", **common}
    customer = next(r for r in world.rows_of("customer")
                    if r.department == "service" and r.level == "internal")
    return {"title": marker, "customer": str(customer.id), "kind": "sales",
            "currency": "CNY", **common}


def named(app, table: str, marker: str) -> list[str]:
    """The numbers of the records registered under ``marker``, in order of id."""
    model = MODELS[table]
    text = model.name if table == "customer" else model.title
    column = getattr(model, NUMBERED[table][2])
    with app.app_context():
        numbers = db.session.scalars(sa.select(column).where(text == marker)
                                     .order_by(model.id)).all()
        db.session.remove()
        return numbers


def serial_of(number: str) -> int:
    return int(number[-4:]) if number.startswith("HT") else int(number[2:])


@pytest.mark.parametrize("table", NUMBERED)
def test_a_clerk_gets_the_systems_number_and_cannot_set_one(app, world, clean, client_as,
                                                             table):
    pattern, _scope, column = NUMBERED[table]
    clerk = client_as("clerk.service")
    page = clerk.get(f"/admin/{table}/new/").get_data(as_text=True)
    assert f'name="{column}"' not in page
    marker = f"系统编号 {table}"
    for typed in ("MY-OWN-1", "MY-OWN-2"):
        response = clerk.post(f"/admin/{table}/new/",
                              data={**form_of(world, table, marker), column: typed})
        assert response.status_code == 302
    first, second = named(app, table, marker)
    assert re.fullmatch(pattern, first) and re.fullmatch(pattern, second)
    assert serial_of(second) == serial_of(first) + 1  # consecutive, and different
    with app.app_context():
        pk = db.session.scalar(sa.select(MODELS[table].id).where(
            getattr(MODELS[table], column) == second))
    details = clerk.get(f"/admin/{table}/details/?id={pk}").get_data(as_text=True)
    assert second in details  # shown once saved
    edit = clerk.get(f"/admin/{table}/edit/?id={pk}").get_data(as_text=True)
    assert f'name="{column}"' not in edit


@pytest.mark.parametrize("table", NUMBERED)
def test_a_hidden_records_number_posted_is_answered_like_a_free_one(app, world, clean,
                                                                    client_as, table):
    """Posting the number of a record the clerk cannot see and posting an unused one give
    the same answer: the record is saved under the system's number."""
    hidden = next(r for r in world.rows_of(table) if r.level == "secret")
    column = NUMBERED[table][2]
    clerk = client_as("clerk.service")
    answers = []
    for typed, marker in ((hidden.marker, "占用的编号"), ("ZFREE00001", "空闲的编号")):
        response = clerk.post(f"/admin/{table}/new/",
                              data={**form_of(world, table, marker), column: typed},
                              follow_redirects=True)
        body = response.get_data(as_text=True)
        answers.append((response.status_code, "already in use" in body,
                        "could not be saved" in body))
        (number,) = named(app, table, marker)
        assert number != typed and re.fullmatch(NUMBERED[table][0], number)
    assert answers[0] == answers[1] == (200, False, False)


def test_a_serial_held_by_an_imported_record_is_skipped(app, world, clean):
    """An imported code that matches the system's pattern is never given again."""
    with app.app_context():
        counter = db.session.get(NumberCounter, "customer:KH")
        last = counter.last if counter else 0
        imported = f"KH{last + 1:05d}"
        db.session.add(Customer(code=imported, name="导入的客户", kind="dealer", grade="B",
                                department_id=world.departments["service"],
                                level="internal"))
        db.session.commit()
        new = Customer(name="新客户", kind="dealer", grade="B",
                       department_id=world.departments["service"], level="internal")
        db.session.add(new)
        db.session.commit()
        assert new.code == f"KH{last + 2:05d}"
        db.session.remove()


@pytest.mark.parametrize("table", NUMBERED)
def test_concurrent_registrations_get_distinct_consecutive_numbers(app, world, clean,
                                                                   table):
    """Ten clerks, each in a session of their own, register at the same moment."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrent registrations are proved on PostgreSQL")
    clerks, model, scope = 10, MODELS[table], NUMBERED[table][1]
    customer = next(r for r in world.rows_of("customer") if r.level == "internal")
    barrier = threading.Barrier(clerks)

    def register():
        with app.app_context():
            fields = {"department_id": world.departments["service"], "level": "internal"}
            record = Customer(name="同时登记", kind="dealer", grade="B", **fields) \
                if model is Customer else \
                Contract(title="同时登记", customer_id=customer.id, **fields)
            db.session.add(record)
            barrier.wait(timeout=30)
            db.session.commit()
            number = getattr(record, NUMBERED[table][2])
            db.session.remove()
            return number

    with app.app_context():
        counter = db.session.get(NumberCounter, scope)
        start = counter.last if counter else 0
        db.session.remove()
    numbers = run_at_once(*[register] * clerks)
    assert sorted(serial_of(n) for n in numbers) == list(range(start + 1,
                                                               start + clerks + 1))


def test_already_in_use_is_said_only_of_a_holder_the_user_may_see(app, world):
    """A unique value a user still types (none on a clerk's forms today): when the record
    holding it is hidden from them, the answer names no field and no "already in use"."""
    hidden = next(r for r in world.rows_of("customer")
                  if r.level == "secret" and r.department == "service")
    shown = next(r for r in world.rows_of("customer")
                 if r.level == "internal" and r.department == "service")
    refused = IntegrityError("INSERT", {}, Exception(
        "UNIQUE constraint failed: customer.code"))
    from models import AppUser
    with app.test_request_context("/admin/customer/new/", method="POST"), \
            force_locale("en"):
        bind_request_user(db.session.get(AppUser, world.users["clerk.service"]))
        assert constraint_message(Customer, refused, typed={"code": hidden.marker}) is None
        said = constraint_message(Customer, refused, typed={"code": shown.marker})
        assert "already in use" in said and "Customer code" in said
